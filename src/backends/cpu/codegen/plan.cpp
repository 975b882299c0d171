// Planning: a flat Program -> kernels over buffers (see codegen.h for the model).
//
// Fusion rules, in the order instructions are visited:
//  * elementwise primitives (unary, binary incl. comparisons, where, cast, stop_gradient) and
//    `full` only add nodes to a lazy expression;
//  * expand/reshape/permute/slice/flip rewrite the views of the expression's leaves. Exceptions,
//    where the expression is materialised first: an expand that multiplies the work of an
//    expression that is not cheap (cheap = at most 4 ops, none transcendental), a reshape the
//    strides cannot express (numpy's no-copy rule), and a slice of an integer division (eager
//    mode checks every divisor element, so the jitted loop must compute them all too);
//  * sum/max, pad and cat are loop kernels that consume their operands' expressions;
//  * a value with several consumers is stored once, unless cheap (then each consumer recomputes
//    it: a few adds cost less than a round trip through memory);
//  * an expression of more than kMaxKernelOps ops is stored and continued from its buffer, so no
//    kernel grows with the program (compile time stays linear);
//  * matmul, conv, gather, scatter_add, argsort, argmax, threefry and arange take materialised operands. matmul
//    accepts a strided view whose last two dims are a (possibly transposed) BLAS matrix: a
//    permute of a contiguous value swapping the last two axes becomes CblasTrans, no copy.
// Stores go through Generator::store, which lets consecutive stores of one shape share a loop.
// Program outputs are written straight into the output buffers: the kernel that materialises a
// value writes the caller's buffer when the value is an output; an output that is an input, a
// constant, a view or another output's value is copied.
#include <algorithm>
#include <climits>
#include <sstream>
#include <unordered_map>

#include "backends/cpu/codegen/codegen.h"
#include "primitives/record.h"
#include "backends/cpu/kernels/conv.h"

namespace slope::cpu::codegen {

namespace {

// Elements of one im2col slab: the shared conv kernel's (a few MiB, stays in cache for the GEMM).
using kernels::kColLimit;

bool is_elementwise(Prim p) { return record(p).elementwise; }

// numpy's _attempt_nocopy_reshape: strides of `to` viewing the same elements as (from, strides).
bool reshape_strides(const Shape& from, const Shape& strides, const Shape& to, Shape& out) {
  out = Shape(to.size(), 0);
  if (numel(from) == 0) return true;
  Shape od, os;
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1) {
      od.push_back(from[i]);
      os.push_back(strides[i]);
    }
  size_t oi = 0, oj = 1, ni = 0, nj = 1;
  const size_t on = od.size(), nn = to.size();
  while (ni < nn && oi < on) {
    int64_t np = to[ni], op = od[oi];
    while (np != op) {
      if (np < op) {
        if (nj >= nn) return false;
        np *= to[nj++];
      } else {
        if (oj >= on) return false;
        op *= od[oj++];
      }
    }
    for (size_t ok = oi; ok + 1 < oj; ++ok)
      if (os[ok] != od[ok + 1] * os[ok + 1]) return false;
    out[nj - 1] = os[oj - 1];
    for (size_t nk = nj - 1; nk > ni; --nk) out[nk - 1] = out[nk] * to[nk];
    ni = nj++;
    oi = oj++;
  }
  return true;
}

class Planner {
 public:
  Planner(const Program& p, Generator& g) : prog_(p), g_(g), value_(p.vars.size()), uses_(p.vars.size(), 0) {}

