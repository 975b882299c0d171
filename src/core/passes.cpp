// Checks and passes over Program (program.h): typecheck, dead-code elimination, common
// subexpression elimination, constant folding, and Graphviz rendering.
//
// Every pass is one or two linear sweeps over the instruction list with flat arrays indexed
// by var id: staged programs can hold 100,000+ instructions, so nothing here recurses over the
// program or does per-instruction work that grows with its length.
// inline_calls and optimize live in their own file; the passes here never look inside a
// `call` (its body is opaque to them): they only rename its operands, and DCE may drop it.
#include <cstring>
#include <iomanip>
#include <map>
#include <sstream>
#include <unordered_map>

#include "slope/call.h"
#include "slope/interpreter.h"
#include "slope/program.h"

// check(cond, op, args...) evaluates its message arguments even when cond holds; the names and
// type strings built here would then dominate the cost of checking a long program.
#define REQUIRE(cond, ...)                   \
  do {                                       \
    if (!(cond)) ::slope::fail(__VA_ARGS__); \
  } while (0)

namespace slope {

namespace {

// ---------------- shared helpers ----------------

bool valid_prim(Prim p) { return static_cast<int>(p) < kNumPrimitives; }  // Prim is unsigned

// to_string(Params) dereferences a call's body; a malformed program may have none, and the
// error that reports it must not crash while formatting.
std::string params_str(const Params& params) {
  if (std::holds_alternative<NoParams>(params)) return {};  // the common case, without a stream
  if (const auto* c = std::get_if<CallParams>(&params); c && !c->body) return "body=<null>";
  return to_string(params);
}

// numel, but saturating above `cap` (declared shapes are untrusted: their product may overflow).
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

// The passes below index flat arrays by var id; a malformed program must give an error, not an
// out-of-bounds access. (Full type checking is typecheck's job; this is only what memory safety needs.)
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
      return "x" + std::to_string(input_pos_[v]);
    return "z" + std::to_string(v);
  }

 private:
  std::vector<int> input_pos_;
};

// ---------------- hashing for CSE ----------------

inline void mix(uint64_t& h, uint64_t v) {
  // boost::hash_combine's recipe widened to 64 bits
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 12) + (h >> 4);
}
void mix_bytes(uint64_t& h, const void* data, size_t n) {
  // FNV-1a over the bytes, then folded in
  uint64_t f = 0xcbf29ce484222325ULL;
  const auto* b = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) f = (f ^ b[i]) * 0x100000001b3ULL;
  mix(h, f);
}
void mix_shape(uint64_t& h, const Shape& s) {
  mix(h, s.size());
  for (int64_t d : s) mix(h, static_cast<uint64_t>(d));
}
// Consistent with Scalar's operator==: floats compare by bit pattern, ints and bools by value.
void mix_scalar(uint64_t& h, const Scalar& s) {
  mix(h, static_cast<uint64_t>(s.kind));
  if (s.kind == ScalarKind::Float) {
    uint64_t bits;
    std::memcpy(&bits, &s.f, sizeof bits);
    mix(h, bits);
  } else {
    mix(h, static_cast<uint64_t>(s.i));
  }
}

