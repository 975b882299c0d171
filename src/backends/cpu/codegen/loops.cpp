// Loop kernels of the code generator: one fused loop nest computing a lazy expression (codegen.h)
// at every index of its shape, optionally reduced over some dims, written to a strided view.
//
// The nest is chosen for the memory layout: size-1 dims are dropped; elementwise nests follow the
// destination's order (it is written once, contiguously); reductions follow the order of their
// biggest input (the one that costs the memory traffic), so a sum over axis 0 of [200, 100]
// accumulates rows into the output and a sum over the last axis keeps a local accumulator. Dims
// that are contiguous in every view are then merged, so most nests are one or two loops deep and
// the innermost loop is a unit-stride loop the compiler vectorises.
//   kept dims outer, reduced inner  -> "local": one accumulator per output element;
//   otherwise                       -> "into": an accumulator array the size of the output is
//                                      updated in place (double for floating sums, like eager).
// Threads: slope::jit::parallel_for (codegen/runtime.h: slope's pool in process, OpenMP in exported
// builds) over the outermost kept loop (flattened with its neighbours when it is short), only
// above kParallelWork; a whole reduction to one value splits its outermost loop and combines
// one partial per share in share order (deterministic for a given thread count). Floating sums
// use double accumulators like the eager kernels but a different order (8 interleaved lanes in
// the innermost loop, thread partials), so they may differ from eager mode in the last bits; the
// order never depends on the compiler's vector width, so exported builds reproduce them exactly.
// Everything else is bit-identical to eager, because every value goes through the slope::scalar
// functions the eager kernels use.
#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "backends/cpu/codegen/codegen.h"
#include "primitives/record.h"

namespace slope::cpu::codegen {

namespace {

// Elements x cost below which threads cost more than they save. Higher than the eager kernels'
// grain (parallel.h): a fused loop does more work per element, and a worker that has gone to
// sleep costs a futex wake-up.
constexpr int64_t kParallelWork = int64_t(1) << 17;

bool heavy(Prim p) { return record(p).heavy; }


}  // namespace

const char* ctype(DType d) {
  switch (d) {
    case DType::b8: return "bool";
    case DType::u8: return "uint8_t";
    case DType::i8: return "int8_t";
    case DType::i32: return "int32_t";
    case DType::i64: return "int64_t";
    case DType::u32: return "uint32_t";
    case DType::f16: return "slope::half";
    case DType::bf16: return "slope::bfloat16";
    case DType::f32: return "float";
    case DType::f64: return "double";
  }
  return "float";
}

std::string literal_of(const void* bytes, DType d) {
  char buf[96];
  switch (d) {
    case DType::b8: return *static_cast<const uint8_t*>(bytes) ? "true" : "false";
    case DType::u8: return cat("uint8_t(", int(*static_cast<const uint8_t*>(bytes)), ")");
    case DType::i8: return cat("int8_t(", int(*static_cast<const int8_t*>(bytes)), ")");
    case DType::u32: return cat("uint32_t(", *static_cast<const uint32_t*>(bytes), "u)");
    case DType::i32: {
      int32_t v;
      std::memcpy(&v, bytes, 4);
      return v == INT32_MIN ? "int32_t(-2147483647 - 1)" : cat("int32_t(", v, ")");
    }
    case DType::i64: {
      int64_t v;
      std::memcpy(&v, bytes, 8);
      return v == INT64_MIN ? "int64_t(-9223372036854775807LL - 1)" : cat("int64_t(", v, "LL)");
    }
    case DType::f16:
    case DType::bf16: {
      uint16_t b;
      std::memcpy(&b, bytes, 2);
      const float f = d == DType::f16 ? half::to_float(b) : float(std::bit_cast<bfloat16>(b));
      std::snprintf(buf, sizeof buf, "slope::jit::%s_bits(0x%04x) /* %g */", d == DType::f16 ? "f16" : "bf16", b, f);
      return buf;
    }
    case DType::f32: {
      uint32_t b;
      std::memcpy(&b, bytes, 4);
      std::snprintf(buf, sizeof buf, "slope::jit::f32_bits(0x%08" PRIx32 "u) /* %g */", b, std::bit_cast<float>(b));
      return buf;
    }
    case DType::f64: {
      uint64_t b;
      std::memcpy(&b, bytes, 8);
      std::snprintf(buf, sizeof buf, "slope::jit::f64_bits(0x%016" PRIx64 "ull) /* %g */", b, std::bit_cast<double>(b));
      return buf;
    }
  }
  return "0";
}

std::string literal_of(const Scalar& s, DType d) {
  return visit_dtype(d, [&](auto tag) {
    using T = decltype(tag);
    T v = s.template to<T>();
    return literal_of(&v, d);
  });
}

Shape dense_strides(const Shape& shape) {
  Shape s = contiguous_strides(shape);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 1) s[i] = 0;
  return s;
}

