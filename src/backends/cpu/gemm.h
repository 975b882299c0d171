#pragma once
// C[M, N] = A[M, K] @ B[K, N] on row-major blocks with leading dimensions (C is overwritten).
// f32/f64 call OpenBLAS; f16/bf16 convert to f32 around sgemm; integers run a wrapping loop
// (exact in any order). Shared by matmul and conv (im2col + GEMM). Not defined for bool.
// The kernel is kernels/gemm.h (shared with generated code) on slope's pool (matmul.cpp).
#include <cstdint>

namespace slope::cpu {

template <class T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc);

}  // namespace slope::cpu
