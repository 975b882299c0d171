// jit's front-end: staging, the cache and its key, jit composed with every transformation,
// closures, pytrees, inspection, threads. Every compiled result is compared with eager evaluation.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "skip.h"
#include "slope/slope.h"

using namespace slope;

namespace {
void expect_allclose(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  ASSERT_EQ(a.shape(), b.shape());
  ASSERT_EQ(a.dtype(), b.dtype());
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol * (1 + std::abs(y[i]))) << "at " << i;
}
Tensor f(const Tensor& x) { return (x * 2).cos() * 2; }  // 2cos(2x)
Tensor mlp(const Tensor& w, const Tensor& x) { return x.matmul(w).tanh().sum(); }

struct Model {
  Tensor w, b;
  float scale;
};
}  // namespace
SLOPE_PYTREE(Model, w, b, scale)

// Runs every test on each backend: reference compiles by interpreting, cpu generates code.
class JitFront : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { scope_ = std::make_unique<BackendScope>(GetParam()); }
  void TearDown() override { scope_.reset(); }
  std::unique_ptr<BackendScope> scope_;
};

TEST_P(JitFront, MatchesEagerAndCaches) {
  auto jf = jit(f);
  Tensor x = tensor({0.5f, 1.0f, -2.0f});
  expect_allclose(jf(x), f(x));
  expect_allclose(jf(x * 3), f(x * 3));
  EXPECT_EQ(jf.trace_count(), 1u);  // same signature: cached
  Tensor y = tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  expect_allclose(jf(y), f(y));
  EXPECT_EQ(jf.trace_count(), 2u);  // new shape: retraced
  expect_allclose(jf(y.cast(DType::f64)), f(y.cast(DType::f64)));
  EXPECT_EQ(jf.trace_count(), 3u);  // new dtype: retraced
  auto copy = jf;                  // copies share the cache
  copy(y);
  EXPECT_EQ(jf.trace_count(), 3u);
}

TEST_P(JitFront, CosValuesThroughEveryComposition) {
  Tensor x = tensor(3.0f);
  auto jf = jit(f);
  EXPECT_NEAR(jf(x).item<float>(), 1.9203404, 1e-5);
  EXPECT_NEAR(grad(jf)(x).item<float>(), 1.1176620, 1e-5);
  EXPECT_NEAR(jit(grad(f))(x).item<float>(), 1.1176620, 1e-5);
  EXPECT_NEAR(grad(grad(jf))(x).item<float>(), -7.6813617, 1e-4);
  EXPECT_NEAR(jit(grad(grad(f)))(x).item<float>(), -7.6813617, 1e-4);
  EXPECT_NEAR(jit(grad(jit(grad(jf))))(x).item<float>(), -7.6813617, 1e-4);
  EXPECT_NEAR(jit(jit(f))(x).item<float>(), 1.9203404, 1e-5);
  auto [y, t] = jvp(jf, {x}, {ones_like(x)});
  EXPECT_NEAR(y.item<float>(), 1.9203404, 1e-5);
  EXPECT_NEAR(t.item<float>(), 1.1176620, 1e-5);
  auto df = [&](Tensor v) { return grad(jf)(v); };
  auto [g, h] = jvp(df, {x}, {ones_like(x)});  // forward over reverse through jit
  EXPECT_NEAR(g.item<float>(), 1.1176620, 1e-5);
  EXPECT_NEAR(h.item<float>(), -7.6813617, 1e-4);
}

