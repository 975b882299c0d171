#pragma once
// Tensor: a value-semantics handle to an immutable n-d array, or to a tracer while a
// transformation is running. Every operation goes through bind() (interpreter.h).
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "slope/aval.h"
#include "slope/buffer.h"
#include "slope/dtype.h"
#include "slope/error.h"
#include "slope/shape.h"

namespace slope {

class Interpreter;

// The object behind a Tensor. Concrete arrays own a contiguous row-major buffer; tracers
// (subclasses defined by each interpreter) have no buffer and an owning interpreter.
class TensorImpl {
 public:
  explicit TensorImpl(AVal aval, std::shared_ptr<Buffer> buffer = nullptr, Interpreter* owner = nullptr);
  virtual ~TensorImpl() = default;
  AVal aval;
  std::shared_ptr<Buffer> buffer;
  Interpreter* owner;
  // The owner's unique id: an interpreter created later at the same address is another owner,
  // so an escaped tracer is never mistaken for a live one.
  uint64_t owner_id;
};

// Index for operator[] / index(): an int, a slice, a new axis, an ellipsis or an integer tensor.
struct Slice {
  std::optional<int64_t> start, stop, step;
};
inline constexpr struct NewAxis {} newaxis{};
inline constexpr struct Ellipsis {} ellipsis{};
class Tensor;
class Index;
struct SortResult;
class ValuesIndices;

class Tensor {
 public:
  Tensor() = default;  // an empty handle; most operations on it throw
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // A 0-d tensor from a C++ scalar (f32 for floating, i64 for integral, bool).
  Tensor(float v);    // NOLINT: scalars convert like in PyTorch
  Tensor(double v);   // NOLINT
  Tensor(int v);      // NOLINT
  Tensor(int64_t v);  // NOLINT
  Tensor(bool v);     // NOLINT

  // ---- metadata ----
  const Shape& shape() const;
  int64_t shape(int64_t axis) const;  // negative axes count from the end
  DType dtype() const;
  int64_t ndim() const { return static_cast<int64_t>(shape().size()); }
  // PyTorch's spellings of shape() and shape(dim): x.size(), x.size(0), x.size(-1).
  const Shape& size() const { return shape(); }
  template <Integer I> int64_t size(I dim) const {
    OpScope scope("size");
    return shape(static_cast<int64_t>(dim));
  }
  int64_t numel() const;
  const AVal& aval() const;
  bool defined() const { return impl_ != nullptr; }
  bool is_concrete() const;  // holds data (not a tracer)
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

  // ---- data access (concrete tensors only) ----
  template <class T> T item() const;                 // one-element tensor -> C++ value (converted)
  // x.item() as in PyTorch: the one element as a double (exact for every value of every dtype
  // except integers beyond 2^53; item<int64_t>() is exact for those).
  double item() const { return item<double>(); }
  template <class T> std::vector<T> to_vector() const;  // row-major copy, converted to T
  const void* data() const;  // raw row-major bytes in dtype()
  std::string str() const;   // what operator<< prints

  // ---- arithmetic ----
  Tensor operator-() const;
  Tensor operator~() const;  // logical not (bool) / bitwise not (ints)
  Tensor operator[](int64_t i) const;
  Tensor operator[](const Index& i) const;
  Tensor index(std::initializer_list<Index> idx) const;
  Tensor index(const std::vector<Index>& idx) const;

  // ---- dtype ----
  Tensor cast(DType d) const;
  // Aliases open their own OpScope (error.h), so their errors name what the user called.
  Tensor to(DType d) const {
    OpScope scope("to");
    return cast(d);
  }
  Tensor float_() const { return cast(f32); }
  Tensor double_() const { return cast(f64); }
  Tensor int_() const { return cast(i32); }
  Tensor long_() const { return cast(i64); }
  Tensor bool__() const { return cast(bool_); }
  // Tensors are immutable values, so a copy is the same value: clone() exists for PyTorch code.
  Tensor clone() const { return *this; }

