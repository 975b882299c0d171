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
// The Program-level transformations themselves live in src/program/ (transformations.h).
#include "slope/jit.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "program/transformations.h"
#include "slope/backend.h"
#include "slope/interpreter.h"
#include "traces/tracers.h"

namespace slope {

namespace {

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
  LinearizedProgram lp = linearize_program(program_, mask);
  Linearization L{nullptr, nullptr, std::move(lp.diff), std::move(lp.float_outs)};
  L.known = std::make_shared<JitBody>(name_ + "_fwd", std::move(lp.known));
  L.lin = std::make_shared<JitBody>(name_ + "_lin", std::move(lp.lin), lp.n_residuals);
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
  auto body = std::make_shared<JitBody>(name_ + "_T", transposed_program(program_, n_nonlinear_), n_nonlinear_);
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
  auto body = std::make_shared<JitBody>("vmap_" + name_, batched_program(program_, bdims, in));
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
  StagingInterpreter s(&eval_interpreter());
  return stage(s, f, in);
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
  StagingInterpreter s(&eval_interpreter());
  Program p = stage(s, f, in);
  t.lifted = s.lifted;
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
