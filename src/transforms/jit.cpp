// jit: staging a function into a Program, and JitBody, the `call` body that keeps it compiled
// under every transformation.
//
// A JitBody holds a Program. Evaluated on concrete values it runs the backend's compiled
// executable (compiled once per backend, on first use). Under a transformation it answers with a
// new JitBody derived from its Program, so the result is still one compiled call:
//   jvp        -> a "known" body (outputs + residuals) and a "lin" body (residuals, tangents ->
//                 output tangents), found by linearizing the Program abstractly;
//   transpose  -> (lin bodies only) a body computing input cotangents from residuals + cotangents;
//   vmap       -> a body computing the batched Program.
// Derived bodies are cached in the body, so grad(jit(f)) traces and compiles once per signature.
#include "slope/jit.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <unordered_map>

#include "slope/backend.h"
#include "slope/interpreter.h"
#include "slope/primitive_ops.h"
#include "traces/tracers.h"

namespace slope {

namespace {

using Mode = StagingInterpreter::Mode;

// Read at every compile (rare, and slow anyway), so it can be switched on in a running program.
bool log_jit() {
  const char* e = std::getenv("SLOPE_LOG_JIT");
  return e && *e && std::string(e) != "0";
}

// Every value of a program must be able to exist, as in eager mode, which allocates each one
// (make_array's rule): a byte size past PTRDIFF_MAX would wrap in a backend's size arithmetic.
// Checked before any backend sees the program, so the answer is the same on every backend.
void check_values_fit(const Program& p, const char* op) {
  for (const Instruction& ins : p.instructions)
    for (int v : ins.outputs) {
      const AVal& a = p.vars[v];
      const int64_t n = numel(a.shape);
      if (static_cast<uint64_t>(n) > static_cast<uint64_t>(PTRDIFF_MAX) / itemsize(a.dtype))
        fail(op, p.name, ": z", v, " = ", name(ins.prim), "(...) is ", to_string(a), ": ", n, " elements of ",
             itemsize(a.dtype), " bytes, more than a buffer can hold (", PTRDIFF_MAX, " bytes)");
    }
}

// Runs f on fresh staged inputs of these types and returns the recorded Program.
Program stage(const detail::FlatFn& f, const std::vector<AVal>& in, Mode mode, std::vector<Tensor>* lifted) {
  StagingInterpreter s(&eval_interpreter(), mode);
  std::vector<Tensor> xs;
  for (const AVal& a : in) xs.push_back(s.new_input(a));
  std::vector<Tensor> outs;
  {
    InterpreterScope scope(s);
    outs = f(xs);
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    check(outs[i].defined(), "jit", "the function returned an empty Tensor handle (output leaf ", i, ")");
    s.program.outputs.push_back(s.atom(outs[i]));
  }
  if (lifted) *lifted = s.lifted;
  return std::move(s.program);
}

std::vector<AVal> input_avals(const Program& p) {
  std::vector<AVal> r;
  for (int v : p.inputs) r.push_back(p.vars[v]);
  return r;
}

class JitBody;
using BodyPtr = std::shared_ptr<const JitBody>;

class JitBody final : public CallBody, public std::enable_shared_from_this<JitBody> {
 public:
  // n_nonlinear: for bodies linear in their trailing operands (lin and transposed bodies), the
  // number of leading operands that are constants (residuals); npos for ordinary bodies.
  static constexpr size_t npos = static_cast<size_t>(-1);
  JitBody(std::string name, Program p, size_t n_nonlinear = npos)
      : name_(std::move(name)), program_(std::move(p)), n_nonlinear_(n_nonlinear) {
    program_.name = name_;  // one name: printed, compiled (the entry point) and exported
    for (const Atom& a : program_.outputs) out_avals_.push_back(program_.aval(a));
  }

  std::string name() const override { return name_; }
  size_t num_outputs() const override { return out_avals_.size(); }
  std::vector<AVal> infer(std::span<const AVal> in) const override {
    check(in.size() == program_.inputs.size(), "jit", name_, " expects ", program_.inputs.size(), " operands, got ",
          in.size());
    for (size_t i = 0; i < in.size(); ++i)
      if (in[i] != program_.vars[program_.inputs[i]])  // (not check(): no message strings on the hot path)
        fail("jit", name_, " operand ", i, " must be ", to_string(program_.vars[program_.inputs[i]]), ", got ",
             to_string(in[i]));
    return out_avals_;
  }