  void run() {
    for (const Instruction& ins : prog_.instructions)
      for (const Atom& a : ins.inputs)
        if (a.is_var()) ++uses_[a.var];
    for (const Atom& a : prog_.outputs)
      if (a.is_var()) uses_[a.var] += 1 << 20;  // outputs are always stored
    for (size_t i = 0; i < prog_.inputs.size(); ++i) {
      const AVal& av = prog_.vars[prog_.inputs[i]];
      g_.context = cat(g_.program_name, ": input x", i, " ", to_string(av));
      int b = g_.add_buf(BufKind::input, static_cast<int>(i), av.dtype, numel(av.shape));
      value_[prog_.inputs[i]] = dense(b, av);
    }
    for (const Instruction& ins : prog_.instructions) {
      check(!has_body(ins.prim) && ins.outputs.size() == 1, "jit",
            "the cpu code generator needs a flat program (inline_calls first), got ", name(ins.prim));
      instruction(ins);
    }
    bind_outputs();
    g_.flush_stores();
  }

 private:
  const Program& prog_;
  Generator& g_;
  std::vector<Lazy> value_;
  std::vector<int> uses_;
  std::unordered_map<const TensorImpl*, int> const_bufs_;

  Lazy dense(int buf, const AVal& av) { return Lazy{av.shape, av.dtype, g_.leaf(View{buf, 0, dense_strides(av.shape)}, av.dtype)}; }

  Lazy get(const Atom& a) {
    if (a.is_var()) return value_[a.var];
    const Tensor& t = a.value;
    check(t.defined() && t.is_concrete(), "jit", "constants of a compiled program must be concrete tensors");
    if (t.numel() == 1) return Lazy{t.shape(), t.dtype(), g_.literal(literal_of(t.data(), t.dtype()), t.dtype())};
    auto [it, fresh] = const_bufs_.try_emplace(t.impl().get(), -1);
    if (fresh) {
      it->second = g_.add_buf(BufKind::constant, static_cast<int>(g_.constants.size()), t.dtype(), t.numel());
      g_.constants.push_back(t);
    }
    return dense(it->second, t.aval());
  }

  bool has_ops(const Lazy& v) const { return g_.nodes[v.root].kind == Node::op; }
  bool cheap(const Lazy& v) const {
    int ops, heavy;
    bool int_div;
    g_.cost(v.root, ops, heavy, int_div);
    return ops <= 4 && heavy == 0 && !int_div;
  }
  bool int_div(const Lazy& v) const {
    int ops, heavy;
    bool d;
    g_.cost(v.root, ops, heavy, d);
    return d;
  }
  // The buffer of a value stored densely (row-major, offset 0, whole buffer), else -1.
  int dense_buf(const Lazy& v) const {
    const Node& n = g_.nodes[v.root];
    if (n.kind != Node::leaf || n.view.offset != 0) return -1;
    const Buf& b = g_.bufs[n.view.buf];
    if (b.numel != numel(v.shape) || b.dtype != v.dtype) return -1;
    Shape want = dense_strides(v.shape);
    for (size_t i = 0; i < v.shape.size(); ++i)
      if (v.shape[i] != 1 && n.view.strides[i] != want[i]) return -1;
    return n.view.buf;
  }

  std::string describe(const Lazy& v, const std::string& what) const {
    std::ostringstream os;
    os << what << " " << to_string(AVal{v.shape, v.dtype});
    std::vector<std::string> fused;
    for (int n : g_.topo(v.root))
      if (g_.nodes[n].kind == Node::op) fused.push_back(name(g_.nodes[n].prim));
    if (!fused.empty()) {
      os << " (fused:";
      for (size_t i = 0; i < fused.size() && i < 16; ++i) os << " " << fused[i];
      if (fused.size() > 16) os << " ... " << fused.size() << " ops";
      os << ")";
    }
    return os.str();
  }

  // Stores a value densely in a new buffer (or returns it if it already is).
  Lazy materialize(const Lazy& v) {
    if (dense_buf(v) >= 0) return v;
    AVal av{v.shape, v.dtype};
    int b = g_.add_buf(BufKind::temp, 0, v.dtype, numel(v.shape));
    g_.store(v, b, describe(v, "store"));
    return dense(b, av);
  }

