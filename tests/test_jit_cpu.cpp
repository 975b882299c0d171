// The cpu backend's compiled programs (src/backends/cpu/codegen*.cpp) against eager execution on
// the same backend. Programs are built by hand, primitive by primitive, so every code path of the
// generator is reached on purpose: fused chains, strided views (permute/slice/flip/expand) feeding
// them, reductions over every kind of axis set, BLAS products with transposed views, conv, the
// error paths, compiler failure and concurrent calls (export: test_jit_export.cpp; huge values
// and long programs: test_jit_limits.cpp). Elementwise results must match eager
// bit for bit; sums, matmul and conv within a tolerance (their summation order differs).
// Every compile must really produce code (a silent fallback to the interpreter would hide bugs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "seed.h"
#include "skip.h"
#include "env_guard.h"
#include "slope/backend.h"
#include "slope/interpreter.h"
#include "slope/jit.h"
#include "slope/nn_functional.h"
#include "slope/ops.h"
#include "slope/random.h"
#include "slope/transforms.h"

namespace {

using namespace slope;
namespace fs = std::filesystem;

// One private, temporary compile cache for this test binary.
class CacheDir : public ::testing::Environment {
 public:
  void SetUp() override {
    char tmpl[] = "/tmp/slope_jit_test_XXXXXX";
    if (char* d = mkdtemp(tmpl)) {
      dir_ = d;
      setenv("SLOPE_CACHE_DIR", d, 1);
    }
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

 private:
  std::string dir_;
};
const auto* const kCacheEnv = ::testing::AddGlobalTestEnvironment(new CacheDir);

bool have_cpu() {
  auto names = backend_names();
  return std::find(names.begin(), names.end(), "cpu") != names.end();
}

class JitCpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_cpu()) SLOPE_SKIP("no cpu backend in this build");
  }
};

Atom V(int v) { return Atom{v, {}}; }
Atom C(const Tensor& t) { return Atom{-1, t}; }

// Builds a Program instruction by instruction, types inferred by the primitives' rules.
struct Builder {
  Program p;
  int input(const Shape& s, DType d) {
    int v = p.new_var(AVal{s, d});
    p.inputs.push_back(v);
    return v;
  }
  int op(Prim prim, Params params, std::vector<Atom> in) {
    std::vector<AVal> avals;
    for (const Atom& a : in) avals.push_back(p.aval(a));
    AVal out;
    infer(prim, params, avals.data(), avals.size(), &out);
    int v = p.new_var(out);
    p.instructions.push_back(Instruction{prim, std::move(params), std::move(in), {v}});
    return v;
  }
  // Like op, but returns -1 when the rule rejects the operands (e.g. exp of an int).
  int try_op(Prim prim, Params params, std::vector<Atom> in) {
    try {
      return op(prim, std::move(params), std::move(in));
    } catch (const Error&) {
      return -1;
    }
  }
  int un(Prim prim, int x) { return op(prim, NoParams{}, {V(x)}); }
  int bin(Prim prim, int x, int y) { return op(prim, NoParams{}, {V(x), V(y)}); }
  int scalar(Scalar s, DType d, const Shape& shape) {
    return op(Prim::full, FullParams{shape, d, s}, {});
  }
  void output(int v) { p.outputs.push_back(V(v)); }
};

enum class Range { Any, Positive, NonZero, Index };

// Seeded by the running test's name (tests/seed.h): a test draws the same alone as in the suite.
std::mt19937& rng() { return slope_test::test_rng(); }

Tensor random(const AVal& a, Range r = Range::Any, int64_t index_bound = 1) {
  const int64_t n = numel(a.shape);
  return visit_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    using S = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
    std::vector<S> v(static_cast<size_t>(n));
    std::uniform_real_distribution<double> uf(r == Range::Positive ? 0.1 : -3.0, 3.0);
    std::uniform_int_distribution<int> ui(r == Range::Positive ? 1 : -20, 20);
    std::uniform_int_distribution<int64_t> ux(0, std::max<int64_t>(index_bound - 1, 0));
    for (auto& x : v) {
      if constexpr (std::is_same_v<T, bool>) {
        x = static_cast<uint8_t>(rng()() & 1);
      } else if constexpr (scalar::is_float_v<T>) {
        double d = uf(rng());
        if (r == Range::NonZero && std::abs(d) < 0.1) d = 0.5;
        x = scalar::convert<T>(d);
      } else if (r == Range::Index) {
        x = static_cast<T>(ux(rng()));
      } else {
        int i = ui(rng());
        if (std::is_unsigned_v<T>) i = std::abs(i);
        if (r == Range::NonZero && i == 0) i = 3;
        x = static_cast<T>(i);
      }
    }
    return from_bytes(v.data(), a.shape, a.dtype);
  });
}

std::shared_ptr<const Executable> compile(const Program& p) {
  auto exe = get_backend("cpu").compile(p);
  EXPECT_FALSE(exe->code().empty()) << "compile fell back to the interpreter for\n" << p.str();
  return exe;
}

std::vector<Tensor> eager(const Program& p, const std::vector<Tensor>& in) {
  BackendScope s("cpu");
  return p.run(in);
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.aval() == b.aval() &&
         std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * itemsize(a.dtype())) == 0;
}

