#pragma once
// The interpreters of the transformations and their tracers (internal).
#include <functional>
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

// ---- recording operations into a Program: staging (jit) and partial evaluation (linearize) ----
// JAX keeps these apart (autodidax: JaxprTrace stages everything, PartialEvalTrace splits known
// from unknown); so does slope. Both hand out StagedTracers (a var of the program being recorded)
// and share how an operation is appended (RecordingInterpreter); they differ in which operations
// they record and in what a value from outside becomes.
class StagedTracer final : public TensorImpl {
 public:
  StagedTracer(Interpreter* owner, AVal aval, int var) : TensorImpl(std::move(aval), nullptr, owner), var(var) {}
  int var;
};

class RecordingInterpreter : public Interpreter {
 public:
  Tensor new_input(const AVal& a);
  Program program;

 protected:
  using Interpreter::Interpreter;
  int var_of(const Tensor& own) const { return static_cast<const StagedTracer*>(own.impl().get())->var; }
  // Appends `ins` (its operand atoms already made from `in`) with fresh vars, typed by the shape
  // rule, for its outputs; `out` gets their tracers.
  void record(Instruction ins, std::span<const Tensor> in, std::span<Tensor> out);
};

// Staging (traces/staging.cpp), for jit: every operation is recorded, whatever its operands, so
// the program is a complete function of its inputs. Values of other transformations captured from
// outside (foreign tracers) become extra inputs (`lifted`): a compiled program can only hold
// concrete constants. Not final: inline_calls (program/inlining.cpp) stages through call bodies.
class StagingInterpreter : public RecordingInterpreter {
 public:
  explicit StagingInterpreter(Interpreter* parent) : RecordingInterpreter(parent) {}
  const char* name() const override { return "staging"; }
  void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) override;
  Atom atom(const Tensor& t);  // a var for own tracers (and lifted foreign ones), else a constant
  std::vector<Tensor> lifted;    // foreign tracers made inputs (appended to program.inputs)
  std::vector<int> lifted_vars;  // their vars
};

// Runs f on fresh inputs of these types under `s` and returns the program it recorded, outputs
// set (s.lifted then lists the foreign tracers it captured). `f` is a detail::FlatFn, spelled out
// so that this layer does not include the transformations' header.
Program stage(StagingInterpreter& s, const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
              const std::vector<AVal>& in);

// Partial evaluation (traces/partial_eval.cpp), for linearize: an operation touching one of its
// values is recorded, any other runs in the parent (known = not staged). Values from outside are
// constants of the program, whatever they are.
class PartialEvalInterpreter final : public RecordingInterpreter {
 public:
  explicit PartialEvalInterpreter(Interpreter* parent) : RecordingInterpreter(parent) {}
  const char* name() const override { return "partial_eval"; }
  void process(Prim p, std::span<const Tensor> in, const Params& params, std::span<Tensor> out) override;
  Atom atom(const Tensor& t) const { return owns(t) ? Atom{var_of(t), Tensor()} : Atom{-1, t}; }
};

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
