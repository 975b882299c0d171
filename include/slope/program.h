#pragma once
// Program: the SSA intermediate representation that staging produces (linearize, jit).
// Typed input vars, instructions (primitive, params, input atoms, output vars), outputs.
// An atom is a var or a constant tensor captured from outside (which may itself be a tracer of
// an enclosing transformation: programs staged inside grad(grad(f)) close over outer tracers).
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "slope/primitive.h"
#include "slope/tensor.h"

namespace slope {

struct Atom {
  int var = -1;   // >= 0: a variable of the program
  Tensor value;   // otherwise a constant
  bool is_var() const { return var >= 0; }
};

struct Instruction {
  Prim prim;
  Params params;
  std::vector<Atom> inputs;
  std::vector<int> outputs;
  // The public operation that recorded it (error.h OpScope), so errors found when the program
  // runs name the op the user called; nullptr: the primitive's own name.
  const char* op = nullptr;
};

class Program {
 public:
  // What the program is called: printed after `def`, and (for jit) the name of its compiled entry
  // point and of an export. See is_program_name() for what is allowed.
  std::string name = "f";
  std::vector<AVal> vars;           // type of every variable, indexed by id
  std::vector<int> inputs;          // input variable ids
  std::vector<Instruction> instructions;
  std::vector<Atom> outputs;

  int new_var(const AVal& a) {
    vars.push_back(a);
    return static_cast<int>(vars.size()) - 1;
  }
  const AVal& aval(const Atom& a) const { return a.is_var() ? vars[a.var] : a.value.aval(); }
  // Evaluates the program on the current interpreter (so it can itself be transformed).
  std::vector<Tensor> run(const std::vector<Tensor>& args) const;
  std::string str() const { return str(name); }
  std::string str(const std::string& def_name) const;  // printed as `def <def_name>(...)`
};

// A valid program name: a C identifier made of letters, digits and single underscores, starting
// with a letter and not ending with an underscore, at most 128 characters ("train_step", "f2").
// Generated code prefixes it (`slope_<name>`) and appends suffixes (`_fwd`, `_compute`), which
// then never form a reserved identifier (`__`, `_X`). Names derived from a valid one (jit's
// `<name>_fwd`, `vmap_<name>`, ...) may grow past `max_size`; code generation allows that.
bool is_program_name(const std::string& name, size_t max_size = 128);
// The rule above, said in words for error messages.
extern const char* const kProgramNameRule;

std::ostream& operator<<(std::ostream& os, const Program& p);

// ---- checks and passes (src/program/, one file each); each pass returns a program with the same
// inputs and outputs that computes the same values ----
// Throws slope::Error "[typecheck] ..." unless every var is defined once before use, every
// instruction's output types are what its shape rule infers, and inputs/outputs are in range.
void typecheck(const Program& p);
Program eliminate_dead_code(const Program& p);             // drops instructions no output needs
Program eliminate_common_subexpressions(const Program& p); // same prim, params and operands -> one
Program fold_constants(const Program& p);                  // evaluates small all-constant instructions
// Replaces every `call` instruction by its body's operations (jit compiles flat programs).
Program inline_calls(const Program& p);
// inline_calls, fold_constants, eliminate_common_subexpressions, eliminate_dead_code; typechecked.
Program optimize(const Program& p);
// Fusion grouping: one id per instruction (-1 = not fused with anything). Instructions with one
// id become one loop in the cpu backend's generated code: elementwise ops, the movement ops and
// constants feeding them, and a reduction consuming them. (The generator also cuts expressions
// past 256 ops, and lets the stores of several groups of one shape share a loop.) The policy is
// the generator's: src/backends/cpu/fusion_groups.cpp, built in every configuration.
std::vector<int> fusion_groups(const Program& p);
// Graphviz DOT text: one node per instruction, edges along data flow; `groups`, when given, has
// one fusion-group id per instruction (-1 = none) and draws each group as a cluster.
// The graph is named after the program unless `name` is given.
std::string to_dot(const Program& p, const std::string& name = "", const std::vector<int>* groups = nullptr);

}  // namespace slope
