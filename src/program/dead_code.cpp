// Dead-code elimination: drops the instructions no output needs (linearize and jit tracing record
// whole functions, of which a gradient often uses part). One backwards sweep, flat arrays by var id.
#include "checks.h"

namespace slope {

Program eliminate_dead_code(const Program& p) {
  check_var_ids(p, "eliminate_dead_code");
  // Backwards liveness: an instruction is kept iff one of its outputs is live; its operands then
  // become live. No primitive has side effects (randomness is a pure function of its key), so
  // this is all there is.
  std::vector<char> live(p.vars.size(), 0);
  for (const Atom& a : p.outputs)
    if (a.is_var()) live[a.var] = 1;
  std::vector<char> keep(p.instructions.size(), 0);
  for (size_t k = p.instructions.size(); k-- > 0;) {
    const Instruction& ins = p.instructions[k];
    bool needed = false;
    for (int v : ins.outputs) needed |= live[v] != 0;
    if (!needed) continue;
    keep[k] = 1;
    for (const Atom& a : ins.inputs)
      if (a.is_var()) live[a.var] = 1;
  }

  // Renumber densely: inputs first, in order, then the kept instructions' outputs in order, so
  // the result carries no types of vars that no longer exist.
  Program q;
  q.name = p.name;
  std::vector<int> map(p.vars.size(), -1);
  auto rename = [&](int v) {
    if (map[v] < 0) map[v] = q.new_var(p.vars[v]);
    return map[v];
  };
  auto rename_atom = [&](const Atom& a) { return a.is_var() ? Atom{rename(a.var), Tensor()} : a; };
  q.vars.reserve(p.vars.size());
  q.instructions.reserve(p.instructions.size());
  for (int v : p.inputs) q.inputs.push_back(rename(v));
  for (size_t k = 0; k < p.instructions.size(); ++k) {
    if (!keep[k]) continue;
    const Instruction& ins = p.instructions[k];
    Instruction out{ins.prim, ins.params, {}, {}, ins.op};
    out.inputs.reserve(ins.inputs.size());
    for (const Atom& a : ins.inputs) out.inputs.push_back(rename_atom(a));
    out.outputs.reserve(ins.outputs.size());
    for (int v : ins.outputs) out.outputs.push_back(rename(v));
    q.instructions.push_back(std::move(out));
  }
  for (const Atom& a : p.outputs) q.outputs.push_back(rename_atom(a));
  return q;
}

}  // namespace slope