  // ---- unary math ----
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tan() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor erf() const;
  Tensor reciprocal() const;
  Tensor log2() const;
  Tensor exp2() const;
  Tensor log1p() const;
  Tensor expm1() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor floor() const;
  Tensor ceil() const;
  Tensor trunc() const;
  Tensor round() const;
  Tensor square() const;
  Tensor clip(std::optional<Scalar> lo, std::optional<Scalar> hi) const;
  Tensor clamp(std::optional<Scalar> lo, std::optional<Scalar> hi) const {
    OpScope scope("clamp");
    return clip(lo, hi);
  }
  Tensor stop_gradient() const;
  Tensor detach() const { return stop_gradient(); }
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor logical_not() const;

  // ---- binary ----
  Tensor add(const Tensor& o) const;
  Tensor sub(const Tensor& o) const;
  Tensor mul(const Tensor& o) const;
  Tensor div(const Tensor& o) const;
  Tensor pow(const Tensor& o) const;
  Tensor maximum(const Tensor& o) const;
  Tensor minimum(const Tensor& o) const;
  Tensor eq(const Tensor& o) const;
  Tensor ne(const Tensor& o) const;
  Tensor lt(const Tensor& o) const;
  Tensor le(const Tensor& o) const;
  Tensor gt(const Tensor& o) const;
  Tensor ge(const Tensor& o) const;
  Tensor logical_and(const Tensor& o) const;
  Tensor logical_or(const Tensor& o) const;
  Tensor logical_xor(const Tensor& o) const;
  // torch.Tensor.where: this tensor where `condition` holds, else `other` (x.where(x > 0, 0)).
  Tensor where(const Tensor& condition, const Tensor& other) const;
  Tensor matmul(const Tensor& o) const;

  // ---- reductions (empty axes = all) ----
  Tensor sum(Axes axes = {}, bool keepdim = false) const;
  Tensor mean(Axes axes = {}, bool keepdim = false) const;
  Tensor max(Axes axes = {}, bool keepdim = false) const;
  Tensor min(Axes axes = {}, bool keepdim = false) const;
  Tensor prod(Axes axes = {}, bool keepdim = false) const;
  Tensor var(Axes axes = {}, double correction = 1, bool keepdim = false) const;
  Tensor std(Axes axes = {}, double correction = 1, bool keepdim = false) const;
  Tensor logsumexp(Axes axes = {}, bool keepdim = false) const;
  Tensor any(Axes axes = {}, bool keepdim = false) const;
  Tensor all(Axes axes = {}, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> axis = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> axis = std::nullopt, bool keepdim = false) const;
  Tensor cumsum(int64_t axis) const;
  // PyTorch spellings with one dim: x.sum(1, true), x.var(0). Templates (see Integer in shape.h).
  template <Integer I> Tensor sum(I dim, bool keepdim = false) const { return sum(Axes{int64_t(dim)}, keepdim); }
  template <Integer I> Tensor mean(I dim, bool keepdim = false) const { return mean(Axes{int64_t(dim)}, keepdim); }
  template <Integer I> Tensor prod(I dim, bool keepdim = false) const { return prod(Axes{int64_t(dim)}, keepdim); }
  template <Integer I> Tensor logsumexp(I dim, bool keepdim = false) const {
    return logsumexp(Axes{int64_t(dim)}, keepdim);
  }
  template <Integer I> Tensor any(I dim, bool keepdim = false) const { return any(Axes{int64_t(dim)}, keepdim); }
  template <Integer I> Tensor all(I dim, bool keepdim = false) const { return all(Axes{int64_t(dim)}, keepdim); }
  template <Integer I> Tensor var(I dim, double correction = 1, bool keepdim = false) const {
    return var(Axes{int64_t(dim)}, correction, keepdim);
  }
  template <Integer I> Tensor std(I dim, double correction = 1, bool keepdim = false) const {
    return std(Axes{int64_t(dim)}, correction, keepdim);
  }
  // torch.max(x, dim): the maximum along dim AND its index. The result is the values tensor (so it
  // reads as one: x.max(1).reshape(...)) and also gives the indices: auto [values, indices] = x.max(1).
  template <Integer I> ValuesIndices max(I dim, bool keepdim = false) const;
  template <Integer I> ValuesIndices min(I dim, bool keepdim = false) const;

