#pragma once
// Pytrees: nested C++ values whose leaves are Tensors. Transformations flatten their arguments
// to a list of tensors, transform, and rebuild values of the same types.
//
// Built-in nodes: std::vector, std::array, std::tuple, std::pair, std::map<std::string, V>,
// std::optional. Numbers, strings, bools and enums are *static*: they are part of the tree's
// structure (and of jit's cache key), never differentiated. User structs join with one macro:
//
//   struct Mlp { slope::Tensor w1, b1, w2, b2; float dropout; };
//   SLOPE_PYTREE(Mlp, w1, b1, w2, b2, dropout)
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "slope/tensor.h"

namespace slope {

// Specialise (via SLOPE_PYTREE) to make a struct a pytree node.
template <class T> struct PyTreeFields;

template <class T, class = void> struct PyTree {
  static_assert(sizeof(T) == 0,
                "slope: this type is not a pytree; register it with SLOPE_PYTREE(Type, fields...)");
};

namespace detail {
template <class T> concept StaticLeaf = std::is_arithmetic_v<T> || std::is_enum_v<T> || std::is_same_v<T, std::string>;
template <class T> concept HasFields = requires(T& t) { PyTreeFields<T>::tie(t); };
template <class T> void append_static(std::string& s, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) s += "'" + v + "'";
  else if constexpr (std::is_enum_v<T>) s += std::to_string(static_cast<long long>(v));
  else if constexpr (std::is_floating_point_v<T>) {
    // Exact (hex) so distinct values never share a jit cache key: to_string(1e-7) is "0.000000".
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", static_cast<double>(v));
    s += buf;
  } else s += std::to_string(v);
}
// "fc1" + "weight" -> "fc1.weight"; the root has an empty prefix.
inline std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}
// "fc1, fc2" (the macro's stringified field list) -> {"fc1", "fc2"}.
std::vector<std::string> split_field_names(const char* list);
}  // namespace detail

// Every node implements: flatten (append leaves), unflatten (rebuild from `proto`, taking leaves
// from `it`), structure (append a description of the tree without leaf values), paths (append
// each leaf's name, in flatten order: PyTorch's state_dict keys, "layers.0.weight").
template <> struct PyTree<Tensor> {
  static void flatten(const Tensor& t, std::vector<Tensor>& out) { out.push_back(t); }
  static Tensor unflatten(const Tensor&, const Tensor*& it) { return *it++; }
  static void structure(const Tensor&, std::string& s) { s += "*"; }
  static void paths(const Tensor&, const std::string& prefix, std::vector<std::string>& out) { out.push_back(prefix); }
};

// torch.max(x, dim)'s result is the node (values, indices), like PyTorch's named tuple.
template <> struct PyTree<ValuesIndices> {
  static void flatten(const ValuesIndices& t, std::vector<Tensor>& out) {
    out.push_back(t.values());
    out.push_back(t.indices());
  }
  static ValuesIndices unflatten(const ValuesIndices&, const Tensor*& it) {
    Tensor values = *it++;
    return ValuesIndices(std::move(values), *it++);
  }
  static void structure(const ValuesIndices&, std::string& s) { s += "ValuesIndices(*,*)"; }
  static void paths(const ValuesIndices&, const std::string& prefix, std::vector<std::string>& out) {
    out.push_back(detail::join_path(prefix, "values"));
    out.push_back(detail::join_path(prefix, "indices"));
  }
};

template <detail::StaticLeaf T> struct PyTree<T> {
  static void flatten(const T&, std::vector<Tensor>&) {}
  static T unflatten(const T& proto, const Tensor*&) { return proto; }
  static void structure(const T& v, std::string& s) { detail::append_static(s, v); }
  static void paths(const T&, const std::string&, std::vector<std::string>&) {}
};

template <class V> struct PyTree<std::vector<V>> {
  static void flatten(const std::vector<V>& v, std::vector<Tensor>& out) {
    for (auto& e : v) PyTree<V>::flatten(e, out);
  }
  static std::vector<V> unflatten(const std::vector<V>& proto, const Tensor*& it) {
    std::vector<V> r;
    r.reserve(proto.size());
    for (auto& e : proto) r.push_back(PyTree<V>::unflatten(e, it));
    return r;
  }
  static void structure(const std::vector<V>& v, std::string& s) {
    s += "[";
    for (auto& e : v) PyTree<V>::structure(e, s), s += ",";
    s += "]";
  }
  static void paths(const std::vector<V>& v, const std::string& prefix, std::vector<std::string>& out) {
    for (size_t i = 0; i < v.size(); ++i) PyTree<V>::paths(v[i], detail::join_path(prefix, std::to_string(i)), out);
  }
};