int Generator::add_buf(BufKind kind, int index, DType dtype, int64_t numel) {
  int64_t bytes = 0;
  if (numel < 0 || __builtin_mul_overflow(numel, static_cast<int64_t>(itemsize(dtype)), &bytes))
    too_big(cat("a buffer of ", numel, " ", slope::name(dtype), " elements"));
  bufs.push_back(Buf{kind, index, dtype, numel, bytes, 0});
  return static_cast<int>(bufs.size()) - 1;
}

int64_t Generator::size_product(int64_t a, int64_t b) const {
  int64_t r = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) too_big(cat("a size of ", a, " x ", b));
  return r;
}

int64_t Generator::size_sum(int64_t a, int64_t b) const {
  int64_t r = 0;
  if (a < 0 || b < 0 || __builtin_add_overflow(a, b, &r)) too_big(cat("a size of ", a, " + ", b));
  return r;
}

void Generator::too_big(const std::string& what) const {
  fail("jit", context, " needs ", what, ": more than the ", kMaxBytes, " bytes a buffer can have");
}

int Generator::leaf(const View& v, DType dtype) {
  Node n;
  n.kind = Node::leaf;
  n.dtype = dtype;
  n.view = v;
  nodes.push_back(std::move(n));
  return static_cast<int>(nodes.size()) - 1;
}

int Generator::literal(const std::string& code, DType dtype) {
  Node n;
  n.kind = Node::literal;
  n.dtype = dtype;
  n.code = code;
  nodes.push_back(std::move(n));
  return static_cast<int>(nodes.size()) - 1;
}

int Generator::op(Prim p, DType dtype, std::vector<int> args) {
  Node n;
  n.kind = Node::op;
  n.dtype = dtype;
  n.prim = p;
  n.args = std::move(args);
  n.weight = 1;
  for (int a : n.args) n.weight = std::min<int64_t>(n.weight + nodes[a].weight, int64_t(1) << 40);
  n.op_name = op_name;
  nodes.push_back(std::move(n));
  return static_cast<int>(nodes.size()) - 1;
}

std::vector<int> Generator::topo(const std::vector<int>& roots) const {
  // Marks from earlier walks are told apart by their epoch, so a walk costs what it visits (a
  // fresh array per walk made planning quadratic in the program's length).
  if (++epoch_ == 0) {
    std::fill(mark_.begin(), mark_.end(), 0);
    epoch_ = 1;
  }
  mark_.resize(nodes.size(), 0);
  std::vector<int> order;
  std::vector<std::pair<int, size_t>> stack;
  for (int root : roots) {
    if (mark_[root] == epoch_) continue;
    mark_[root] = epoch_;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      const Node& node = nodes[n];
      if (next < node.args.size()) {
        int a = node.args[next++];
        if (mark_[a] != epoch_) {
          mark_[a] = epoch_;
          stack.push_back({a, 0});
        }
        continue;
      }
      order.push_back(n);
      stack.pop_back();
    }
  }
  return order;
}

void Generator::cost(const std::vector<int>& roots, int& ops, int& heavy_ops, bool& int_div) const {
  ops = heavy_ops = 0;
  int_div = false;
  for (int n : topo(roots)) {
    const Node& node = nodes[n];
    if (node.kind != Node::op) continue;
    ++ops;
    if (heavy(node.prim)) ++heavy_ops;
    if (node.prim == Prim::div && is_integral(node.dtype)) int_div = true;
  }
}

