#pragma once
// The transformation rules of every primitive: jvp, transpose (linear primitives) and vmap.
#include <span>

#include "slope/tensor.h"

namespace slope::rules {

// Forward mode: given primals x and tangents t (undefined = symbolic zero), computes the
// primal outputs y and tangent outputs ty (undefined = zero) with ops bound on the current
// interpreter.
void jvp(Prim p, const Params& params, std::span<const Tensor> x, std::span<const Tensor> t, std::span<Tensor> y,
         std::span<Tensor> ty);

// Reverse mode for a primitive that is linear in its undefined inputs: `x[i]` is undefined for
// linear inputs (whose types are in_avals[i]) and the known value otherwise. Given the output
// cotangent `ct`, writes the cotangent of every linear input into cts[i] (undefined = zero).
void transpose(Prim p, const Params& params, std::span<const Tensor> x, std::span<const AVal> in_avals,
               const Tensor& ct, std::span<Tensor> cts);
bool is_linear(Prim p);

// Batching: x[i] carries a batch axis at bdims[i] (or -1: unbatched) of length `size`.
// Writes outputs with their batch axis position in out_bdims (-1 = unbatched).
void vmap(Prim p, const Params& params, std::span<const Tensor> x, std::span<const int64_t> bdims, int64_t size,
          std::span<Tensor> y, std::span<int64_t> out_bdims);

}  // namespace slope::rules
