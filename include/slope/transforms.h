#pragma once
// Transformations: jvp, vjp, grad, value_and_grad, linearize, vmap, jacfwd, jacrev, hessian.
// They take C++ callables over pytrees (pytree.h) and compose to any depth:
//   slope::grad(slope::grad(f))(x),  slope::vmap(slope::grad(loss), {std::nullopt, 0})(params, xs)
// Each is a thin template over the flat cores below, which work on lists of tensors.
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "slope/program.h"
#include "slope/pytree.h"
#include "slope/tensor.h"

namespace slope {

// ---------------- flat cores (lists of tensors in and out) ----------------
namespace detail {
using FlatFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

std::pair<std::vector<Tensor>, std::vector<Tensor>> jvp_flat(const FlatFn& f, const std::vector<Tensor>& primals,
                                                             const std::vector<Tensor>& tangents);
// The tangent map of f at primals as a linear Program (tangents in -> tangents out).
struct Linearized {
  std::vector<Tensor> outputs;
  std::shared_ptr<Program> linear;
  std::vector<AVal> in_avals, out_avals;
};
Linearized linearize_flat(const FlatFn& f, const std::vector<Tensor>& primals);
std::vector<Tensor> apply_linear(const Linearized& l, const std::vector<Tensor>& tangents);   // f_lin
std::vector<Tensor> apply_transpose(const Linearized& l, const std::vector<Tensor>& cts);     // f_vjp
std::vector<Tensor> vmap_flat(const FlatFn& f, const std::vector<Tensor>& args,
                              const std::vector<std::optional<int64_t>>& in_dims,
                              const std::vector<std::optional<int64_t>>& out_dims);
void check_scalar_output(const char* transform, const Tensor& y);
Tensor ones_like_cotangent(const Tensor& y);
Tensor zeros_cotangent(const AVal& a);

// ---- call helpers: f(args...) with args from a tuple, leaves replaced ----
template <class Tuple> Tuple unflatten_tuple(const Tuple& like, const std::vector<Tensor>& leaves, size_t& pos) {
  std::vector<Tensor> part(leaves.begin() + static_cast<long>(pos), leaves.end());
  const Tensor* it = part.data();
  Tuple r = PyTree<Tuple>::unflatten(like, it);
  pos += static_cast<size_t>(it - part.data());
  return r;
}
template <class T> struct SplitAux { static constexpr bool value = false; };
template <class A> struct SplitAux<std::pair<Tensor, A>> { static constexpr bool value = true; };
template <class A> struct SplitAux<std::tuple<Tensor, A>> { static constexpr bool value = true; };
// f as a function of the flat leaves of `args`; the first call's output tree is kept in `proto`
// so results can be rebuilt with the output's own types.
template <class Out, class F, class Tuple>
FlatFn flatten_call(F& f, const Tuple& args, std::optional<Out>& proto) {
  return [&f, &args, &proto](const std::vector<Tensor>& leaves) {
    size_t pos = 0;
    Out o = std::apply(f, unflatten_tuple(args, leaves, pos));
    std::vector<Tensor> out = tree_leaves(o);
    if (!proto) proto.emplace(std::move(o));
    return out;
  };
}
template <class R> const Tensor& main_output(const R& r) {
  if constexpr (SplitAux<R>::value) return std::get<0>(r);
  else return r;
}
}  // namespace detail

// ---------------- jvp ----------------
// jvp(f, primals, tangents) -> (f(primals), J t). primals/tangents: std::tuple of f's argument
// trees (or a std::vector<Tensor> for functions of Tensors).
template <class F, class... Args>
auto jvp(F&& f, const std::tuple<Args...>& primals, const std::tuple<Args...>& tangents) {
  using Out = std::decay_t<decltype(std::apply(f, primals))>;
  std::vector<Tensor> p = tree_leaves(primals), t = tree_leaves(tangents);
  if (tree_structure(primals) != tree_structure(tangents))
    fail("jvp", "primals and tangents must have one structure: ", tree_structure(primals), " vs ", tree_structure(tangents));
  std::optional<Out> proto;
  detail::FlatFn flat = detail::flatten_call<Out>(f, primals, proto);
  auto [y, ty] = detail::jvp_flat(flat, p, t);
  return std::pair<Out, Out>{tree_unflatten(*proto, y), tree_unflatten(*proto, ty)};
}
template <class F>
auto jvp(F&& f, const std::vector<Tensor>& primals, const std::vector<Tensor>& tangents) {
  if (primals.size() != tangents.size())
    fail("jvp", "got ", primals.size(), " primals and ", tangents.size(), " tangents");
  if constexpr (std::is_invocable_v<F, Tensor>) {
    if (primals.size() != 1) fail("jvp", "f takes 1 tensor, got ", primals.size(), " primals");
    return jvp(f, std::tuple<Tensor>{primals[0]}, std::tuple<Tensor>{tangents[0]});
  } else if constexpr (std::is_invocable_v<F, Tensor, Tensor>) {
    if (primals.size() != 2) fail("jvp", "f takes 2 tensors, got ", primals.size(), " primals");
    return jvp(f, std::tuple<Tensor, Tensor>{primals[0], primals[1]}, std::tuple<Tensor, Tensor>{tangents[0], tangents[1]});
  } else {
    static_assert(std::is_invocable_v<F, Tensor, Tensor, Tensor>, "jvp with a vector: f must take 1-3 Tensors");
    if (primals.size() != 3) fail("jvp", "f takes 3 tensors, got ", primals.size(), " primals");
    return jvp(f, std::tuple<Tensor, Tensor, Tensor>{primals[0], primals[1], primals[2]},
               std::tuple<Tensor, Tensor, Tensor>{tangents[0], tangents[1], tangents[2]});
  }
}

// ---------------- linearize / vjp ----------------
namespace detail {
// f at args, linearized: the primals, the linear program and the output tree.
template <class Out, class... Args>
struct LinearizedCall {
  std::tuple<Args...> primals;
  std::shared_ptr<Linearized> lin;
  Out out;
};
template <class F, class... Args>
auto linearize_call(F& f, const Args&... args) {
  using Out = std::decay_t<decltype(f(args...))>;
  std::tuple<Args...> primals{args...};
  std::optional<Out> proto;
  FlatFn flat = flatten_call<Out>(f, primals, proto);
  auto lin = std::make_shared<Linearized>(linearize_flat(flat, tree_leaves(primals)));
  Out out = tree_unflatten(*proto, lin->outputs);
  return LinearizedCall<Out, Args...>{std::move(primals), std::move(lin), std::move(out)};
}
}  // namespace detail

// linearize(f, args...) -> (f(args...), f_lin) with f_lin(tangents...) -> J t.
template <class F, class... Args>
auto linearize(F&& f, const Args&... args) {
  auto call = detail::linearize_call(f, args...);
  using Out = decltype(call.out);
  auto f_lin = [lin = call.lin, primals = call.primals, out_tree = call.out](const Args&... tangents) {
    std::tuple<Args...> t{tangents...};
    if (tree_structure(t) != tree_structure(primals)) fail("linearize", "tangents must have the primals' structure");
    return tree_unflatten(out_tree, detail::apply_linear(*lin, tree_leaves(t)));
  };
  return std::make_pair(call.out, std::function<Out(const Args&...)>(f_lin));
}

// vjp(f, args...) -> (f(args...), f_vjp) with f_vjp(cotangent) -> std::tuple of cotangents, one per argument.
template <class F, class... Args>
auto vjp(F&& f, const Args&... args) {
  auto call = detail::linearize_call(f, args...);
  using Out = decltype(call.out);
  auto f_vjp = [lin = call.lin, primals = call.primals, out_tree = call.out](const Out& ct) {
    if (tree_structure(ct) != tree_structure(out_tree)) fail("vjp", "the cotangent must have the output's structure");
    std::vector<Tensor> cts = detail::apply_transpose(*lin, tree_leaves(ct));
    size_t pos = 0;
    return detail::unflatten_tuple(primals, cts, pos);
  };
  return std::make_pair(call.out, std::function<std::tuple<Args...>(const Out&)>(f_vjp));
}

// ---------------- grad / value_and_grad ----------------
// value_and_grad(f)(args...) -> (f(args...), df/d(arg Is...)). f returns a scalar Tensor, or a
// (Tensor, aux) pair/tuple: then the value is that pair (the aux rides along, undifferentiated).
// With one argnum the gradient has the argument's type; with several, a std::tuple of them.
namespace detail {
template <size_t... Is, class F>
auto value_and_grad_impl(F f) {
  return [f](const auto&... args) {
    constexpr size_t nargs = sizeof...(args);
    static_assert(((Is < nargs) && ...), "grad: argnum out of range");
    static constexpr size_t idx[] = {Is...};
    auto all = std::make_tuple(args...);
    using All = decltype(all);
    using R = std::decay_t<decltype(f(args...))>;
    // Differentiate w.r.t. the selected arguments only; the others are closed over.
    auto selected = std::make_tuple(std::get<Is>(all)...);
    using Sel = decltype(selected);
    std::optional<R> result;
    FlatFn flat = [&](const std::vector<Tensor>& leaves) {
      size_t pos = 0;
      Sel s = unflatten_tuple(selected, leaves, pos);
      All a = all;
      [&]<size_t... K>(std::index_sequence<K...>) {
        ((std::get<idx[K]>(a) = std::get<K>(s)), ...);
      }(std::make_index_sequence<sizeof...(Is)>{});
      R r = std::apply(f, a);
      const Tensor& y = main_output(r);
      check_scalar_output("grad", y);
      std::vector<Tensor> outs{y};
      // The aux leaves ride along as extra outputs, so they come back as plain values.
      if constexpr (SplitAux<R>::value) {
        auto aux = tree_leaves(std::get<1>(r));
        outs.insert(outs.end(), aux.begin(), aux.end());
      }
      if (!result) result.emplace(r);
      return outs;
    };
    Linearized lin = linearize_flat(flat, tree_leaves(selected));
    std::vector<Tensor> cts{ones_like_cotangent(lin.outputs[0])};
    for (size_t i = 1; i < lin.outputs.size(); ++i) cts.push_back(zeros_cotangent(lin.out_avals[i]));
    std::vector<Tensor> g = apply_transpose(lin, cts);
    size_t pos = 0;
    Sel gs = unflatten_tuple(selected, g, pos);
    R value = *result;
    if constexpr (SplitAux<R>::value) {
      std::get<0>(value) = lin.outputs[0];
      std::get<1>(value) = tree_unflatten(std::get<1>(value), std::vector<Tensor>(lin.outputs.begin() + 1, lin.outputs.end()));
    } else {
      value = lin.outputs[0];
    }
    if constexpr (sizeof...(Is) == 1) return std::make_pair(value, std::get<0>(gs));
    else return std::make_pair(value, gs);
  };
}
}  // namespace detail

// value_and_grad(f)(args...) -> (f(args...), df/d(arg Is...)). f returns a scalar Tensor, or a
// (Tensor, aux) pair/tuple: then the value is that pair (the aux rides along, undifferentiated).
// With one argnum (default 0) the gradient has the argument's type; with several, a std::tuple.
template <size_t... Is, class F>
auto value_and_grad(F f) {
  if constexpr (sizeof...(Is) == 0) return detail::value_and_grad_impl<0>(std::move(f));
  else return detail::value_and_grad_impl<Is...>(std::move(f));
}
// grad(f)(args...) -> df/d(first arg); grad<0, 2>(f) for several; with an aux output, (grad, aux).
template <size_t... Is, class F>
auto grad(F f) {
  return [f](const auto&... args) {
    auto [value, g] = value_and_grad<Is...>(f)(args...);
    using V = decltype(value);
    if constexpr (detail::SplitAux<V>::value) return std::make_pair(g, std::get<1>(value));
    else return g;
  };
}

// ---------------- vmap ----------------
// vmap(f, in_dims, out_dims)(args...): maps f over an axis of its arguments. in_dims has one entry
// per argument (std::nullopt = not mapped; the axis applies to every leaf of that argument);
// empty = axis 0 everywhere. out_dims: one entry per output leaf, or one for all (default 0).
template <class F>
auto vmap(F f, std::vector<std::optional<int64_t>> in_dims = {}, std::vector<std::optional<int64_t>> out_dims = {0}) {
  return [f, in_dims, out_dims](const auto&... args) {
    auto all = std::make_tuple(args...);
    using All = decltype(all);
    using R = std::decay_t<decltype(f(args...))>;
    constexpr size_t nargs = sizeof...(args);
    if (!in_dims.empty() && in_dims.size() != nargs)
      fail("vmap", "in_dims has ", in_dims.size(), " entries for ", nargs, " arguments");
    // Per-leaf in_dims.
    std::vector<std::optional<int64_t>> leaf_dims;
    size_t argi = 0;
    std::apply([&](const auto&... a) {
      ((void)[&] {
         size_t n = tree_leaves(a).size();
         for (size_t k = 0; k < n; ++k) leaf_dims.push_back(in_dims.empty() ? std::optional<int64_t>(0) : in_dims[argi]);
         ++argi;
       }(), ...);
    }, all);
    std::optional<R> proto;
    detail::FlatFn flat = [&](const std::vector<Tensor>& leaves) {
      size_t pos = 0;
      R r = std::apply(f, detail::unflatten_tuple(all, leaves, pos));
      std::vector<Tensor> out = tree_leaves(r);
      if (!proto) proto.emplace(std::move(r));
      return out;
    };
    std::vector<Tensor> outs = detail::vmap_flat(flat, tree_leaves(all), leaf_dims, out_dims);
    return tree_unflatten(*proto, outs);
    (void)sizeof(All);
  };
}

// ---------------- jacobians ----------------
// For functions of one Tensor returning one Tensor: J has shape out.shape + in.shape.
Tensor jacfwd_flat(const std::function<Tensor(const Tensor&)>& f, const Tensor& x);
Tensor jacrev_flat(const std::function<Tensor(const Tensor&)>& f, const Tensor& x);
// f takes tensors (any number) and returns one Tensor. jacfwd<Is...>(f)(args...) differentiates
// with respect to the arguments Is (default: the first): one jacobian, or a tuple of them.
namespace detail {
template <size_t I, bool Fwd, class F, class... Args>
Tensor jac_wrt(const F& f, const std::tuple<Args...>& args) {
  auto fi = [&](const Tensor& v) {
    std::tuple<Args...> a = args;
    std::get<I>(a) = v;
    return Tensor(std::apply(f, a));
  };
  if constexpr (Fwd) return jacfwd_flat(fi, std::get<I>(args));
  else return jacrev_flat(fi, std::get<I>(args));
}
template <bool Fwd, size_t... Is, class F>
auto jacobian_of(F f) {
  return [f](const auto&... args) {
    static_assert((std::is_same_v<std::decay_t<decltype(args)>, Tensor> && ...),
                  "jacfwd/jacrev: every argument must be a slope::Tensor");
    static_assert(((Is < sizeof...(args)) && ...), "jacfwd/jacrev: argnum out of range");
    std::tuple<std::decay_t<decltype(args)>...> all(args...);
    if constexpr (sizeof...(Is) == 1) return jac_wrt<Is..., Fwd>(f, all);
    else return std::make_tuple(jac_wrt<Is, Fwd>(f, all)...);
  };
}
}  // namespace detail
template <size_t... Is, class F> auto jacfwd(F f) {
  if constexpr (sizeof...(Is) == 0) return detail::jacobian_of<true, 0>(std::move(f));
  else return detail::jacobian_of<true, Is...>(std::move(f));
}
template <size_t... Is, class F> auto jacrev(F f) {
  if constexpr (sizeof...(Is) == 0) return detail::jacobian_of<false, 0>(std::move(f));
  else return detail::jacobian_of<false, Is...>(std::move(f));
}
// Forward over reverse, like JAX: H has shape out.shape + in.shape + in.shape.
template <size_t... Is, class F> auto hessian(F f) {
  if constexpr (sizeof...(Is) == 0) return jacfwd<0>(jacrev<0>(std::move(f)));
  else return jacfwd<Is...>(jacrev<Is...>(std::move(f)));
}

}  // namespace slope