template <class V, size_t N> struct PyTree<std::array<V, N>> {
  static void flatten(const std::array<V, N>& v, std::vector<Tensor>& out) {
    for (auto& e : v) PyTree<V>::flatten(e, out);
  }
  static std::array<V, N> unflatten(const std::array<V, N>& proto, const Tensor*& it) {
    std::array<V, N> r = proto;
    for (size_t i = 0; i < N; ++i) r[i] = PyTree<V>::unflatten(proto[i], it);
    return r;
  }
  static void structure(const std::array<V, N>& v, std::string& s) {
    s += "a[";
    for (auto& e : v) PyTree<V>::structure(e, s), s += ",";
    s += "]";
  }
  static void paths(const std::array<V, N>& v, const std::string& prefix, std::vector<std::string>& out) {
    for (size_t i = 0; i < N; ++i) PyTree<V>::paths(v[i], detail::join_path(prefix, std::to_string(i)), out);
  }
};

template <class V> struct PyTree<std::map<std::string, V>> {
  using M = std::map<std::string, V>;
  static void flatten(const M& m, std::vector<Tensor>& out) {
    for (auto& [k, v] : m) PyTree<V>::flatten(v, out);
  }
  static M unflatten(const M& proto, const Tensor*& it) {
    M r;
    for (auto& [k, v] : proto) r.emplace(k, PyTree<V>::unflatten(v, it));
    return r;
  }
  static void structure(const M& m, std::string& s) {
    s += "{";
    for (auto& [k, v] : m) s += "'" + k + "':", PyTree<V>::structure(v, s), s += ",";
    s += "}";
  }
  static void paths(const M& m, const std::string& prefix, std::vector<std::string>& out) {
    for (auto& [k, v] : m) PyTree<V>::paths(v, detail::join_path(prefix, k), out);
  }
};

template <class V> struct PyTree<std::optional<V>> {
  static void flatten(const std::optional<V>& v, std::vector<Tensor>& out) {
    if (v) PyTree<V>::flatten(*v, out);
  }
  static std::optional<V> unflatten(const std::optional<V>& proto, const Tensor*& it) {
    if (!proto) return std::nullopt;
    return PyTree<V>::unflatten(*proto, it);
  }
  static void structure(const std::optional<V>& v, std::string& s) {
    if (!v) s += "None";
    else s += "?", PyTree<V>::structure(*v, s);
  }
  // An optional is transparent in names: Linear's `std::optional<Tensor> bias` is "bias".
  static void paths(const std::optional<V>& v, const std::string& prefix, std::vector<std::string>& out) {
    if (v) PyTree<V>::paths(*v, prefix, out);
  }
};

template <class... Ts> struct PyTree<std::tuple<Ts...>> {
  using T = std::tuple<Ts...>;
  static void flatten(const T& t, std::vector<Tensor>& out) {
    std::apply([&](const auto&... e) { (PyTree<std::decay_t<decltype(e)>>::flatten(e, out), ...); }, t);
  }
  static T unflatten(const T& proto, const Tensor*& it) {
    // Braced init evaluates left to right, so leaves are consumed in order.
    return std::apply([&](const auto&... e) { return T{PyTree<std::decay_t<decltype(e)>>::unflatten(e, it)...}; }, proto);
  }
  static void structure(const T& t, std::string& s) {
    s += "(";
    std::apply([&](const auto&... e) { ((PyTree<std::decay_t<decltype(e)>>::structure(e, s), s += ","), ...); }, t);
    s += ")";
  }
  static void paths(const T& t, const std::string& prefix, std::vector<std::string>& out) {
    size_t i = 0;
    std::apply([&](const auto&... e) {
      ((PyTree<std::decay_t<decltype(e)>>::paths(e, detail::join_path(prefix, std::to_string(i++)), out)), ...);
    }, t);
  }
};