TEST_P(JitFront, GradVmapHessianOfJitMatchEager) {
  Tensor w = random::normal(random::key(1), {4, 3});
  Tensor x = random::normal(random::key(2), {5, 4});
  auto jm = jit(mlp);
  expect_allclose(jm(w, x), mlp(w, x));
  expect_allclose(grad(jm)(w, x), grad(mlp)(w, x));
  expect_allclose(std::get<1>(grad<0, 1>(jm)(w, x)), std::get<1>(grad<0, 1>(mlp)(w, x)));
  expect_allclose(jit(grad(mlp))(w, x), grad(mlp)(w, x));
  // vmap over examples, in both orders, and per-example gradients.
  auto per = [](const Tensor& w, const Tensor& xi) { return xi.matmul(w).tanh().sum(); };
  Tensor eager = vmap(per, {std::nullopt, 0})(w, x);
  expect_allclose(vmap(jit(per), {std::nullopt, 0})(w, x), eager);
  expect_allclose(jit(vmap(per, {std::nullopt, 0}))(w, x), eager);
  expect_allclose(vmap(grad(jit(per)), {std::nullopt, 0})(w, x), vmap(grad(per), {std::nullopt, 0})(w, x));
  expect_allclose(jit(vmap(grad(per), {std::nullopt, 0}))(w, x), vmap(grad(per), {std::nullopt, 0})(w, x));
  // Second order.
  auto g = [](const Tensor& v) { return (v.tanh() * v).sum(); };
  Tensor v = tensor({0.3f, -0.7f, 1.1f});
  expect_allclose(hessian(jit(g))(v), hessian(g)(v), 1e-4);
  expect_allclose(jit(hessian(g))(v), hessian(g)(v), 1e-4);
  expect_allclose(jacrev(jit([](const Tensor& a) { return a.exp() * 2; }))(v), jacrev([](const Tensor& a) { return a.exp() * 2; })(v));
}

TEST_P(JitFront, PytreesAndStaticValuesInTheKey) {
  Model m{random::normal(random::key(3), {3, 2}), zeros({2}), 2.0f};
  Tensor x = random::normal(random::key(4), {4, 3});
  int traces = 0;
  auto step = jit([&](const Model& m, const Tensor& x) {
    ++traces;  // side effects happen at trace time only
    auto loss = [&](const Model& mm) { return ((x.matmul(mm.w) + mm.b) * mm.scale).square().mean(); };
    auto [l, g] = value_and_grad(loss)(m);
    Model next{m.w - g.w * 0.1f, m.b - g.b * 0.1f, m.scale};
    return std::make_tuple(l, next);
  });
  auto [l1, m1] = step(m, x);
  auto [l2, m2] = step(m1, x);
  EXPECT_EQ(traces, 1);
  EXPECT_LT(l2.item<float>(), l1.item<float>());
  EXPECT_EQ(m2.scale, 2.0f);
  // Eager reference for one step.
  auto loss = [&](const Model& mm) { return ((x.matmul(mm.w) + mm.b) * mm.scale).square().mean(); };
  auto [le, ge] = value_and_grad(loss)(m);
  expect_allclose(l1, le);
  expect_allclose(m1.w, m.w - ge.w * 0.1f);
  // A static value is part of the key: a new scale retraces, and is used.
  Model m3 = m;
  m3.scale = 3.0f;
  auto [l3, _] = step(m3, x);
  EXPECT_EQ(traces, 2);
  EXPECT_NEAR(l3.item<float>(), l1.item<float>() * 9.0f / 4.0f, 1e-4 * l3.item<float>());
  Model m4 = m;
  m4.scale = 2.0f + 1e-6f;  // close but different floats are different keys
  step(m4, x);
  EXPECT_EQ(traces, 3);
}

TEST_P(JitFront, ClosuresCaptureConstantsAndOuterTracers) {
  Tensor c = tensor({1.0f, 2.0f, 3.0f});
  auto jf = jit([c](const Tensor& x) { return x * c; });
  expect_allclose(jf(ones({3})), c);
  // A closure over a value of an enclosing grad: the jitted call must see it as an operand.
  auto outer = [](const Tensor& a) {
    auto inner = jit([a](const Tensor& x) { return (x * a).sin().sum(); });
    return inner(a * 2);
  };
  Tensor a = tensor({0.1f, 0.2f});
  expect_allclose(grad(outer)(a), grad([](const Tensor& a) { return (a * 2 * a).sin().sum(); })(a));
}