struct ParamsHasher {
  uint64_t& h;
  void operator()(const NoParams&) const {}
  void operator()(const CastParams& p) const { mix(h, static_cast<uint64_t>(p.dtype)); }
  void operator()(const AxesParams& p) const { mix_shape(h, p.axes); }
  void operator()(const ShapeParams& p) const { mix_shape(h, p.shape); }
  void operator()(const PadParams& p) const {
    mix_shape(h, p.lo);
    mix_shape(h, p.hi);
    mix_shape(h, p.interior);
    mix_scalar(h, p.value);
  }
  void operator()(const SliceParams& p) const {
    mix_shape(h, p.start);
    mix_shape(h, p.stop);
    mix_shape(h, p.step);
  }
  void operator()(const AxisParams& p) const { mix(h, static_cast<uint64_t>(p.axis)); }
  void operator()(const FullParams& p) const {
    mix_shape(h, p.shape);
    mix(h, static_cast<uint64_t>(p.dtype));
    mix_scalar(h, p.value);
  }
  void operator()(const ArangeParams& p) const {
    mix(h, static_cast<uint64_t>(p.n));
    mix_scalar(h, p.start);
    mix_scalar(h, p.step);
    mix(h, static_cast<uint64_t>(p.dtype));
  }
  void operator()(const ConvParams& p) const {
    mix_shape(h, p.stride);
    mix_shape(h, p.dilation);
    mix_shape(h, p.pad_lo);
    mix_shape(h, p.pad_hi);
    mix(h, static_cast<uint64_t>(p.groups));
  }
  void operator()(const CallParams& p) const { mix(h, reinterpret_cast<uintptr_t>(p.body.get())); }
  void operator()(const SortParams& p) const {
    mix(h, static_cast<uint64_t>(p.axis));
    mix(h, p.descending ? 1u : 0u);
  }
};

// Constants this small are compared by value (two literals `2.0` staged separately are one
// value); larger ones only by identity, so CSE never spends time comparing big buffers.
constexpr int64_t kCompareByValueMax = 16;

bool by_value(const Tensor& t) {
  return t.defined() && t.is_concrete() && numel_capped(t.shape(), kCompareByValueMax) <= kCompareByValueMax;
}

size_t const_nbytes(const Tensor& t) { return static_cast<size_t>(t.numel()) * itemsize(t.dtype()); }

void mix_atom(uint64_t& h, const Atom& a) {
  if (a.is_var()) {
    mix(h, 1);
    mix(h, static_cast<uint64_t>(a.var));
  } else if (by_value(a.value)) {
    mix(h, 2);
    mix(h, static_cast<uint64_t>(a.value.dtype()));
    mix_shape(h, a.value.shape());
    mix_bytes(h, a.value.data(), const_nbytes(a.value));
  } else {
    mix(h, 3);
    mix(h, reinterpret_cast<uintptr_t>(a.value.impl().get()));
  }
}

bool same_atom(const Atom& a, const Atom& b) {
  if (a.is_var() || b.is_var()) return a.var == b.var;
  if (a.value.impl() == b.value.impl()) return true;
  if (!by_value(a.value) || !by_value(b.value)) return false;
  if (!(a.value.aval() == b.value.aval())) return false;
  return std::memcmp(a.value.data(), b.value.data(), const_nbytes(a.value)) == 0;
}

// ---------------- DOT helpers ----------------

// A DOT double-quoted string: quotes and backslashes escaped, newlines as DOT's centred line
// break "\n", other control characters dropped (they are not valid inside a DOT string).
std::string dot_quote(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"') r += "\\\"";
    else if (c == '\\') r += "\\\\";
    else if (c == '\n') r += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) r += ' ';
    else r += c;
  }
  return r + "\"";
}

std::string const_label(const Tensor& t) {
  if (!t.defined()) return "zero";  // a symbolic zero output (linearize leaves those undefined)
  std::ostringstream os;
  os << to_string(t.aval());
  if (!t.is_concrete()) {
    os << "\n(traced)";
  } else if (numel_capped(t.shape(), 1) == 1) {
    os << "\n";
    if (t.dtype() == bool_) os << (t.item<bool>() ? "true" : "false");
    else if (is_floating(t.dtype())) os << std::setprecision(9) << t.item<double>();
    else os << t.item<int64_t>();  // every integer dtype (u32 included) fits int64
  }
  return os.str();
}

}  // namespace

// ---------------- typecheck ----------------

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

// ---------------- dead code ----------------

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

// ---------------- common subexpressions ----------------