// Values equal within tolerance (NaN == NaN); integers and bools exactly.
::testing::AssertionResult close(const Tensor& got, const Tensor& want, double rtol) {
  if (got.aval() != want.aval())
    return ::testing::AssertionFailure() << to_string(got.aval()) << " vs " << to_string(want.aval());
  if (!is_floating(got.dtype())) {
    if (same_bytes(got, want)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "integer values differ:\n" << got.str() << "\nvs\n" << want.str();
  }
  auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i]) && std::isnan(w[i])) continue;
    if (g[i] == w[i]) continue;
    if (!(std::abs(g[i] - w[i]) <= rtol * (1 + std::abs(w[i]))))
      return ::testing::AssertionFailure() << "element " << i << ": " << g[i] << " vs " << w[i];
  }
  return ::testing::AssertionSuccess();
}

double tolerance(DType d) {
  switch (d) {
    case DType::f16: return 1e-2;
    case DType::bf16: return 2e-2;
    case DType::f32: return 1e-5;
    default: return 1e-12;
  }
}

// Compiles p, runs compiled and eager on `in`; outputs listed in `exact` must match bit for bit.
void expect_matches_eager(const Program& p, const std::vector<Tensor>& in, bool all_exact = true) {
  auto exe = compile(p);
  auto got = exe->run(in);
  auto want = eager(p, in);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (all_exact) {
      EXPECT_TRUE(same_bytes(got[i], want[i])) << "output " << i << " " << to_string(want[i].aval()) << " differs:\n"
                                               << got[i].str() << "\neager:\n" << want[i].str() << "\n" << p.str();
    } else {
      EXPECT_TRUE(close(got[i], want[i], tolerance(want[i].dtype()))) << "output " << i << "\n" << p.str();
    }
  }
}

const DType kAll[] = {bool_, u8, i8, i32, i64, u32, f16, bf16, f32, f64};

// ---- elementwise: every unary/binary/ternary primitive valid for each dtype, as outputs of one
// program, at a size that runs serially and one that uses threads ----
TEST_F(JitCpu, ElementwiseEveryPrimitiveEveryDType) {
  const Prim unary[] = {Prim::neg, Prim::exp,  Prim::log,         Prim::sin, Prim::sqrt,
                        Prim::tanh, Prim::erf, Prim::floor, Prim::logical_not, Prim::stop_gradient};
  const Prim binary[] = {Prim::add,     Prim::sub,   Prim::mul,  Prim::div,    Prim::pow,
                         Prim::maximum, Prim::equal, Prim::less, Prim::greater, Prim::atan2};
  // One program per shape holding every dtype (each compile has a fixed cost).
  for (const Shape& shape : {Shape{3, 5}, Shape{300, 257}}) {
    SCOPED_TRACE(to_string(shape));
    Builder b;
    std::vector<Tensor> in;
    int c = b.input(shape, bool_);
    in.push_back(random({shape, bool_}));
    for (DType d : kAll) {
      int x = b.input(shape, d), y = b.input(shape, d);
      in.push_back(random({shape, d}));
      in.push_back(random({shape, d}, Range::NonZero));
      for (Prim p : unary)
        if (int v = b.try_op(p, NoParams{}, {V(x)}); v >= 0) b.output(v);
      for (Prim p : binary)
        if (int v = b.try_op(p, NoParams{}, {V(x), V(y)}); v >= 0) b.output(v);
      for (DType to : kAll) b.output(b.op(Prim::cast, CastParams{to}, {V(x)}));
      b.output(b.op(Prim::where, NoParams{}, {V(c), V(x), V(y)}));
    }
    expect_matches_eager(b.p, in);
  }
}

// A long fused chain with literals and comparisons: one loop, same bits as eager.
TEST_F(JitCpu, FusedChainMatchesEagerBitForBit) {
  for (DType d : {f32, f64, f16, bf16, i32, i64}) {
    SCOPED_TRACE(name(d));
    Builder b;
    const Shape s{1000, 77};
    int x = b.input(s, d), y = b.input(s, d);
    int two = b.scalar(2, d, s), one = b.scalar(1, d, s);
    int t = b.bin(Prim::add, b.bin(Prim::mul, x, two), one);
    if (is_floating(d)) t = b.un(Prim::tanh, t);
    int u = b.bin(Prim::mul, t, x);
    int m = b.bin(Prim::maximum, u, b.un(Prim::neg, y));
    int w = b.op(Prim::where, NoParams{}, {V(b.bin(Prim::less, x, y)), V(m), V(b.bin(Prim::sub, u, y))});
    b.output(w);
    b.output(b.op(Prim::cast, CastParams{f64}, {V(b.bin(Prim::div, w, y))}));
    expect_matches_eager(b.p, {random({s, d}), random({s, d}, Range::NonZero)});
  }
}