TEST_P(JitFront, CustomRulesSurviveJit) {
  // A custom_jvp whose rule differs detectably from the true derivative (3t instead of cos x t).
  auto sin3 = custom_jvp([](const Tensor& x) { return x.sin(); },
                         [](const Tensor& x, const Tensor& t) { return std::make_pair(x.sin(), t * 3); });
  auto g = [&](const Tensor& x) { return sin3(x).sum(); };
  Tensor x = tensor({0.5f, 1.5f});
  expect_allclose(grad(jit(g))(x), full({2}, 3.0f));
  expect_allclose(jit(grad(g))(x), full({2}, 3.0f));
  expect_allclose(jit(g)(x), g(x));
}

TEST_P(JitFront, IntegerAndBoolOperandsAndOutputs) {
  auto h = [](const Tensor& x, const Tensor& idx) {
    Tensor y = index_select(x, 0, idx) * 2;  // float output depends on an integer operand
    return std::make_tuple(y.sum(), idx + 1, y > 0.0f);
  };
  Tensor x = tensor({1.0f, -2.0f, 3.0f});
  Tensor idx = tensor(std::vector<int64_t>{2, 0, 2}, {3});
  auto [s, i1, pos] = jit(h)(x, idx);
  auto [se, ie, pe] = h(x, idx);
  expect_allclose(s, se);
  EXPECT_EQ(i1.to_vector<int64_t>(), ie.to_vector<int64_t>());
  EXPECT_EQ(pos.to_vector<bool>(), pe.to_vector<bool>());
  auto loss = [&](const Tensor& x) { return std::get<0>(jit(h)(x, idx)); };
  expect_allclose(grad(loss)(x), tensor({2.0f, 0.0f, 4.0f}));
}

TEST_P(JitFront, LoweredShowsProgramAndDot) {
  auto jf = jit([](const Tensor& x) { return (x * 2 + 1).tanh() * x; }, "fused");
  auto low = jf.lower(ones({8}));
  std::string text = low.program().str();
  EXPECT_NE(text.find("tanh"), std::string::npos) << text;
  EXPECT_NE(text.find("[8, f32]"), std::string::npos) << text;
  EXPECT_NE(low.dot().find("digraph"), std::string::npos);
  EXPECT_NE(low.traced().str().find("mul"), std::string::npos);
  if (GetParam() == "reference") {
    EXPECT_EQ(low.code(), "");  // interprets: no generated code
    EXPECT_EQ(low.source(), "");
  } else {
    EXPECT_NE(low.code().find("extern \"C\" int slope_fused_compute("), std::string::npos) << low.code();
    EXPECT_NE(low.code().find("slope::scalar::tanh<float>"), std::string::npos);
  }
}

// code() is the program's own code: its kernels and entry point, not the ~30 KB preamble every
// program shares (x * x once showed 29.6 KB, ~670 lines of preamble before a 20-line kernel).
// source() is the whole translation unit, ending with code().
TEST_P(JitFront, CodeShowsTheProgramSourceTheWholeUnit) {
  auto square = jit([](const Tensor& x) { return x * x; }, "square");
  auto low = square.lower(ones({8}));
  const std::string code = low.code(), source = low.source();
  if (GetParam() == "reference") {  // the reference backend interprets: it has no code to show
    EXPECT_EQ(code, "");
    EXPECT_EQ(source, "");
    return;
  }
  EXPECT_LT(code.size(), 3000u) << code;
  EXPECT_NE(code.find("slope::scalar::mul<float>(v0, v0)"), std::string::npos) << code;
  EXPECT_NE(code.find("extern \"C\" int slope_square_compute("), std::string::npos) << code;
  for (const char* preamble : {"namespace slope", "cblas_sgemm", "#include"})
    EXPECT_EQ(code.find(preamble), std::string::npos) << preamble << " in\n" << code;
  ASSERT_GT(source.size(), code.size());
  EXPECT_EQ(source.compare(source.size() - code.size(), code.size(), code), 0);
  EXPECT_NE(source.find("namespace slope"), std::string::npos);
  EXPECT_NE(source.find("def square(x0)"), std::string::npos);
}

