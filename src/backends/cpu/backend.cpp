// Registration and dispatch of the cpu backend (the default): fast eager kernels for every
// primitive and dtype the shape rules accept. Kernels live one concept per file (see eager.h; the loops shared with generated code are in kernels/).
#include "backends/cpu/codegen/jit.h"
#include "backends/cpu/eager.h"

namespace slope {

namespace {

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  // jit: generated C++ (codegen/*.cpp), falling back on the interpreter if the compiler fails.
  std::shared_ptr<const Executable> compile(const Program& program) override {
    return cpu::compile_program(program, [this](const Program& p) { return Backend::compile(p); });
  }
  void export_program(const Program& program, const std::string& dir, const std::string& name) override {
    cpu::export_program(program, dir, name);
  }
  void run(Prim p, const Params& params, std::span<const Tensor> in, std::span<const AVal> out_avals,
           std::span<Tensor> out) override {
    // Tensors are immutable values, so reshape and stop_gradient share the input's bytes.
    if (p == Prim::reshape || p == Prim::stop_gradient) {
      out[0] = make_array(out_avals[0], in[0].impl()->buffer);
      return;
    }
    out[0] = make_array(out_avals[0]);
    Tensor& o = out[0];
    switch (family(p)) {
      case Family::unary: return cpu::unary(p, params, in[0], o);
      case Family::binary:
        if (p == Prim::matmul) return cpu::matmul(in[0], in[1], o);
        return cpu::binary(p, in[0], in[1], o);
      case Family::ternary: return cpu::where(in[0], in[1], in[2], o);
      case Family::reduce: return cpu::reduce(p, std::get<AxesParams>(params).axes, in[0], o);
      case Family::shape: return cpu::movement(p, params, in, o);
      case Family::init: return cpu::generate(p, params, in, o);
      case Family::general: break;
      case Family::higher_order: break;  // call never reaches a backend
    }
    switch (p) {
      case Prim::threefry: return cpu::generate(p, params, in, o);
      case Prim::matmul: return cpu::matmul(in[0], in[1], o);
      case Prim::conv: return cpu::conv(std::get<ConvParams>(params), in[0], in[1], o);
      case Prim::gather: return cpu::gather(std::get<AxisParams>(params).axis, in[0], in[1], o);
      case Prim::scatter_add: return cpu::scatter_add(std::get<AxisParams>(params).axis, in[0], in[1], in[2], o);
      case Prim::argsort: return cpu::argsort(std::get<SortParams>(params), in[0], o);
      case Prim::argmax: return cpu::argmax(std::get<AxisParams>(params).axis, in[0], o);
      default: fail(slope::name(p), "cpu backend: unknown primitive");
    }
  }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace slope