  // Rebuilds the expression with every leaf view rewritten by f (false: not expressible).
  template <class F>
  bool map_leaves(const Lazy& v, const Shape& shape, F f, Lazy& out) {
    std::unordered_map<int, int> to;
    for (int n : g_.topo(v.root)) {
      Node node = g_.nodes[n];  // copy: adding nodes may reallocate
      if (node.kind == Node::literal) {
        to[n] = n;
      } else if (node.kind == Node::leaf) {
        if (!f(node.view)) return false;
        to[n] = g_.leaf(node.view, node.dtype);
      } else {
        for (int& a : node.args) a = to.at(a);
        to[n] = g_.op(node.prim, node.dtype, node.args);
      }
    }
    out = Lazy{shape, v.dtype, to.at(v.root)};
    return true;
  }

  Lazy movement(Prim p, const Params& params, Lazy v, const Shape& out_shape) {
    const Shape in_shape = v.shape;
    const size_t r = in_shape.size();
    if (has_ops(v)) {
      if ((p == Prim::expand && numel(out_shape) > numel(in_shape) && !cheap(v)) || (p == Prim::slice && int_div(v)))
        v = materialize(v);
    }
    Lazy out;
    bool ok = false;
    switch (p) {
      case Prim::expand:
        ok = map_leaves(v, out_shape, [&](View& w) {
          for (size_t i = 0; i < r; ++i)
            if (in_shape[i] != out_shape[i]) w.strides[i] = 0;
          return true;
        }, out);
        break;
      case Prim::permute: {
        const Axes& perm = std::get<AxesParams>(params).axes;
        ok = map_leaves(v, out_shape, [&](View& w) {
          Shape s;
          for (size_t i = 0; i < r; ++i) s.push_back(w.strides[perm[i]]);
          w.strides = s;
          return true;
        }, out);
        break;
      }
      case Prim::slice: {
        const auto& sp = std::get<SliceParams>(params);
        ok = map_leaves(v, out_shape, [&](View& w) {
          if (numel(out_shape) == 0) return true;
          for (size_t i = 0; i < r; ++i) {
            w.offset += sp.start[i] * w.strides[i];
            w.strides[i] *= sp.step[i];
          }
          return true;
        }, out);
        break;
      }
      case Prim::flip: {
        const Axes& axes = std::get<AxesParams>(params).axes;
        ok = map_leaves(v, out_shape, [&](View& w) {
          if (numel(in_shape) == 0) return true;
          for (int64_t a : axes) {
            w.offset += (in_shape[a] - 1) * w.strides[a];
            w.strides[a] = -w.strides[a];
          }
          return true;
        }, out);
        break;
      }
      case Prim::reshape: {
        auto re = [&](View& w) {
          Shape s;
          if (!reshape_strides(in_shape, w.strides, out_shape, s)) return false;
          w.strides = s;
          return true;
        };
        ok = map_leaves(v, out_shape, re, out);
        if (!ok) ok = map_leaves(materialize(v), out_shape, re, out);
        break;
      }
      default: break;
    }
    check(ok, "jit", "internal: cannot express ", name(p), " of ", to_string(AVal{in_shape, v.dtype}));
    return out;
  }

  // A new dense buffer for instruction output `var`.
  int out_buf(int var) {
    const AVal& av = prog_.vars[var];
    return g_.add_buf(BufKind::temp, 0, av.dtype, numel(av.shape));
  }