// Broadcasting and views: expand (stride 0), permute, slice with steps, flip, reshape of views.
TEST_F(JitCpu, ViewsFeedFusedLoops) {
  for (DType d : {f32, i32, bf16, bool_}) {
    SCOPED_TRACE(name(d));
    Builder b;
    int x = b.input({4, 5, 6}, d), col = b.input({4, 1, 6}, d), big = b.input({9, 12, 8}, d);
    const Prim combine = d == bool_ ? Prim::equal : Prim::add;
    // expand + permute + flip + slice, all views of the inputs
    int e = b.op(Prim::expand, ShapeParams{{4, 5, 6}}, {V(col)});
    int pe = b.op(Prim::permute, AxesParams{{2, 0, 1}}, {V(x)});                         // [6, 4, 5]
    int pp = b.op(Prim::permute, AxesParams{{2, 0, 1}}, {V(b.bin(combine, x, e))});      // [6, 4, 5]
    b.output(b.bin(combine, pe, pp));
    int sl = b.op(Prim::slice, SliceParams{{1, 0, 2}, {9, 12, 8}, {2, 3, 2}}, {V(big)});  // [4, 4, 3]
    int fl = b.op(Prim::flip, AxesParams{{0, 2}}, {V(sl)});
    int sx = b.op(Prim::slice, SliceParams{{0, 1, 0}, {4, 5, 6}, {1, 1, 2}}, {V(x)});     // [4, 4, 3]
    b.output(b.bin(combine, fl, sx));
    // reshape of a permuted value cannot be a view: stored first, then viewed
    int rp = b.op(Prim::reshape, ShapeParams{{6, 20}}, {V(pe)});
    int rx = b.op(Prim::reshape, ShapeParams{{6, 20}}, {V(b.op(Prim::reshape, ShapeParams{{120}}, {V(x)}))});
    b.output(b.bin(combine, rp, rx));
    // reshape that splits and merges dims of a sliced view (expressible with strides)
    int s2 = b.op(Prim::slice, SliceParams{{0, 0, 0}, {9, 12, 8}, {3, 1, 1}}, {V(big)});  // [3, 12, 8]
    b.output(b.op(Prim::reshape, ShapeParams{{3, 4, 3, 2, 4}}, {V(s2)}));
    // output that is just a view of an input: copied
    b.output(fl);
    expect_matches_eager(b.p, {random({{4, 5, 6}, d}), random({{4, 1, 6}, d}), random({{9, 12, 8}, d})});
  }
}

// Movement ops applied to fused expressions (not just to inputs): pushed into the leaves, or the
// expression stored first (expensive expand, inexpressible reshape, slice of an integer division).
TEST_F(JitCpu, MovementOfFusedExpressions) {
  for (DType d : {f32, i32}) {
    SCOPED_TRACE(name(d));
    Builder b;
    int x = b.input({4, 6}, d), y = b.input({4, 6}, d), r = b.input({1, 6}, d);
    int cheap = b.bin(Prim::add, x, y);
    int costly = is_floating(d) ? b.un(Prim::exp, b.bin(Prim::mul, x, y)) : b.bin(Prim::pow, x, y);
    int quotient = b.bin(Prim::div, x, y);
    int row = b.bin(Prim::mul, r, r);
    b.output(b.op(Prim::permute, AxesParams{{1, 0}}, {V(cheap)}));
    b.output(b.op(Prim::flip, AxesParams{{1}}, {V(costly)}));
    b.output(b.op(Prim::slice, SliceParams{{1, 1}, {4, 6}, {2, 2}}, {V(costly)}));
    b.output(b.op(Prim::slice, SliceParams{{1, 0}, {3, 6}, {1, 3}}, {V(quotient)}));
    b.output(b.op(Prim::reshape, ShapeParams{{2, 2, 3, 2}}, {V(costly)}));
    b.output(b.op(Prim::reshape, ShapeParams{{24}}, {V(b.op(Prim::permute, AxesParams{{1, 0}}, {V(cheap)}))}));
    b.output(b.op(Prim::expand, ShapeParams{{4, 6}}, {V(row)}));  // cheap: recomputed per row
    int costly_row = is_floating(d) ? b.un(Prim::sin, r) : b.bin(Prim::pow, r, r);
    int e = b.op(Prim::expand, ShapeParams{{4, 6}}, {V(costly_row)});  // stored once, then broadcast
    b.output(b.bin(Prim::add, e, b.un(Prim::stop_gradient, x)));
    b.output(b.op(Prim::sum, AxesParams{{0}}, {V(b.op(Prim::permute, AxesParams{{1, 0}}, {V(costly)}))}));
    expect_matches_eager(b.p, {random({{4, 6}, d}), random({{4, 6}, d}, Range::NonZero), random({{1, 6}, d})},
                         is_integral(d));
  }
}

// sum and max over first / middle / last / several / all axes, of fused expressions and views,
// small (serial) and large (threaded partials, accumulate-into-output) shapes.
TEST_F(JitCpu, ReductionsOverEveryAxisSet) {
  const std::vector<Axes> axes_sets = {{0}, {1}, {2}, {0, 2}, {0, 1}, {1, 2}, {0, 1, 2}};
  for (const Shape& s : {Shape{3, 4, 5}, Shape{64, 33, 40}, Shape{2, 1, 70000}}) {
    SCOPED_TRACE(to_string(s));
    Builder b;
    std::vector<Tensor> in;
    for (DType d : {f32, f64, i32, u8, bool_, f16, bf16}) {
      int x = b.input(s, d), y = b.input(s, d);
      in.push_back(random({s, d}));
      in.push_back(random({s, d}));
      int fused = d == bool_ ? b.bin(Prim::greater, x, y) : b.bin(Prim::mul, b.bin(Prim::add, x, y), y);
      int perm = b.op(Prim::permute, AxesParams{{1, 2, 0}}, {V(x)});
      for (const Axes& ax : axes_sets) {
        for (Prim r : {Prim::sum, Prim::max}) {
          b.output(b.op(r, AxesParams{ax}, {V(fused)}));
          b.output(b.op(r, AxesParams{ax}, {V(perm)}));
        }
      }
    }
    expect_matches_eager(b.p, in, false);
  }
}