// One name everywhere: the jit object's, printed after `def`, in the entry point slope_<name>_,
// in SLOPE_LOG_JIT's report, in dot(); an unnamed jit is named after where it was made.
TEST_P(JitFront, OneNameEverywhere) {
  auto named = jit([](const Tensor& x) { return x.exp(); }, "soft_step");
  auto low = named.lower(ones({3}));
  EXPECT_EQ(named.name(), "soft_step");
  EXPECT_EQ(low.name(), "soft_step");
  EXPECT_EQ(low.program().str().rfind("def soft_step(x0)", 0), 0u) << low.program();
  EXPECT_EQ(low.traced().str().rfind("def soft_step(x0)", 0), 0u);
  EXPECT_NE(low.dot().find("digraph \"soft_step\""), std::string::npos) << low.dot();
  if (GetParam() == "cpu") {
    EXPECT_NE(low.code().find("slope_soft_step_compute"), std::string::npos);
  }
  auto unnamed = jit([](const Tensor& x) { return x.exp(); });
  EXPECT_EQ(unnamed.name(), "jit_test_jit_" + std::to_string(__LINE__ - 1));
  EXPECT_EQ(unnamed.lower(ones({3})).program().str().rfind("def " + unnamed.name() + "(x0)", 0), 0u);
  EXPECT_EQ(SLOPE_JIT(f).name(), "f");
  EXPECT_EQ(SLOPE_JIT(::f).name(), "f");
  auto copy = named;  // copies share the cache and the name
  EXPECT_EQ(copy.name(), "soft_step");
  // derived programs (jvp, transpose, vmap) carry the name too
  setenv("SLOPE_LOG_JIT", "1", 1);
  ::testing::internal::CaptureStderr();
  grad([&](const Tensor& x) { return named(x).sum(); })(ones({3}));
  std::string log = ::testing::internal::GetCapturedStderr();
  unsetenv("SLOPE_LOG_JIT");
  EXPECT_NE(log.find("def soft_step_fwd(x0)"), std::string::npos) << log;
  EXPECT_NE(log.find("def soft_step_lin_T("), std::string::npos) << log;
}

TEST_P(JitFront, InvalidNamesAreErrors) {
  auto id = [](const Tensor& x) { return x; };
  for (const char* bad : {"two words", "1st", "_hidden", "trailing_", "dunder__x", "semi;colon", "caf\xc3\xa9"}) {
    try {
      jit(id, bad);
      ADD_FAILURE() << "jit accepted the name \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string("[jit] the name \"") + bad + "\" is not a valid program name", 0), 0u)
          << e.what();
    }
  }
  EXPECT_THROW(jit(id, std::string(129, 'n')), Error);
  // The longest name is valid, and so are the longer names of its derived programs (grad's
  // <name>_fwd, <name>_lin_T): they compile, never falling back to the interpreter.
  auto longest = jit([](const Tensor& x) { return x.sin(); }, std::string(128, 'n'));
  ::testing::internal::CaptureStderr();
  Tensor g = grad([&](const Tensor& x) { return longest(x).sum(); })(tensor({0.5f}));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(log.find("[jit]"), std::string::npos) << log;
  EXPECT_NEAR(g.item<float>(), std::cos(0.5f), 1e-6);
  EXPECT_NO_THROW(jit(id, "main"));  // prefixed in generated code: collides with nothing
  EXPECT_THROW(SLOPE_JIT([](const Tensor& x) { return x; }), Error);
}

