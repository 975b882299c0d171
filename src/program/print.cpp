// Program's text form (`def f(x0): ...`), the one users see in errors, logs (SLOPE_LOG_JIT) and
// tests; the Graphviz form is dot.cpp.
#include <sstream>

#include "slope/program.h"

namespace slope {

namespace {
std::string var_name(const Program& p, int v) {
  for (size_t i = 0; i < p.inputs.size(); ++i)
    if (p.inputs[i] == v) return std::string("x").append(std::to_string(i));
  return std::string("z").append(std::to_string(v));
}
}  // namespace

std::string Program::str(const std::string& def_name) const {
  std::ostringstream os;
  // Constants are numbered in order of first use.
  std::vector<const TensorImpl*> consts;
  auto atom_name = [&](const Atom& a) -> std::string {
    if (a.is_var()) return var_name(*this, a.var);
    for (size_t i = 0; i < consts.size(); ++i)
      if (consts[i] == a.value.impl().get()) return std::string("c").append(std::to_string(i));
    consts.push_back(a.value.impl().get());
    return std::string("c").append(std::to_string(consts.size() - 1));
  };
  auto type = [](const AVal& a) {
    // "[2, 3, f32]" like the seed's programs
    std::ostringstream t;
    t << "[";
    for (int64_t d : a.shape) t << d << ", ";
    t << slope::name(a.dtype) << "]";
    return t.str();
  };
  os << "def " << def_name << "(";
  for (size_t i = 0; i < inputs.size(); ++i) os << (i ? ", " : "") << "x" << i;
  os << "): # (";
  for (size_t i = 0; i < inputs.size(); ++i) os << (i ? ", " : "") << type(vars[inputs[i]]);
  os << ") -> (";
  for (size_t i = 0; i < outputs.size(); ++i) os << (i ? ", " : "") << type(aval(outputs[i]));
  os << ")\n";
  for (const Instruction& ins : instructions) {
    os << "    ";
    for (size_t i = 0; i < ins.outputs.size(); ++i) os << (i ? ", " : "") << var_name(*this, ins.outputs[i]);
    os << " = " << slope::name(ins.prim) << "(";
    for (size_t i = 0; i < ins.inputs.size(); ++i) os << (i ? ", " : "") << atom_name(ins.inputs[i]);
    std::string ps = to_string(ins.params);
    if (!ps.empty()) os << (ins.inputs.empty() ? "" : ", ") << ps;
    os << ") # ";
    for (size_t i = 0; i < ins.outputs.size(); ++i) os << (i ? ", " : "") << type(vars[ins.outputs[i]]);
    os << "\n";
  }
  os << "    return ";
  for (size_t i = 0; i < outputs.size(); ++i) os << (i ? ", " : "") << atom_name(outputs[i]);
  os << "\n";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Program& p) { return os << p.str(); }

}  // namespace slope
