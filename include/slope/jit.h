#pragma once
// jit: a whole function staged into one Program, compiled by the backend, cached by argument types.
//
//   auto step = slope::jit(train_step, "train_step");   // any callable over pytrees of tensors
//   auto same = SLOPE_JIT(train_step);                   // named after the function: "train_step"
//   auto [loss, model2] = step(model, batch);     // first call per signature traces + compiles
//   auto low = step.lower(model, batch);          // inspect: low.program(), low.code(), low.dot()
//   low.export_to("step_export");                 // a standalone CMake folder (cpu backend)
//
// Semantics (like JAX's): f runs once per signature on abstract values; every operation it makes
// is recorded, whatever its inputs, and replayed on later calls. So side effects in f (printing,
// reading globals, std::rand) happen at trace time only, and closed-over tensors are captured as
// constants when the signature is first seen; pass changing values as arguments. The signature —
// the cache key — is the arguments' pytree structure, every leaf's shape and dtype, and every
// static (non-tensor) leaf's value; never the function's address. A jitted call is one `call`
// primitive whose body keeps its Program, with rules of its own: grad(jit(f)), jit(grad(f)),
// vmap(jit(f)) and jit(jit(f)) all stay compiled.
//
// The name: one per jit object, used everywhere — the Program prints as `def <name>(...)`, the
// generated code's entry point is `slope_<name>_compute`, SLOPE_LOG_JIT reports it, and an export
// is called <name> unless told otherwise. It is what the user gives (checked by is_program_name:
// letters, digits, single underscores), or for an unnamed jit the place it was made:
// `jit_<file>_<line>` (a C++ lambda has no name; the call site is stable across runs and says
// where to look).
#include <any>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "slope/call.h"
#include "slope/program.h"
#include "slope/pytree.h"
#include "slope/transforms.h"

namespace slope {

// The Program of f on inputs of these types, every operation recorded (the jit staging mode).
// Values of enclosing transformations that f closes over become extra inputs, appended in order.
Program trace_program(const detail::FlatFn& f, const std::vector<AVal>& in);

namespace detail {
struct Traced {
  std::shared_ptr<const CallBody> body;
  std::vector<Tensor> lifted;  // closed-over values of enclosing transformations: extra operands
};
Traced trace_jit(const std::string& name, const FlatFn& f, const std::vector<AVal>& in);
std::vector<Tensor> call_jit(const Traced& t, const std::vector<Tensor>& leaves);
std::string jit_key(const std::string& structure, const std::vector<Tensor>& leaves);

// Where jit() was called, captured by a default argument (__builtin_FILE/LINE: g++ and clang++,
// and unlike std::source_location available to clang 14 with libstdc++).
struct CallSite {
  const char* file;
  unsigned line;
  static CallSite here(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) { return {file, line}; }
};
// The name a jit gets: `name` if given (throws "[jit] ..." unless it is a valid program name),
// else jit_<file stem>_<line> of the call site.
std::string jit_name(const std::string& name, const CallSite& site);
// SLOPE_JIT(f): the last identifier of the spelling ("ns::train_step" -> "train_step").
std::string jit_name_of(const char* spelling);
}  // namespace detail

// A jitted function lowered for one signature: what will run, for inspection and export.
class Lowered {
 public:
  explicit Lowered(detail::Traced t) : traced_(std::move(t)) {}
  std::string name() const { return traced_.body->name(); }
  const Program& traced() const;   // as staged from f (may contain calls)
  Program program() const;         // optimized and flat: what the backend compiles
  // The program's own generated code: its kernels and entry point, as the default backend
  // compiles them (empty if it interprets). source() is the whole translation unit: the same
  // code after the preamble every program shares (slope/scalar.h, the cpu kernels/, codegen/runtime.h).
  std::string code() const;
  std::string source() const;
  std::string dot() const;         // Graphviz DOT of program(), fusion groups as clusters
  // Writes a folder that builds with CMake alone and computes the same outputs with no slope:
  // <name>.cpp (the generated code), <name>.h (plain C entry point slope_<name>),
  // <name>_constants.bin, <name>_run.cpp (a CLI), CMakeLists.txt, README.md. `name` defaults to
  // this program's name. Uses the cpu backend's code generator.
  void export_to(const std::string& dir, const std::string& name = "") const;

