#pragma once
// The cpu backend's code generator: a flat Program -> one C++ translation unit.
//
// Planning (codegen_plan.cpp) walks the program once. Every value is a *lazy expression*: a DAG
// of elementwise nodes over leaves, where a leaf is a strided view of a materialised buffer
// (program input, constant, or a buffer some kernel wrote) or a literal. Elementwise primitives
// extend the DAG; expand/reshape/permute/slice/flip rewrite the leaves' views (index arithmetic,
// nothing copied); a value is materialised (a loop kernel writes it to a buffer) only when it must
// be: program outputs, operands of matmul/conv/gather/..., and values with several consumers
// unless cheap to recompute. Reductions, pad and cat are loop kernels that consume a lazy
// expression directly, so their elementwise producers fuse into them. The rest (matmul, conv,
// gather, scatter_add, threefry, arange) call the small kernels of jit_kernels.h.
// Loop nests are written by codegen_loops.cpp; buffers of intermediates share one workspace arena
// planned by liveness (codegen_source.cpp), which also assembles the final source.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "slope/program.h"

namespace slope::cpu::codegen {

// ---- buffers ----
enum class BufKind { input, constant, output, temp };
struct Buf {
  BufKind kind;
  int index;        // input / constant / output number (temp: unused)
  DType dtype;
  int64_t numel;
  int64_t offset;   // temp: byte offset in the workspace arena (set by plan_arena)
  size_t bytes() const { return static_cast<size_t>(numel) * itemsize(dtype); }
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

class Generator {
 public:
  std::vector<Buf> bufs;
  std::vector<Node> nodes;
  std::vector<Kernel> kernels;
  std::vector<Tensor> constants;  // extra inputs after the program's inputs, in order
  bool uses_blas = false;         // some kernel calls cblas_*gemm
  const char* op_name = nullptr;  // Instruction::op of the instruction being planned (errors name it)

  int add_buf(BufKind kind, int index, DType dtype, int64_t numel);
  int leaf(const View& v, DType dtype);
  int literal(const std::string& code, DType dtype);
  int op(Prim p, DType dtype, std::vector<int> args);

  // Writes `value` (over `shape`, with `reduced` dims combined by `r`) to `dest`, a view over the
  // kept dims. Adds one kernel.
  void loop(const std::string& comment, const Lazy& value, const std::vector<bool>& reduced, Reduce r,
            const View& dest);
  // Nodes reachable from `root` (operands before users), without recursion.
  std::vector<int> topo(int root) const;
  // Ops in the DAG; `heavy` counts transcendental ones.
  void cost(int root, int& ops, int& heavy, bool& int_div) const;
};

// Fills `g` with the kernels of a flat program (codegen_plan.cpp).
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

// The complete generated translation unit.
struct Source {
  std::string code;
  std::vector<Tensor> constants;
  int64_t workspace_bytes = 0;
  bool uses_blas = false;
};
// `entry` names the extern "C" function: int entry(const void* const* in, void* const* out,
// void* workspace, char* err, size_t errlen); `in` holds the program's inputs then `constants`.
Source generate(const Program& program, const std::string& entry);

const std::string& preamble();  // slope/scalar.h + jit_kernels.h (embedded at build time)

}  // namespace slope::cpu::codegen
