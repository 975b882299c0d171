#pragma once
// How much work a thread must get before handing it one pays off, in one place for the eager
// kernels and jit-generated code (pasted into its preamble), so both cut loops alike.
// Every kernel in this folder takes the caller's pool as `parallel_for(n, grain, fn)`: slope's own
// in eager mode (parallel.h), the generated program's in jit code (codegen/runtime.h).
#include <cstdint>

namespace slope::kernels {

// Below this many elements of simple work, waking threads costs more than it saves.
inline constexpr int64_t kParallelGrain = 32768;

// Grain in rows for loops whose rows hold `row_cost` elements of work each.
inline int64_t rows_grain(int64_t row_cost) {
  if (row_cost < 1) row_cost = 1;
  const int64_t g = kParallelGrain / row_cost;
  return g < 1 ? 1 : g;
}

}  // namespace slope::kernels