  void instruction(const Instruction& ins) {
    g_.op_name = ins.op;
    const int var = ins.outputs[0];
    const AVal& av = prog_.vars[var];
    const Prim p = ins.prim;
    g_.context = cat(g_.program_name, ": z", var, " = ", name(p), "(...) ", to_string(av));
    std::vector<Lazy> in;
    const Family fam = family(p);
    for (const Atom& a : ins.inputs) {
      // Operands of matmul/conv/gather/... are stored; the stored value then serves every later
      // consumer too (no second store of the same expression).
      if (fam == Family::general && a.is_var() && has_ops(value_[a.var])) value_[a.var] = materialize(value_[a.var]);
      in.push_back(get(a));
    }
    Lazy result;
    if (is_elementwise(p)) {
      std::vector<int> args;
      for (const Lazy& l : in) args.push_back(l.root);
      result = Lazy{av.shape, av.dtype, g_.op(p, av.dtype, args)};
    } else {
      switch (p) {
        case Prim::expand:
        case Prim::reshape:
        case Prim::permute:
        case Prim::slice:
        case Prim::flip: result = movement(p, ins.params, in[0], av.shape); break;
        case Prim::full: {
          const auto& fp = std::get<FullParams>(ins.params);
          result = Lazy{av.shape, av.dtype, g_.literal(literal_of(fp.value, av.dtype), av.dtype)};
          break;
        }
        case Prim::sum:
        case Prim::max: result = reduce(p, std::get<AxesParams>(ins.params).axes, in[0], var); break;
        case Prim::pad: result = pad(std::get<PadParams>(ins.params), in[0], var); break;
        case Prim::cat: result = concat(std::get<AxisParams>(ins.params).axis, in, var); break;
        case Prim::arange: result = arange(std::get<ArangeParams>(ins.params), var); break;
        case Prim::threefry: result = threefry(in, var); break;
        case Prim::matmul: result = matmul(in[0], in[1], var); break;
        case Prim::conv: result = conv(std::get<ConvParams>(ins.params), in[0], in[1], var); break;
        case Prim::gather:
        case Prim::scatter_add: result = index_op(p, std::get<AxisParams>(ins.params).axis, in, var); break;
        case Prim::argsort: result = argsort(std::get<SortParams>(ins.params), in[0], var); break;
        case Prim::argmax: result = argmax(std::get<AxisParams>(ins.params).axis, in[0], var); break;
        default: fail("jit", "the cpu code generator has no rule for ", name(p));
      }
    }
    // Several consumers: store once unless recomputing is cheaper (outputs count as many).
    if (has_ops(result) && uses_[var] > 1 && (uses_[var] >= (1 << 20) || !cheap(result))) result = materialize(result);
    // A long expression is cut: stored here, continued by a new kernel.
    if (has_ops(result) && g_.nodes[result.root].weight > kMaxKernelOps) result = materialize(result);
    value_[var] = result;
  }

  Lazy reduce(Prim p, const Axes& axes, Lazy x, int var) {
    // An integer or bool sum is int64 (its rule): the widening cast is part of the loop's
    // expression, never a stored copy of the input.
    const DType od = prog_.vars[var].dtype;
    if (od != x.dtype) x = Lazy{x.shape, od, g_.op(Prim::cast, od, {x.root})};
    std::vector<bool> red(x.shape.size(), false);
    for (int64_t a : axes) red[a] = true;
    const int b = out_buf(var);
    g_.loop(describe(x, name(p)), x, red, p == Prim::sum ? Reduce::sum : Reduce::max,
            View{b, 0, dense_strides(prog_.vars[var].shape)});
    return dense(b, prog_.vars[var]);
  }

  // The eager kernel (accumulators.h via codegen/runtime.h) on the stored operand.
  Lazy argmax(int64_t axis, const Lazy& x, int var) {
    const AVal& av = prog_.vars[var];
    const int xb = dense_buf(materialize(x));
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= x.shape[i];
    for (size_t i = axis + 1; i < x.shape.size(); ++i) inner *= x.shape[i];
    const int b = out_buf(var);
    std::ostringstream os;
    os << "  slope::jit::argmax<" << ctype(x.dtype) << ">(" << ptr(xb, x.dtype) << ", " << outer << ", "
       << x.shape[axis] << ", " << inner << ", " << ptr(b, DType::i64, false) << ");\n";
    call("argmax " + to_string(av), os.str(), {xb}, {b});
    return dense(b, av);
  }

