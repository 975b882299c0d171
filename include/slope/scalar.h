#pragma once
// Scalar semantics of every elementwise primitive, for every dtype.
// Self-contained on purpose (standard headers only): the eager kernels of every backend call these
// functions, and the compiled backend pastes this file into the preamble of the code it generates,
// so eager and compiled results cannot disagree. Everything here is defined behaviour for all
// inputs: integer overflow wraps, float->int casts saturate (NaN -> 0), integer division by zero
// gives 0 (eager mode reports it as an error before calling the kernel).
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace slope {

struct half {
  uint16_t bits = 0;
  half() = default;
  half(float f) : bits(from_float(f)) {}  // NOLINT: behaves like a builtin float type
  operator float() const { return to_float(bits); }
  static uint16_t from_float(float f) {
    const uint32_t x = std::bit_cast<uint32_t>(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t mag = x & 0x7fffffffu;
    if (mag > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
    if (mag >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
    if (mag < 0x38800000u) {                                                // subnormal or zero
      // Round to nearest even multiple of 2^-24 via the float adder.
      const float scaled = std::bit_cast<float>(mag) + 0.5f;  // 0.5 = 2^-1, so ulp(0.5) = 2^-24
      const uint32_t s = std::bit_cast<uint32_t>(scaled);
      return static_cast<uint16_t>(sign | (s - 0x3f000000u));
    }
    uint32_t odd = (mag >> 13) & 1u;
    mag += 0xc8000fffu + odd;  // rebias exponent (-112 << 23) and round to nearest even
    return static_cast<uint16_t>(sign | (mag >> 13));
  }
  static float to_float(uint16_t h) {
    uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t out;
    if (exp == 0) {
      out = std::bit_cast<uint32_t>(static_cast<float>(man) * 5.9604644775390625e-08f) | sign;  // man * 2^-24
    } else if (exp == 31) {
      out = sign | 0x7f800000u | (man << 13);
    } else {
      out = sign | ((exp + 112) << 23) | (man << 13);
    }
    return std::bit_cast<float>(out);
  }
};

struct bfloat16 {
  uint16_t bits = 0;
  bfloat16() = default;
  bfloat16(float f) : bits(from_float(f)) {}  // NOLINT
  operator float() const { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }
  static uint16_t from_float(float f) {
    uint32_t x = std::bit_cast<uint32_t>(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
    x += 0x7fffu + ((x >> 16) & 1u);  // round to nearest even
    return static_cast<uint16_t>(x >> 16);
  }
};

namespace scalar {

template <class T> inline constexpr bool is_half_v = std::is_same_v<T, half> || std::is_same_v<T, bfloat16>;
template <class T> inline constexpr bool is_float_v = std::is_floating_point_v<T> || is_half_v<T>;
template <class T> inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// The type arithmetic happens in: float for the 16-bit floats, the type itself otherwise.
template <class T> struct compute { using type = T; };
template <> struct compute<half> { using type = float; };
template <> struct compute<bfloat16> { using type = float; };
template <class T> using compute_t = typename compute<T>::type;

// Conversion with defined results for every input (C++ leaves float->int overflow undefined).
template <class To, class From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    return static_cast<compute_t<From>>(v) != compute_t<From>(0);
  } else if constexpr (is_int_v<To> && is_float_v<From>) {
    double d = static_cast<double>(static_cast<compute_t<From>>(v));
    if (d != d) return To(0);
    if (d <= static_cast<double>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
    if (d >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(d);
  } else if constexpr (is_half_v<To>) {
    return To(static_cast<float>(static_cast<compute_t<From>>(v)));
  } else {
    return static_cast<To>(static_cast<compute_t<From>>(v));
  }
}

// Integer arithmetic wraps: do it in the unsigned type of the same width.
template <class T> using wrap_t = std::make_unsigned_t<T>;

template <class T> inline T add(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a || b;
  else if constexpr (is_int_v<T>) return static_cast<T>(static_cast<wrap_t<T>>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b)));
  else return T(static_cast<compute_t<T>>(a) + static_cast<compute_t<T>>(b));
}
template <class T> inline T sub(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a != b;
  else if constexpr (is_int_v<T>) return static_cast<T>(static_cast<wrap_t<T>>(static_cast<wrap_t<T>>(a) - static_cast<wrap_t<T>>(b)));
  else return T(static_cast<compute_t<T>>(a) - static_cast<compute_t<T>>(b));
}
template <class T> inline T mul(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a && b;
  else if constexpr (is_int_v<T>) {
    using W = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, wrap_t<T>>;  // avoid int promotion
    return static_cast<T>(static_cast<W>(static_cast<W>(a) * static_cast<W>(b)));
  } else return T(static_cast<compute_t<T>>(a) * static_cast<compute_t<T>>(b));
}
template <class T> inline T div(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return b ? a : false;
  else if constexpr (is_int_v<T>) {
    if (b == 0) return T(0);
    if constexpr (std::is_signed_v<T>) {
      if (b == T(-1)) return static_cast<T>(wrap_t<T>(0) - static_cast<wrap_t<T>>(a));
    }
    return static_cast<T>(a / b);
  } else return T(static_cast<compute_t<T>>(a) / static_cast<compute_t<T>>(b));
}
template <class T> inline T neg(T a) {
  if constexpr (std::is_same_v<T, bool>) return a;
  else if constexpr (is_int_v<T>) return static_cast<T>(wrap_t<T>(0) - static_cast<wrap_t<T>>(a));
  else return T(-static_cast<compute_t<T>>(a));
}
template <class T> inline T pow(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a || !b;
  else if constexpr (is_int_v<T>) {
    if constexpr (std::is_signed_v<T>) {
      if (b < 0) return a == 1 ? T(1) : a == T(-1) ? ((b & 1) ? T(-1) : T(1)) : T(0);
    }
    T r = 1, base = a;
    auto e = static_cast<wrap_t<T>>(b);
    while (e) {
      if (e & 1) r = mul(r, base);
      base = mul(base, base);
      e >>= 1;
    }
    return r;
  } else return T(std::pow(static_cast<compute_t<T>>(a), static_cast<compute_t<T>>(b)));
}
// NaN-propagating like PyTorch's maximum.
template <class T> inline T maximum(T a, T b) {
  if constexpr (is_float_v<T>) {
    auto x = static_cast<compute_t<T>>(a), y = static_cast<compute_t<T>>(b);
    if (x != x) return a;
    if (y != y) return b;
    return x > y ? a : b;
  } else return a > b ? a : b;
}
template <class T> inline bool equal(T a, T b) { return static_cast<compute_t<T>>(a) == static_cast<compute_t<T>>(b); }
template <class T> inline bool less(T a, T b) { return static_cast<compute_t<T>>(a) < static_cast<compute_t<T>>(b); }
template <class T> inline bool greater(T a, T b) { return static_cast<compute_t<T>>(a) > static_cast<compute_t<T>>(b); }
template <class T> inline T select(bool c, T a, T b) { return c ? a : b; }
// atan2(y, x), the angle of (x, y) in [-pi, pi] (float types only): libm's, which is exact in
// the quadrant logic (signed zeros, infinities) and within an ulp elsewhere.
template <class T> inline T atan2(T y, T x) {
  using C = compute_t<T>;
  return T(std::atan2(static_cast<C>(y), static_cast<C>(x)));
}

// Transcendentals are defined for float types only (the shape rules reject the rest).
#define SLOPE_SCALAR_FLOAT_FN(name, expr)                   \
  template <class T> inline T name(T a) {                   \
    using C = compute_t<T>;                                 \
    C x = static_cast<C>(a);                                \
    return T(expr);                                         \
  }
SLOPE_SCALAR_FLOAT_FN(exp, std::exp(x))
SLOPE_SCALAR_FLOAT_FN(log, std::log(x))
SLOPE_SCALAR_FLOAT_FN(sin, std::sin(x))
SLOPE_SCALAR_FLOAT_FN(cos, std::cos(x))
SLOPE_SCALAR_FLOAT_FN(sqrt, std::sqrt(x))
SLOPE_SCALAR_FLOAT_FN(erf, std::erf(x))
#undef SLOPE_SCALAR_FLOAT_FN
// tanh in float: Cephes' tanhf (odd polynomial below 0.625, (e-1)/(e+1) with e = exp(2|x|) above),
// written branch-free with explicit fma so that (1) loops over it vectorise, in eager kernels and
// in fused jit loops alike (glibc's tanhf is a scalar call costing ~20 ns), and (2) the result does
// not depend on the compiler contracting a*b+c (GCC does by default in C++), so every backend and
// every compiled program gets the same bits. Max error 2.3 ulp over all floats.
#if defined(__GNUC__)
#define SLOPE_SCALAR_ALWAYS_INLINE __attribute__((always_inline))
#else
#define SLOPE_SCALAR_ALWAYS_INLINE
#endif
SLOPE_SCALAR_ALWAYS_INLINE inline float tanh_f32(float x) {
  const float a = std::fabs(x);
  const float z = a * a;
  float p = std::fma(-5.70498872745e-3f, z, 2.06390887954e-2f);
  p = std::fma(p, z, -5.37397155531e-2f);
  p = std::fma(p, z, 1.33314422036e-1f);
  p = std::fma(p, z, -3.33332819422e-1f);
  const float small = std::fma(p * z, a, a);
  // exp(y), y = 2|x| clamped where tanh rounds to 1: k = round(y / ln 2) by the 1.5 * 2^23 trick
  // (std::floor blocks vectorisation), y - k ln 2 in two parts, a degree-7 polynomial, then 2^k.
  const float y = 2.0f * (a < 9.0f ? a : 9.0f);
  const float k = std::fma(y, 1.44269504088896341f, 12582912.0f) - 12582912.0f;
  float r = std::fma(k, -0.693359375f, y);
  r = std::fma(k, 2.12194440e-4f, r);
  float q = std::fma(1.9875691500e-4f, r, 1.3981999507e-3f);
  q = std::fma(q, r, 8.3334519073e-3f);
  q = std::fma(q, r, 4.1665795894e-2f);
  q = std::fma(q, r, 1.6666665459e-1f);
  q = std::fma(q, r, 5.0000001201e-1f);
  const float er = std::fma(q, r * r, r) + 1.0f;
  const uint32_t scale_bits = static_cast<uint32_t>(static_cast<int32_t>(k) + 127) << 23;
  const float e = er * std::bit_cast<float>(scale_bits);  // exact: a power of two
  const float large = (e - 1.0f) / (e + 1.0f);
  const float t = std::copysign(a < 0.625f ? small : large, x);
  return x != x ? x : t;
}
template <class T> SLOPE_SCALAR_ALWAYS_INLINE inline T tanh(T a) {
  if constexpr (std::is_same_v<compute_t<T>, float>) return T(tanh_f32(static_cast<float>(a)));
  else return T(std::tanh(static_cast<compute_t<T>>(a)));
}
// The float-only unary primitives whose value is the function of the same name above: each backend
// dispatches them from this one list (X(op) per primitive), so a new one is its function and an
// entry here, and no backend file changes.
#define SLOPE_FLOAT_UNARY_FUNCTIONS(X) X(exp) X(log) X(sin) X(cos) X(sqrt) X(tanh) X(erf)
template <class T> inline T floor(T a) {
  if constexpr (is_float_v<T>) return T(std::floor(static_cast<compute_t<T>>(a)));
  else return a;
}
inline bool logical_not(bool a) { return !a; }

// Threefry-2x32 with 20 rounds (Salmon et al. 2011), the hash behind JAX's PRNG.
inline void threefry2x32(uint32_t k0, uint32_t k1, uint32_t& x0, uint32_t& x1) {
  const uint32_t k2 = k0 ^ k1 ^ 0x1BD11BDAu;
  const uint32_t ks[3] = {k0, k1, k2};
  static constexpr int rot[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  x0 += k0;
  x1 += k1;
  for (int block = 0; block < 5; ++block) {
    for (int r = 0; r < 4; ++r) {
      int s = rot[block & 1][r];
      x0 += x1;
      x1 = (x1 << s) | (x1 >> (32 - s));
      x1 ^= x0;
    }
    x0 += ks[(block + 1) % 3];
    x1 += ks[(block + 2) % 3] + static_cast<uint32_t>(block + 1);
  }
}

}  // namespace scalar
}  // namespace slope
