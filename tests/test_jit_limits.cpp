// jit at the limits: values too big to exist, and programs too long to compile as one function.
//  * A value of more than PTRDIFF_MAX bytes is rejected before any backend sees the program, like
//    eager mode's allocation would; the cpu code generator checks every byte size it computes
//    (buffers, scratch, the workspace arena) and an arena that cannot be allocated is an error.
//    Once, such a temporary wrapped to a 0-byte workspace and the kernel wrote through null.
//  * Long programs are generated as many bounded kernels (separate functions), so the compilers'
//    superlinear cost in a function's size never applies to the whole program.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "skip.h"
#include "slope/slope.h"

namespace {

using namespace slope;

bool have_cpu() {
  auto names = backend_names();
  return std::find(names.begin(), names.end(), "cpu") != names.end();
}

// Runs `call` and returns the slope::Error it throws ("" if none).
template <class F>
std::string error_of(F call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const std::vector<std::string>& backends() {
  static const std::vector<std::string> b = have_cpu() ? std::vector<std::string>{"reference", "cpu"}
                                                       : std::vector<std::string>{"reference"};
  return b;
}

// The program of issue 9, and variants: a huge output, a huge constant fused into a reduction
// (never stored, but 2^62 iterations), a huge broadcast of an input. Each is an Error naming jit,
// the program and the value, on every backend, when called, lowered or exported.
TEST(JitLimits, ValuesTooBigToExistAreErrors) {
  const Tensor x = tensor({1.0, 2.0});
  for (const std::string& b : backends()) {
    SCOPED_TRACE(b);
    BackendScope scope(b);
    auto temp = jit([](const Tensor& x) { return (full({1LL << 61, 2}, 1.0, f64) * x).sum(1).max(); }, "huge_temp");
    std::string e = error_of([&] { temp(x); });
    EXPECT_EQ(e.rfind("[jit] huge_temp: z", 0), 0u) << e;
    EXPECT_NE(e.find("[2305843009213693952, 2] f64"), std::string::npos) << e;
    EXPECT_NE(e.find("more than a buffer can hold"), std::string::npos) << e;
    EXPECT_EQ(error_of([&] { temp.lower(x).code(); }), e);
    if (b == "cpu") {
      e = error_of([&] { temp.lower(x).export_to("/tmp/slope_never_written"); });
      EXPECT_EQ(e.rfind("[export] huge_temp: z", 0), 0u) << e;
    }

    auto out = jit([](const Tensor& x) { return full({1LL << 61, 2}, 1.0, f64) * x; }, "huge_out");
    e = error_of([&] { out(x); });
    EXPECT_EQ(e.rfind("[jit] huge_out: z", 0), 0u) << e;

    auto fused = jit([](const Tensor& s) { return (full({1LL << 62}, 2.0f) * s).max(); }, "huge_literal");
    e = error_of([&] { fused(tensor(3.0f)); });
    EXPECT_EQ(e.rfind("[jit] huge_literal: z", 0), 0u) << e;
    EXPECT_NE(e.find("[4611686018427387904] f32"), std::string::npos) << e;

    auto spread = jit([](const Tensor& s) { return s.reshape({1, 1}).expand({1LL << 60, 4}).sum(0); }, "huge_view");
    e = error_of([&] { spread(tensor(3.0f)); });
    EXPECT_EQ(e.rfind("[jit] huge_view: z", 0), 0u) << e;
  }
  EXPECT_FALSE(std::ifstream("/tmp/slope_never_written").good());
}

// Behind the front-end's check, the generator's own: a hand-built program whose temporary
// overflows 64 bits is refused by the code generator, naming the value, and running it is an
// error, never a write through a wrapped size.
TEST(JitLimits, CodeGeneratorChecksEveryByteSize) {
  if (!have_cpu()) SLOPE_SKIP("no cpu backend in this build");
  Program p = trace_program(
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{(full({1LL << 61, 2}, 1.0, f64) * in[0]).sum(1).max()};
      },
      {AVal{{2}, f64}});
  p.name = "unchecked";
  std::string msg;
  ::testing::internal::CaptureStderr();
  try {
    get_backend("cpu").compile(p)->run(std::vector<Tensor>{tensor({1.0, 2.0})});
  } catch (const Error& e) {
    msg = e.what();
  }
  const std::string log = ::testing::internal::GetCapturedStderr() + msg;
  EXPECT_FALSE(msg.empty()) << "no error";
  EXPECT_NE(log.find("[jit] unchecked: z"), std::string::npos) << log;
  EXPECT_NE(log.find("2305843009213693952 f64 elements"), std::string::npos) << log;
}

// A workspace that fits in 64 bits but in no machine (2^61 bytes): planned, compiled, and its
// allocation failure is an Error naming the program, not a crash.
TEST(JitLimits, WorkspaceAllocationFailureIsAnError) {
  if (!have_cpu()) SLOPE_SKIP("no cpu backend in this build");
  BackendScope scope("cpu");
  auto f = jit([](const Tensor& x) { return (full({1LL << 58, 2}, 1.0, f64) * x).sum(1).max(); }, "big_workspace");
  const Tensor x = tensor({1.0, 2.0});
  // the sum's output and its f64 accumulator: 2^61 bytes each
  EXPECT_NE(f.lower(x).code().find("workspace: 4611686018427387904 bytes"), std::string::npos) << f.lower(x).code();
  const std::string e = error_of([&] { f(x); });
  EXPECT_EQ(e.rfind("[jit] big_workspace: cannot allocate its workspace of 4611686018427387904 bytes", 0), 0u) << e;
}

// Generated kernels (functions k<N> in code()) and the most elementwise ops any of them holds.
struct KernelSizes {
  int kernels = 0, max_ops = 0;
};
KernelSizes kernel_sizes(const std::string& code) {
  KernelSizes r;
  std::istringstream text(code);
  int ops = 0;
  for (std::string line; std::getline(text, line);) {
    if (line.find(" int k") != std::string::npos && line.find("[[gnu::noinline]]") == 0) {
      ++r.kernels;
      ops = 0;
    }
    if (line.find("= slope::scalar::") != std::string::npos) r.max_ops = std::max(r.max_ops, ++ops);
  }
  return r;
}

Tensor chain(const Tensor& x, int n) {
  Tensor y = x;
  for (int i = 0; i < n; ++i) y = i % 2 ? y + x : y * x;
  return y.sum();
}

// A 10,000-op chain compiles (no fallback: code() is not empty) and matches eager mode. The
// check that does not depend on the host's speed is the shape of the code: kernels of at most a
// few hundred ops, however long the program, which is what keeps the compilers linear (one
// function of 10,000 ops took g++ 8 s; 100,000 crashed g++ after 9 minutes). The
// time is printed for the record.
TEST(JitLimits, LongChainCompilesInBoundedKernels) {
  if (!have_cpu()) SLOPE_SKIP("no cpu backend in this build");
  BackendScope scope("cpu");
  auto f = jit([](const Tensor& x) { return chain(x, 10000); }, "chain10k");
  const Tensor x = random::uniform(random::key(1), {64}, f32, 0.99, 1.0);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string code = f.lower(x).code();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[          ] 10,000-op chain: traced, generated and compiled cold in %.1f s\n", s);
  ASSERT_FALSE(code.empty()) << "fell back to the interpreter";
  const KernelSizes k = kernel_sizes(code);
  EXPECT_GE(k.kernels, 20);
  EXPECT_LE(k.max_ops, 2 * 256 + 2);  // a reduction's loop body appears twice (lanes, remainder)
  const float got = f(x).item<float>(), want = chain(x, 10000).item<float>();
  EXPECT_NEAR(got, want, 1e-5 * std::abs(want));
}

// The gradient of a long chain: thousands of stored intermediates, and a sum over all of them;
// compiled in bounded kernels too, equal to the eager gradient.
TEST(JitLimits, GradientOfALongChainCompilesInBoundedKernels) {
  if (!have_cpu()) SLOPE_SKIP("no cpu backend in this build");
  BackendScope scope("cpu");
  auto loss = [](const Tensor& x) { return chain(x, 1000); };
  auto g = jit(grad(loss), "chain_grad");
  const Tensor x = random::uniform(random::key(2), {64}, f32, 0.99, 1.0);
  const std::string code = g.lower(x).code();
  ASSERT_FALSE(code.empty()) << "fell back to the interpreter";
  EXPECT_LE(kernel_sizes(code).max_ops, 2 * 256 + 2);
  const std::vector<float> got = g(x).to_vector<float>(), want = grad(loss)(x).to_vector<float>();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4 * std::abs(want[i])) << i;
}

}  // namespace