  Lazy pad(const PadParams& pp, const Lazy& x, int var) {
    const AVal& av = prog_.vars[var];
    const int b = out_buf(var);
    const Shape& xs = x.shape;
    const Shape o_str = contiguous_strides(av.shape);
    bool padded = false;
    for (size_t i = 0; i < xs.size(); ++i) padded = padded || pp.lo[i] || pp.hi[i] || (pp.interior[i] && xs[i] > 1);
    if (padded) {
      Lazy fill{av.shape, av.dtype, g_.literal(literal_of(pp.value, av.dtype), av.dtype)};
      g_.loop("pad value " + to_string(av), fill, std::vector<bool>(av.shape.size(), false), Reduce::none,
              View{b, 0, dense_strides(av.shape)});
    }
    if (numel(xs) > 0) {
      View dest{b, 0, {}};
      for (size_t i = 0; i < xs.size(); ++i) {
        dest.offset += pp.lo[i] * o_str[i];
        dest.strides.push_back(o_str[i] * (pp.interior[i] + 1));
      }
      g_.loop(describe(x, "pad interior"), x, std::vector<bool>(xs.size(), false), Reduce::none, dest);
    }
    return dense(b, av);
  }

  Lazy concat(int64_t axis, const std::vector<Lazy>& in, int var) {
    const AVal& av = prog_.vars[var];
    const int b = out_buf(var);
    const Shape o_str = contiguous_strides(av.shape);
    int64_t at = 0;
    for (const Lazy& x : in) {
      g_.loop(describe(x, "cat part"), x, std::vector<bool>(x.shape.size(), false), Reduce::none,
              View{b, at * o_str[axis], o_str});
      at += x.shape[axis];
    }
    return dense(b, av);
  }

  // A kernel that calls into codegen/runtime.h.
  void call(const std::string& comment, std::string body, std::vector<int> reads, std::vector<int> writes) {
    g_.add_kernel(Kernel{comment, std::move(body), std::move(reads), std::move(writes)});
  }
  static std::string ptr(int buf, DType d, bool is_const = true) {
    return cat("reinterpret_cast<", is_const ? "const " : "", ctype(d), "*>(b", buf, ")");
  }

  Lazy arange(const ArangeParams& ap, int var) {
    const AVal& av = prog_.vars[var];
    const int b = out_buf(var);
    std::ostringstream os;
    if (is_integral(av.dtype) && !ap.start.is_float() && !ap.step.is_float()) {
      os << "  slope::jit::arange_int<" << ctype(av.dtype) << ">(" << ptr(b, av.dtype, false) << ", " << ap.n << ", "
         << literal_of(Scalar(ap.start.i), DType::i64) << ", " << literal_of(Scalar(ap.step.i), DType::i64) << ");\n";
    } else {
      double start = ap.start.as_double(), step = ap.step.as_double();
      os << "  slope::jit::arange_float<" << ctype(av.dtype) << ">(" << ptr(b, av.dtype, false) << ", " << ap.n << ", "
         << literal_of(&start, DType::f64) << ", " << literal_of(&step, DType::f64) << ");\n";
    }
    call("arange " + to_string(av), os.str(), {}, {b});
    return dense(b, av);
  }

  Lazy threefry(const std::vector<Lazy>& in, int var) {
    const AVal& av = prog_.vars[var];
    const int key = dense_buf(materialize(in[0])), counts = dense_buf(materialize(in[1]));
    const int b = out_buf(var);
    std::ostringstream os;
    os << "  slope::jit::threefry(" << ptr(key, DType::u32) << ", " << ptr(counts, DType::u32) << ", "
       << ptr(b, DType::u32, false) << ", " << numel(av.shape) << ");\n";
    call("threefry " + to_string(av), os.str(), {key, counts}, {b});
    return dense(b, av);
  }

