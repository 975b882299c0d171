#pragma once
// bind() and the interpreter chain.
//
// Every operation becomes bind(primitive, inputs, params). bind hands it to the *current*
// interpreter: a thread-local pointer set by RAII scopes (JAX's autodidax2 design). The root is
// the eval interpreter, which runs backend kernels. A transformation (jvp, vmap, staging, ...)
// installs its interpreter with the previous current one as its parent; to compute, it binds
// again with its parent current. Tracers remember their interpreter, so an interpreter unwraps
// only its own tracers and treats everything else as a constant of its parent's world.
#include <span>

#include "slope/primitive.h"
#include "slope/tensor.h"

namespace slope {

class Interpreter {
 public:
  explicit Interpreter(Interpreter* parent);
  virtual ~Interpreter() = default;
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Apply primitive p to `in`, writing num_outputs(p, params) results into `out`.
  virtual void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) = 0;
  virtual const char* name() const = 0;
  Interpreter* parent() const { return parent_; }
  uint64_t id() const { return id_; }
  // True if t is one of this interpreter's own tracers.
  bool owns(const Tensor& t) const {
    const TensorImpl* i = t.impl().get();
    return i && i->owner == this && i->owner_id == id_;
  }
  // True if `other` is this interpreter or one of its ancestors.
  bool sees(const Interpreter* other) const;

 private:
  Interpreter* parent_;
  uint64_t id_;
};

Interpreter& current_interpreter();
Interpreter& eval_interpreter();  // the root of every chain

// True while jit traces a user function on this thread. Such code runs once and is replayed, so
// anything with hidden state (the global random generator) must refuse to run there.
bool tracing_for_jit();
class JitTraceScope {  // marks a jit trace (used by jit)
 public:
  JitTraceScope();
  ~JitTraceScope();
  JitTraceScope(const JitTraceScope&) = delete;
  JitTraceScope& operator=(const JitTraceScope&) = delete;
};

// Makes `interp` current for the scope's lifetime (it must have the current one as parent, or
// be an ancestor of it, as when an interpreter hands work to its parent).
class InterpreterScope {
 public:
  explicit InterpreterScope(Interpreter& interp);
  ~InterpreterScope();
  InterpreterScope(const InterpreterScope&) = delete;
  InterpreterScope& operator=(const InterpreterScope&) = delete;

 private:
  Interpreter* saved_;
};

void bind(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out);
Tensor bind1(Prim p, std::span<const Tensor> in, const Params& params = NoParams{});
inline Tensor bind1(Prim p, std::initializer_list<Tensor> in, const Params& params = NoParams{}) {
  return bind1(p, std::span<const Tensor>(in.begin(), in.size()), params);
}

}  // namespace slope
