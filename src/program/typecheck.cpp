// typecheck: is a Program well formed and well typed? jit checks every optimized program with it
// before a backend sees it, and tests check that each pass keeps programs well typed. One sweep
// over the instructions with flat arrays indexed by var id (programs can hold 100,000+).
#include <string>
#include <vector>

#include "checks.h"
#include "slope/call.h"

namespace slope {

namespace {

// Names vars the way Program::str prints them: inputs x<i>, everything else z<id>.
class VarNames {
 public:
  explicit VarNames(const Program& p) : input_pos_(p.vars.size(), -1) {
    for (size_t i = 0; i < p.inputs.size(); ++i) {
      int v = p.inputs[i];
      if (v >= 0 && static_cast<size_t>(v) < input_pos_.size() && input_pos_[v] < 0) input_pos_[v] = static_cast<int>(i);
    }
  }
  std::string operator()(int v) const {
    if (v >= 0 && static_cast<size_t>(v) < input_pos_.size() && input_pos_[v] >= 0)
      return numbered("x", input_pos_[v]);
    return numbered("z", v);
  }

 private:
  std::vector<int> input_pos_;
};

}  // namespace

void typecheck(const Program& p) {
  const int n = static_cast<int>(p.vars.size());
  const VarNames vname(p);
  // Where each var is defined: -2 nowhere yet, -1 as an input, k >= 0 by instruction k.
  std::vector<int> def(p.vars.size(), -2);
  auto in_range = [n](int v) { return v >= 0 && v < n; };
  auto where = [](int d) { return d == -1 ? std::string("an input") : "instruction " + std::to_string(d); };

  for (size_t i = 0; i < p.inputs.size(); ++i) {
    int v = p.inputs[i];
    REQUIRE(in_range(v), "typecheck", "input ", i, " is var ", v, ", out of range (the program has ", n, " vars)");
    REQUIRE(def[v] == -2, "typecheck", "input ", i, " repeats var ", vname(v), " (inputs must be distinct vars)");
    def[v] = -1;
    for (int64_t d : p.vars[v].shape)
      REQUIRE(d >= 0, "typecheck", "input ", i, " (", vname(v), ") has a negative dimension: ", to_string(p.vars[v]));
  }

  for (int v = 0; v < n; ++v)
    REQUIRE(is_valid(p.vars[v].dtype), "typecheck", vname(v), " has an invalid dtype ",
            static_cast<unsigned>(p.vars[v].dtype));

  std::vector<AVal> in_avals, out_avals;
  for (size_t k = 0; k < p.instructions.size(); ++k) {
    const Instruction& ins = p.instructions[k];
    REQUIRE(valid_prim(ins.prim), "typecheck", "instruction ", k, " has an invalid primitive code ", static_cast<int>(ins.prim));
    const char* pn = name(ins.prim);
    in_avals.clear();
    for (size_t j = 0; j < ins.inputs.size(); ++j) {
      const Atom& a = ins.inputs[j];
      if (a.is_var()) {
        REQUIRE(in_range(a.var), "typecheck", "instruction ", k, " (", pn, ") operand ", j, " is var ", a.var,
              ", out of range (the program has ", n, " vars)");
        REQUIRE(def[a.var] != -2, "typecheck", "instruction ", k, " (", pn, ") operand ", j, " uses ", vname(a.var),
              " before it is defined");
        in_avals.push_back(p.vars[a.var]);
      } else {
        REQUIRE(a.value.defined(), "typecheck", "instruction ", k, " (", pn, ") operand ", j,
              " is a constant with an empty Tensor handle");
        REQUIRE(a.value.is_concrete(), "typecheck", "instruction ", k, " (", pn, ") operand ", j, " is a constant ",
              to_string(a.value.aval()), " that is not concrete (a tracer captured from an enclosing transformation)");
        in_avals.push_back(a.value.aval());
      }
    }
    // (to_string and the shape rules' messages dereference a call's body: reject a missing one first)
    if (const auto* c = std::get_if<CallParams>(&ins.params); c && !c->body)
      fail("typecheck", "instruction ", k, " (", pn, " body=<null>): a call needs a body");
    size_t nout;
    try {
      nout = num_outputs(ins.prim, ins.params);
      out_avals.assign(nout, AVal{});
      infer(ins.prim, ins.params, in_avals.data(), in_avals.size(), out_avals.data());
    } catch (const Error& e) {
      std::string types;
      for (const AVal& a : in_avals) types += (types.empty() ? "" : ", ") + to_string(a);
      std::string ps = params_str(ins.params);
      fail("typecheck", "instruction ", k, " (", pn, ps.empty() ? "" : " ", ps, ") on (", types,
           "): the shape rule rejects its operands: ", e.what());
    }
    REQUIRE(ins.outputs.size() == nout, "typecheck", "instruction ", k, " (", pn, ") declares ", ins.outputs.size(),
          " output(s), the primitive produces ", nout);
    for (size_t j = 0; j < nout; ++j) {
      int v = ins.outputs[j];
      REQUIRE(in_range(v), "typecheck", "instruction ", k, " (", pn, ") output ", j, " is var ", v,
            ", out of range (the program has ", n, " vars)");
      REQUIRE(def[v] == -2, "typecheck", "instruction ", k, " (", pn, ") output ", j, " redefines ", vname(v),
            ", already defined by ", where(def[v]));
      def[v] = static_cast<int>(k);
      REQUIRE(p.vars[v] == out_avals[j], "typecheck", "instruction ", k, " (", pn, ") output ", j, " (", vname(v),
            ") is declared ", to_string(p.vars[v]), " but the shape rule gives ", to_string(out_avals[j]));
    }
  }

  for (size_t i = 0; i < p.outputs.size(); ++i) {
    const Atom& a = p.outputs[i];
    if (a.is_var()) {
      REQUIRE(in_range(a.var), "typecheck", "output ", i, " is var ", a.var, ", out of range (the program has ", n, " vars)");
      REQUIRE(def[a.var] != -2, "typecheck", "output ", i, " is ", vname(a.var), ", which no input or instruction defines");
    } else if (a.value.defined()) {
      // An undefined output constant is allowed: linearize returns a symbolic zero that way.
      REQUIRE(a.value.is_concrete(), "typecheck", "output ", i, " is a constant ", to_string(a.value.aval()),
            " that is not concrete (a tracer captured from an enclosing transformation)");
    }
  }
}

}  // namespace slope
