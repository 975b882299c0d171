#pragma once
// The transformations of whole Programs (internal): what jit's compiled calls answer to jvp, vjp
// and vmap (transforms/jit.cpp, JitBody), and the backward pass of vjp. Each takes a Program and
// gives a Program, staged on abstract inputs, so the result can be compiled in turn.
#include <cstdint>
#include <vector>

#include "slope/program.h"

namespace slope {

// The linearization of p with respect to the operands where mask is true (linearize.cpp).
struct LinearizedProgram {
  Program known;                   // p's operands -> p's outputs, then the residuals
  Program lin;                     // residuals, tangents of `diff` -> tangents of `float_outs`
  size_t n_residuals = 0;          // lin's leading, non-linear operands
  std::vector<size_t> diff;        // p's operands with tangents (mask true)
  std::vector<size_t> float_outs;  // p's outputs with tangents (floating)
};
LinearizedProgram linearize_program(const Program& p, const std::vector<bool>& mask);

// Runs a linear program backwards on the current interpreter: the cotangents of its inputs given
// those of its outputs (undefined = zero in both directions). vjp is linearize + this (transpose.cpp).
std::vector<Tensor> transpose_program(const Program& lin, const std::vector<Tensor>& cts_out);

// The program computing the cotangents of a lin program's linear operands from (its
// `n_residuals` leading operands, cotangents of its outputs); zeros where none flows (transpose.cpp).
Program transposed_program(const Program& lin, size_t n_residuals);

// The program of vmap(p) for operands of these types batched along `bdims` (-1 = not batched);
// every output is batched along axis 0 (batch.cpp).
Program batched_program(const Program& p, const std::vector<int64_t>& bdims, const std::vector<AVal>& in);

}  // namespace slope
