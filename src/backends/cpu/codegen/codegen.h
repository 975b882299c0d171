#pragma once
// The cpu backend's code generator: a flat Program -> one C++ translation unit.
//
// Planning (codegen/plan.cpp) walks the program once. Every value is a *lazy expression*: a DAG
// of elementwise nodes over leaves, where a leaf is a strided view of a materialised buffer
// (program input, constant, or a buffer some kernel wrote) or a literal. Elementwise primitives
// extend the DAG; expand/reshape/permute/slice/flip rewrite the leaves' views (index arithmetic,
// nothing copied); a value is materialised (a loop kernel writes it to a buffer) only when it must
// be: program outputs, operands of matmul/conv/gather/..., and values with several consumers
// unless cheap to recompute. Reductions, pad and cat are loop kernels that consume a lazy
// expression directly, so their elementwise producers fuse into them. The rest (matmul, conv,
// gather, scatter_add, threefry, arange) call the small kernels of codegen/runtime.h.
// Loop nests are written by codegen/loops.cpp; consecutive stores of one shape share a loop
// (codegen/stores.cpp); buffers of intermediates share one workspace arena planned by liveness
// (codegen/source.cpp), which also assembles the final source.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "slope/program.h"

namespace slope::cpu::codegen {

// ---- buffers ----
// Byte sizes are int64 and every one is computed with overflow checks (a wrapped size once made a
// 2^64-byte temporary a 0-byte one, written through a null pointer): a size past kMaxBytes is a
// slope::Error "[jit] ..." naming the value being planned (Generator::context).
constexpr int64_t kMaxBytes = PTRDIFF_MAX;
enum class BufKind { input, constant, output, temp };
struct Buf {
  BufKind kind;
  int index;        // input / constant / output number (temp: unused)
  DType dtype;
  int64_t numel;
  int64_t bytes;    // numel * itemsize, checked
  int64_t offset;   // temp: byte offset in the workspace arena (set by plan_arena)
};

// A strided view of a buffer, in elements, over some shape (the owner knows the shape).
struct View {
  int buf = -1;
  int64_t offset = 0;
  Shape strides;
};

// ---- lazy expressions ----
struct Node {
  enum Kind { leaf, literal, op } kind = op;
  DType dtype = DType::f32;
  View view;            // leaf
  std::string code;     // literal: a C++ expression of type dtype
  Prim prim{};          // op (elementwise primitives only)
  std::vector<int> args;
  // An upper bound of the ops in this node's DAG (1 + the args' weights; shared nodes count once
  // per use), kept as nodes are made so the planner can bound kernels in O(1).
  int64_t weight = 0;
  const char* op_name = nullptr;  // op: the public op that recorded it (Instruction::op), for errors
};
struct Lazy {
  Shape shape;
  DType dtype;
  int root = -1;
};

// ---- kernels: code blocks in execution order, with the buffers they touch (for liveness) ----
struct Kernel {
  std::string comment;
  std::string body;  // refers to buffers as bN (char*) and may set `err`, returning non-zero
  std::vector<int> reads, writes;
};

// A reduction (or none) fused into a loop kernel.
enum class Reduce { none, sum, max };

// The most elementwise ops one kernel computes: a longer expression is stored and continued from
// the stored buffer by a new kernel, and stores grouped into one loop stop at this many ops.
// Compilers take superlinear time in the size of a function (one 10,000-op chain took g++ 8 s,
// its gradient 80 s), so bounded kernels, compiled as separate functions, keep the cold compile time
// linear in the program's length; one store and load per this many ops costs nothing measurable.
// On 10k-op chains, 128 and 256 compile alike and 512 takes g++ 4x as long.
constexpr int64_t kMaxKernelOps = 256;

// A value written densely to a buffer by a (possibly shared) elementwise loop.
struct Store {
  Lazy value;
  int buf;
  std::string comment;
};

class Generator {
 public:
  std::vector<Buf> bufs;
  std::vector<Node> nodes;
  std::vector<Kernel> kernels;
  std::vector<Tensor> constants;  // extra inputs after the program's inputs, in order
  bool uses_blas = false;         // some kernel calls cblas_*gemm
  std::string program_name;
  std::string context;            // "<program>: <instruction being planned>", for error messages
  const char* op_name = nullptr;  // Instruction::op of the instruction being planned (errors name it)

