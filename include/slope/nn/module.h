#pragma once
// Modules: a layer or a model is a plain struct of tensors (parameters and buffers) plus static
// configuration, registered as a pytree. grad, jit, vmap and the optimizers take whole models and
// give back the same type; leaf names are PyTorch's state_dict keys ("fc1.weight",
// "layers.0.bias"), built from field names and indices (pytree.h tree_paths).
//
//   struct MLP {
//     slope::nn::Linear fc1, fc2;
//     slope::Tensor operator()(const slope::Tensor& x) const { return fc2(slope::nn::relu(fc1(x))); }
//   };
//   SLOPE_MODULE(MLP, fc1, fc2)   // SLOPE_PYTREE + operator<< (PyTorch-style printing)
//
// Every field that changes what the module computes must be listed, static ones too (strides,
// eps): the pytree structure, which holds static values, is jit's cache key.
#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "slope/pytree.h"
#include "slope/tensor.h"

namespace slope {
namespace nn {

// A buffer: module state that is saved with the weights but is not a parameter (BatchNorm's
// running statistics). It is a Tensor in every other respect. Buffers appear in state_dict()
// and tree_leaves, never in named_parameters(); optimizers leave them alone and their gradients
// (always zero: they enter the computation through stop_gradient) are never applied.
struct Buffer : Tensor {
  Buffer() = default;
  Buffer(Tensor t) : Tensor(std::move(t)) {}  // NOLINT: a tensor becomes a buffer by being stored as one
};

namespace detail {
// While leaf_kinds() flattens a tree, every Buffer records its leaf position here. A thread-local
// hook instead of a method on every pytree node: the nodes of pytree.h (and users' own) need not
// know that buffers exist.
inline thread_local std::vector<bool>* buffer_marks = nullptr;
}  // namespace detail
}  // namespace nn

// A buffer is one leaf; it records its position while buffer_mask() walks the tree.
template <> struct PyTree<nn::Buffer> {
  static void flatten(const nn::Buffer& t, std::vector<Tensor>& out) {
    if (nn::detail::buffer_marks) {
      nn::detail::buffer_marks->resize(out.size() + 1, false);
      (*nn::detail::buffer_marks)[out.size()] = true;
    }
    out.push_back(t);
  }
  static nn::Buffer unflatten(const nn::Buffer&, const Tensor*& it) { return nn::Buffer(*it++); }
  static void structure(const nn::Buffer&, std::string& s) { s += "B"; }
  static void paths(const nn::Buffer&, const std::string& prefix, std::vector<std::string>& out) { out.push_back(prefix); }
};

namespace nn {

namespace detail {
// Points buffer_marks at `marks` for its lifetime (restoring any outer walk's).
class BufferMarkScope {
 public:
  explicit BufferMarkScope(std::vector<bool>& marks) : outer_(buffer_marks) { buffer_marks = &marks; }
  ~BufferMarkScope() { buffer_marks = outer_; }
  BufferMarkScope(const BufferMarkScope&) = delete;
  BufferMarkScope& operator=(const BufferMarkScope&) = delete;

