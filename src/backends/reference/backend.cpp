// The reference backend, the model for a new one (docs/adding_a_backend.md): dispatch by family.
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
      case Family::shape: return reference::shape(p, params, in, out[0]);
      case Family::reduce:
      case Family::general: return reference::general(p, params, in, out[0]);
      case Family::higher_order: break;  // call never reaches a backend: eval runs its body
    }
  }
};
}  // namespace

std::unique_ptr<Backend> make_reference_backend() { return std::make_unique<ReferenceBackend>(); }

}  // namespace slope
