// Program evaluation and printing.
#include "slope/program.h"

#include <sstream>

#include "slope/interpreter.h"

namespace slope {

std::vector<Tensor> Program::run(const std::vector<Tensor>& args) const {
  check(args.size() == inputs.size(), "program", "expects ", inputs.size(), " inputs, got ", args.size());
  std::vector<Tensor> env(vars.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    check(args[i].aval() == vars[inputs[i]], "program", "input ", i, " must be ", to_string(vars[inputs[i]]), ", got ",
          to_string(args[i].aval()));
    env[inputs[i]] = args[i];
  }
  std::vector<Tensor> in, out;
  for (const Instruction& ins : instructions) {
    in.clear();
    for (const Atom& a : ins.inputs) in.push_back(a.is_var() ? env[a.var] : a.value);
    out.assign(ins.outputs.size(), Tensor());
    OpScope scope(ins.op);
    bind(ins.prim, in, ins.params, out);
    for (size_t i = 0; i < out.size(); ++i) env[ins.outputs[i]] = out[i];
  }
  std::vector<Tensor> res;
  for (const Atom& a : outputs) res.push_back(a.is_var() ? env[a.var] : a.value);
  return res;
}

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

const char* const kProgramNameRule =
    "letters, digits and single underscores, starting with a letter and not ending with an underscore, "
    "at most 128 characters (e.g. \"train_step\")";

bool is_program_name(const std::string& name, size_t max_size) {
  if (name.empty() || name.size() > max_size || name.back() == '_') return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(name[0])) return false;
  for (size_t i = 1; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '_' ? name[i - 1] == '_' : !(letter(c) || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace slope