namespace {

// One statement per node: `T vN = ...;`. `index(l)` is the element index of leaf node l.
// Not `const T`: with it, clang 14 overflowed its stack on a 5,000-op chain (it appears to
// constant-evaluate each const local's initializer through every earlier vN).
template <class Index>
void emit_nodes(std::ostringstream& os, const std::vector<Node>& nodes, const std::vector<int>& order,
                const std::string& indent, Index index) {
  for (int n : order) {
    const Node& node = nodes[n];
    os << indent << ctype(node.dtype) << " v" << n << " = ";
    if (node.kind == Node::leaf) {
      os << "p" << n << "[" << index(n) << "];\n";
      continue;
    }
    if (node.kind == Node::literal) {
      os << node.code << ";\n";
      continue;
    }
    auto arg = [&](size_t i) { return cat("v", node.args[i]); };
    const char* in_t = ctype(nodes[node.args[0]].dtype);
    const char* name = slope::name(node.prim);
    switch (node.prim) {
      case Prim::stop_gradient: os << arg(0); break;
      case Prim::logical_not: os << "slope::scalar::logical_not(" << arg(0) << ")"; break;
      case Prim::cast: os << "slope::scalar::convert<" << ctype(node.dtype) << ">(" << arg(0) << ")"; break;
      case Prim::where:
        os << "slope::scalar::select<" << ctype(node.dtype) << ">(" << arg(0) << ", " << arg(1) << ", " << arg(2) << ")";
        break;
      default:
        if (node.args.size() == 1) os << "slope::scalar::" << name << "<" << in_t << ">(" << arg(0) << ")";
        else os << "slope::scalar::" << name << "<" << in_t << ">(" << arg(0) << ", " << arg(1) << ")";
    }
    os << ";\n";
    if (node.prim == Prim::div && is_integral(node.dtype)) os << indent << "bad |= " << arg(1) << " == 0;\n";
  }
}

struct Dim {
  int64_t n;
  bool red;
  std::vector<int64_t> s;  // stride per leaf
  int64_t ds;              // destination stride (0 for reduced dims)
};

// The dims of the iteration space (size-1 dims dropped), in the loop order of the file comment,
// neighbours that are one contiguous run in every view merged.
std::vector<Dim> nest_dims(const Shape& shape, const std::vector<bool>& reduced, Reduce r, const View& dest,
                           const std::vector<Node>& nodes, const std::vector<Buf>& bufs,
                           const std::vector<int>& leaves) {
  std::vector<Dim> dims;
  for (size_t i = 0, j = 0; i < shape.size(); ++i) {
    int64_t ds = reduced[i] ? 0 : dest.strides[j++];
    if (shape[i] == 1) continue;
    Dim d{shape[i], static_cast<bool>(reduced[i]), {}, ds};
    for (int l : leaves) d.s.push_back(nodes[l].view.strides[i]);
    dims.push_back(std::move(d));
  }
  if (r == Reduce::none) {
    std::stable_sort(dims.begin(), dims.end(), [](const Dim& a, const Dim& b) { return std::abs(a.ds) > std::abs(b.ds); });
  } else if (!leaves.empty()) {
    // The leaf that moves along the most dims, then the biggest buffer.
    size_t primary = 0;
    std::pair<int64_t, int64_t> best{-1, -1};
    for (size_t l = 0; l < leaves.size(); ++l) {
      int64_t moving = 0;
      for (const Dim& d : dims) moving += d.s[l] != 0;
      std::pair<int64_t, int64_t> score{moving, bufs[nodes[leaves[l]].view.buf].numel};
      if (score > best) best = score, primary = l;
    }
    std::stable_sort(dims.begin(), dims.end(),
                     [&](const Dim& a, const Dim& b) { return std::abs(a.s[primary]) > std::abs(b.s[primary]); });
  }
  std::vector<Dim> merged;
  for (Dim& d : dims) {
    if (!merged.empty()) {
      Dim& o = merged.back();
      bool ok = o.red == d.red && o.ds == d.ds * d.n;
      for (size_t l = 0; ok && l < leaves.size(); ++l) ok = o.s[l] == d.s[l] * d.n;
      if (ok) {
        o.n *= d.n;
        o.s = d.s;
        o.ds = d.ds;
        continue;
      }
    }
    merged.push_back(std::move(d));
  }
  return merged;
}

// The text of one loop nest, written step by step: the facts every step needs, the stream and
// the current indentation. emit_loop picks the nest's form (one element, one pass per output
// element, everything to one value, accumulate into the output) and calls the step that writes it.
struct Nest {
  Nest(const std::vector<Node>& nodes_, const std::vector<int>& order_, const std::vector<int>& leaves_,
       const std::vector<std::pair<int, View>>& also_, std::vector<Dim> dims_)
      : nodes(nodes_), order(order_), leaves(leaves_), also(also_), dims(std::move(dims_)), depth(dims.size()) {}

