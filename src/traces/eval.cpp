// The eval interpreter: the root of every interpreter chain. It checks types with the primitive's
// rule, validates data-dependent preconditions that no kernel should have to (index bounds,
// integer division by zero), and runs the kernel of the current backend.
#include <cstring>

#include "slope/backend.h"
#include "slope/call.h"
#include "slope/interpreter.h"

namespace slope {

namespace {

template <class T>
void check_indices(const char* op, const Tensor& idx, int64_t size) {
  const T* p = static_cast<const T*>(idx.data());
  int64_t n = idx.numel();
  for (int64_t i = 0; i < n; ++i) {
    auto v = static_cast<int64_t>(p[i]);
    if (v < 0 || v >= size)
      fail(op, "index ", v, " is out of bounds for an axis of size ", size, " (indices ", to_string(idx.aval()), ")");
  }
}

void check_data(Prim p, const Params& params, std::span<const Tensor> in) {
  if (p == Prim::gather || p == Prim::scatter_add) {
    int64_t axis = std::get<AxisParams>(params).axis;
    int64_t size = in[0].shape()[axis];
    const char* op = name(p);
    visit_dtype(in[1].dtype(), [&](auto t) {
      using T = decltype(t);
      if constexpr (scalar::is_int_v<T>) check_indices<T>(op, in[1], size);
    });
  } else if (p == Prim::div && is_integral(in[1].dtype())) {
    visit_dtype(in[1].dtype(), [&](auto t) {
      using T = decltype(t);
      if constexpr (scalar::is_int_v<T>) {
        const T* d = static_cast<const T*>(in[1].data());
        for (int64_t i = 0, n = in[1].numel(); i < n; ++i)
          if (d[i] == 0) fail("div", "integer division by zero (", to_string(in[1].aval()), " divisor)");
      }
    });
  }
}

class EvalInterpreter final : public Interpreter {
 public:
  EvalInterpreter() : Interpreter(nullptr) {}
  const char* name() const override { return "eval"; }

  void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) override {
    if (p == Prim::call) return run_call(in, params, out);
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
    check_data(p, params, in);
    Backend& b = default_backend();
    if (b.supports(p, params)) {
      b.run(p, params, in, std::span<const AVal>(out_avals, 1), out);
    } else {
      get_backend("reference").run(p, params, in, std::span<const AVal>(out_avals, 1), out);
    }
  }

 private:
  // A call runs its body as ordinary ops; it never reaches a backend.
  static void run_call(std::span<const Tensor> in, const Params& params, std::span<Tensor> out) {
    size_t n = num_outputs(Prim::call, params);  // validates the params
    check(out.size() == n, "call", "expects ", n, " outputs, got room for ", out.size());
    const auto& body = *std::get<CallParams>(params).body;
    std::vector<Tensor> r = body.eval(in);
    check(r.size() == out.size(), "call", "body ", body.name(), " returned ", r.size(), " outputs, expected ", out.size());
    for (size_t i = 0; i < r.size(); ++i) out[i] = std::move(r[i]);
  }
};
}  // namespace

Interpreter& eval_interpreter() {
  static EvalInterpreter* e = new EvalInterpreter();  // never destroyed: tensors may outlive statics
  return *e;
}

}  // namespace slope
