#pragma once
// CallBody: the function behind the higher-order `call` primitive. A body runs as ordinary ops
// (eval), and may override how transformations treat it: custom_jvp and custom_vjp give their
// own derivative rules, checkpoint recomputes instead of storing, and (later) jit keeps a
// compiled Program. Without an override, interpreters simply trace through the body.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "slope/tensor.h"

namespace slope {

class CallBody {
 public:
  virtual ~CallBody() = default;
  virtual std::string name() const = 0;
  virtual size_t num_outputs() const = 0;
  virtual std::vector<AVal> infer(std::span<const AVal> in) const = 0;
  // Runs the body with ordinary ops on the current interpreter.
  virtual std::vector<Tensor> eval(std::span<const Tensor> in) const = 0;
  // Forward mode. Called with the parent of the jvp interpreter current; tangents undefined = zero.
  virtual bool has_jvp() const { return false; }
  virtual void jvp(std::span<const Tensor> x, std::span<const Tensor> t, std::span<Tensor> y, std::span<Tensor> ty) const;
  // Reverse mode, for bodies linear in their staged operands. `x` holds the operands' values
  // where they are known constants and is undefined for the linear ones; returns one cotangent
  // per operand (undefined for the constant ones or for zero).
  virtual bool linear() const { return false; }
  virtual std::vector<Tensor> transpose(std::span<const Tensor> x, std::span<const Tensor> cts_out) const;
  // Batching. Called with the parent of the vmap interpreter current. `x` holds the unwrapped
  // operand values and `bdims` their batch axes (-1 = unbatched), `size` the batch size; fills
  // `out` with the batched outputs and `out_bdims` with their batch axes (-1 = unbatched).
  // Without it, vmap traces through the body (which loses a custom rule the body carries).
  virtual bool has_vmap() const { return false; }
  virtual void vmap(std::span<const Tensor> x, std::span<const int64_t> bdims, int64_t size, std::span<Tensor> out,
                    std::span<int64_t> out_bdims) const;
};

// Binds `call` with this body: the outputs of body applied to `in`.
std::vector<Tensor> call(std::shared_ptr<const CallBody> body, std::span<const Tensor> in);

}  // namespace slope
