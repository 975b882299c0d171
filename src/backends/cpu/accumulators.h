#pragma once
// What sum and max reductions accumulate, in one place for the eager kernels (reduce.cpp) and
// jit-generated code (pasted into its preamble after slope/scalar.h), so both reduce alike:
// floating sums in double, rounded once at the end; integer sums wrap; a bool sum is `or`;
// max propagates NaN.
#include <limits>
#include <type_traits>

#include "slope/scalar.h"

namespace slope::accumulate {

template <class T>
struct Sum {
  using A = std::conditional_t<scalar::is_float_v<T>, double, T>;
  static A identity() { return A(0); }
  static A load(T x) {
    if constexpr (scalar::is_float_v<T>) return static_cast<double>(static_cast<scalar::compute_t<T>>(x));
    else return x;
  }
  static A combine(A a, A b) {
    if constexpr (scalar::is_float_v<T>) return a + b;
    else return scalar::add<T>(a, b);
  }
  static T store(A a) { return scalar::convert<T>(a); }
};

template <class T>
struct Max {
  using A = T;
  // The value every element wins against (maximum(identity, x) == x, NaN included).
  static A identity() {
    if constexpr (scalar::is_float_v<T>) return T(-std::numeric_limits<float>::infinity());
    else if constexpr (std::is_same_v<T, bool>) return false;
    else return std::numeric_limits<T>::lowest();
  }
  static A load(T x) { return x; }
  static A combine(A a, A b) { return scalar::maximum<T>(a, b); }
  static T store(A a) { return a; }
};

}  // namespace slope::accumulate
