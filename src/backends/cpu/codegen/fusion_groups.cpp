// fusion_groups: which instructions of a Program the cpu code generator turns into one loop, said
// at the level of the IR so that Lowered::dot (and users, with to_dot) can draw the groups. It is
// the generator's policy, so it lives beside the generator; it needs nothing but the Program, so
// it is built in every configuration (the reference-only build draws the same groups).
#include "primitives/record.h"
#include "slope/program.h"

namespace slope {

// Loop fusion as the cpu code generator does it, at the level of the IR: elementwise operations,
// the movement operations feeding them (index arithmetic, not copies), `full`/`arange`, and a
// reduction consuming them form one group (one loop). A reduction's result is stored, so its
// consumers start a new group; matmul, conv, gather, scatter_add, threefry, pad and cat are
// groups of their own. Union-find over the instruction list, no recursion.
std::vector<int> fusion_groups(const Program& p) {
  const size_t n = p.instructions.size();
  auto fusable = [](Prim q) { return record(q).fusable; };
  std::vector<int> parent(n), producer(p.vars.size(), -1);
  for (size_t i = 0; i < n; ++i) parent[i] = static_cast<int>(i);
  auto find = [&](int a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  };
  for (size_t i = 0; i < n; ++i) {
    const Instruction& ins = p.instructions[i];
    for (int o : ins.outputs)
      if (o >= 0 && static_cast<size_t>(o) < producer.size()) producer[o] = static_cast<int>(i);
    if (!fusable(ins.prim)) continue;
    for (const Atom& a : ins.inputs) {
      if (!a.is_var() || static_cast<size_t>(a.var) >= producer.size() || producer[a.var] < 0) continue;
      const Instruction& prod = p.instructions[producer[a.var]];
      if (!fusable(prod.prim) || family(prod.prim) == Family::reduce) continue;
      parent[find(producer[a.var])] = find(static_cast<int>(i));
    }
  }
  // Number the groups densely in order of first appearance; instructions alone get -1.
  std::vector<int> size(n, 0), number(n, -1), id(n, -1);
  for (size_t i = 0; i < n; ++i) ++size[find(static_cast<int>(i))];
  int next = 0;
  for (size_t i = 0; i < n; ++i) {
    int r = find(static_cast<int>(i));
    if (size[r] < 2) continue;
    if (number[r] < 0) number[r] = next++;
    id[i] = number[r];
  }
  return id;
}

}  // namespace slope