 private:
  detail::Traced traced_;
};

template <class F>
class Jit {
 public:
  // `name` must be a valid program name (is_program_name), or empty for jit_<file>_<line>.
  explicit Jit(F f, const std::string& name = {}, detail::CallSite site = detail::CallSite::here())
      : f_(std::move(f)), name_(detail::jit_name(name, site)), cache_(std::make_shared<Cache>()) {}

  const std::string& name() const { return name_; }

  template <class... Args>
  auto operator()(const Args&... args) const {
    using R = std::decay_t<std::invoke_result_t<const F&, const Args&...>>;
    std::tuple<Args...> all(args...);
    std::vector<Tensor> leaves = tree_leaves(all);
    std::shared_ptr<const Entry> e = entry<R>(all, leaves);
    std::vector<Tensor> outs = detail::call_jit(e->traced, leaves);
    return tree_unflatten(*std::any_cast<R>(&e->proto), outs);
  }

  template <class... Args>
  Lowered lower(const Args&... args) const {
    using R = std::decay_t<std::invoke_result_t<const F&, const Args&...>>;
    std::tuple<Args...> all(args...);
    return Lowered(entry<R>(all, tree_leaves(all))->traced);
  }

  // Number of signatures traced and kept (for tests and tooling).
  size_t cache_size() const {
    std::lock_guard<std::mutex> lock(cache_->mu);
    return cache_->entries.size();
  }
  size_t trace_count() const {
    std::lock_guard<std::mutex> lock(cache_->mu);
    return cache_->traces;
  }

 private:
  struct Entry {
    detail::Traced traced;
    std::any proto;  // the output tree with empty leaves: its structure and static values
  };
  struct Cache {
    mutable std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<const Entry>> entries;
    size_t traces = 0;
  };

  template <class R, class Tuple>
  std::shared_ptr<const Entry> entry(const Tuple& all, const std::vector<Tensor>& leaves) const {
    std::string key = detail::jit_key(tree_structure(all), leaves);
    {
      std::lock_guard<std::mutex> lock(cache_->mu);
      auto it = cache_->entries.find(key);
      if (it != cache_->entries.end()) return it->second;
    }
    // Trace outside the lock: f may itself call jitted functions (or this one, on other shapes).
    auto e = std::make_shared<Entry>();
    detail::FlatFn flat = [&](const std::vector<Tensor>& ls) {
      size_t pos = 0;
      R r = std::apply(f_, detail::unflatten_tuple(all, ls, pos));
      std::vector<Tensor> out = tree_leaves(r);
      e->proto = tree_unflatten(r, std::vector<Tensor>(out.size()));  // drop the tracers
      return out;
    };
    std::vector<AVal> avals;
    for (const Tensor& t : leaves) {
      check(t.defined(), "jit", "an argument leaf is an empty Tensor handle");
      avals.push_back(t.aval());
    }
    e->traced = detail::trace_jit(name_, flat, avals);
    std::lock_guard<std::mutex> lock(cache_->mu);
    ++cache_->traces;
    // A trace that captured values of an enclosing transformation is valid for this call only.
    if (!e->traced.lifted.empty()) return e;
    auto [it, fresh] = cache_->entries.emplace(key, e);
    return it->second;  // another thread may have traced the same signature first: share its entry
  }

  F f_;
  std::string name_;
  std::shared_ptr<Cache> cache_;  // shared by copies of this jit object
};

// `name`: see "The name" above; empty for jit_<file>_<line> of the call site.
template <class F>
Jit<std::decay_t<F>> jit(F&& f, const std::string& name = {}, detail::CallSite site = detail::CallSite::here()) {
  return Jit<std::decay_t<F>>(std::forward<F>(f), name, site);
}

}  // namespace slope

// jit named after the function's spelling: SLOPE_JIT(train_step) is jit(train_step, "train_step").
// For a named function, function object or lambda variable; a qualified name keeps its last part.
#define SLOPE_JIT(f) ::slope::jit(f, ::slope::detail::jit_name_of(#f))
