// bind(), the current-interpreter pointer and its RAII scope.
#include "slope/interpreter.h"

#include <atomic>
#include <cstdint>

namespace slope {

namespace {
thread_local Interpreter* t_current = nullptr;
}

namespace {
std::atomic<uint64_t> g_next_id{1};
}
Interpreter::Interpreter(Interpreter* parent) : parent_(parent), id_(g_next_id.fetch_add(1)) {}

TensorImpl::TensorImpl(AVal a, std::shared_ptr<Buffer> b, Interpreter* o)
    : aval(std::move(a)), buffer(std::move(b)), owner(o), owner_id(o ? o->id() : 0) {}

bool Interpreter::sees(const Interpreter* other) const {
  for (const Interpreter* i = this; i; i = i->parent())
    if (i == other) return true;
  return false;
}

Interpreter& current_interpreter() { return t_current ? *t_current : eval_interpreter(); }

namespace {
thread_local int t_jit_traces = 0;
}
bool tracing_for_jit() { return t_jit_traces > 0; }
JitTraceScope::JitTraceScope() { ++t_jit_traces; }
JitTraceScope::~JitTraceScope() { --t_jit_traces; }

InterpreterScope::InterpreterScope(Interpreter& interp) : saved_(t_current) { t_current = &interp; }
InterpreterScope::~InterpreterScope() { t_current = saved_; }

void bind(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) {
  current_interpreter().process(p, in, params, out);
}

Tensor bind1(Prim p, std::span<const Tensor> in, const Params& params) {
  Tensor out;
  current_interpreter().process(p, in, params, std::span<Tensor>(&out, 1));
  return out;
}

}  // namespace slope