  const std::vector<Node>& nodes;
  const std::vector<int>& order;   // the DAG's nodes, operands first
  const std::vector<int>& leaves;  // its loads, in order
  const std::vector<std::pair<int, View>>& also;
  std::vector<Dim> dims;
  size_t depth = 0;
  size_t n_kept = 0;   // kept (not reduced) dims
  bool local = true;   // every kept dim before every reduced dim
  bool has_red = false;
  bool int_div = false;   // an integer division: its zero-divisor flag `bad` is carried along
  bool parallel = false;  // worth threads (kParallelWork)
  bool simd_sum = false;  // a floating sum: 8 interleaved lanes
  std::string load;       // the root as the accumulator loads it
  std::string root;       // "v<root>"
  std::ostringstream os;
  std::string ind = "  ";
  // A parallel share is a lambda run by slope::jit::parallel_for; its own `bad` shadows the
  // kernel's and is OR-ed into bad_all when the share ends (a compiler builtin: <atomic> would
  // double the preamble's compile time).
  std::string share_open() const { return int_div ? "    int bad = 0;\n" : ""; }
  std::string share_close() const {
    return int_div ? "    if (bad) __atomic_store_n(&bad_all, 1, __ATOMIC_RELAXED);\n" : "";
  }

  static std::string var(size_t d) { return cat("i", d); }

  // Offset of leaf l (or the destination, l = -1) from the loop variables [0, upto).
  std::string offset(int l, size_t upto, bool kept_only) const {
    std::string s = "0";
    for (size_t d = 0; d < upto; ++d) {
      if (kept_only && dims[d].red) continue;
      int64_t st = l < 0 ? dims[d].ds : dims[d].s[l];
      if (st == 0) continue;
      s += cat(" + ", var(d), " * ", st);
    }
    return s;
  }

  // The element index of leaf node n inside loop `inner` (its q offset plus the inner variable).
  auto index_in(size_t inner) const {
    return [this, inner](int n) {
      size_t l = std::find(leaves.begin(), leaves.end(), n) - leaves.begin();
      std::string s = cat("q", n);
      if (inner < depth && dims[inner].s[l] != 0) s += cat(" + ", var(inner), " * ", dims[inner].s[l]);
      return s;
    };
  }

  // Number of leading loops collapsed into the parallel one: enough iterations to share, never
  // the innermost loop of a nest (it is the vectorised one).
  size_t collapse(size_t limit) const {
    size_t c = 1;
    int64_t prod = dims[0].n;
    while (prod < 256 && c < limit) prod *= dims[c++].n;
    return c;
  }

  // Declarations before the loops: the accumulator type, the division flag, the pointers.
  void declare(Reduce r, const char* t, int dest_buf, int64_t dest_offset) {
    const std::string acc_t = cat(r == Reduce::sum ? "slope::jit::SumAcc<" : "slope::jit::MaxAcc<", t, ">");
    if (has_red) os << "  using Acc = " << acc_t << ";\n  using A = Acc::A;\n";
    // An integer division's zero divisor: `bad` in the loop, OR-ed into bad_all by each share.
    if (int_div) os << "  int bad = 0;\n" << (parallel ? "  int bad_all = 0;\n" : "");
    for (int l : leaves) {
      const View& v = nodes[l].view;
      const char* lt = ctype(nodes[l].dtype);
      os << "  const " << lt << "* __restrict p" << l << " = reinterpret_cast<const " << lt << "*>(b" << v.buf << ") + "
         << v.offset << ";\n";
    }
    os << "  " << t << "* __restrict dst = reinterpret_cast<" << t << "*>(b" << dest_buf << ") + " << dest_offset << ";\n";
    for (size_t j = 0; j < also.size(); ++j) {
      const char* tj = ctype(nodes[also[j].first].dtype);
      os << "  " << tj << "* __restrict dst" << j + 1 << " = reinterpret_cast<" << tj << "*>(b" << also[j].second.buf
         << ") + " << also[j].second.offset << ";\n";
    }
  }