TEST_F(JitCpu, ReductionEdgeCases) {
  Builder b;
  int e = b.input({0, 5}, f32), x = b.input({200, 100}, f32), n = b.input({7, 3}, f32);
  b.output(b.op(Prim::sum, AxesParams{{0}}, {V(e)}));                  // sum over an empty axis: zeros
  b.output(b.op(Prim::sum, AxesParams{{1}}, {V(e)}));                  // empty output
  b.output(b.op(Prim::sum, AxesParams{{0}}, {V(x)}));                  // rows into the output
  b.output(b.op(Prim::sum, AxesParams{{}}, {V(x)}));                   // no axes: identity
  b.output(b.op(Prim::max, AxesParams{{1}}, {V(n)}));                  // NaN propagates
  b.output(b.op(Prim::max, AxesParams{{0, 1}}, {V(n)}));
  Tensor nan_in = random({{7, 3}, f32});
  std::vector<float> v = nan_in.to_vector<float>();
  v[4] = NAN;
  nan_in = from_bytes(v.data(), {7, 3}, f32);
  auto exe = compile(b.p);
  std::vector<Tensor> in = {random({{0, 5}, f32}), random({{200, 100}, f32}), nan_in};
  auto got = exe->run(in);
  auto want = eager(b.p, in);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(close(got[i], want[i], 1e-5)) << "output " << i;
  EXPECT_TRUE(std::isnan(got[4].to_vector<float>()[1]));
  EXPECT_TRUE(std::isnan(got[5].item<float>()));
}

// A value with two expensive consumers is stored once; a cheap one is recomputed. Either way the
// results are those of eager mode.
TEST_F(JitCpu, SharedIntermediates) {
  Builder b;
  int x = b.input({128, 300}, f32);
  int ex = b.un(Prim::exp, x);                       // expensive, 3 consumers
  int cheap = b.bin(Prim::add, x, x);                // cheap, 2 consumers
  b.output(b.op(Prim::sum, AxesParams{{1}}, {V(ex)}));
  b.output(b.op(Prim::max, AxesParams{{0}}, {V(ex)}));
  b.output(b.bin(Prim::mul, ex, cheap));
  b.output(b.op(Prim::sum, AxesParams{{0, 1}}, {V(cheap)}));
  auto exe = compile(b.p);
  // exp is computed by one kernel only
  const std::string code = exe->code();
  size_t count = 0;
  for (size_t at = code.find("scalar::exp<"); at != std::string::npos; at = code.find("scalar::exp<", at + 1)) ++count;
  EXPECT_EQ(count, 1u) << code;
  expect_matches_eager(b.p, {random({{128, 300}, f32})}, false);
}

TEST_F(JitCpu, PadAndCatOfFusedValues) {
  for (DType d : {f32, i8, bool_, f16}) {
    SCOPED_TRACE(name(d));
    Builder b;
    int x = b.input({3, 4}, d), y = b.input({3, 2}, d), z = b.input({3, 5}, d);
    const Prim combine = d == bool_ ? Prim::less : Prim::mul;
    int fx = b.bin(combine, x, x);
    b.output(b.op(Prim::pad, PadParams{{1, 0}, {2, 3}, {1, 2}, Scalar(7)}, {V(fx)}));
    b.output(b.op(Prim::pad, PadParams{{0, 0}, {0, 0}, {0, 0}, Scalar(0)}, {V(x)}));
    int py = b.op(Prim::permute, AxesParams{{1, 0}}, {V(b.op(Prim::permute, AxesParams{{1, 0}}, {V(y)}))});
    b.output(b.op(Prim::cat, AxisParams{1}, {V(fx), V(py), V(b.bin(combine, z, z))}));
    b.output(b.op(Prim::cat, AxisParams{0}, {V(x), V(x)}));
    expect_matches_eager(b.p, {random({{3, 4}, d}), random({{3, 2}, d}), random({{3, 5}, d})});
  }
}

TEST_F(JitCpu, InitAndRandomPrimitives) {
  Builder b;
  int key = b.input({2}, u32), counts = b.input({7}, u32);
  b.output(b.op(Prim::full, FullParams{{3, 4}, f16, Scalar(1.5)}, {}));
  b.output(b.op(Prim::full, FullParams{{5}, i8, Scalar(300)}, {}));  // saturates like cast
  b.output(b.op(Prim::arange, ArangeParams{10, Scalar(3), Scalar(-2), i32}, {}));
  b.output(b.op(Prim::arange, ArangeParams{9, Scalar(0.5), Scalar(0.25), f32}, {}));
  b.output(b.op(Prim::arange, ArangeParams{6, Scalar(1), Scalar(0.5), i64}, {}));
  b.output(b.op(Prim::threefry, NoParams{}, {V(key), V(counts)}));
  b.output(b.op(Prim::threefry, NoParams{}, {V(key), V(b.op(Prim::arange, ArangeParams{100000, Scalar(0), Scalar(1), u32}, {}))}));
  expect_matches_eager(b.p, {random({{2}, u32}), random({{7}, u32})});
}

