// CpuBackend::compile: generate C++ for a flat Program, build it with the system compiler (through
// toolchain.h's cache), and wrap the entry point as an Executable. When generation or the compiler
// fails, one warning with the log reaches stderr and the program runs on the interpreter instead:
// slower, never wrong. Under SLOPE_JIT_STRICT=1 such a fallback is a slope::Error instead, so that
// tests cannot pass while compiled code never runs.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "backends/cpu/codegen/codegen.h"
#include "backends/cpu/codegen/jit.h"
#include "backends/cpu/parallel.h"
#include "slope/tensor.h"
#include "backends/cpu/toolchain/toolchain.h"

namespace slope::cpu {

namespace {

using Entry = int (*)(const void* const*, void* const*, void*, char*, size_t);

// The pool generated code runs its parallel loops on (its slope_<name>_set_threads): this
// process's one pool, with BLAS single-threaded wherever the program calls it.
using RangeTask = void (*)(void*, int64_t, int64_t);
void host_parallel_for(int64_t n, int64_t grain, RangeTask task, void* ctx) {
  BlasSerialScope serial;
  auto run = [task, ctx](int64_t b, int64_t e) { task(ctx, b, e); };
  parallel_for(n, grain, run);
}
using SetThreads = void (*)(void (*)(int64_t, int64_t, RangeTask, void*), int);

class CompiledExecutable final : public Executable {
 public:
  CompiledExecutable(std::shared_ptr<SharedLibrary> lib, Entry entry, const Program& p, codegen::Source src)
      : lib_(std::move(lib)), entry_(entry), name_(p.name), constants_(std::move(src.constants)),
        workspace_(src.workspace_bytes), code_(std::move(src.code)), source_(std::move(src.text)) {
    for (int v : p.inputs) inputs_.push_back(p.vars[v]);
    for (const Atom& a : p.outputs) outputs_.push_back(p.aval(a));
  }

  std::vector<Tensor> run(std::span<const Tensor> in) const override {
    check(in.size() == inputs_.size(), "jit", "compiled program expects ", inputs_.size(), " inputs, got ", in.size());
    // Everything per call lives in locals and fresh buffers: concurrent calls share nothing mutable.
    std::vector<const void*> args(in.size() + constants_.size());
    for (size_t i = 0; i < in.size(); ++i) {
      check(in[i].defined() && in[i].is_concrete(), "jit", "input ", i, " must be a concrete tensor");
      check(in[i].aval() == inputs_[i], "jit", "input ", i, " must be ", to_string(inputs_[i]), ", got ",
            to_string(in[i].aval()));
      args[i] = in[i].data();
    }
    for (size_t c = 0; c < constants_.size(); ++c) args[in.size() + c] = constants_[c].data();
    std::vector<Tensor> out;
    std::vector<void*> out_ptrs;
    for (const AVal& a : outputs_) {
      out.push_back(make_array(a));
      out_ptrs.push_back(out.back().impl()->buffer->data());
    }
    Workspace ws(*this);
    char err[512] = {0};
    if (entry_(args.data(), out_ptrs.data(), ws.data(), err, sizeof err) != 0)
      throw Error(err[0] ? std::string(err) : std::string("[jit] compiled program failed"));
    return out;
  }
  std::string code() const override { return code_; }
  std::string source() const override { return source_; }