template <class A, class B> struct PyTree<std::pair<A, B>> {
  using T = std::pair<A, B>;
  static void flatten(const T& t, std::vector<Tensor>& out) {
    PyTree<A>::flatten(t.first, out);
    PyTree<B>::flatten(t.second, out);
  }
  static T unflatten(const T& proto, const Tensor*& it) {
    A a = PyTree<A>::unflatten(proto.first, it);
    B b = PyTree<B>::unflatten(proto.second, it);
    return T{std::move(a), std::move(b)};
  }
  static void structure(const T& t, std::string& s) {
    s += "(";
    PyTree<A>::structure(t.first, s);
    s += ",";
    PyTree<B>::structure(t.second, s);
    s += ")";
  }
  static void paths(const T& t, const std::string& prefix, std::vector<std::string>& out) {
    PyTree<A>::paths(t.first, detail::join_path(prefix, "0"), out);
    PyTree<B>::paths(t.second, detail::join_path(prefix, "1"), out);
  }
};

template <detail::HasFields T> struct PyTree<T> {
  static void flatten(const T& t, std::vector<Tensor>& out) {
    T& m = const_cast<T&>(t);  // tie() takes a mutable reference; nothing is modified here
    std::apply([&](auto&... f) { (PyTree<std::decay_t<decltype(f)>>::flatten(f, out), ...); }, PyTreeFields<T>::tie(m));
  }
  static T unflatten(const T& proto, const Tensor*& it) {
    T r = proto;
    std::apply([&](auto&... f) { ((f = PyTree<std::decay_t<decltype(f)>>::unflatten(f, it)), ...); }, PyTreeFields<T>::tie(r));
    return r;
  }
  static void structure(const T& t, std::string& s) {
    T& m = const_cast<T&>(t);
    s += PyTreeFields<T>::name();
    s += "{";
    std::apply([&](auto&... f) { ((PyTree<std::decay_t<decltype(f)>>::structure(f, s), s += ","), ...); },
               PyTreeFields<T>::tie(m));
    s += "}";
  }
  static void paths(const T& t, const std::string& prefix, std::vector<std::string>& out) {
    T& m = const_cast<T&>(t);
    static const std::vector<std::string> names = detail::split_field_names(PyTreeFields<T>::field_names());
    size_t i = 0;
    std::apply([&](auto&... f) {
      ((PyTree<std::decay_t<decltype(f)>>::paths(f, detail::join_path(prefix, names[i++]), out)), ...);
    }, PyTreeFields<T>::tie(m));
  }
};

// ---- the user-facing functions ----
template <class T> std::vector<Tensor> tree_leaves(const T& tree) {
  std::vector<Tensor> out;
  PyTree<T>::flatten(tree, out);
  return out;
}
// Rebuilds a tree shaped like `like` from leaves (in tree_leaves order).
template <class T> T tree_unflatten(const T& like, const std::vector<Tensor>& leaves) {
  std::vector<Tensor> check_leaves = tree_leaves(like);
  if (check_leaves.size() != leaves.size())
    fail("tree_unflatten", "the tree has ", check_leaves.size(), " leaves, got ", leaves.size());
  const Tensor* it = leaves.data();
  return PyTree<T>::unflatten(like, it);
}
// The structure (node types, static values, leaf positions) as text; equal text = same structure.
template <class T> std::string tree_structure(const T& tree) {
  std::string s;
  PyTree<T>::structure(tree, s);
  return s;
}
template <class T> std::pair<std::vector<Tensor>, std::string> tree_flatten(const T& tree) {
  return {tree_leaves(tree), tree_structure(tree)};
}
// Each leaf's name, in tree_leaves order: struct fields by name, sequence elements by index, map
// entries by key, joined with '.' ("fc1.weight", "layers.0.bias"), as PyTorch's state_dict names them.
template <class T> std::vector<std::string> tree_paths(const T& tree) {
  std::vector<std::string> out;
  PyTree<T>::paths(tree, "", out);
  return out;
}
// (name, leaf) pairs in tree_leaves order.
template <class T> std::vector<std::pair<std::string, Tensor>> tree_named_leaves(const T& tree) {
  std::vector<std::string> names = tree_paths(tree);
  std::vector<Tensor> leaves = tree_leaves(tree);
  std::vector<std::pair<std::string, Tensor>> out;
  out.reserve(leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i) out.emplace_back(std::move(names[i]), std::move(leaves[i]));
  return out;
}