  // A matmul operand [..., rows, cols] as a BLAS matrix: leading dimension and transpose flag.
  struct Operand {
    View view;
    bool trans = false;
    int64_t ld = 0;
  };
  Operand gemm_operand(Lazy v) {
    const size_t r = v.shape.size();
    const int64_t rows = v.shape[r - 2], cols = v.shape[r - 1];
    for (int attempt = 0; attempt < 2; ++attempt) {
      const Node& n = g_.nodes[v.root];
      // Dense (always true after materialize, also for empty or size-1 dims, whose strides are 0).
      if (dense_buf(v) >= 0) return Operand{n.view, false, std::max<int64_t>(cols, 1)};
      if (n.kind == Node::leaf) {
        const int64_t sr = n.view.strides[r - 2], sc = n.view.strides[r - 1];
        if ((cols == 1 || sc == 1) && (rows == 1 || sr >= std::max<int64_t>(cols, 1)))
          return Operand{n.view, false, rows == 1 ? std::max<int64_t>(cols, 1) : sr};
        if ((rows == 1 || sr == 1) && (cols == 1 || sc >= std::max<int64_t>(rows, 1)))
          return Operand{n.view, true, cols == 1 ? std::max<int64_t>(rows, 1) : sc};
      }
      v = materialize(v);
    }
    fail("jit", "internal: dense matmul operand rejected");
  }

  Lazy matmul(const Lazy& a, const Lazy& b, int var) {
    const AVal& av = prog_.vars[var];
    const DType d = av.dtype;
    const size_t r = av.shape.size();
    const int64_t m = a.shape[r - 2], k = a.shape[r - 1], n = b.shape[r - 1];
    const Operand A = gemm_operand(a), B = gemm_operand(b);
    const int out = out_buf(var);
    std::vector<int> writes{out};
    std::ostringstream os;
    const bool half_type = d == DType::f16 || d == DType::bf16;
    std::string scratch = "nullptr";
    if (half_type) {
      const int64_t floats = g_.size_sum(g_.size_sum(g_.size_product(m, k), g_.size_product(k, n)), g_.size_product(m, n));
      int s = g_.add_buf(BufKind::temp, 0, DType::f32, std::max<int64_t>(floats, 1));
      writes.push_back(s);
      scratch = cat("reinterpret_cast<float*>(b", s, ")");
    }
    const bool blas = is_floating(d);
    g_.uses_blas = g_.uses_blas || blas;
    if (blas && std::max({m, n, k, A.ld, B.ld}) > INT_MAX) {
      os << "  return slope::jit::error(err, errlen, \"[matmul] a dimension exceeds what the BLAS library can index\");\n";
    } else {
      const int64_t batch = numel(av.shape) == 0 ? 0 : numel(av.shape) / std::max<int64_t>(m * n, 1);
      int64_t work = 0;  // multiply-adds of one product (saturated: only compared below)
      if (__builtin_mul_overflow(m * n, std::max<int64_t>(k, 1), &work)) work = INT64_MAX;
      os << "  const " << ctype(d) << "* pa = " << ptr(A.view.buf, d) << " + " << A.view.offset << ";\n"
         << "  const " << ctype(d) << "* pb = " << ptr(B.view.buf, d) << " + " << B.view.offset << ";\n"
         << "  " << ctype(d) << "* pc = " << ptr(out, d, false) << ";\n";
      const bool par = batch > 1 && work < (int64_t(1) << 21) && !half_type;
      // Small products of a batch: one product per share (each then runs single-threaded).
      if (par)
        os << "  slope::jit::parallel_for(" << batch << ", " << 65536 / work + 1
           << ", [&](int64_t lo_, int64_t hi_) {\n  for (int64_t bi = lo_; bi < hi_; ++bi) {\n";
      else
        os << "  for (int64_t bi = 0; bi < " << batch << "; ++bi) {\n";
      os << "    int64_t rest = bi, oa = 0, ob = 0;\n";
      for (size_t i = r - 2; i-- > 0;) {
        os << "    { const int64_t ix = rest % " << av.shape[i] << "; rest /= " << av.shape[i] << "; oa += ix * "
           << A.view.strides[i] << "; ob += ix * " << B.view.strides[i] << "; }\n";
      }
      os << "    (void)rest;\n"
         << "    slope::jit::gemm<" << ctype(d) << ">(" << (A.trans ? "true" : "false") << ", " << (B.trans ? "true" : "false")
         << ", " << m << ", " << n << ", " << k << ", pa + oa, " << A.ld << ", pb + ob, " << B.ld << ", pc + bi * "
         << m * n << ", " << n << ", " << scratch << ");\n  }\n" << (par ? "  });\n" : "");
    }
    call("matmul " + to_string(AVal{a.shape, d}) + (A.trans ? "^T" : "") + " @ " + to_string(AVal{b.shape, d}) +
             (B.trans ? "^T" : ""),
         os.str(), {A.view.buf, B.view.buf}, writes);
    return dense(out, av);
  }