  // The stores of the other values at destination index `di` (same strides as dst).
  void store_also(const std::string& di) {
    for (size_t j = 0; j < also.size(); ++j) os << ind << "dst" << j + 1 << "[" << di << "] = v" << also[j].first << ";\n";
  }

  // `#pragma omp <directive> [simd] <clauses>` then the loop header. Offsets of the innermost
  // loop are declared before it (never between collapsed loops: the innermost is not collapsed).
  void open(size_t d, std::string directive, std::string clauses, bool simd, const std::string& pre = "",
            const std::string& lo = "0", std::string hi = "") {
    if (hi.empty()) hi = cat(dims[d].n);
    if (d + 1 == depth) {
      for (size_t l = 0; l < leaves.size(); ++l)
        os << ind << "const int64_t q" << leaves[l] << " = " << offset(static_cast<int>(l), d, false) << ";\n";
      os << ind << "[[maybe_unused]] const int64_t qd = " << offset(-1, d, false) << ";\n";
    }
    os << pre;
    // No simd with an integer division: the `bad` flag is a loop-carried OR.
    if (simd && !int_div) directive += directive.empty() ? "simd" : " simd";
    if (!directive.empty()) os << "#pragma omp " << directive << clauses << "\n";
    os << ind << "for (int64_t " << var(d) << " = " << lo << "; " << var(d) << " < " << hi << "; ++" << var(d) << ") {\n";
    ind += "  ";
  }
  void close() {
    ind.resize(ind.size() - 2);
    os << ind << "}\n";
  }

  // The innermost loop of a reduction, accumulating into `a`. Floating sums use 8 interleaved
  // lanes combined in a fixed order, so the loop vectorises (the lanes are independent) and the
  // result does not depend on the vector width the compiler picked: an exported program built
  // with other flags reproduces the jitted bits.
  void reduce_inner(size_t d, const std::string& lo, std::string hi, const std::string& pre) {
    if (hi.empty()) hi = cat(dims[d].n);
    for (size_t l = 0; l < leaves.size(); ++l)
      os << ind << "const int64_t q" << leaves[l] << " = " << offset(static_cast<int>(l), d, false) << ";\n";
    os << ind << "[[maybe_unused]] const int64_t qd = " << offset(-1, d, false) << ";\n" << pre;
    const std::string i = var(d);
    if (simd_sum && !int_div) {
      const std::string in2 = ind + "  ", in3 = in2 + "  ", in4 = in3 + "  ";
      os << ind << "{\n"
         << in2 << "A lane[8];\n" << in2 << "for (int j = 0; j < 8; ++j) lane[j] = Acc::identity();\n"
         << in2 << "const int64_t n8 = " << lo << " + (" << hi << " - " << lo << ") / 8 * 8;\n"
         << in2 << "for (int64_t b8 = " << lo << "; b8 < n8; b8 += 8) {\n"
         << "#pragma omp simd\n"
         << in3 << "for (int64_t j8 = 0; j8 < 8; ++j8) {\n" << in4 << "const int64_t " << i << " = b8 + j8;\n";
      emit_nodes(os, nodes, order, in4, index_in(d));
      os << in4 << "lane[j8] = Acc::combine(lane[j8], " << load << ");\n" << in3 << "}\n" << in2 << "}\n"
         << in2 << "for (int j = 0; j < 8; ++j) a = Acc::combine(a, lane[j]);\n"
         << in2 << "for (int64_t " << i << " = n8; " << i << " < " << hi << "; ++" << i << ") {\n";
      emit_nodes(os, nodes, order, in3, index_in(d));
      os << in3 << "a = Acc::combine(a, " << load << ");\n" << in2 << "}\n" << ind << "}\n";
    } else {
      os << ind << "for (int64_t " << i << " = " << lo << "; " << i << " < " << hi << "; ++" << i << ") {\n";
      emit_nodes(os, nodes, order, ind + "  ", index_in(d));
      os << ind << "  a = Acc::combine(a, " << load << ");\n" << ind << "}\n";
    }
  }