// Applies f to every leaf, keeping the structure (and static fields).
template <class T, class F> T tree_map(F&& f, const T& tree) {
  std::vector<Tensor> leaves = tree_leaves(tree);
  for (auto& l : leaves) l = f(l);
  const Tensor* it = leaves.data();
  return PyTree<T>::unflatten(tree, it);
}
// Applies f to corresponding leaves of two trees of one structure.
template <class T, class F> T tree_map(F&& f, const T& a, const T& b) {
  std::vector<Tensor> la = tree_leaves(a), lb = tree_leaves(b);
  if (la.size() != lb.size() || tree_structure(a) != tree_structure(b))
    fail("tree_map", "trees have different structures: ", tree_structure(a), " vs ", tree_structure(b));
  for (size_t i = 0; i < la.size(); ++i) la[i] = f(la[i], lb[i]);
  const Tensor* it = la.data();
  return PyTree<T>::unflatten(a, it);
}

}  // namespace slope

// ---- SLOPE_PYTREE(Type, field, ...): up to 24 fields ----
#define SLOPE_PT_CAT(a, b) SLOPE_PT_CAT_(a, b)
#define SLOPE_PT_CAT_(a, b) a##b
#define SLOPE_PT_NARGS(...) SLOPE_PT_NARGS_(__VA_ARGS__, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
#define SLOPE_PT_NARGS_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24, N, ...) N
#define SLOPE_PT_F1(x, a) x.a
#define SLOPE_PT_F2(x, a, ...) x.a, SLOPE_PT_F1(x, __VA_ARGS__)
#define SLOPE_PT_F3(x, a, ...) x.a, SLOPE_PT_F2(x, __VA_ARGS__)
#define SLOPE_PT_F4(x, a, ...) x.a, SLOPE_PT_F3(x, __VA_ARGS__)
#define SLOPE_PT_F5(x, a, ...) x.a, SLOPE_PT_F4(x, __VA_ARGS__)
#define SLOPE_PT_F6(x, a, ...) x.a, SLOPE_PT_F5(x, __VA_ARGS__)
#define SLOPE_PT_F7(x, a, ...) x.a, SLOPE_PT_F6(x, __VA_ARGS__)
#define SLOPE_PT_F8(x, a, ...) x.a, SLOPE_PT_F7(x, __VA_ARGS__)
#define SLOPE_PT_F9(x, a, ...) x.a, SLOPE_PT_F8(x, __VA_ARGS__)
#define SLOPE_PT_F10(x, a, ...) x.a, SLOPE_PT_F9(x, __VA_ARGS__)
#define SLOPE_PT_F11(x, a, ...) x.a, SLOPE_PT_F10(x, __VA_ARGS__)
#define SLOPE_PT_F12(x, a, ...) x.a, SLOPE_PT_F11(x, __VA_ARGS__)
#define SLOPE_PT_F13(x, a, ...) x.a, SLOPE_PT_F12(x, __VA_ARGS__)
#define SLOPE_PT_F14(x, a, ...) x.a, SLOPE_PT_F13(x, __VA_ARGS__)
#define SLOPE_PT_F15(x, a, ...) x.a, SLOPE_PT_F14(x, __VA_ARGS__)
#define SLOPE_PT_F16(x, a, ...) x.a, SLOPE_PT_F15(x, __VA_ARGS__)
#define SLOPE_PT_F17(x, a, ...) x.a, SLOPE_PT_F16(x, __VA_ARGS__)
#define SLOPE_PT_F18(x, a, ...) x.a, SLOPE_PT_F17(x, __VA_ARGS__)
#define SLOPE_PT_F19(x, a, ...) x.a, SLOPE_PT_F18(x, __VA_ARGS__)
#define SLOPE_PT_F20(x, a, ...) x.a, SLOPE_PT_F19(x, __VA_ARGS__)
#define SLOPE_PT_F21(x, a, ...) x.a, SLOPE_PT_F20(x, __VA_ARGS__)
#define SLOPE_PT_F22(x, a, ...) x.a, SLOPE_PT_F21(x, __VA_ARGS__)
#define SLOPE_PT_F23(x, a, ...) x.a, SLOPE_PT_F22(x, __VA_ARGS__)
#define SLOPE_PT_F24(x, a, ...) x.a, SLOPE_PT_F23(x, __VA_ARGS__)
#define SLOPE_PYTREE(Type, ...)                                                                         \
  template <> struct slope::PyTreeFields<Type> {                                                       \
    static auto tie(Type& x) { return std::tie(SLOPE_PT_CAT(SLOPE_PT_F, SLOPE_PT_NARGS(__VA_ARGS__))(x, __VA_ARGS__)); } \
    static const char* name() { return #Type; }                                                        \
    static const char* field_names() { return #__VA_ARGS__; }                                          \
  };

// sort / topk results (tensor.h) are pytrees: values, indices.
SLOPE_PYTREE(slope::SortResult, values, indices)