TEST_P(JitFront, TwoThreadsCallOneJittedFunction) {
  auto jm = jit(mlp);
  Tensor w = random::normal(random::key(5), {16, 8});
  Tensor x = random::normal(random::key(6), {32, 16});
  Tensor expect = mlp(w, x);
  std::string backend = GetParam();
  std::vector<double> got(2 * 20);
  auto work = [&](int id) {
    BackendScope s(backend);  // the backend override is per thread
    for (int k = 0; k < 20; ++k) got[id * 20 + k] = jm(w, x).item<double>();
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  for (double g : got) EXPECT_NEAR(g, expect.item<double>(), 1e-4 * std::abs(expect.item<double>()));
}

TEST_P(JitFront, GlobalGeneratorRefusedExplicitKeysWork) {
  auto noisy = jit([](const Tensor& x) { return x + rand({3}); });
  EXPECT_THROW(noisy(ones({3})), Error);
  auto keyed = jit([](const Tensor& x, const Tensor& k) { return x + random::uniform(k, {3}); });
  Tensor a = keyed(ones({3}), random::key(1)), b = keyed(ones({3}), random::key(2));
  expect_allclose(a, ones({3}) + random::uniform(random::key(1), {3}));
  EXPECT_NE(a.to_vector<float>(), b.to_vector<float>());  // new key, new numbers, no retrace
  rand({2});  // usable again outside jit
}

TEST_P(JitFront, OutputsThatAreInputsConstantsOrRepeated) {
  Tensor c = tensor({1.0f, 2.0f});
  auto odd = jit([c](const Tensor& x, int n) {
    return std::make_tuple(x, c, x * n, x * n, full({2}, 7.0f), n);
  });
  Tensor x = tensor({3.0f, 4.0f});
  auto [a, b, d, e, g, n] = odd(x, 2);
  expect_allclose(a, x);
  expect_allclose(b, c);
  expect_allclose(d, x * 2);
  expect_allclose(e, x * 2);
  expect_allclose(g, full({2}, 7.0f));
  EXPECT_EQ(n, 2);
  auto none = jit([] { return arange(4).cast(DType::f32) * 2; });  // no arguments at all
  expect_allclose(none(), arange(4).cast(DType::f32) * 2);
  auto scalar = jit([](const Tensor& s) { return s * s; });
  expect_allclose(scalar(tensor(3.0f)), tensor(9.0f));
  auto big = jit([](const Tensor& s) { return s.sum(); });  // empty tensors
  expect_allclose(big(zeros({0, 3})), tensor(0.0f));
}

TEST_P(JitFront, LogJitPrintsEachCompiledProgram) {
  auto jf = jit([](const Tensor& x) { return x.exp() + 1; }, "logged");
  setenv("SLOPE_LOG_JIT", "1", 1);
  ::testing::internal::CaptureStderr();
  jf(ones({5}));
  jf(ones({5}));  // cached: compiled once, printed once
  std::string log = ::testing::internal::GetCapturedStderr();
  unsetenv("SLOPE_LOG_JIT");
  EXPECT_NE(log.find("[jit] logged: compiled for the " + GetParam() + " backend"), std::string::npos) << log;
  EXPECT_NE(log.find("def logged(x0): # ([5, f32]) -> ([5, f32])"), std::string::npos) << log;
  EXPECT_EQ(log.find("[jit]"), log.rfind("[jit]")) << log;
}

TEST_P(JitFront, ErrorsAreSlopeErrors) {
  auto bad = jit([](const Tensor& x) { return x.matmul(x); });
  EXPECT_THROW(bad(ones({2, 3})), Error);
  auto empty = jit([](const Tensor&) { return Tensor(); });
  EXPECT_THROW(empty(ones({2})), Error);
}

INSTANTIATE_TEST_SUITE_P(Backends, JitFront,
                         ::testing::Values(std::string("reference")
#ifdef SLOPE_TEST_HAVE_CPU
                                               ,
                                           std::string("cpu")
#endif
                                               ),
                         [](const auto& info) { return info.param; });