  // ---- shape ----
  Tensor reshape(const Shape& s) const;  // one -1 is inferred
  Tensor view(const Shape& s) const {
    OpScope scope("view");
    return reshape(s);
  }
  // Sizes and dims as separate integers, as in PyTorch: x.reshape(5, 2), x.view(-1), x.permute(1, 0),
  // x.expand(3, -1), x.repeat(2, 1), x.squeeze(0).
  template <Integer... I> requires(sizeof...(I) > 0) Tensor reshape(I... s) const { return reshape(Shape{int64_t(s)...}); }
  template <Integer... I> requires(sizeof...(I) > 0) Tensor view(I... s) const { return view(Shape{int64_t(s)...}); }
  template <Integer... I> requires(sizeof...(I) > 0) Tensor permute(I... p) const { return permute(Axes{int64_t(p)...}); }
  template <Integer... I> requires(sizeof...(I) > 0) Tensor expand(I... s) const { return expand(Shape{int64_t(s)...}); }
  template <Integer... I> requires(sizeof...(I) > 0) Tensor repeat(I... r) const { return repeat(Shape{int64_t(r)...}); }
  template <Integer I> Tensor squeeze(I dim) const { return squeeze(Axes{int64_t(dim)}); }
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;
  Tensor squeeze(Axes axes = {}) const;  // empty = every size-1 axis
  Tensor unsqueeze(int64_t axis) const;
  Tensor transpose(int64_t a = -2, int64_t b = -1) const;
  Tensor T() const;  // reverses all axes
  Tensor permute(const Axes& perm) const;
  Tensor expand(const Shape& s) const;  // -1 keeps a dim
  Tensor broadcast_to(const Shape& s) const;
  Tensor repeat(const Shape& repeats) const;  // torch.Tensor.repeat
  Tensor tile(const Shape& reps) const;
  Tensor flip(Axes axes) const;
  Tensor roll(const Shape& shifts, Axes axes) const;
  Tensor pad(const std::vector<std::pair<int64_t, int64_t>>& pads, Scalar value = 0.0) const;  // per dim (lo, hi), from the first dim
  Tensor tril(int64_t k = 0) const;
  Tensor triu(int64_t k = 0) const;
  std::vector<Tensor> split(int64_t size, int64_t axis = 0) const;  // pieces of `size`
  std::vector<Tensor> split(const std::vector<int64_t>& sizes, int64_t axis = 0) const;
  std::vector<Tensor> chunk(int64_t n, int64_t axis = 0) const;
  Tensor slice(int64_t axis, int64_t start, int64_t stop, int64_t step = 1) const;
  Tensor gather(int64_t axis, const Tensor& index) const;  // torch.gather
  Tensor take_along_dim(const Tensor& index, int64_t axis) const;
  Tensor index_select(int64_t axis, const Tensor& index) const;
  Tensor scatter_add(int64_t axis, const Tensor& index, const Tensor& src) const;  // torch.scatter_add
  Tensor one_hot(int64_t num_classes, DType d = kDefaultInt) const;

  // ---- sorting (ops.h: sort, argsort, topk) ----
  SortResult sort(int64_t axis = -1, bool descending = false, bool stable = false) const;
  Tensor argsort(int64_t axis = -1, bool descending = false, bool stable = false) const;
  SortResult topk(int64_t k, int64_t axis = -1, bool largest = true, bool sorted = true) const;

