#pragma once
// The threefry primitive behind slope::random, in one place for the eager kernel (generate.cpp) and
// jit-generated code (pasted into its preamble), so a key gives the same bits eagerly and compiled.
// JAX's threefry_2x32: the flat counts, padded with one 0 to even length, are split in halves
// x0 = c[0:h], x1 = c[h:2h]; pair i is hashed and the output is concat(x0', x1')[:n].
#include <cstdint>

#include "slope/scalar.h"

namespace slope::kernels {

// Pairs per thread at least. A pair is 20 rounds of add/rotate/xor, so 2048 pairs are already
// several kParallelGrain's worth of simple work; the eager kernel has always used this grain (the
// jit preamble had 4096, never measured), and the bits do not depend on it.
inline constexpr int64_t kThreefryGrain = 2048;

template <class ParallelFor>
void threefry(uint32_t k0, uint32_t k1, const uint32_t* c, uint32_t* o, int64_t n, const ParallelFor& parallel_for) {
  const int64_t h = (n + 1) / 2;
  parallel_for(h, kThreefryGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      uint32_t x0 = c[i], x1 = h + i < n ? c[h + i] : 0u;
      scalar::threefry2x32(k0, k1, x0, x1);
      o[i] = x0;
      if (h + i < n) o[h + i] = x1;
    }
  });
}

}  // namespace slope::kernels