TEST_F(JitCpu, MatmulWithTransposedViews) {
  for (DType d : {f32, f64, i32, f16, bf16, u8}) {
    SCOPED_TRACE(name(d));
    Builder b;
    int a = b.input({5, 7}, d), w = b.input({7, 3}, d), at = b.input({7, 5}, d), wt = b.input({3, 7}, d);
    int ba = b.input({4, 5, 7}, d), bw = b.input({4, 3, 7}, d);
    b.output(b.bin(Prim::matmul, a, w));
    int a_t = b.op(Prim::permute, AxesParams{{1, 0}}, {V(at)});  // a^T view: CblasTrans
    int w_t = b.op(Prim::permute, AxesParams{{1, 0}}, {V(wt)});
    b.output(b.bin(Prim::matmul, a_t, w_t));
    int bw_t = b.op(Prim::permute, AxesParams{{0, 2, 1}}, {V(bw)});
    b.output(b.bin(Prim::matmul, ba, bw_t));
    // operands that must be stored first: a fused product and a flipped view
    b.output(b.bin(Prim::matmul, b.bin(Prim::add, a, a), b.op(Prim::flip, AxesParams{{0}}, {V(w)})));
    // a column slice (leading dimension larger than the width) and a broadcast batch
    int sl = b.op(Prim::slice, SliceParams{{0, 1}, {7, 5}, {1, 1}}, {V(at)});  // [7, 4]
    b.output(b.bin(Prim::matmul, a, b.op(Prim::reshape, ShapeParams{{7, 4}}, {V(sl)})));
    int ex = b.op(Prim::expand, ShapeParams{{4, 7, 3}}, {V(b.op(Prim::reshape, ShapeParams{{1, 7, 3}}, {V(w)}))});
    b.output(b.bin(Prim::matmul, ba, ex));
    const std::vector<Tensor> in = {random({{5, 7}, d}), random({{7, 3}, d}), random({{7, 5}, d}),
                                    random({{3, 7}, d}), random({{4, 5, 7}, d}), random({{4, 3, 7}, d})};
    expect_matches_eager(b.p, in, false);
    if (d == f32) {
      const std::string code = compile(b.p)->code();
      EXPECT_NE(code.find("gemm<float>(true, true"), std::string::npos) << code;
      EXPECT_NE(code.find("gemm<float>(false, true"), std::string::npos) << code;
    }
  }
}

// Empty and size-1 dims: zero-filled products, no BLAS call on an empty matrix.
TEST_F(JitCpu, MatmulEmptyAndUnitDims) {
  Builder b;
  int a = b.input({5, 0}, f32), c = b.input({0, 3}, f32), d = b.input({0, 4}, f32), e = b.input({4, 1}, f32);
  int f = b.input({1, 4}, f32), g = b.input({2, 0, 4}, f32);
  b.output(b.bin(Prim::matmul, a, c));                                               // k = 0: zeros
  b.output(b.bin(Prim::matmul, d, e));                                               // m = 0
  b.output(b.bin(Prim::matmul, e, f));                                               // outer product
  b.output(b.bin(Prim::matmul, f, e));                                               // dot
  b.output(b.bin(Prim::matmul, b.op(Prim::permute, AxesParams{{1, 0}}, {V(f)}), f));  // transposed row
  b.output(b.bin(Prim::matmul, g, b.op(Prim::expand, ShapeParams{{2, 4, 1}}, {V(b.op(Prim::reshape, ShapeParams{{1, 4, 1}}, {V(e)}))})));
  expect_matches_eager(b.p, {random({{5, 0}, f32}), random({{0, 3}, f32}), random({{0, 4}, f32}), random({{4, 1}, f32}),
                             random({{1, 4}, f32}), random({{2, 0, 4}, f32})},
                       false);
}

TEST_F(JitCpu, Conv) {
  struct Case {
    Shape x, w;
    ConvParams p;
  };
  const Case cases[] = {
      {{2, 3, 17}, {4, 3, 3}, {{2}, {1}, {1}, {2}, 1}},
      {{2, 4, 9, 8}, {6, 2, 3, 2}, {{1, 2}, {2, 1}, {1, 0}, {2, 1}, 2}},
      {{1, 2, 5, 6, 4}, {3, 2, 2, 3, 1}, {{1, 1, 2}, {1, 1, 1}, {0, 1, 0}, {1, 1, 0}, 1}},
  };
  for (DType d : {f32, f64, i32, f16}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(name(d)) + " " + to_string(c.x));
      Builder b;
      int x = b.input(c.x, d), w = b.input(c.w, d);
      b.output(b.op(Prim::conv, c.p, {V(b.bin(Prim::mul, x, x)), V(w)}));
      expect_matches_eager(b.p, {random({c.x, d}), random({c.w, d})}, false);
    }
  }
}

TEST_F(JitCpu, GatherAndScatterAdd) {
  for (DType d : {f32, i64, bool_, bf16}) {
    for (DType id : {i32, i64, u8}) {
      SCOPED_TRACE(std::string(name(d)) + " idx " + name(id));
      Builder b;
      int x = b.input({4, 6, 3}, d), idx = b.input({2, 5}, id), upd = b.input({4, 2, 5, 3}, d);
      b.output(b.op(Prim::gather, AxisParams{1}, {V(x), V(idx)}));
      b.output(b.op(Prim::gather, AxisParams{0}, {V(b.op(Prim::permute, AxesParams{{1, 0, 2}}, {V(x)})), V(idx)}));
      if (d != bool_) b.output(b.op(Prim::scatter_add, AxisParams{1}, {V(x), V(idx), V(upd)}));
      expect_matches_eager(b.p, {random({{4, 6, 3}, d}), random({{2, 5}, id}, Range::Index, 4), random({{4, 2, 5, 3}, d})},
                           d != bf16);
    }
  }
}

// argsort in every dtype, along each axis, both orders, of a stored input and of a fused
// expression, bit for bit like eager (the shared row sort, sort_rows.h); one large case threads.
TEST_F(JitCpu, ArgsortEveryDTypeAndAxis) {
  Builder b;
  std::vector<Tensor> in;
  for (DType d : kAll) {
    int x = b.input({4, 6, 5}, d);
    in.push_back(random({{4, 6, 5}, d}));
    for (int64_t axis : {0, 1, 2})
      for (bool descending : {false, true}) b.output(b.op(Prim::argsort, SortParams{axis, descending}, {V(x)}));
    if (d != bool_) b.output(b.op(Prim::argsort, SortParams{1, true}, {V(b.bin(Prim::mul, x, x))}));  // ties of +-v
  }
  int big = b.input({64, 3000}, f32), empty = b.input({3, 0}, f64);
  in.push_back(random({{64, 3000}, f32}));
  in.push_back(random({{3, 0}, f64}));
  b.output(b.op(Prim::argsort, SortParams{1, false}, {V(big)}));
  b.output(b.op(Prim::argsort, SortParams{0, true}, {V(big)}));
  b.output(b.op(Prim::argsort, SortParams{1, false}, {V(empty)}));
  expect_matches_eager(b.p, in);
}