  std::vector<Tensor> eval(std::span<const Tensor> in) const override {
    bool concrete = &current_interpreter() == &eval_interpreter();
    for (const Tensor& t : in) concrete = concrete && t.is_concrete();
    // Traced through (jit's own inlining, or a transformation without a rule): replay the ops.
    if (!concrete) return program_.run(std::vector<Tensor>(in.begin(), in.end()));
    return executable(default_backend())->run(in);
  }

  bool has_jvp() const override { return true; }
  void jvp(std::span<const Tensor> x, std::span<const Tensor> t, std::span<Tensor> y, std::span<Tensor> ty) const override;
  bool linear() const override { return n_nonlinear_ != npos; }
  std::vector<Tensor> transpose(std::span<const Tensor> x, std::span<const Tensor> cts) const override;
  bool has_vmap() const override { return true; }
  void vmap(std::span<const Tensor> x, std::span<const int64_t> bdims, int64_t size, std::span<Tensor> out,
            std::span<int64_t> out_bdims) const override;

  const Program& program() const { return program_; }
  Program optimized() const {
    std::lock_guard<std::mutex> lock(mu_);
    return optimized_locked();
  }
  std::shared_ptr<const Executable> executable(Backend& b) const {
    std::lock_guard<std::mutex> lock(mu_);  // held while compiling: one compile per backend
    auto it = compiled_.find(&b);
    if (it != compiled_.end()) return it->second;
    auto t0 = std::chrono::steady_clock::now();
    const Program& p = optimized_locked();
    check_values_fit(p, "jit");
    std::shared_ptr<const Executable> exe = b.compile(p);
    if (log_jit()) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::string code = exe->code();
      std::fprintf(stderr, "[jit] %s: compiled for the %s backend in %.1f ms (%zu instructions)\n%s%s%s", name_.c_str(),
                   b.name().c_str(), ms, p.instructions.size(), p.str().c_str(), code.empty() ? "" : "---- code\n",
                   code.c_str());
    }
    compiled_.emplace(&b, exe);
    return exe;
  }

 private:
  struct Linearization {
    BodyPtr known, lin;
    std::vector<size_t> diff;        // operands with tangents
    std::vector<size_t> float_outs;  // outputs with tangents
  };
  const Linearization& linearization(const std::vector<bool>& mask) const;
  BodyPtr transposed() const;
  BodyPtr batched(const std::vector<int64_t>& bdims, std::span<const Tensor> x) const;
  const Program& optimized_locked() const {
    if (!optimized_) optimized_ = std::make_unique<Program>(optimize(program_));
    return *optimized_;
  }

