#pragma once
// The interpreters of the transformations and their tracers (internal).
#include <vector>

#include "slope/interpreter.h"
#include "slope/program.h"

namespace slope {

// ---- forward mode ----
class JvpTracer final : public TensorImpl {
 public:
  JvpTracer(Interpreter* owner, Tensor primal, Tensor tangent)
      : TensorImpl(primal.aval(), nullptr, owner), primal(std::move(primal)), tangent(std::move(tangent)) {}
  Tensor primal, tangent;  // tangent undefined = zero
};

class JvpInterpreter final : public Interpreter {
 public:
  explicit JvpInterpreter(Interpreter* parent) : Interpreter(parent) {}
  const char* name() const override { return "jvp"; }
  void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) override;
  Tensor lift(const Tensor& primal, const Tensor& tangent) {
    return Tensor(std::make_shared<JvpTracer>(this, primal, tangent));
  }
  // (primal, tangent) of a value seen by this interpreter; foreign values have zero tangent.
  std::pair<Tensor, Tensor> unpack(const Tensor& t) const;
};

// ---- staging (partial evaluation): ops touching staged values are recorded, others run ----
class StagedTracer final : public TensorImpl {
 public:
  StagedTracer(Interpreter* owner, AVal aval, int var) : TensorImpl(std::move(aval), nullptr, owner), var(var) {}
  int var;
};

// Two modes. Partial (linearize): ops touching a staged value are recorded, the rest run in the
// parent. Total (jit, `Mode::all` or `Mode::inline_calls`): every op is recorded, whatever its
// inputs, so the program is a complete function of its inputs; values of other transformations
// captured from outside (foreign tracers) become extra inputs (`lifted`), because a compiled
// program can only hold concrete constants. `inline_calls` also traces through `call` bodies
// instead of recording them (jit's compile wants flat programs).
class StagingInterpreter final : public Interpreter {
 public:
  enum class Mode { partial, all, inline_calls };
  explicit StagingInterpreter(Interpreter* parent, Mode mode = Mode::partial) : Interpreter(parent), mode(mode) {}
  const char* name() const override { return "staging"; }
  void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) override;
  Tensor new_input(const AVal& a);
  Atom atom(const Tensor& t);  // a var for own tracers (and lifted foreign ones), else a constant
  Program program;
  Mode mode;
  std::vector<Tensor> lifted;    // foreign tracers made inputs (appended to program.inputs)
  std::vector<int> lifted_vars;  // their vars
};

// Runs a linear program backwards: the cotangents of its inputs given those of its outputs
// (undefined = zero in both directions).
std::vector<Tensor> transpose_program(const Program& lin, const std::vector<Tensor>& cts_out);

// ---- batching ----
class BatchTracer final : public TensorImpl {
 public:
  BatchTracer(Interpreter* owner, Tensor val, int64_t bdim);
  Tensor val;
  int64_t bdim;
};

class VmapInterpreter final : public Interpreter {
 public:
  VmapInterpreter(Interpreter* parent, int64_t size) : Interpreter(parent), size(size) {}
  const char* name() const override { return "vmap"; }
  void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) override;
  int64_t size;
};

}  // namespace slope