Program eliminate_common_subexpressions(const Program& p) {
  check_var_ids(p, "eliminate_common_subexpressions");
  Program q;
  q.name = p.name;
  q.vars = p.vars;
  q.inputs = p.inputs;
  // Each var's replacement (itself unless its instruction merged into an earlier one). Vars are
  // renamed before an instruction is hashed, so chains of duplicates collapse in one sweep.
  std::vector<int> rename(p.vars.size());
  for (size_t v = 0; v < rename.size(); ++v) rename[v] = static_cast<int>(v);
  auto rename_atom = [&](const Atom& a) { return a.is_var() ? Atom{rename[a.var], Tensor()} : a; };
  // hash -> the latest kept instruction with that hash; `chain` links to earlier ones with the
  // same hash (collisions are compared exactly). One map entry per distinct hash, no per-bucket vectors.
  constexpr size_t kNone = ~size_t{0};
  std::unordered_map<uint64_t, size_t> seen;
  seen.reserve(p.instructions.size());
  std::vector<size_t> chain;
  chain.reserve(p.instructions.size());
  q.instructions.reserve(p.instructions.size());

  for (const Instruction& ins : p.instructions) {
    Instruction cur{ins.prim, ins.params, {}, ins.outputs, ins.op};
    cur.inputs.reserve(ins.inputs.size());
    for (const Atom& a : ins.inputs) cur.inputs.push_back(rename_atom(a));
    // Calls are left alone: their bodies are opaque here (inline_calls exposes their contents).
    if (ins.prim == Prim::call) {
      q.instructions.push_back(std::move(cur));
      chain.push_back(kNone);
      continue;
    }
    uint64_t h = static_cast<uint64_t>(ins.prim);
    mix(h, ins.params.index());
    std::visit(ParamsHasher{h}, ins.params);
    mix(h, cur.inputs.size());
    for (const Atom& a : cur.inputs) mix_atom(h, a);

    auto [slot, fresh] = seen.emplace(h, kNone);
    const Instruction* match = nullptr;
    for (size_t idx = fresh ? kNone : slot->second; idx != kNone; idx = chain[idx]) {
      const Instruction& o = q.instructions[idx];
      if (o.prim != cur.prim || !(o.params == cur.params) || o.inputs.size() != cur.inputs.size() ||
          o.outputs.size() != cur.outputs.size())
        continue;
      bool same = true;
      for (size_t j = 0; same && j < cur.inputs.size(); ++j) same = same_atom(o.inputs[j], cur.inputs[j]);
      // Equal operands imply equal output types in a well-typed program; checking keeps a
      // malformed one from being silently "repaired" into something else.
      for (size_t j = 0; same && j < cur.outputs.size(); ++j) same = p.vars[o.outputs[j]] == p.vars[cur.outputs[j]];
      if (same) {
        match = &o;
        break;
      }
    }
    if (match) {
      for (size_t j = 0; j < cur.outputs.size(); ++j) rename[cur.outputs[j]] = match->outputs[j];
      continue;
    }
    chain.push_back(slot->second);
    slot->second = q.instructions.size();
    q.instructions.push_back(std::move(cur));
  }
  for (const Atom& a : p.outputs) q.outputs.push_back(rename_atom(a));
  return q;
}

// ---------------- constant folding ----------------