// Data-dependent errors: raised like eager mode's (naming the op), never an out-of-bounds access.
TEST_F(JitCpu, IndexAndDivisionErrors) {
  Builder b;
  int x = b.input({4, 3}, f32), idx = b.input({5}, i32);
  b.output(b.op(Prim::gather, AxisParams{0}, {V(x), V(idx)}));
  auto gather_exe = compile(b.p);
  Builder s;
  int sx = s.input({4, 3}, f32), sidx = s.input({5}, i32), supd = s.input({5, 3}, f32);
  s.output(s.op(Prim::scatter_add, AxisParams{0}, {V(sx), V(sidx), V(supd)}));
  auto scatter_exe = compile(s.p);
  Tensor xs = random({{4, 3}, f32}), us = random({{5, 3}, f32});
  for (int bad : {4, -1, 1000000}) {
    Tensor ix = tensor(std::vector<int32_t>{0, 1, bad, 2, 3}, {5}, i32);
    try {
      gather_exe->run(std::vector<Tensor>{xs, ix});
      ADD_FAILURE() << "gather with index " << bad << " did not throw";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("[gather] index"), std::string::npos) << e.what();
    }
    EXPECT_THROW(scatter_exe->run(std::vector<Tensor>{xs, ix, us}), Error);
  }
  // integer division by zero, also when the divisor is a fused expression
  Builder dv;
  int a = dv.input({1000}, i32), c = dv.input({1000}, i32);
  dv.output(dv.bin(Prim::div, a, dv.bin(Prim::sub, c, dv.scalar(1, i32, {1000}))));
  auto div_exe = compile(dv.p);
  Tensor num = random({{1000}, i32});
  Tensor ok = full({1000}, 3, i32), zero_at = ok;
  std::vector<int32_t> z = ok.to_vector<int32_t>();
  z[777] = 1;
  zero_at = tensor(z, {1000}, i32);
  EXPECT_TRUE(same_bytes(div_exe->run(std::vector<Tensor>{num, ok})[0], eager(dv.p, {num, ok})[0]));
  try {
    div_exe->run(std::vector<Tensor>{num, zero_at});
    ADD_FAILURE() << "integer division by zero did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[div] integer division by zero"), std::string::npos) << e.what();
  }
  EXPECT_THROW(eager(dv.p, {num, zero_at}), Error);
  // wrong input types are rejected before any code runs
  EXPECT_THROW(div_exe->run(std::vector<Tensor>{num}), Error);
  EXPECT_THROW(div_exe->run(std::vector<Tensor>{num, full({1000}, 1.0f)}), Error);
}

// Loops big enough for threads, in each shape the generator splits: flattened outer loops, an
// integer-division check raised from inside a share, and products cut into row or column blocks
// (gemm_split.h) with transposed operands.
TEST_F(JitCpu, ThreadedLoopsAndSplitProducts) {
  Builder b;
  int x = b.input({3, 7, 9000}, f32), i = b.input({300, 500}, i32), j = b.input({300, 500}, i32);
  // a permuted operand keeps the nest 3 deep; its 7 x 3 outer loops are flattened into one range
  int xp = b.op(Prim::permute, AxesParams{{1, 0, 2}}, {V(x)});
  b.output(b.bin(Prim::mul, b.un(Prim::exp, xp), xp));
  b.output(b.bin(Prim::div, i, j));
  b.output(b.op(Prim::sum, AxesParams{{0, 1}}, {V(b.bin(Prim::div, i, j))}));
  const Tensor xs = random({{3, 7, 9000}, f32}), is = random({{300, 500}, i32});
  Tensor js = random({{300, 500}, i32}, Range::NonZero);
  expect_matches_eager(b.p, {xs, is, js});
  // a zero divisor late in the range (another thread's share) is still reported
  std::vector<int32_t> jv = js.to_vector<int32_t>();
  jv[149'999] = 0;
  auto exe = compile(b.p);
  try {
    exe->run(std::vector<Tensor>{xs, is, tensor(jv, {300, 500}, i32)});
    ADD_FAILURE() << "integer division by zero in a threaded loop did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[div] integer division by zero"), std::string::npos) << e.what();
  }
  for (DType d : {f32, f64}) {
    SCOPED_TRACE(name(d));
    Builder m;
    int at = m.input({300, 203}, d), w = m.input({300, 37}, d), u = m.input({37, 300}, d), wt = m.input({203, 300}, d);
    m.output(m.bin(Prim::matmul, m.op(Prim::permute, AxesParams{{1, 0}}, {V(at)}), w));  // 203 x 37: row blocks
    m.output(m.bin(Prim::matmul, u, m.op(Prim::permute, AxesParams{{1, 0}}, {V(wt)})));  // 37 x 203: column blocks
    const std::vector<Tensor> in = {random({{300, 203}, d}), random({{300, 37}, d}), random({{37, 300}, d}),
                                    random({{203, 300}, d})};
    expect_matches_eager(m.p, in, false);
    const std::string code = compile(m.p)->code();
    EXPECT_NE(code.find("gemm<" + std::string(d == f32 ? "float" : "double") + ">(true, false"), std::string::npos);
    EXPECT_NE(code.find("gemm<" + std::string(d == f32 ? "float" : "double") + ">(false, true"), std::string::npos);
  }
}

