// The default Backend::compile: no code generation, the Program is interpreted op by op on the
// backend that compiled it. This is how jit runs on the reference backend (and on any new
// backend before it learns to compile), so jit's semantics never depend on a code generator.
#include "slope/backend.h"
#include "slope/interpreter.h"

namespace slope {

namespace {
class InterpretedExecutable final : public Executable {
 public:
  InterpretedExecutable(Program p, std::string backend) : program_(std::move(p)), backend_(std::move(backend)) {}
  std::vector<Tensor> run(std::span<const Tensor> in) const override {
    // Always at the root of the interpreter chain: an executable computes concrete values.
    InterpreterScope root(eval_interpreter());
    BackendScope on(backend_);
    return program_.run(std::vector<Tensor>(in.begin(), in.end()));
  }

 private:
  Program program_;
  std::string backend_;
};
}  // namespace

std::shared_ptr<const Executable> Backend::compile(const Program& program) {
  return std::make_shared<InterpretedExecutable>(program, name());
}

void Backend::export_program(const Program&, const std::string&, const std::string&) {
  fail("export", "the ", name(), " backend cannot export programs (the cpu backend can)");
}

}  // namespace slope
