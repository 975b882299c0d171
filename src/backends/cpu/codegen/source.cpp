// The last step of code generation: workspace offsets for intermediate buffers (by liveness over
// the kernel sequence), then the translation unit: preamble, one function per kernel, the entry.
#include <algorithm>
#include <sstream>

#include "backends/cpu/codegen/codegen.h"

namespace slope::cpu::codegen {

namespace {

constexpr int64_t kAlign = 64;  // cache line: no false sharing between neighbouring buffers
// Characters of code (kernels and entry points) above which g++ compiles at -O1 (see generate()):
// about 15,000 lines: programs of roughly 15,000 instructions or more.
constexpr size_t kLargeUnit = size_t(1) << 20;

// Free-list allocator of workspace byte ranges (first fit, neighbours coalesced on free). Sizes
// are rounded and summed with overflow checks: past kMaxBytes is g.too_big's error.
class Arena {
 public:
  explicit Arena(const Generator& g) : g_(g) {}
  int64_t allocate(int64_t bytes) {
    bytes = round(bytes);
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->second < bytes) continue;
      int64_t at = it->first;
      it->first += bytes;
      it->second -= bytes;
      if (it->second == 0) free_.erase(it);
      return at;
    }
    // Grow, reusing a free block that ends at the top.
    int64_t at = top_;
    if (!free_.empty() && free_.back().first + free_.back().second == top_) {
      at = free_.back().first;
      free_.pop_back();
    }
    if (__builtin_add_overflow(at, bytes, &top_)) g_.too_big("a workspace for its temporaries");
    return at;
  }
  void release(int64_t at, int64_t bytes) {
    bytes = round(bytes);
    if (bytes == 0) return;
    auto it = std::lower_bound(free_.begin(), free_.end(), std::make_pair(at, int64_t(0)));
    it = free_.insert(it, {at, bytes});
    if (it + 1 != free_.end() && it->first + it->second == (it + 1)->first) {
      it->second += (it + 1)->second;
      free_.erase(it + 1);
    }
    if (it != free_.begin() && (it - 1)->first + (it - 1)->second == it->first) {
      (it - 1)->second += it->second;
      free_.erase(it);
    }
  }
  int64_t size() const { return top_; }

 private:
  int64_t round(int64_t bytes) const {
    int64_t r = 0;
    if (__builtin_add_overflow(bytes, kAlign - 1, &r)) g_.too_big(cat("a temporary of ", bytes, " bytes"));
    return r / kAlign * kAlign;
  }
  const Generator& g_;
  std::vector<std::pair<int64_t, int64_t>> free_;  // (offset, bytes), sorted by offset
  int64_t top_ = 0;
};

// A temp lives from the first kernel that touches it to the last; its bytes are reused afterwards.
int64_t plan_arena(Generator& g) {
  const size_t nb = g.bufs.size();
  std::vector<int> first(nb, -1), last(nb, -1);
  for (size_t k = 0; k < g.kernels.size(); ++k) {
    auto touch = [&](int b) {
      if (g.bufs[b].kind != BufKind::temp) return;
      if (first[b] < 0) first[b] = static_cast<int>(k);
      last[b] = static_cast<int>(k);
    };
    for (int b : g.kernels[k].reads) touch(b);
    for (int b : g.kernels[k].writes) touch(b);
  }
  std::vector<std::vector<int>> starts(g.kernels.size()), ends(g.kernels.size());
  for (size_t b = 0; b < nb; ++b)
    if (first[b] >= 0) {
      starts[first[b]].push_back(static_cast<int>(b));
      ends[last[b]].push_back(static_cast<int>(b));
    }
  Arena arena(g);
  for (size_t k = 0; k < g.kernels.size(); ++k) {
    g.context = g.program_name + ": " + g.kernels[k].comment;
    for (int b : starts[k]) g.bufs[b].offset = arena.allocate(g.bufs[b].bytes);
    for (int b : ends[k]) arena.release(g.bufs[b].offset, g.bufs[b].bytes);
  }
  return arena.size();
}

std::string buffer_address(const Buf& b, size_t n_inputs) {
  switch (b.kind) {
    case BufKind::input: return cat("const_cast<char*>(static_cast<const char*>(in[", b.index, "]))");
    case BufKind::constant:
      return cat("const_cast<char*>(static_cast<const char*>(in[", n_inputs + b.index, "]))");
    case BufKind::output: return cat("static_cast<char*>(out[", b.index, "])");
    case BufKind::temp: return cat("ws + ", b.offset);
  }
  return "nullptr";
}

}  // namespace