// Floating arange and linspace with steps binary floats cannot represent: start + i * step is
// rounded twice (never one FMA) by the eager kernels of both backends and by generated code, since
// the library and the code it generates share one contraction policy (-ffp-contract=off). With an
// FMA in eager mode only, f64 0.1 + 3 * 0.3 was 1.0 there and 0.9999999999999999 under jit.
TEST_F(JitCpu, ArangeAndLinspaceBitExactWithEager) {
  auto make = [] {
    return std::vector<Tensor>{arange(0.1, 100.0, 0.3, f64),  arange(0.1, 100.0, 0.3, f32),
                               arange(-3.7, 2.9, 0.1, f64),   arange(0.3, -7.0, -0.7, f32),
                               arange(0.1, 30.0, 0.3, bf16),  linspace(0.1, 1.3, 1001, f64),
                               linspace(-0.7, 0.3, 333, f32), linspace(0.1, 2.9, 77, f16)};
  };
  std::vector<Tensor> cpu, ref;
  {
    BackendScope s("cpu");
    cpu = make();
  }
  {
    BackendScope s("reference");
    ref = make();
  }
  auto jitted = jit(make, "aranges");
  const std::vector<Tensor> got = jitted();
  EXPECT_FALSE(jitted.lower().code().empty());
  ASSERT_EQ(got.size(), cpu.size());
  EXPECT_EQ(cpu[0].to_vector<double>()[3], 0.99999999999999989);  // 0.1 + 0.8999999999999999, rounded
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(same_bytes(got[i], cpu[i])) << "output " << i << ": jit\n" << got[i].str() << "\neager\n" << cpu[i].str();
    EXPECT_TRUE(same_bytes(ref[i], cpu[i])) << "output " << i << ": reference\n" << ref[i].str() << "\ncpu\n" << cpu[i].str();
  }
}

// Stored values of one shape share one loop (codegen_stores.cpp), later ones reading the earlier
// ones from registers: floats, a bool mask and an integer division (checked inside the shared
// loop) in one group; a read of a group's value through a transpose starts a new loop. Serial
// and threaded sizes; bits equal to eager mode's.
TEST_F(JitCpu, StoresOfOneShapeShareALoop) {
  for (int64_t n : {7, 700}) {
    SCOPED_TRACE(n);
    const Shape s{n, n};
    Builder b;
    int x = b.input(s, f32), i = b.input(s, i32), j = b.input(s, i32);
    int a = b.un(Prim::exp, x);                    // three consumers: stored
    int c = b.bin(Prim::mul, b.un(Prim::sin, a), a);  // reads `a` in place
    int m = b.bin(Prim::less, c, x);               // a bool, two consumers
    int q = b.bin(Prim::div, i, j);                // an integer division, two consumers
    int t = b.bin(Prim::add, b.op(Prim::permute, AxesParams{{1, 0}}, {V(c)}), a);  // c through a transpose
    b.output(b.op(Prim::where, NoParams{}, {V(m), V(t), V(a)}));
    b.output(b.op(Prim::cast, CastParams{f32}, {V(q)}));
    b.output(b.op(Prim::sum, AxesParams{{0}}, {V(b.bin(Prim::mul, t, t))}));
    b.output(b.op(Prim::where, NoParams{}, {V(m), V(q), V(i)}));
    b.output(b.un(Prim::logical_not, m));
    b.output(b.bin(Prim::mul, c, t));
    const std::vector<Tensor> in = {random({s, f32}), random({s, i32}), random({s, i32}, Range::NonZero)};
    expect_matches_eager(b.p, in, false);
    auto exe = compile(b.p);
    EXPECT_NE(exe->code().find(" values of [" + std::to_string(n) + ", " + std::to_string(n) + "]"), std::string::npos)
        << exe->code();
    std::vector<int32_t> jz = in[2].to_vector<int32_t>();
    jz[numel(s) - 1] = 0;
    try {
      exe->run(std::vector<Tensor>{in[0], in[1], tensor(jz, s, i32)});
      ADD_FAILURE() << "integer division by zero did not throw";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("[div] integer division by zero"), std::string::npos) << e.what();
    }
  }
}

// Outputs that alias inputs, constants, views or each other are copies; constants of every size.
TEST_F(JitCpu, OutputsAndConstants) {
  Builder b;
  int x = b.input({3, 4}, f32);
  Tensor big = random({{3, 4}, f32}), one = tensor(2.5f);
  int y = b.bin(Prim::add, x, b.op(Prim::reshape, ShapeParams{{3, 4}}, {C(big)}));
  b.output(y);
  b.output(y);
  b.output(x);
  b.p.outputs.push_back(C(big));
  b.p.outputs.push_back(C(one));
  b.output(b.op(Prim::permute, AxesParams{{1, 0}}, {V(y)}));
  b.output(b.op(Prim::reshape, ShapeParams{{12}}, {V(y)}));
  b.output(b.op(Prim::sum, AxesParams{{0}}, {V(b.op(Prim::expand, ShapeParams{{3, 4}}, {V(b.op(Prim::reshape, ShapeParams{{1, 1}}, {C(one)}))}))}));
  Tensor in = random({{3, 4}, f32});
  expect_matches_eager(b.p, {in});
  auto got = compile(b.p)->run(std::vector<Tensor>{in});
  EXPECT_NE(got[0].data(), got[1].data());
  EXPECT_NE(got[2].data(), in.data());
}