  std::string name_;
  Program program_;
  size_t n_nonlinear_;
  std::vector<AVal> out_avals_;
  mutable std::mutex mu_;
  mutable std::unique_ptr<Program> optimized_;
  mutable std::map<const Backend*, std::shared_ptr<const Executable>> compiled_;
  mutable std::map<std::vector<bool>, Linearization> lins_;
  mutable BodyPtr transposed_;
  mutable std::map<std::vector<int64_t>, BodyPtr> batched_;
};

// ---- forward mode: y = known(x)[:n], ty = lin(residuals, t) ----
void JitBody::jvp(std::span<const Tensor> x, std::span<const Tensor> t, std::span<Tensor> y, std::span<Tensor> ty) const {
  std::vector<bool> mask(x.size());
  bool any = false;
  for (size_t i = 0; i < x.size(); ++i) any |= mask[i] = t[i].defined() && is_floating(x[i].dtype());
  if (!any) {  // only integer operands carry (zero) tangents
    std::vector<Tensor> r = call(shared_from_this(), x);
    for (size_t i = 0; i < r.size(); ++i) y[i] = r[i];
    return;
  }
  const Linearization& L = linearization(mask);
  std::vector<Tensor> outs = call(L.known, x);
  size_t n = out_avals_.size();
  for (size_t i = 0; i < n; ++i) y[i] = outs[i];
  std::vector<Tensor> lin_in(outs.begin() + static_cast<long>(n), outs.end());
  for (size_t i : L.diff) lin_in.push_back(t[i]);
  std::vector<Tensor> touts = call(L.lin, lin_in);
  for (size_t k = 0; k < L.float_outs.size(); ++k) ty[L.float_outs[k]] = touts[k];
}

const JitBody::Linearization& JitBody::linearization(const std::vector<bool>& mask) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lins_.find(mask);
    if (it != lins_.end()) return it->second;
  }
  // Linearize the Program on abstract inputs: inside a total staging interpreter s0, linearize's
  // own partial staging records the tangent ops (the lin program) and hands every op on known
  // values to s0 (the known program). Known values the tangent ops use are residuals.
  StagingInterpreter s0(&eval_interpreter(), Mode::all);
  std::vector<Tensor> xs;
  for (const AVal& a : input_avals(program_)) xs.push_back(s0.new_input(a));
  Linearization L;
  std::vector<Tensor> dprimals;
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) L.diff.push_back(i), dprimals.push_back(xs[i]);
  detail::FlatFn g = [&](const std::vector<Tensor>& d) {
    std::vector<Tensor> a = xs;
    for (size_t k = 0; k < d.size(); ++k) a[L.diff[k]] = d[k];
    return program_.run(a);
  };
  detail::Linearized lin;
  {
    InterpreterScope scope(s0);
    lin = detail::linearize_flat(g, dprimals);
  }
  Program lp = std::move(*lin.linear);
  std::vector<Tensor> residuals;
  std::vector<int> res_vars;
  std::unordered_map<const TensorImpl*, int> seen;
  auto to_residual = [&](Atom& a) {
    if (a.is_var() || !a.value.defined() || !s0.owns(a.value)) return;
    auto [it, fresh] = seen.emplace(a.value.impl().get(), -1);
    if (fresh) {
      it->second = lp.new_var(a.value.aval());
      residuals.push_back(a.value);
      res_vars.push_back(it->second);
    }
    a = Atom{it->second, Tensor()};
  };
  for (Instruction& ins : lp.instructions)
    for (Atom& a : ins.inputs) to_residual(a);
  for (Atom& a : lp.outputs) to_residual(a);
  lp.inputs.insert(lp.inputs.begin(), res_vars.begin(), res_vars.end());
  std::vector<Atom> louts;
  for (size_t i = 0; i < lp.outputs.size(); ++i) {
    const AVal& oa = lin.out_avals[i];
    if (!is_floating(oa.dtype)) continue;  // integer outputs have no tangent
    Atom a = lp.outputs[i];
    if (!a.is_var() && !a.value.defined()) {  // a symbolic zero: make real zeros
      int v = lp.new_var(oa);
      lp.instructions.push_back(Instruction{Prim::full, FullParams{oa.shape, oa.dtype, Scalar(0)}, {}, {v}});
      a = Atom{v, Tensor()};
    }
    L.float_outs.push_back(i);
    louts.push_back(a);
  }
  lp.outputs = std::move(louts);
  for (const Tensor& o : lin.outputs) s0.program.outputs.push_back(s0.atom(o));
  for (const Tensor& r : residuals) s0.program.outputs.push_back(s0.atom(r));
  check(s0.lifted.empty(), "jit", name_, ": internal error: a linearization captured a foreign tracer");
  L.known = std::make_shared<JitBody>(name_ + "_fwd", std::move(s0.program));
  L.lin = std::make_shared<JitBody>(name_ + "_lin", std::move(lp), residuals.size());
  std::lock_guard<std::mutex> lock(mu_);
  return lins_.emplace(mask, std::move(L)).first->second;  // keeps the first if two threads raced
}

// ---- reverse mode (lin bodies): cotangents of the linear operands ----
std::vector<Tensor> JitBody::transpose(std::span<const Tensor> x, std::span<const Tensor> cts) const {
  check(linear(), "jit", "cannot transpose ", name_, ": it is not linear");
  for (size_t i = 0; i < n_nonlinear_; ++i)
    check(x[i].defined(), "jit", "cannot transpose ", name_, " with respect to its residual operand ", i);
  std::vector<Tensor> in(x.begin(), x.begin() + static_cast<long>(n_nonlinear_));
  in.insert(in.end(), cts.begin(), cts.end());
  std::vector<Tensor> r = call(transposed(), in);
  std::vector<Tensor> out(n_nonlinear_);  // residuals get no cotangent
  out.insert(out.end(), r.begin(), r.end());
  return out;
}