Program fold_constants(const Program& p) {
  check_var_ids(p, "fold_constants");
  // Outputs larger than this stay computed at run time: folding would store them in the
  // program (and a compiled kernel makes them about as fast).
  constexpr int64_t kMaxFoldedNumel = 1024;
  Program q;
  q.name = p.name;
  q.vars = p.vars;
  q.inputs = p.inputs;
  std::vector<Tensor> value(p.vars.size());  // the constant a folded var became
  auto subst = [&](const Atom& a) { return a.is_var() && value[a.var].defined() ? Atom{-1, value[a.var]} : a; };
  std::vector<Tensor> args, outs;
  q.instructions.reserve(p.instructions.size());

  for (const Instruction& ins : p.instructions) {
    Instruction cur{ins.prim, ins.params, {}, ins.outputs, ins.op};
    cur.inputs.reserve(ins.inputs.size());
    bool all_const = !ins.inputs.empty();  // full/arange without operands: codegen makes them for free
    for (const Atom& a : ins.inputs) {
      cur.inputs.push_back(subst(a));
      const Atom& b = cur.inputs.back();
      all_const &= !b.is_var() && b.value.defined() && b.value.is_concrete();
    }
    if (const auto* cp = std::get_if<CallParams>(&ins.params); cp && !cp->body) all_const = false;  // malformed: leave it
    bool small = true;
    for (int v : cur.outputs) small &= numel_capped(p.vars[v].shape, kMaxFoldedNumel) <= kMaxFoldedNumel;
    if (!all_const || !small || ins.prim == Prim::call) {
      q.instructions.push_back(std::move(cur));
      continue;
    }
    args.clear();
    for (const Atom& a : cur.inputs) args.push_back(a.value);
    bool folded = false;
    try {
      size_t nout = num_outputs(ins.prim, ins.params);
      if (nout == cur.outputs.size()) {
        outs.assign(nout, Tensor());
        {
          // At the root: the constants are concrete, and whatever transformation is running
          // around this pass must not see (or trace) the evaluation.
          InterpreterScope s(eval_interpreter());
          bind(ins.prim, args, ins.params, outs);
        }
        folded = true;
        for (size_t j = 0; j < nout; ++j) folded &= outs[j].defined() && outs[j].aval() == p.vars[cur.outputs[j]];
      }
    } catch (const Error&) {
      // e.g. an integer division by zero or an out-of-range gather index: leave the instruction
      // in place so the program still fails when it runs, exactly as the original would.
      folded = false;
    }
    if (!folded) {
      q.instructions.push_back(std::move(cur));
      continue;
    }
    for (size_t j = 0; j < outs.size(); ++j) value[cur.outputs[j]] = outs[j];
  }
  for (const Atom& a : p.outputs) q.outputs.push_back(subst(a));
  return q;
}

// ---------------- Graphviz ----------------