 private:
  std::vector<bool>* outer_;
};
}  // namespace detail

// Which leaves of `tree` (in tree_leaves order) are buffers.
template <class T> std::vector<bool> buffer_mask(const T& tree) {
  std::vector<bool> marks;
  std::vector<Tensor> leaves;
  {
    detail::BufferMarkScope scope(marks);
    PyTree<T>::flatten(tree, leaves);
  }
  marks.resize(leaves.size(), false);
  return marks;
}

// A predicate on leaf names: which leaves to freeze (optimizers skip them; stop_gradient cuts them).
using Filter = std::function<bool(const std::string& name)>;
// Every leaf inside the given submodules: submodules({"fc1", "layers.0"}) selects "fc1.weight",
// "layers.0.attn.in_proj_weight", ... but not "fc10.weight".
Filter submodules(std::vector<std::string> prefixes);

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Parameters only (no buffers), named like PyTorch's named_parameters().
template <class T> NamedTensors named_parameters(const T& model) {
  std::vector<bool> buffers = buffer_mask(model);
  NamedTensors all = tree_named_leaves(model), out;
  for (size_t i = 0; i < all.size(); ++i)
    if (!buffers[i]) out.push_back(std::move(all[i]));
  return out;
}
template <class T> NamedTensors named_buffers(const T& model) {
  std::vector<bool> buffers = buffer_mask(model);
  NamedTensors all = tree_named_leaves(model), out;
  for (size_t i = 0; i < all.size(); ++i)
    if (buffers[i]) out.push_back(std::move(all[i]));
  return out;
}
// Parameters and buffers, in PyTorch's state_dict() order when the fields are declared in the
// order torch registers them (each layer here is).
template <class T> NamedTensors state_dict(const T& model) { return tree_named_leaves(model); }
// Number of parameter elements (buffers excluded).
template <class T> int64_t parameter_count(const T& model) {
  int64_t n = 0;
  for (auto& [name, t] : named_parameters(model)) n += t.numel();
  return n;
}

namespace detail {
// The leaves of a model with the same names replaced from `state` (cast to the leaf's dtype, shape
// checked). strict: every leaf must be present and every entry used, as in torch's load_state_dict.
std::vector<Tensor> load_leaves(const std::vector<std::string>& names, const std::vector<Tensor>& leaves,
                                const NamedTensors& state, bool strict);
std::vector<Tensor> stop_gradient_leaves(const std::vector<std::string>& names, const std::vector<Tensor>& leaves,
                                         const Filter& selected);
}  // namespace detail

// A copy of `model` with its leaves replaced by name from `state` (e.g. a PyTorch state_dict).
template <class T> T load_state_dict(const T& model, const NamedTensors& state, bool strict = true) {
  return tree_unflatten(model, detail::load_leaves(tree_paths(model), tree_leaves(model), state, strict));
}
template <class T> T load_state_dict(const T& model, const std::map<std::string, Tensor>& state, bool strict = true) {
  return load_state_dict(model, NamedTensors(state.begin(), state.end()), strict);
}

// `model` with stop_gradient applied to the leaves `frozen` selects: inside a loss, their gradients
// are zero and the backward pass never computes them (PyTorch's requires_grad_(False)).
template <class T> T stop_gradient(const T& model, const Filter& frozen) {
  return tree_unflatten(model, detail::stop_gradient_leaves(tree_paths(model), tree_leaves(model), frozen));
}

// Which leaves an optimizer updates: floating-point parameters (not buffers) that `frozen` (if set)
// does not select.
template <class T> std::vector<bool> trainable_mask(const T& model, const Filter& frozen = {}) {
  std::vector<bool> buffers = buffer_mask(model);
  std::vector<std::string> names = tree_paths(model);
  std::vector<Tensor> leaves = tree_leaves(model);
  std::vector<bool> out(leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i)
    out[i] = !buffers[i] && is_floating(leaves[i].dtype()) && !(frozen && frozen(names[i]));
  return out;
}

// ---------------------------------------------------------------- calling layers uniformly
// How a container runs one layer in training or evaluation: the layer's new state comes back with
// the output. A layer takes part in one of four ways (checked in this order):
//   l(x, train, key) -> (y, new l)   containers and user blocks that thread state and keys
//   l(x, train)      -> (y, new l)   stateful layers (BatchNorm)
//   l(x, key, train) -> y            random layers (Dropout): the key is only used when training
//   l(x)             -> y            everything else
template <class L> std::pair<Tensor, L> forward(const L& layer, const Tensor& x, bool train, const Tensor& key) {
  if constexpr (requires { { layer(x, train, key) } -> std::same_as<std::pair<Tensor, L>>; }) {
    return layer(x, train, key);
  } else if constexpr (requires { { layer(x, train) } -> std::same_as<std::pair<Tensor, L>>; }) {
    return layer(x, train);
  } else if constexpr (requires { { layer(x, key, train) } -> std::same_as<Tensor>; }) {
    return {layer(x, key, train), layer};
  } else {
    static_assert(requires { { layer(x) } -> std::convertible_to<Tensor>; },
                  "slope::nn::forward: a layer must be callable as l(x), l(x, key, train), l(x, train) or "
                  "l(x, train, key)");
    return {Tensor(layer(x)), layer};
  }
}

// ---------------------------------------------------------------- printing
// PyTorch-style module printing. A layer describes itself with `std::string repr() const` (one
// line, "Linear(in_features=4, out_features=2, bias=True)"); a container with
// `void describe(std::string& out, int indent) const`; a registered struct prints its fields.
namespace detail {
template <class T> concept HasRepr = requires(const T& t) { { t.repr() } -> std::convertible_to<std::string>; };
template <class T> concept HasDescribe = requires(const T& t, std::string& s, int i) { t.describe(s, i); };
template <class T> struct IsOptional : std::false_type {};
template <class V> struct IsOptional<std::optional<V>> : std::true_type {};
template <class T> struct IsSequence : std::false_type {};
template <class V> struct IsSequence<std::vector<V>> : std::true_type {};
template <class V, size_t N> struct IsSequence<std::array<V, N>> : std::true_type {};
template <class T> struct IsStringMap : std::false_type {};
template <class V> struct IsStringMap<std::map<std::string, V>> : std::true_type {};
template <class T> struct IsTuple : std::false_type {};
template <class... Ts> struct IsTuple<std::tuple<Ts...>> : std::true_type {};
template <class A, class B> struct IsTuple<std::pair<A, B>> : std::true_type {};

std::string short_type_name(const char* qualified);  // "slope::nn::Linear" -> "Linear"
std::string tensor_repr(const char* kind, const Tensor& t);  // "Parameter([3, 4], f32)"
// "Name(" + "\n" + indent+2 "(key): child" ... + "\n" + indent ")"; "Name()" with no children.
void open_block(std::string& out, const std::string& name);
void add_child(std::string& out, const std::string& key, const std::string& child, int indent);
void close_block(std::string& out, bool any_child, int indent);
std::string summary_line(const std::vector<Tensor>& leaves, const std::vector<bool>& buffers);
}  // namespace detail

// Appends v's description to out; false (nothing appended) for static values and empty optionals.
// Lines after the first are indented by `indent` (the column v starts at, in PyTorch's layout).
template <class T> bool describe(std::string& out, const T& v, int indent);

namespace detail {
template <class Each> bool describe_children(std::string& out, const std::string& name, int indent, Each each) {
  open_block(out, name);
  bool any = false;
  each([&](const std::string& key, const auto& child) {
    std::string s;
    if (nn::describe(s, child, indent + 2)) add_child(out, key, s, indent), any = true;
  });
  close_block(out, any, indent);
  return true;
}
}  // namespace detail

template <class T> bool describe(std::string& out, const T& v, int indent) {
  if constexpr (detail::HasDescribe<T>) {
    v.describe(out, indent);
    return true;
  } else if constexpr (detail::HasRepr<T>) {
    out += v.repr();
    return true;
  } else if constexpr (std::is_same_v<T, Buffer>) {
    out += detail::tensor_repr("Buffer", v);
    return true;
  } else if constexpr (std::is_same_v<T, Tensor>) {
    out += detail::tensor_repr("Parameter", v);
    return true;
  } else if constexpr (detail::IsOptional<T>::value) {
    return v && describe(out, *v, indent);
  } else if constexpr (detail::IsSequence<T>::value) {
    using V = typename T::value_type;
    const char* name = std::is_base_of_v<Tensor, V> ? "ParameterList" : "ModuleList";
    return detail::describe_children(out, name, indent, [&](auto&& f) {
      for (size_t i = 0; i < v.size(); ++i) f(std::to_string(i), v[i]);
    });
  } else if constexpr (detail::IsStringMap<T>::value) {
    return detail::describe_children(out, "ModuleDict", indent, [&](auto&& f) {
      for (auto& [k, c] : v) f(k, c);
    });
  } else if constexpr (detail::IsTuple<T>::value) {
    return detail::describe_children(out, "Tuple", indent, [&](auto&& f) {
      size_t i = 0;
      std::apply([&](const auto&... c) { (f(std::to_string(i++), c), ...); }, v);
    });
  } else if constexpr (slope::detail::HasFields<T>) {
    static const std::vector<std::string> names = slope::detail::split_field_names(PyTreeFields<T>::field_names());
    return detail::describe_children(out, detail::short_type_name(PyTreeFields<T>::name()), indent, [&](auto&& f) {
      size_t i = 0;
      std::apply([&](auto&... c) { (f(names[i++], c), ...); }, PyTreeFields<T>::tie(const_cast<T&>(v)));
    });
  } else {
    return false;  // static configuration (numbers, strings, enums) is part of a layer's repr, not a child
  }
}

// The printed module: its layers (PyTorch's layout), then the parameter (and buffer) count.
template <class T> std::string summary(const T& model) {
  std::string s;
  describe(s, model, 0);
  return s + "\n" + detail::summary_line(tree_leaves(model), buffer_mask(model));
}

}  // namespace nn

}  // namespace slope

// SLOPE_MODULE(Type, fields...): SLOPE_PYTREE plus `std::cout << model` (slope::nn::summary).
// Use it at global scope, like SLOPE_PYTREE; for a type inside a namespace, ADL does not see this
// operator from outside that namespace: print slope::nn::summary(model) instead.
#define SLOPE_MODULE(Type, ...)                                                  \
  SLOPE_PYTREE(Type, __VA_ARGS__)                                                \
  [[maybe_unused]] inline std::ostream& operator<<(std::ostream& os, const Type& module) { \
    return os << slope::nn::summary(module);                                     \
  }
