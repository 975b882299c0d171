#pragma once
// nn::Sequential: layers applied in order, named like torch.nn.Sequential ("0.weight", "2.bias").
//
//   slope::nn::Sequential net(nn::Linear(784, 100, k1), nn::ReLU(), nn::Dropout(0.1), nn::Linear(100, 10, k2));
//   Tensor y = net(x);                                  // evaluation
//   auto [y2, net2] = net(x, /*train=*/true, key);      // training: Dropout draws from key, BatchNorm
//                                                       // statistics come back in net2
//   auto& first = net.get<0>();                         // the layers keep their types
//
// Why a tuple of layer types rather than a type-erased list: a pytree must rebuild a value of the
// same type from leaves (grad returns a Sequential, an optimizer updates one, jit returns one), and
// with the types known the layers stay plain structs: no virtual calls, no heap cells, each layer
// reachable by type, and the tree's structure (jit's cache key) falls out of the types. A list of
// layers of ONE type (transformer blocks) is a std::vector<Block>, which names its elements
// "blocks.0....", like nn.ModuleList.
#include <string>
#include <tuple>
#include <utility>

#include "slope/nn/module.h"
#include "slope/random.h"

namespace slope::nn {

namespace detail {
// Whether nn::forward hands this layer a key (random layers and containers).
template <class L> constexpr bool takes_key() {
  return requires(const L& l, const Tensor& x, bool t, const Tensor& k) {
    { l(x, t, k) } -> std::same_as<std::pair<Tensor, L>>;
  } || requires(const L& l, const Tensor& x, bool t, const Tensor& k) {
    { l(x, k, t) } -> std::same_as<Tensor>;
  };
}
}  // namespace detail

template <class... Layers> struct Sequential {
  std::tuple<Layers...> layers;

  Sequential() = default;
  explicit Sequential(Layers... ls) : layers(std::move(ls)...) {}

  template <size_t I> const auto& get() const { return std::get<I>(layers); }
  template <size_t I> auto& get() { return std::get<I>(layers); }
  static constexpr size_t size() { return sizeof...(Layers); }

  Tensor operator()(const Tensor& x) const { return (*this)(x, false, Tensor()).first; }

  // Runs every layer through nn::forward; layer i draws from fold_in(key, i). The key is only
  // needed when a random layer (Dropout) trains.
  std::pair<Tensor, Sequential> operator()(const Tensor& x, bool train, const Tensor& key = Tensor()) const {
    Tensor y = x;
    Sequential next = *this;
    [&]<size_t... I>(std::index_sequence<I...>) {
      (step<I>(y, next, train, key), ...);
    }(std::index_sequence_for<Layers...>{});
    return {y, next};
  }

  void describe(std::string& out, int indent) const {
    detail::open_block(out, "Sequential");
    bool any = false;
    size_t i = 0;
    std::apply([&](const auto&... l) {
      ((void)[&] {
         std::string s;
         if (nn::describe(s, l, indent + 2)) detail::add_child(out, std::to_string(i), s, indent), any = true;
         ++i;
       }(), ...);
    }, layers);
    detail::close_block(out, any, indent);
  }

 private:
  template <size_t I> void step(Tensor& y, Sequential& next, bool train, const Tensor& key) const {
    using L = std::tuple_element_t<I, std::tuple<Layers...>>;
    Tensor k;
    if constexpr (detail::takes_key<L>())
      if (key.defined()) k = random::fold_in(key, static_cast<uint32_t>(I));
    auto [out, layer] = nn::forward(std::get<I>(layers), y, train, k);
    y = std::move(out);
    std::get<I>(next.layers) = std::move(layer);
  }
};
template <class... Ls> Sequential(Ls...) -> Sequential<Ls...>;

// A homogeneous list of layers (torch.nn.ModuleList): names "0.weight", "1.weight", ...
template <class L> using ModuleList = std::vector<L>;

}  // namespace slope::nn

namespace slope {
template <class... Ls> struct PyTree<nn::Sequential<Ls...>> {
  using S = nn::Sequential<Ls...>;
  using T = std::tuple<Ls...>;
  static void flatten(const S& s, std::vector<Tensor>& out) { PyTree<T>::flatten(s.layers, out); }
  static S unflatten(const S& proto, const Tensor*& it) {
    S r = proto;
    r.layers = PyTree<T>::unflatten(proto.layers, it);
    return r;
  }
  static void structure(const S& s, std::string& out) {
    out += "Sequential";
    PyTree<T>::structure(s.layers, out);
  }
  // No field name: torch names the layers of a Sequential by position alone.
  static void paths(const S& s, const std::string& prefix, std::vector<std::string>& out) {
    PyTree<T>::paths(s.layers, prefix, out);
  }
};
}  // namespace slope
