#pragma once
// The arange primitive, in one place for the eager kernel (generate.cpp) and jit-generated code
// (pasted into its preamble): out[i] = start + i * step.
#include <cstdint>

#include "grain.h"
#include "slope/scalar.h"

namespace slope::kernels {

// Exact wrapping int64 arithmetic, for an integral output with integral start and step.
template <class T, class ParallelFor>
void arange_int(T* o, int64_t n, int64_t start, int64_t step, const ParallelFor& parallel_for) {
  const uint64_t s = static_cast<uint64_t>(start), d = static_cast<uint64_t>(step);
  parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i] = scalar::convert<T>(static_cast<int64_t>(s + static_cast<uint64_t>(i) * d));
  });
}

// Otherwise double arithmetic rounded once (the reference backend's definition).
template <class T, class ParallelFor>
void arange_float(T* o, int64_t n, double start, double step, const ParallelFor& parallel_for) {
  parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i] = scalar::convert<T>(start + static_cast<double>(i) * step);
  });
}

}  // namespace slope::kernels
