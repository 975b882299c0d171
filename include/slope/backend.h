#pragma once
// Backend: what a new execution target implements. Eager mode needs only run(); a backend
// may support a subset of primitives (supports()), the rest falls back to the reference backend.
// See docs/adding_a_backend.md; src/backends/reference/ is the worked example.
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "slope/primitive.h"
#include "slope/program.h"
#include "slope/tensor.h"

namespace slope {

// A Program compiled by a backend (Backend::compile, used by jit). run() takes concrete inputs of
// the program's input types and returns fresh concrete outputs; it is safe to call from several
// threads at once.
class Executable {
 public:
  virtual ~Executable() = default;
  virtual std::vector<Tensor> run(std::span<const Tensor> in) const = 0;
  // The program's generated code (its kernels and entry point); empty when interpreted.
  virtual std::string code() const { return {}; }
  // The whole translation unit that was compiled: code() after any shared preamble.
  virtual std::string source() const { return code(); }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual bool supports(Prim, const Params&) const { return true; }
  // Runs one primitive eagerly. `in` are concrete tensors that passed the shape rule; `out_avals`
  // are the types the rule computed. The backend fills `out` with concrete tensors of those
  // types (make_array() allocates; a backend may alias an input's buffer, e.g. for reshape).
  virtual void run(Prim p, const Params& params, std::span<const Tensor> in, std::span<const AVal> out_avals,
                   std::span<Tensor> out) = 0;
  // Compiles a flat Program: no `call` instructions (jit inlines them), constants concrete.
  // The default interprets it op by op on this backend, so jit works on every backend.
  virtual std::shared_ptr<const Executable> compile(const Program& program);
  // Writes a standalone build folder for the program (jit's export_to). Default: an error.
  virtual void export_program(const Program& program, const std::string& dir, const std::string& name);
};

using BackendFactory = std::function<std::unique_ptr<Backend>()>;
// Backends register themselves by name at static-initialisation time (see registry.cpp).
bool register_backend(const std::string& name, BackendFactory factory);
std::vector<std::string> backend_names();
Backend& get_backend(const std::string& name);  // throws slope::Error for unknown names
// The backend eager ops use: SLOPE_BACKEND, else "cpu". set_backend changes it for all threads.
Backend& default_backend();
void set_backend(const std::string& name);

// Runs a block with another backend on this thread: { BackendScope s("reference"); ... }
class BackendScope {
 public:
  explicit BackendScope(const std::string& name);
  ~BackendScope();
  BackendScope(const BackendScope&) = delete;
  BackendScope& operator=(const BackendScope&) = delete;

 private:
  Backend* saved_;
};

}  // namespace slope