// 5,000 dependent ops: planning and emission never recurse.
TEST_F(JitCpu, LongChain) {
  Builder b;
  int x = b.input({8}, f32);
  int v = x;
  for (int i = 0; i < 5000; ++i) v = b.bin(i % 2 ? Prim::add : Prim::mul, v, x);
  b.output(b.op(Prim::sum, AxesParams{{0}}, {V(v)}));
  Tensor in = full({8}, 0.5f);
  auto exe = compile(b.p);
  // compiled, not the interpreter fallback, with whichever compiler runs the tests (CI: g++, clang++)
  EXPECT_FALSE(exe->code().empty());
  EXPECT_TRUE(close(exe->run(std::vector<Tensor>{in})[0], eager(b.p, {in})[0], 1e-5));
}

TEST_F(JitCpu, TwoThreadsShareOneExecutable) {
  Builder b;
  int x = b.input({512, 300}, f32), w = b.input({300, 64}, f32);
  int h = b.un(Prim::tanh, b.bin(Prim::matmul, x, w));
  b.output(b.op(Prim::sum, AxesParams{{1}}, {V(b.bin(Prim::mul, h, h))}));
  b.output(h);
  auto exe = compile(b.p);
  std::vector<Tensor> in1 = {random({{512, 300}, f32}), random({{300, 64}, f32})};
  std::vector<Tensor> in2 = {random({{512, 300}, f32}), random({{300, 64}, f32})};
  auto want1 = exe->run(in1), want2 = exe->run(in2);
  std::atomic<int> mismatches{0};
  auto work = [&](const std::vector<Tensor>& in, const std::vector<Tensor>& want) {
    for (int i = 0; i < 20; ++i) {
      auto got = exe->run(in);
      for (size_t k = 0; k < got.size(); ++k)
        if (!same_bytes(got[k], want[k])) ++mismatches;
    }
  };
  std::thread t1(work, std::cref(in1), std::cref(want1)), t2(work, std::cref(in2), std::cref(want2));
  t1.join();
  t2.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// A compiler that fails: its message reaches stderr and the program still runs, interpreted.
TEST_F(JitCpu, CompilerFailureFallsBackToInterpreter) {
  char tmpl[] = "/tmp/slope_jit_fail_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const char* old_cxx = std::getenv("SLOPE_CXX");
  const std::string saved_cxx = old_cxx ? old_cxx : "";
  const std::string saved_cache = std::getenv("SLOPE_CACHE_DIR") ? std::getenv("SLOPE_CACHE_DIR") : "";
  setenv("SLOPE_CXX", "/bin/false", 1);
  setenv("SLOPE_CACHE_DIR", tmpl, 1);
  slope_test::EnvGuard lenient("SLOPE_JIT_STRICT", std::nullopt);  // this test is about the fallback
  Builder b;
  int x = b.input({5}, f32);
  b.output(b.un(Prim::sin, b.bin(Prim::mul, x, x)));
  ::testing::internal::CaptureStderr();
  auto exe = get_backend("cpu").compile(b.p);
  const std::string err = ::testing::internal::GetCapturedStderr();
  if (old_cxx) setenv("SLOPE_CXX", saved_cxx.c_str(), 1);
  else unsetenv("SLOPE_CXX");
  setenv("SLOPE_CACHE_DIR", saved_cache.c_str(), 1);
  std::error_code ec;
  fs::remove_all(tmpl, ec);
  EXPECT_NE(err.find("compiler"), std::string::npos) << err;
  EXPECT_NE(err.find("interpreter"), std::string::npos) << err;
  EXPECT_TRUE(exe->code().empty());
  Tensor in = random({{5}, f32});
  EXPECT_TRUE(same_bytes(exe->run(std::vector<Tensor>{in})[0], eager(b.p, {in})[0]));
}

// The generated source is plain C++: it compiles without OpenMP (the pragmas are then ignored)
// and without warnings, in every loop form the generator writes.
TEST_F(JitCpu, GeneratedCodeCompilesWithoutOpenMPAndWarnings) {
  if (std::system("c++ --version > /dev/null 2>&1") != 0) SLOPE_SKIP("no c++ compiler on PATH");
  Builder b;
  int x = b.input({64, 33, 40}, f32), i = b.input({300, 500}, i32), idx = b.input({7}, i64);
  int w = b.input({6, 4, 3}, f16);
  b.output(b.op(Prim::sum, AxesParams{{0, 1, 2}}, {V(b.un(Prim::exp, x))}));     // thread partials
  b.output(b.op(Prim::sum, AxesParams{{0, 2}}, {V(x)}));                          // into the output
  b.output(b.op(Prim::max, AxesParams{{2}}, {V(x)}));                             // local accumulator
  b.output(b.bin(Prim::div, i, i));                                               // division check
  b.output(b.op(Prim::gather, AxisParams{0}, {V(x), V(idx)}));
  b.output(b.op(Prim::conv, ConvParams{{1}, {1}, {1}, {1}, 1}, {V(w), V(b.op(Prim::slice, SliceParams{{0, 0, 0}, {4, 4, 3}, {1, 1, 1}}, {V(w)}))}));
  b.output(b.bin(Prim::matmul, x, b.op(Prim::permute, AxesParams{{0, 2, 1}}, {V(x)})));
  const std::string code = compile(b.p)->source();
  char tmpl[] = "/tmp/slope_jit_src_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string file = std::string(tmpl) + "/gen.cpp";
  std::ofstream(file) << code;
  const std::string cmd = "c++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -Wno-unknown-pragmas " + file + " > " +
                          std::string(tmpl) + "/log.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream log(std::string(tmpl) + "/log.txt");
  EXPECT_EQ(rc, 0) << std::string(std::istreambuf_iterator<char>(log), {});
  std::error_code ec;
  fs::remove_all(tmpl, ec);
}

}  // namespace