  Lazy conv(const ConvParams& p, const Lazy& xl, const Lazy& wl, int var) {
    const AVal& av = prog_.vars[var];
    const DType d = av.dtype;
    const int x = dense_buf(materialize(xl)), w = dense_buf(materialize(wl));
    const int out = out_buf(var);
    const Shape &xs = xl.shape, &ws = wl.shape, &os_ = av.shape;
    if (numel(os_) == 0) return dense(out, av);
    const size_t nd = xs.size() - 2;
    int64_t s[3], kk[3], o[3], st[3], dil[3], lo[3];
    for (size_t i = 0; i < 3; ++i) {
      const bool real = i >= 3 - nd;
      const size_t j = real ? i - (3 - nd) : 0;
      s[i] = real ? xs[2 + j] : 1;
      kk[i] = real ? ws[2 + j] : 1;
      o[i] = real ? os_[2 + j] : 1;
      st[i] = real ? p.stride[j] : 1;
      dil[i] = real ? p.dilation[j] : 1;
      lo[i] = real ? p.pad_lo[j] : 0;
    }
    const int64_t cg = ws[1], og = ws[0] / p.groups, kdim = cg * kk[0] * kk[1] * kk[2], positions = o[0] * o[1] * o[2];
    const int64_t row_len = o[1] * o[2];
    const int64_t slab = std::clamp<int64_t>(kColLimit / std::max<int64_t>(g_.size_product(kdim, row_len), 1), 1, o[0]);
    const int col = g_.add_buf(BufKind::temp, 0, d, std::max<int64_t>(g_.size_product(kdim, slab * row_len), 1));
    std::vector<int> writes{out, col};
    std::string scratch = "nullptr";
    if (d == DType::f16 || d == DType::bf16) {
      const int64_t pb = slab * row_len;
      const int64_t floats =
          g_.size_sum(g_.size_sum(g_.size_product(og, kdim), g_.size_product(kdim, pb)), g_.size_product(og, pb));
      int sb = g_.add_buf(BufKind::temp, 0, DType::f32, std::max<int64_t>(floats, 1));
      writes.push_back(sb);
      scratch = cat("reinterpret_cast<float*>(b", sb, ")");
    }
    g_.uses_blas = g_.uses_blas || is_floating(d);
    auto arr = [](const int64_t* v) {
      return cat("{", v[0], ", ", v[1], ", ", v[2], "}");
    };
    std::ostringstream os;
    os << "  const slope::jit::ConvGeometry g = {" << arr(s) << ", " << arr(kk) << ", " << arr(o) << ", " << arr(st)
       << ", " << arr(dil) << ", " << arr(lo) << ", " << cg << ", " << og << ", " << kdim << ", " << positions << ", "
       << slab << "};\n"
       << "  slope::jit::conv<" << ctype(d) << ">(g, " << xs[0] << ", " << p.groups << ", " << ptr(x, d) << ", "
       << ptr(w, d) << ", " << ptr(out, d, false) << ", " << ptr(col, d, false) << ", " << scratch << ");\n";
    call("conv " + to_string(AVal{xs, d}) + " * " + to_string(AVal{ws, d}), os.str(), {x, w}, writes);
    return dense(out, av);
  }