  // The value (or its one-element reduction) as stored to dst.
  std::string stored() const { return has_red ? "Acc::store(Acc::combine(Acc::identity(), " + load + "))" : root; }

  // No loop at all: a single element.
  void single_element() {
    os << "  [[maybe_unused]] const int64_t qd = 0;\n";
    for (int l : leaves) os << "  const int64_t q" << l << " = 0;\n";
    emit_nodes(os, nodes, order, ind, index_in(depth));
    os << "  dst[0] = " << stored() << ";\n";
    store_also("0");
  }

  // Elementwise, or one local accumulator per output element (kept loops outside).
  void per_output_element() {
    const bool inner_kept = n_kept == depth;
    const size_t limit = inner_kept ? std::max<size_t>(n_kept - 1, 1) : n_kept;
    // The c outermost loops become one flat range split among threads; the rest open as usual.
    const size_t c = parallel ? collapse(limit) : 0;
    if (parallel) open_flat_share(c);
    for (size_t d = c; d < n_kept; ++d) open(d, "", "", d + 1 == depth && !has_red);
    if (inner_kept) {
      emit_nodes(os, nodes, order, ind, index_in(depth - 1));
      std::string di = "qd";
      if (dims[depth - 1].ds != 0) di += cat(" + ", var(depth - 1), " * ", dims[depth - 1].ds);
      // (only size-1 dims were reduced: each output element is its own reduction)
      os << ind << "dst[" << di << "] = " << stored() << ";\n";
      store_also(di);
    } else {
      os << ind << "A a = Acc::identity();\n";
      for (size_t d = n_kept; d + 1 < depth; ++d) open(d, "", "", false);
      reduce_inner(depth - 1, "0", "", "");
      for (size_t d = n_kept; d + 1 < depth; ++d) close();
      os << ind << "dst[" << offset(-1, n_kept, true) << "] = Acc::store(a);\n";
    }
    for (size_t d = c; d < n_kept; ++d) close();
    if (parallel) {
      close();  // the flat loop, or loop 0
      os << share_close() << "  });\n";
      ind = "  ";
    }
  }

  // The c outermost loops as one flat range [lo_, hi_) of a parallel share, their variables
  // recovered from the flat index (c == 1: loop 0 itself over the share).
  void open_flat_share(size_t c) {
    int64_t flat = 1;
    for (size_t d = 0; d < c; ++d) flat *= dims[d].n;
    os << "  slope::jit::parallel_for(" << flat << ", 1, [&](int64_t lo_, int64_t hi_) {\n" << share_open();
    ind = "    ";
    if (c == 1) {
      open(0, "", "", depth == 1 && !has_red, "", "lo_", "hi_");
      return;
    }
    os << ind << "for (int64_t f_ = lo_; f_ < hi_; ++f_) {\n";
    ind += "  ";
    int64_t inner = flat;
    for (size_t d = 0; d < c; ++d) {
      inner /= dims[d].n;
      os << ind << "const int64_t " << var(d) << " = f_ / " << inner << " % " << dims[d].n << ";\n";
    }
  }