BodyPtr JitBody::transposed() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (transposed_) return transposed_;
  }
  // Stage transpose_program over (residuals, cotangents). The residual operands become constants
  // of a copy of the program; instructions computing from constants alone are evaluated forward
  // (staged), the rest is linear and transposed.
  StagingInterpreter s0(&eval_interpreter(), Mode::all);
  std::vector<Tensor> res, cts;
  for (size_t i = 0; i < n_nonlinear_; ++i) res.push_back(s0.new_input(program_.vars[program_.inputs[i]]));
  for (const AVal& a : out_avals_) cts.push_back(s0.new_input(a));
  Program p;
  {
    InterpreterScope scope(s0);
    std::unordered_map<int, Tensor> known;
    for (size_t i = 0; i < n_nonlinear_; ++i) known[program_.inputs[i]] = res[i];
    auto subst = [&](const Atom& a) {
      if (!a.is_var()) return a;
      auto it = known.find(a.var);
      return it == known.end() ? a : Atom{-1, it->second};
    };
    p.vars = program_.vars;
    p.inputs.assign(program_.inputs.begin() + static_cast<long>(n_nonlinear_), program_.inputs.end());
    for (const Instruction& ins : program_.instructions) {
      Instruction c{ins.prim, ins.params, {}, ins.outputs};
      bool linear_op = false;
      for (const Atom& a : ins.inputs) {
        c.inputs.push_back(subst(a));
        linear_op |= c.inputs.back().is_var();
      }
      if (linear_op) {
        p.instructions.push_back(std::move(c));
        continue;
      }
      std::vector<Tensor> vin, vout(ins.outputs.size());
      for (const Atom& a : c.inputs) vin.push_back(a.value);
      bind(ins.prim, vin, ins.params, vout);
      for (size_t k = 0; k < vout.size(); ++k) known[ins.outputs[k]] = vout[k];
    }
    for (const Atom& a : program_.outputs) p.outputs.push_back(subst(a));
  }
  std::vector<Tensor> g;
  {
    InterpreterScope scope(s0);
    g = transpose_program(p, cts);
    for (size_t k = 0; k < g.size(); ++k)
      if (!g[k].defined()) {
        const AVal& a = p.vars[p.inputs[k]];
        g[k] = prims::full(a.shape, 0, a.dtype);
      }
  }
  for (const Tensor& t : g) s0.program.outputs.push_back(s0.atom(t));
  check(s0.lifted.empty(), "jit", name_, ": internal error: a transposition captured a foreign tracer");
  auto body = std::make_shared<JitBody>(name_ + "_T", std::move(s0.program), n_nonlinear_);
  std::lock_guard<std::mutex> lock(mu_);
  if (!transposed_) transposed_ = body;
  return transposed_;
}

// ---- batching: one body per pattern of batched operands ----
void JitBody::vmap(std::span<const Tensor> x, std::span<const int64_t> bdims, int64_t, std::span<Tensor> out,
                   std::span<int64_t> out_bdims) const {
  std::vector<int64_t> key(bdims.begin(), bdims.end());
  std::vector<Tensor> r = call(batched(key, x), x);
  for (size_t i = 0; i < r.size(); ++i) out[i] = r[i], out_bdims[i] = 0;
}

BodyPtr JitBody::batched(const std::vector<int64_t>& bdims, std::span<const Tensor> x) const {
  // The batched operands' shapes (and so the batch size) are part of the key.
  std::vector<int64_t> key = bdims;
  std::vector<AVal> in;
  for (size_t i = 0; i < x.size(); ++i) {
    in.push_back(x[i].aval());
    if (bdims[i] >= 0) key.push_back(x[i].shape()[bdims[i]]);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = batched_.find(key);
    if (it != batched_.end()) return it->second;
  }
  std::vector<std::optional<int64_t>> in_dims;
  for (int64_t b : bdims) in_dims.push_back(b >= 0 ? std::optional<int64_t>(b) : std::nullopt);
  detail::FlatFn f = [&](const std::vector<Tensor>& xs) {
    return detail::vmap_flat([&](const std::vector<Tensor>& a) { return program_.run(a); }, xs, in_dims, {0});
  };
  auto body = std::make_shared<JitBody>("vmap_" + name_, stage(f, in, Mode::all, nullptr));
  std::lock_guard<std::mutex> lock(mu_);
  return batched_.emplace(key, body).first->second;
}

const JitBody& jit_body(const detail::Traced& t) {
  auto* b = dynamic_cast<const JitBody*>(t.body.get());
  check(b != nullptr, "jit", "internal error: not a jit body");
  return *b;
}

}  // namespace