 private:
  // A workspace for one call, taken from this executable's pool of idle ones and returned after:
  // fresh memory would be page-faulted in on every call (blocks under 1 MiB bypass the Buffer
  // cache). A call holds its block exclusively, so concurrent calls share nothing; the pool grows
  // to the number of calls that ever ran at once.
  class Workspace {
   public:
    explicit Workspace(const CompiledExecutable& e) : e_(e) {
      if (e_.workspace_ == 0) return;
      {
        std::lock_guard<std::mutex> lock(e_.pool_mu_);
        if (!e_.pool_.empty()) {
          buf_ = std::move(e_.pool_.back());
          e_.pool_.pop_back();
        }
      }
      if (!buf_) {
        try {
          buf_ = Buffer::allocate(static_cast<size_t>(e_.workspace_));
        } catch (const Error& err) {
          fail("jit", e_.name_, ": cannot allocate its workspace of ", e_.workspace_, " bytes (", err.what(), ")");
        }
      }
    }
    ~Workspace() {
      if (!buf_) return;
      std::lock_guard<std::mutex> lock(e_.pool_mu_);
      e_.pool_.push_back(std::move(buf_));
    }
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;
    void* data() { return buf_ ? buf_->data() : nullptr; }

   private:
    const CompiledExecutable& e_;
    std::shared_ptr<Buffer> buf_;
  };

  std::shared_ptr<SharedLibrary> lib_;
  Entry entry_;
  std::string name_;
  std::vector<Tensor> constants_;
  int64_t workspace_;
  std::string code_, source_;
  std::vector<AVal> inputs_, outputs_;
  mutable std::mutex pool_mu_;
  mutable std::vector<std::shared_ptr<Buffer>> pool_;
};

bool strict_jit() {
  const char* v = std::getenv("SLOPE_JIT_STRICT");
  return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}

// The program's signature line (its def name is the jitted function's name) and size.
std::string describe_program(const Program& p) {
  std::string text = p.str();
  text.resize(std::min(text.size(), text.find('\n')));
  return detail::concat("'", text, "' (", p.instructions.size(), " instructions)");
}

// The interpreter for a program the jit could not compile; `detail` is the generator's message
// or the toolchain's log. `warn`: false when this failure was already reported in this process.
std::shared_ptr<const Executable> fall_back(const Program& program, const FallbackFn& fallback, const std::string& what,
                                            std::string detail, bool warn) {
  if (strict_jit()) {
    constexpr size_t kMaxDetail = 4000;
    if (detail.size() > kMaxDetail) detail = detail.substr(0, kMaxDetail) + "\n...";
    fail("jit", what, " for the program ", describe_program(program),
         "; SLOPE_JIT_STRICT is set, so it does not fall back to the interpreter:\n", detail);
  }
  if (warn)
    std::fprintf(stderr, "[jit] %s; running the program with the interpreter instead (slower).\n%s\n", what.c_str(),
                 detail.c_str());
  return fallback(program);
}

std::string build_failure(BuildFailure f) {
  const std::string cxx = "the C++ compiler (" + compiler() + ")";
  switch (f) {
    case BuildFailure::timeout: return cxx + " timed out on the generated code";
    case BuildFailure::missing_symbol: return cxx + " produced a library without the generated entry points";
    case BuildFailure::cache: return "the jit's cache directory could not be used";
    default: return cxx + " failed on the generated code";
  }
}

}  // namespace

std::shared_ptr<const Executable> compile_program(const Program& program, const FallbackFn& fallback) {
  // SLOPE_LOG_JIT is handled by jit's front-end (transforms/jit.cpp), which prints the program,
  // this code and the compile time once per compiled signature.
  codegen::Source src;
  try {
    src = codegen::generate(program, program.name);
  } catch (const Error& e) {
    // A program the generator cannot handle is a bug in slope; still, run it correctly.
    return fall_back(program, fallback, "cpu code generation failed", e.what(), true);
  }
  BuildResult built = build_shared_library(src.text, {src.entry, src.set_threads});
  if (!built.library) return fall_back(program, fallback, build_failure(built.failure), built.log, !built.repeated);
  auto entry = reinterpret_cast<Entry>(built.library->symbol(src.entry));
  reinterpret_cast<SetThreads>(built.library->symbol(src.set_threads))(&host_parallel_for, num_threads());
  return std::make_shared<CompiledExecutable>(built.library, entry, program, std::move(src));
}

}  // namespace slope::cpu