  // Everything reduced to one value: each thread reduces its share of the outermost loop, the
  // partials are combined in thread order.
  void reduce_to_one() {
    os << "  A total = Acc::identity();\n";
    std::string lo = "0", hi;
    if (parallel) {
      os << "  const int64_t nt = slope::jit::max_threads() < 64 ? slope::jit::max_threads() : 64;\n"
         << "  A part[64];\n  for (int j = 0; j < 64; ++j) part[j] = Acc::identity();\n"
         << "  slope::jit::parallel_for(nt, 1, [&](int64_t tb_, int64_t te_) {\n" << share_open()
         << "    for (int64_t tid = tb_; tid < te_; ++tid) {\n"
         << "      const int64_t lo = slope::jit::share(" << dims[0].n << ", tid, nt), hi = slope::jit::share("
         << dims[0].n << ", tid + 1, nt);\n";
      ind = "      ";
      lo = "lo";
      hi = "hi";
    }
    os << ind << "A a = Acc::identity();\n";
    for (size_t d = 0; d + 1 < depth; ++d) open(d, "", "", false, "", d == 0 ? lo : "0", d == 0 ? hi : "");
    reduce_inner(depth - 1, depth == 1 ? lo : "0", depth == 1 ? hi : "", "");
    for (size_t d = 0; d + 1 < depth; ++d) close();
    if (parallel) {
      os << ind << "part[tid] = a;\n    }\n" << share_close() << "  });\n"
         << "  for (int j = 0; j < nt; ++j) total = Acc::combine(total, part[j]);\n";
    } else {
      os << "  total = a;\n";
    }
    os << "  dst[0] = Acc::store(total);\n";
  }

  // Accumulate into `acc`, an array the size of the output: reduced loops outside the first kept
  // one run in every thread, which takes its static share of the kept loop each time (same
  // share, so no races, no barrier).
  void reduce_into() {
    size_t first_kept = 0;
    while (dims[first_kept].red) ++first_kept;
    if (parallel) {
      os << "  const int64_t nt = slope::jit::max_threads();\n"
         << "  slope::jit::parallel_for(nt, 1, [&](int64_t tb_, int64_t te_) {\n" << share_open()
         << "    for (int64_t tid = tb_; tid < te_; ++tid) {\n";
      ind = "      ";
    }
    for (size_t d = 0; d < depth; ++d) {
      const bool par = parallel && d == first_kept;
      const std::string lo = par ? cat("slope::jit::share(", dims[d].n, ", tid, nt)") : "0",
                        hi = par ? cat("slope::jit::share(", dims[d].n, ", tid + 1, nt)") : "";
      if (d + 1 == depth && !dims[d].red) {
        open(d, "", "", true, "", lo, hi);
        emit_nodes(os, nodes, order, ind, index_in(d));
        std::string di = cat("qd + ", var(d), " * ", dims[d].ds);
        os << ind << "acc[" << di << "] = Acc::combine(acc[" << di << "], " << load << ");\n";
        close();
      } else if (d + 1 == depth) {
        // `a` starts from this output element's running value, read once qd is known.
        reduce_inner(d, "0", "", ind + "A a = acc[qd];\n");
        os << ind << "acc[qd] = a;\n";
      } else {
        open(d, "", "", false, "", lo, hi);
      }
    }
    for (size_t d = 0; d + 1 < depth; ++d) close();
    if (parallel) os << "    }\n" << share_close() << "  });\n";
  }

  // The accumulator array, rounded once into the output.
  void store_accumulators(int64_t n_out) {
    if (n_out >= kParallelWork)
      os << "  slope::jit::parallel_for(" << n_out << ", " << kParallelWork / 2 << ", [&](int64_t lo_, int64_t hi_) {\n"
         << "    for (int64_t j = lo_; j < hi_; ++j) dst[j] = Acc::store(acc[j]);\n  });\n";
    else
      os << "  for (int64_t j = 0; j < " << n_out << "; ++j) dst[j] = Acc::store(acc[j]);\n";
  }

  // The error a zero integer divisor returns, after the loops. Eager mode's message names the
  // divisor's type.
  void check_division(const Shape& shape, DType T) {
    DType divisor = T;
    const char* who = "div";  // or the public op the division belongs to (floor_divide, remainder)
    for (int n : order)
      if (nodes[n].kind == Node::op && nodes[n].prim == Prim::div && is_integral(nodes[n].dtype)) {
        divisor = nodes[n].dtype;
        if (nodes[n].op_name) who = nodes[n].op_name;
      }
    os << "  if (bad" << (parallel ? " || __atomic_load_n(&bad_all, __ATOMIC_RELAXED)" : "")
       << ") return slope::jit::error(err, errlen, \"[" << who << "] integer division by zero (" << to_string(AVal{shape, divisor})
       << " divisor)\");\n";
  }
};

}  // namespace