Program trace_program(const detail::FlatFn& f, const std::vector<AVal>& in) {
  return stage(f, in, Mode::all, nullptr);
}

Program inline_calls(const Program& p) {
  bool any = false;
  for (const Instruction& ins : p.instructions) any |= ins.prim == Prim::call;
  if (!any) return p;
  Program q = stage([&](const std::vector<Tensor>& xs) { return p.run(xs); }, input_avals(p), Mode::inline_calls, nullptr);
  q.name = p.name;
  return q;
}

Program optimize(const Program& p) {
  Program q = eliminate_dead_code(eliminate_common_subexpressions(fold_constants(inline_calls(p))));
  typecheck(q);
  return q;
}

namespace detail {

std::string jit_name(const std::string& name, const CallSite& site) {
  if (!name.empty()) {
    check(is_program_name(name), "jit", "the name \"", name, "\" is not a valid program name: ", kProgramNameRule);
    return name;
  }
  // jit_<file stem>_<line>: the file's base name without extensions, other characters as '_'.
  std::string file = site.file ? site.file : "";
  file = file.substr(file.find_last_of('/') + 1);
  file = file.substr(0, file.find('.'));
  std::string stem;
  for (char c : file) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (word) stem += c;
    else if (!stem.empty() && stem.back() != '_') stem += '_';
  }
  while (!stem.empty() && stem.back() == '_') stem.pop_back();
  std::string r = "jit_" + (stem.empty() ? "" : stem.substr(0, 100) + "_") + std::to_string(site.line);
  return is_program_name(r) ? r : "jit_" + std::to_string(site.line);
}

std::string jit_name_of(const char* spelling) {
  std::string s = spelling;
  size_t b = s.find_first_not_of(" \t&");
  s = b == std::string::npos ? "" : s.substr(b);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  bool plain = !s.empty();
  for (char c : s)
    plain = plain && (c == ':' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
  check(plain, "jit", "SLOPE_JIT names the jit after a function or variable, got `", spelling,
        "`; name it yourself with jit(f, \"name\")");
  const std::string last = s.substr(s.rfind(':') == std::string::npos ? 0 : s.rfind(':') + 1);
  return jit_name(last.empty() ? s : last, CallSite{});  // (an empty last part fails the name check)
}

Traced trace_jit(const std::string& name, const FlatFn& f, const std::vector<AVal>& in) {
  JitTraceScope marking;  // user code runs here once, to be replayed
  Traced t;
  Program p = stage(f, in, Mode::all, &t.lifted);
  t.body = std::make_shared<JitBody>(name, std::move(p));
  return t;
}

std::vector<Tensor> call_jit(const Traced& t, const std::vector<Tensor>& leaves) {
  std::vector<Tensor> in = leaves;
  in.insert(in.end(), t.lifted.begin(), t.lifted.end());
  return call(t.body, in);
}

std::string jit_key(const std::string& structure, const std::vector<Tensor>& leaves) {
  std::string k = structure;
  k += '|';
  for (const Tensor& t : leaves) {
    check(t.defined(), "jit", "an argument leaf is an empty Tensor handle");
    k += to_string(t.aval());
    k += ';';
  }
  return k;
}

}  // namespace detail

const Program& Lowered::traced() const { return jit_body(traced_).program(); }
Program Lowered::program() const { return jit_body(traced_).optimized(); }
std::string Lowered::code() const { return jit_body(traced_).executable(default_backend())->code(); }
std::string Lowered::source() const { return jit_body(traced_).executable(default_backend())->source(); }
std::string Lowered::dot() const {
  Program p = program();
  std::vector<int> groups = fusion_groups(p);
  return to_dot(p, p.name, &groups);
}
void Lowered::export_to(const std::string& dir, const std::string& name) const {
  auto names = backend_names();
  check(std::find(names.begin(), names.end(), "cpu") != names.end(), "export",
        "needs the cpu backend's code generator; this build has none (configure with -DSLOPE_BACKEND_CPU=ON)");
  check(traced_.lifted.empty(), "export", "the function closes over values of an enclosing transformation; "
        "export a function of its arguments only");
  Program p = program();
  check_values_fit(p, "export");
  get_backend("cpu").export_program(p, dir, name.empty() ? this->name() : name);
}

}  // namespace slope
