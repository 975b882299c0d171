// The checks and message helpers the passes share (checks.h).
#include "checks.h"

#include "slope/call.h"

namespace slope {

std::string params_str(const Params& params) {
  if (std::holds_alternative<NoParams>(params)) return {};  // the common case, without a stream
  if (const auto* c = std::get_if<CallParams>(&params); c && !c->body) return "body=<null>";
  return to_string(params);
}

int64_t numel_capped(const Shape& s, int64_t cap) {
  for (int64_t d : s)
    if (d <= 0) return 0;
  int64_t n = 1;
  for (int64_t d : s) {
    if (d > cap || n > cap / d) return cap + 1;
    n *= d;
  }
  return n;
}

void check_var_ids(const Program& p, const char* pass) {
  const int n = static_cast<int>(p.vars.size());
  auto ok = [n](int v) { return v >= 0 && v < n; };
  for (size_t i = 0; i < p.inputs.size(); ++i)
    REQUIRE(ok(p.inputs[i]), pass, "input ", i, " is var ", p.inputs[i], ", out of range (the program has ", n, " vars)");
  for (size_t k = 0; k < p.instructions.size(); ++k) {
    const Instruction& ins = p.instructions[k];
    REQUIRE(valid_prim(ins.prim), pass, "instruction ", k, " has an invalid primitive code ", static_cast<int>(ins.prim));
    for (size_t j = 0; j < ins.inputs.size(); ++j)
      REQUIRE(!ins.inputs[j].is_var() || ok(ins.inputs[j].var), pass, "instruction ", k, " (", name(ins.prim), ") operand ",
            j, " is var ", ins.inputs[j].var, ", out of range (the program has ", n, " vars)");
    for (size_t j = 0; j < ins.outputs.size(); ++j)
      REQUIRE(ok(ins.outputs[j]), pass, "instruction ", k, " (", name(ins.prim), ") output ", j, " is var ",
            ins.outputs[j], ", out of range (the program has ", n, " vars)");
  }
  for (size_t i = 0; i < p.outputs.size(); ++i)
    REQUIRE(!p.outputs[i].is_var() || ok(p.outputs[i].var), pass, "output ", i, " is var ", p.outputs[i].var,
          ", out of range (the program has ", n, " vars)");
}

}  // namespace slope