void Generator::loop(const std::string& comment, const Lazy& value, const std::vector<bool>& reduced, Reduce r,
                     const View& dest) {
  flush_stores();
  emit_loop(comment, value, reduced, r, dest);
}

void Generator::add_kernel(Kernel k) {
  flush_stores();
  kernels.push_back(std::move(k));
}

void Generator::emit_loop(const std::string& comment, const Lazy& value, const std::vector<bool>& reduced, Reduce r,
                          const View& dest, const std::vector<std::pair<int, View>>& also) {
  const Shape& shape = value.shape;
  const DType T = value.dtype;
  const char* t = ctype(T);
  Shape kept_shape;
  for (size_t i = 0; i < shape.size(); ++i)
    if (!reduced[i]) kept_shape.push_back(shape[i]);
  if (numel(shape) == 0) {
    // A sum over an empty axis is 0 everywhere (max of an empty axis is a shape error).
    if (r != Reduce::none && numel(kept_shape) > 0) {
      int zero = literal(cat(t, "(0)"), T);
      emit_loop(comment, Lazy{kept_shape, T, zero}, std::vector<bool>(kept_shape.size(), false), Reduce::none, dest);
    }
    return;
  }
  Kernel k;
  k.comment = comment;
  std::vector<int> roots{value.root};
  for (const auto& [root, view] : also) {
    check(r == Reduce::none && view.strides == dest.strides, "jit", "internal: stores of one loop must agree");
    roots.push_back(root);
  }
  const std::vector<int> order = topo(roots);
  std::vector<int> leaves;
  for (int n : order)
    if (nodes[n].kind == Node::leaf) {
      leaves.push_back(n);
      k.reads.push_back(nodes[n].view.buf);
    }
  k.writes.push_back(dest.buf);
  for (const auto& [root, view] : also) k.writes.push_back(view.buf);

  Nest nest(nodes, order, leaves, also, nest_dims(shape, reduced, r, dest, nodes, bufs, leaves));
  for (size_t i = 0; i < nest.depth; ++i) {
    if (!nest.dims[i].red) {
      if (nest.n_kept != i) nest.local = false;
      ++nest.n_kept;
    }
  }
  int ops, heavy_ops;
  cost(roots, ops, heavy_ops, nest.int_div);
  nest.parallel = static_cast<double>(numel(shape)) * (1 + ops / 4 + 8 * heavy_ops) >= kParallelWork;
  nest.has_red = r != Reduce::none;
  nest.simd_sum = r == Reduce::sum && is_floating(T);
  nest.load = nest.has_red ? cat("Acc::load(v", value.root, ")") : "";
  nest.root = cat("v", value.root);
  nest.declare(r, t, dest.buf, dest.offset);

  // "into" accumulates in place: in the destination itself unless the accumulator type differs.
  const bool into = nest.has_red && !nest.local;
  bool acc_array = false;
  if (into) {
    const int64_t n_out = numel(kept_shape);
    if (!nest.simd_sum) {
      nest.os << "  A* __restrict acc = dst;\n";
    } else {
      int ab = add_buf(BufKind::temp, 0, DType::f64, n_out);
      k.writes.push_back(ab);
      nest.os << "  A* __restrict acc = reinterpret_cast<A*>(b" << ab << ");\n";
      acc_array = true;
    }
    nest.os << "  for (int64_t j = 0; j < " << n_out << "; ++j) acc[j] = Acc::identity();\n";
  }

  if (nest.depth == 0) {
    nest.single_element();
  } else if (!nest.has_red || (nest.local && nest.n_kept > 0)) {
    nest.per_output_element();
  } else if (nest.local) {
    nest.reduce_to_one();
  } else {
    nest.reduce_into();
    if (acc_array) nest.store_accumulators(numel(kept_shape));
  }
  if (nest.int_div) nest.check_division(shape, T);
  k.body = nest.os.str();
  kernels.push_back(std::move(k));
}

}  // namespace slope::cpu::codegen