  // ---- nn ----
  Tensor relu() const;
  Tensor leaky_relu(double slope = 0.01) const;
  Tensor elu(double alpha = 1.0) const;
  Tensor gelu(bool tanh_approx = false) const;
  Tensor silu() const;
  Tensor softplus(double beta = 1.0, double threshold = 20.0) const;
  Tensor softmax(int64_t axis = -1) const;
  Tensor log_softmax(int64_t axis = -1) const;

  // ---- trigonometric / hyperbolic / log-space math, norms, diagonals (ops.h) ----
  Tensor sinh() const;
  Tensor cosh() const;
  Tensor asin() const;
  Tensor acos() const;
  Tensor atan() const;
  Tensor asinh() const;
  Tensor acosh() const;
  Tensor atanh() const;
  Tensor atan2(const Tensor& x) const;  // this is y
  Tensor hypot(const Tensor& o) const;
  Tensor logaddexp(const Tensor& o) const;
  Tensor log_sigmoid() const;
  Tensor hardtanh(double min_val = -1.0, double max_val = 1.0) const;
  Tensor mish() const;
  Tensor cumprod(int64_t axis) const;
  Tensor norm(double p = 2, Axes axes = {}, bool keepdim = false) const;
  Tensor diag(int64_t k = 0) const;
  Tensor trace() const;
  Tensor outer(const Tensor& o) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Makes a concrete tensor of the given type around a buffer (allocated if null). Backends make their
// outputs with it, so it lives with the Tensor, below every interpreter.
Tensor make_array(const AVal& aval, std::shared_ptr<Buffer> buffer = nullptr);

// What sort and topk return, like torch.return_types.sort: `auto [values, indices] = x.sort();`.
// A pytree (pytree.h), so transformed functions may return it.
struct SortResult {
  Tensor values, indices;
};
// What torch.max(x, dim) / torch.min(x, dim) return: the values and the indices (int64, the first
// extreme along dim, NaN counting as the extreme, like PyTorch). It IS the values tensor, so code
// that wants only the values uses it as one (x.max(1).reshape(...)); the indices come with it:
//   auto [values, indices] = x.max(1);      Tensor i = slope::min(x, 0, true).indices();
// As a pytree (a function's result under jit/vmap) it is the node (values, indices).
class ValuesIndices : public Tensor {
 public:
  ValuesIndices(Tensor values, Tensor indices) : Tensor(std::move(values)), indices_(std::move(indices)) {}
  Tensor values() const { return *this; }
  const Tensor& indices() const { return indices_; }
  template <size_t N> Tensor get() const {
    static_assert(N < 2, "ValuesIndices has two parts: values, indices");
    if constexpr (N == 0) return values();
    else return indices();
  }

 private:
  Tensor indices_;
};
ValuesIndices max_with_indices(const Tensor& x, int64_t dim, bool keepdim = false);
ValuesIndices min_with_indices(const Tensor& x, int64_t dim, bool keepdim = false);
template <Integer I> ValuesIndices Tensor::max(I dim, bool keepdim) const {
  return max_with_indices(*this, static_cast<int64_t>(dim), keepdim);
}
template <Integer I> ValuesIndices Tensor::min(I dim, bool keepdim) const {
  return min_with_indices(*this, static_cast<int64_t>(dim), keepdim);
}

// Index element for Tensor::index({...}).
class Index {
 public:
  enum class Kind { Int, Slice, NewAxis, Ellipsis, Tensor };
  Index(int v) : kind_(Kind::Int), i_(v) {}  // NOLINT: reads like Python
  Index(int64_t v) : kind_(Kind::Int), i_(v) {}  // NOLINT
  Index(Slice s) : kind_(Kind::Slice), s_(s) {}  // NOLINT
  Index(NewAxis) : kind_(Kind::NewAxis) {}  // NOLINT
  Index(Ellipsis) : kind_(Kind::Ellipsis) {}  // NOLINT
  Index(Tensor t) : kind_(Kind::Tensor), t_(std::move(t)) {}  // NOLINT
  Kind kind() const { return kind_; }
  int64_t integer() const { return i_; }
  const Slice& slice() const { return s_; }
  const Tensor& tensor() const { return t_; }