  int add_buf(BufKind kind, int index, DType dtype, int64_t numel);
  // a * b, a + b for sizes of the value being planned; throw "[jit] ..." past kMaxBytes (or below 0).
  int64_t size_product(int64_t a, int64_t b) const;
  int64_t size_sum(int64_t a, int64_t b) const;
  [[noreturn]] void too_big(const std::string& what) const;
  int leaf(const View& v, DType dtype);
  int literal(const std::string& code, DType dtype);
  int op(Prim p, DType dtype, std::vector<int> args);

  // Writes `value` (over `shape`, with `reduced` dims combined by `r`) to `dest`, a view over the
  // kept dims. Adds one kernel (after any pending stores).
  void loop(const std::string& comment, const Lazy& value, const std::vector<bool>& reduced, Reduce r,
            const View& dest);
  // Adds a kernel that calls into codegen/runtime.h (after any pending stores).
  void add_kernel(Kernel k);
  // Stores `value` densely into temp buffer `buf` (codegen/stores.cpp). The store waits: the
  // next stores of the same shape join it in one loop, which computes each value once and hands
  // it to the later ones in a register. Any other kernel, or flush_stores(), writes the group.
  void store(const Lazy& value, int buf, const std::string& comment);
  void flush_stores();
  // Nodes reachable from `roots` (operands before users), without recursion; O(their number).
  std::vector<int> topo(const std::vector<int>& roots) const;
  std::vector<int> topo(int root) const { return topo(std::vector<int>{root}); }
  // Ops in the DAG; `heavy` counts transcendental ones.
  void cost(const std::vector<int>& roots, int& ops, int& heavy, bool& int_div) const;
  void cost(int root, int& ops, int& heavy, bool& int_div) const { cost(std::vector<int>{root}, ops, heavy, int_div); }

 private:
  // One loop kernel; `also` are more elementwise values stored by the same loop (reduce none;
  // dense destinations over `value`'s shape, like `dest`).
  void emit_loop(const std::string& comment, const Lazy& value, const std::vector<bool>& reduced, Reduce r,
                 const View& dest, const std::vector<std::pair<int, View>>& also = {});
  bool reads_pending_view(const Lazy& value) const;
  int substitute(int root, const std::vector<std::pair<int, int>>& stored, const Shape& shape);

  std::vector<Store> pending_;  // stores waiting for their loop: one shape, in program order
  int64_t pending_ops_ = 0;
  mutable std::vector<uint32_t> mark_;  // topo's visited marks: == epoch_ when seen in this walk
  mutable uint32_t epoch_ = 0;
};

// Fills `g` with the kernels of a flat program (codegen/plan.cpp).
void plan(const Program& program, Generator& g);

// Concatenates anything printable (GCC 12 warns falsely on "literal" + std::string chains).
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

// C++ spellings: the type of a dtype in generated code, a literal of a scalar value.
const char* ctype(DType d);
std::string literal_of(const void* bytes, DType d);  // one element in dtype d
std::string literal_of(const Scalar& s, DType d);    // converted like Scalar::to<T>()

// Row-major strides, with 0 for size-1 dims (which never move).
Shape dense_strides(const Shape& shape);

// The complete generated translation unit of a program called `name` (a valid program name).
struct Source {
  std::string text;         // the whole translation unit: a header comment, the preamble, then `code`
  std::string code;         // the program's own part: its kernels and entry points (Lowered::code())
  std::string entry;        // slope_<name>_compute: int (const void* const* in, void* const* out,
                            // void* workspace, char* err, size_t errlen); `in` = inputs then constants
  std::string set_threads;  // slope_<name>_set_threads: hands the program slope's thread pool
  std::vector<Tensor> constants;
  int64_t workspace_bytes = 0;
  bool uses_blas = false;
};
Source generate(const Program& program, const std::string& name);

const std::string& preamble();  // slope/scalar.h + kernels/*.h + codegen/runtime.h (embedded at build time)

}  // namespace slope::cpu::codegen
