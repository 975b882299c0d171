#pragma once
// Element types and the promotion rules (PyTorch's, see docs/dtypes.md).
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <type_traits>

#include "slope/scalar.h"

namespace slope {

// Order matters only for printing tables; promotion uses category and rank below.
enum class DType : uint8_t { b8, u8, i8, i32, i64, u32, f16, bf16, f32, f64 };
inline constexpr int kNumDTypes = 10;

inline constexpr DType bool_ = DType::b8;
inline constexpr DType u8 = DType::u8;
inline constexpr DType i8 = DType::i8;
inline constexpr DType i32 = DType::i32;
inline constexpr DType i64 = DType::i64;
inline constexpr DType u32 = DType::u32;  // PRNG keys and random bits
inline constexpr DType f16 = DType::f16;
inline constexpr DType bf16 = DType::bf16;
inline constexpr DType f32 = DType::f32;
inline constexpr DType f64 = DType::f64;
// PyTorch's names (torch.float32, ...): the same values. slope::bfloat16 and slope::half are the
// C++ element types, so the dtype names are bfloat16_ (like bool_) and float16.
inline constexpr DType float32 = f32;
inline constexpr DType float64 = f64;
inline constexpr DType float16 = f16;
inline constexpr DType bfloat16_ = bf16;
inline constexpr DType int64 = i64;
inline constexpr DType int32 = i32;
inline constexpr DType int8 = i8;
inline constexpr DType uint8 = u8;
inline constexpr DType uint32 = u32;

// A DType is an enum, so a cast integer can hold a value that names no dtype. Every entry point
// that takes a dtype checks it: "[op] invalid dtype 99 (expected bool, u8, ..., f64)".
inline bool is_valid(DType d) { return static_cast<unsigned>(d) < static_cast<unsigned>(kNumDTypes); }
void check_dtype(const char* op, DType d);

size_t itemsize(DType d);           // throws for an invalid dtype
const char* name(DType d);          // "f32", "i64", "bool", ...; "invalid" for an invalid dtype
DType dtype_from_name(const std::string& n);  // inverse of name(); throws slope::Error
bool is_floating(DType d);
bool is_integral(DType d);          // ints, not bool
bool is_signed(DType d);
std::ostream& operator<<(std::ostream& os, DType d);

// Default dtypes for Python-like literals: 1.5 -> f32, 3 -> i64.
inline constexpr DType kDefaultFloat = DType::f32;
inline constexpr DType kDefaultInt = DType::i64;

// Promotion of two tensors' dtypes (PyTorch's table; see docs/dtypes.md).
DType promote_types(DType a, DType b);

// A C++ scalar next to a tensor is "weak": it only lifts the tensor's category.
enum class ScalarKind : uint8_t { Bool, Int, Float };
DType promote_with_scalar(DType tensor, ScalarKind scalar);

// Map a C++ type to its DType.
template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::b8; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::u8; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::i8; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::i32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::i64; };
template <> struct dtype_of<uint32_t> { static constexpr DType value = DType::u32; };
template <> struct dtype_of<half> { static constexpr DType value = DType::f16; };
template <> struct dtype_of<bfloat16> { static constexpr DType value = DType::bf16; };
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::f64; };
template <class T> inline constexpr DType dtype_v = dtype_of<T>::value;

// Calls f(T{}) with T the C++ type of d: the one switch every kernel family goes through.
template <class F>
decltype(auto) visit_dtype(DType d, F&& f) {
  switch (d) {
    case DType::b8: return f(bool{});
    case DType::u8: return f(uint8_t{});
    case DType::i8: return f(int8_t{});
    case DType::i32: return f(int32_t{});
    case DType::i64: return f(int64_t{});
    case DType::u32: return f(uint32_t{});
    case DType::f16: return f(half{});
    case DType::bf16: return f(bfloat16{});
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
  }
  // Unreachable for a checked dtype; never a silent reinterpretation of the bytes.
  check_dtype("dtype", d);
  return f(float{});
}

// A C++ scalar that remembers whether it was integral (full(), pad values, ...).
struct Scalar {
  ScalarKind kind = ScalarKind::Float;
  double f = 0;
  int64_t i = 0;
  Scalar() = default;
  Scalar(bool b) : kind(ScalarKind::Bool), f(b), i(b) {}  // NOLINT
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : kind(ScalarKind::Int), f(static_cast<double>(v)), i(static_cast<int64_t>(v)) {}  // NOLINT
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : kind(ScalarKind::Float), f(static_cast<double>(v)), i(0) {}  // NOLINT
  bool is_float() const { return kind == ScalarKind::Float; }
  double as_double() const { return kind == ScalarKind::Float ? f : static_cast<double>(i); }
  // Converts to the C++ type of a dtype with the same saturating rules as cast().
  template <class T>
  T to() const {
    return kind == ScalarKind::Float ? scalar::convert<T>(f) : kind == ScalarKind::Bool ? scalar::convert<T>(i != 0) : scalar::convert<T>(i);
  }
  friend bool operator==(const Scalar& a, const Scalar& b) {
    return a.kind == b.kind && (a.kind == ScalarKind::Float ? std::memcmp(&a.f, &b.f, sizeof(double)) == 0 : a.i == b.i);
  }
};
std::ostream& operator<<(std::ostream& os, const Scalar& s);

}  // namespace slope