std::string to_dot(const Program& p, const std::string& name, const std::vector<int>* groups) {
  check_var_ids(p, "to_dot");
  if (groups)
    REQUIRE(groups->size() == p.instructions.size(), "to_dot", "groups has ", groups->size(), " entries for ",
          p.instructions.size(), " instructions (one fusion-group id per instruction, -1 for none)");
  std::ostringstream os;
  os << "digraph " << dot_quote(name.empty() ? p.name : name) << " {\n";
  os << "  graph [fontname=\"monospace\"];\n";
  os << "  node [fontname=\"monospace\", fontsize=11];\n";
  os << "  edge [fontname=\"monospace\", fontsize=9];\n";

  // The node that produces each var: "x<i>" for inputs, "i<k>" for instructions.
  std::vector<std::string> producer(p.vars.size());
  std::vector<int> out_index(p.vars.size(), 0);   // which output of its instruction a var is
  std::vector<char> multi(p.vars.size(), 0);      // defined by a multi-output instruction
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    int v = p.inputs[i];
    producer[v] = "x" + std::to_string(i);
    os << "  " << producer[v] << " [shape=ellipse, label=" << dot_quote("x" + std::to_string(i) + "\n" + to_string(p.vars[v]))
       << "];\n";
  }

  // Constants: one node per distinct tensor, however often it is used.
  std::unordered_map<const TensorImpl*, std::string> const_node;
  std::ostringstream edges;
  auto source = [&](const Atom& a, std::string& label) -> std::string {
    label.clear();
    if (a.is_var()) {
      const std::string& s = producer[a.var];
      if (multi[a.var]) label = std::to_string(out_index[a.var]);
      // A use before any definition (malformed program): draw a placeholder node so the
      // output stays valid DOT and shows the problem.
      if (s.empty()) {
        std::string u = "undef" + std::to_string(a.var);
        os << "  " << u << " [shape=plaintext, fontcolor=red, label=" << dot_quote("undefined z" + std::to_string(a.var))
           << "];\n";
        producer[a.var] = u;  // declared once, reused by later uses
        return u;
      }
      return s;
    }
    auto [it, fresh] = const_node.emplace(a.value.impl().get(), "");
    if (fresh) {
      it->second = "c" + std::to_string(const_node.size() - 1);
      os << "  " << it->second << " [shape=note, fontsize=9, style=filled, fillcolor=\"#f3f3f3\", label="
         << dot_quote(const_label(a.value)) << "];\n";
    }
    return it->second;
  };

  // Nodes of each cluster are declared inside its subgraph; edges come after all nodes.
  std::map<int, std::vector<size_t>> clusters;
  auto instruction_node = [&](std::ostream& o, size_t k, const char* indent) {
    const Instruction& ins = p.instructions[k];
    std::string label = slope::name(ins.prim);
    std::string ps = params_str(ins.params);
    if (!ps.empty()) label += "\n" + ps;
    label += "\n-> ";
    for (size_t j = 0; j < ins.outputs.size(); ++j) label += (j ? ", " : "") + to_string(p.vars[ins.outputs[j]]);
    o << indent << "i" << k << " [shape=box, label=" << dot_quote(label) << "];\n";
  };
  for (size_t k = 0; k < p.instructions.size(); ++k) {
    int g = groups ? (*groups)[k] : -1;
    if (g >= 0) clusters[g].push_back(k);
    else instruction_node(os, k, "  ");
  }
  for (const auto& [g, members] : clusters) {
    os << "  subgraph cluster_" << g << " {\n";
    os << "    label=" << dot_quote("group " + std::to_string(g)) << ";\n    style=rounded;\n    color=blue;\n";
    for (size_t k : members) instruction_node(os, k, "    ");
    os << "  }\n";
  }

  std::string label;
  for (size_t k = 0; k < p.instructions.size(); ++k) {
    const Instruction& ins = p.instructions[k];
    for (const Atom& a : ins.inputs) {
      std::string src = source(a, label);
      edges << "  " << src << " -> i" << k;
      if (!label.empty()) edges << " [label=" << dot_quote(label) << "]";
      edges << ";\n";
    }
    std::string self = "i" + std::to_string(k);
    for (size_t j = 0; j < ins.outputs.size(); ++j) {
      int v = ins.outputs[j];
      producer[v] = self;
      out_index[v] = static_cast<int>(j);
      multi[v] = ins.outputs.size() > 1;
    }
  }

  std::string types;
  for (size_t i = 0; i < p.outputs.size(); ++i) {
    const Atom& a = p.outputs[i];
    types += (i ? "\n" : "") + std::to_string(i) + ": " + (a.is_var() ? to_string(p.vars[a.var]) : a.value.defined() ? to_string(a.value.aval()) : "zero");
  }
  os << "  outputs [shape=doubleoctagon, label=" << dot_quote("outputs" + std::string(types.empty() ? "" : "\n") + types)
     << "];\n";
  for (size_t i = 0; i < p.outputs.size(); ++i) {
    std::string src = source(p.outputs[i], label);
    edges << "  " << src << " -> outputs [label=" << dot_quote(label.empty() ? std::to_string(i) : label + " -> " + std::to_string(i))
          << "];\n";
  }
  os << edges.str() << "}\n";
  return os.str();
}

// ---------------------------------------------------------------- fusion grouping
// Loop fusion as the cpu code generator does it, at the level of the IR: elementwise operations,
// the movement operations feeding them (index arithmetic, not copies), `full`/`arange`, and a
// reduction consuming them form one group (one loop). A reduction's result is stored, so its
// consumers start a new group; matmul, conv, gather, scatter_add, threefry, pad and cat are
// groups of their own. Union-find over the instruction list, no recursion.
std::vector<int> fusion_groups(const Program& p) {
  const size_t n = p.instructions.size();
  auto fusable = [](Prim q) {
    switch (family(q)) {
      case Family::unary:
      case Family::binary:
      case Family::ternary:
      case Family::reduce:
      case Family::init:
        return q != Prim::matmul;
      case Family::shape:
        return q == Prim::reshape || q == Prim::expand || q == Prim::permute || q == Prim::slice || q == Prim::flip;
      default:
        return false;
    }
  };
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

#undef REQUIRE
