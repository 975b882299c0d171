// The eval interpreter: the root of every interpreter chain. It checks types with the primitive's
// rule, validates data-dependent preconditions that no kernel should have to (the record's data
// check: index bounds, integer division by zero), and runs the kernel of the current backend.
#include "primitives/record.h"
#include "slope/backend.h"
#include "slope/interpreter.h"

namespace slope {

namespace {

class EvalInterpreter final : public Interpreter {
 public:
  EvalInterpreter() : Interpreter(nullptr) {}
  const char* name() const override { return "eval"; }

  void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) override {
    const PrimitiveRecord& r = record(p);
    if (r.run_body) return r.run_body(params, in, out);  // an op defined by a body never reaches a backend
    constexpr size_t kInline = 4;
    AVal in_inline[kInline];
    std::vector<AVal> in_heap;
    AVal* avals = in_inline;
    if (in.size() > kInline) {
      in_heap.resize(in.size());
      avals = in_heap.data();
    }
    for (size_t i = 0; i < in.size(); ++i) {
      const Tensor& t = in[i];
      check(t.defined(), slope::name(p), "operand ", i, " is an empty Tensor handle");
      if (!t.is_concrete())
        fail(slope::name(p), "operand ", i, " is a tracer of a transformation that has already finished (",
             "a traced value escaped, e.g. stored in a global inside grad/vmap/jit)");
      avals[i] = t.aval();
    }
    AVal out_avals[1];
    check(out.size() == 1, slope::name(p), "expects ", 1, " output");
    infer(p, params, avals, in.size(), out_avals);
    if (r.check_data) r.check_data(params, in);
    Backend& b = default_backend();
    if (b.supports(p, params)) {
      b.run(p, params, in, std::span<const AVal>(out_avals, 1), out);
    } else {
      get_backend("reference").run(p, params, in, std::span<const AVal>(out_avals, 1), out);
    }
  }
};
}  // namespace

Interpreter& eval_interpreter() {
  static EvalInterpreter* e = new EvalInterpreter();  // never destroyed: tensors may outlive statics
  return *e;
}

}  // namespace slope
