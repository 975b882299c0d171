// The reference backend (kernels.h says what it is for): one class, dispatching by primitive family.
// It is the model for a new backend (docs/adding_a_backend.md): copy its structure.
#include "kernels.h"

namespace slope {

namespace {
class ReferenceBackend final : public Backend {
 public:
  std::string name() const override { return "reference"; }
  void run(Prim p, const Params& params, std::span<const Tensor> in, std::span<const AVal> out_avals,
           std::span<Tensor> out) override {
    out[0] = make_array(out_avals[0]);
    switch (family(p)) {
      case Family::unary:
      case Family::binary:
      case Family::ternary:
      case Family::init: return reference::elementwise(p, params, in, out[0]);
      case Family::reduce: return reference::reduce(p, params, in, out[0]);
      case Family::shape: return reference::shape(p, params, in, out[0]);
      case Family::general: return reference::general(p, params, in, out[0]);
      case Family::higher_order: break;  // call never reaches a backend: eval runs its body
    }
  }
};
}  // namespace

std::unique_ptr<Backend> make_reference_backend() { return std::make_unique<ReferenceBackend>(); }

}  // namespace slope