 private:
  Kind kind_;
  int64_t i_ = 0;
  Slice s_;
  Tensor t_;
};

// ---- operators with weak C++ scalars ----
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator&&(const Tensor& a, const Tensor& b);
Tensor operator||(const Tensor& a, const Tensor& b);
Tensor operator&(const Tensor& a, const Tensor& b);  // logical and (bool), like PyTorch's & on masks
Tensor operator|(const Tensor& a, const Tensor& b);

// A C++ number next to a tensor is weak: x_f32 * 2.0 stays f32, x_i32 * 1.5 becomes f32.
#define SLOPE_SCALAR_OPERATOR(op)                                 \
  Tensor operator op(const Tensor& a, Scalar b);                 \
  Tensor operator op(Scalar a, const Tensor& b);
SLOPE_SCALAR_OPERATOR(+)
SLOPE_SCALAR_OPERATOR(-)
SLOPE_SCALAR_OPERATOR(*)
SLOPE_SCALAR_OPERATOR(/)
SLOPE_SCALAR_OPERATOR(==)
SLOPE_SCALAR_OPERATOR(!=)
SLOPE_SCALAR_OPERATOR(<)
SLOPE_SCALAR_OPERATOR(<=)
SLOPE_SCALAR_OPERATOR(>)
SLOPE_SCALAR_OPERATOR(>=)
#undef SLOPE_SCALAR_OPERATOR
// Disambiguate the literals that convert both to Tensor and to Scalar.
#define SLOPE_LITERAL_OPERATORS(T)                                                         \
  inline Tensor operator+(const Tensor& a, T b) { return a + Scalar(b); }                   \
  inline Tensor operator+(T a, const Tensor& b) { return Scalar(a) + b; }                   \
  inline Tensor operator-(const Tensor& a, T b) { return a - Scalar(b); }                   \
  inline Tensor operator-(T a, const Tensor& b) { return Scalar(a) - b; }                   \
  inline Tensor operator*(const Tensor& a, T b) { return a * Scalar(b); }                   \
  inline Tensor operator*(T a, const Tensor& b) { return Scalar(a) * b; }                   \
  inline Tensor operator/(const Tensor& a, T b) { return a / Scalar(b); }                   \
  inline Tensor operator/(T a, const Tensor& b) { return Scalar(a) / b; }                   \
  inline Tensor operator==(const Tensor& a, T b) { return a == Scalar(b); }                 \
  inline Tensor operator!=(const Tensor& a, T b) { return a != Scalar(b); }                 \
  inline Tensor operator<(const Tensor& a, T b) { return a < Scalar(b); }                   \
  inline Tensor operator<=(const Tensor& a, T b) { return a <= Scalar(b); }                 \
  inline Tensor operator>(const Tensor& a, T b) { return a > Scalar(b); }                   \
  inline Tensor operator>=(const Tensor& a, T b) { return a >= Scalar(b); }
SLOPE_LITERAL_OPERATORS(int)
SLOPE_LITERAL_OPERATORS(int64_t)
SLOPE_LITERAL_OPERATORS(float)
SLOPE_LITERAL_OPERATORS(double)
SLOPE_LITERAL_OPERATORS(bool)
#undef SLOPE_LITERAL_OPERATORS

Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);

}  // namespace slope

// auto [values, indices] = x.max(1);
template <> struct std::tuple_size<slope::ValuesIndices> : std::integral_constant<size_t, 2> {};
template <size_t N> struct std::tuple_element<N, slope::ValuesIndices> { using type = slope::Tensor; };