Source generate(const Program& program, const std::string& name) {
  check(is_program_name(name, name.size()), "jit", "cannot generate code for a program called \"", name,
        "\": a program name is ", kProgramNameRule);
  Generator g;
  g.program_name = name;
  plan(program, g);
  Source src;
  src.workspace_bytes = plan_arena(g);
  src.constants = g.constants;
  src.uses_blas = g.uses_blas;
  // Every external symbol starts with slope_<name>_: nothing a C or C++ program defines (main,
  // another exported program) can collide with it.
  src.entry = "slope_" + name + "_compute";
  src.set_threads = "slope_" + name + "_set_threads";

  std::ostringstream os;
  os << "// " << name << ": the kernels and entry points slope's cpu backend generated (after a preamble of\n"
     << "// shared helpers: slope/scalar.h, the kernels eager mode runs, codegen/runtime.h).\n\n"
     << "namespace {\n\n";
  for (size_t k = 0; k < g.kernels.size(); ++k) {
    const Kernel& kern = g.kernels[k];
    os << "// " << kern.comment << "\n"
       << "[[gnu::noinline]] int k" << k << "([[maybe_unused]] const void* const* in, [[maybe_unused]] void* const* out, "
       << "[[maybe_unused]] char* ws, [[maybe_unused]] char* err, [[maybe_unused]] size_t errlen) {\n";
    std::vector<int> used = kern.reads;
    used.insert(used.end(), kern.writes.begin(), kern.writes.end());
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    for (int b : used)
      os << "  [[maybe_unused]] char* const b" << b << " = " << buffer_address(g.bufs[b], program.inputs.size())
         << ";\n";
    os << kern.body << "  return 0;\n}\n\n";
  }
  os << "}  // namespace\n\n"
     << "// in: " << program.inputs.size() << " inputs then " << g.constants.size() << " constants; out: "
     << program.outputs.size() << " outputs; workspace: " << src.workspace_bytes << " bytes, 64-byte aligned.\n"
     << "extern \"C\" int " << src.entry
     << "(const void* const* in, void* const* out, void* workspace, char* err, size_t errlen) {\n"
     << "  char* ws = static_cast<char*>(workspace);\n  (void)in;\n  (void)out;\n  (void)ws;\n";
  for (size_t k = 0; k < g.kernels.size(); ++k) os << "  if (k" << k << "(in, out, ws, err, errlen)) return 1;\n";
  os << "  return 0;\n}\n\n"
     << "// Called by slope right after it loads the program: its parallel loops then run on slope's pool.\n"
     << "extern \"C\" void " << src.set_threads << "(slope::jit::HostParallelFor parallel_for, int threads) {\n"
     << "  slope::jit::set_host_threads(parallel_for, threads);\n}\n";
  src.code = os.str();

  std::ostringstream head;
  head << "// Generated by slope's cpu backend from this program:\n";
  std::istringstream text(program.str(name));
  for (std::string line; std::getline(text, line);) head << "//   " << line << "\n";
  head << "// Entry: int " << src.entry << "(const void* const* in, void* const* out, void* workspace, char* err, "
       << "size_t errlen)\n\n";
  // GCC contracts a*b+c into an FMA across inlined scalar functions in C++ by default; slope is
  // built with -ffp-contract=off (CMakeLists.txt) and so must its generated code be, so that both
  // round every operation alone and fused code gives the eager kernels' bits.
  // A very large unit is compiled at -O1 by g++: a quarter less time (the gradient of a 10,000-op
  // chain: 15.5 s -> 12.4 s), and its loops stay vectorised (each carries `omp simd`, honoured at
  // -O1). clang has no such pragma, and compiles these units as fast at -O2 as at -O1.
  const bool large = src.code.size() > kLargeUnit;
  head << "#if defined(__GNUC__) && !defined(__clang__)\n#pragma GCC optimize(" << (large ? "\"O1\", " : "")
       << "\"fp-contract=off\")\n#endif\n"
       << "#ifdef __clang__\n#pragma clang fp contract(off)\n#endif\n";
  src.text = head.str() + preamble() + "\n" + src.code;
  return src;
}

}  // namespace slope::cpu::codegen
