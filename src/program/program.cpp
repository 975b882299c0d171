// Program: running one on the current interpreter, and what a program may be called. The
// printer, typechecker, passes and Program-level transformations have files of their own here.
#include "slope/program.h"

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