  Lazy index_op(Prim p, int64_t axis, const std::vector<Lazy>& in, int var) {
    const AVal& av = prog_.vars[var];
    const int x = dense_buf(materialize(in[0])), idx = dense_buf(materialize(in[1]));
    const DType d = in[0].dtype, id = in[1].dtype;
    const Shape& xs = in[0].shape;
    int64_t a_n = 1, b_n = 1;
    for (int64_t i = 0; i < axis; ++i) a_n *= xs[i];
    for (size_t i = axis + 1; i < xs.size(); ++i) b_n *= xs[i];
    const int64_t x_n = xs[axis], j_n = numel(in[1].shape);
    const int out = out_buf(var);
    std::ostringstream os;
    std::vector<int> reads{x, idx};
    os << "  if (slope::jit::" << name(p) << "<" << ctype(d) << ", " << ctype(id) << ">(" << ptr(x, d) << ", "
       << ptr(idx, id) << ", ";
    if (p == Prim::scatter_add) {
      const int upd = dense_buf(materialize(in[2]));
      reads.push_back(upd);
      os << ptr(upd, d) << ", ";
    }
    os << ptr(out, d, false) << ", " << a_n << ", " << x_n << ", " << b_n << ", " << j_n << ", err, errlen)) return ";
    // The kernel's message names the primitive; the user called the op that recorded it.
    if (g_.op_name) os << "slope::jit::rename_error(err, errlen, \"" << g_.op_name << "\");\n";
    else os << "1;\n";
    call(std::string(name(p)) + " " + to_string(av), os.str(), reads, {out});
    return dense(out, av);
  }

  Lazy argsort(const SortParams& sp, const Lazy& xl, int var) {
    const AVal& av = prog_.vars[var];
    const int x = dense_buf(materialize(xl)), out = out_buf(var);
    int64_t a_n = 1, b_n = 1;
    for (int64_t i = 0; i < sp.axis; ++i) a_n *= xl.shape[i];
    for (size_t i = sp.axis + 1; i < xl.shape.size(); ++i) b_n *= xl.shape[i];
    std::ostringstream os;
    os << "  if (slope::jit::argsort<" << ctype(xl.dtype) << ">(" << ptr(x, xl.dtype) << ", " << ptr(out, DType::i64, false)
       << ", " << a_n << ", " << xl.shape[sp.axis] << ", " << b_n << ", " << (sp.descending ? "true" : "false")
       << ", err, errlen)) return 1;\n";
    call("argsort " + to_string(av), os.str(), {x}, {out});
    return dense(out, av);
  }

  void bind_outputs() {
    for (size_t k = 0; k < prog_.outputs.size(); ++k) {
      g_.context = cat(g_.program_name, ": output ", k, " ", to_string(prog_.aval(prog_.outputs[k])));
      Lazy v = get(prog_.outputs[k]);
      const int b = dense_buf(v);
      if (b >= 0 && g_.bufs[b].kind == BufKind::temp) {
        g_.bufs[b].kind = BufKind::output;
        g_.bufs[b].index = static_cast<int>(k);
        continue;
      }
      const AVal av{v.shape, v.dtype};
      const int o = g_.add_buf(BufKind::output, static_cast<int>(k), v.dtype, numel(v.shape));
      g_.loop(describe(v, cat("output ", k, " copy")), v, std::vector<bool>(v.shape.size(), false),
              Reduce::none, View{o, 0, dense_strides(v.shape)});
    }
  }
};

}  // namespace

void plan(const Program& program, Generator& g) { Planner(program, g).run(); }

}  // namespace slope::cpu::codegen
