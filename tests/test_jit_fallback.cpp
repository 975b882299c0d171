// The cpu backend's compile() when the jit cannot compile (src/backends/cpu/codegen_compile.cpp):
// the program runs on the interpreter with ONE warning, whatever went wrong (the compiler failed,
// hung, or wrote a library without the entry points); under SLOPE_JIT_STRICT=1 (which ctest sets
// for every test) each of these, and a code generation error, is a slope::Error naming the program.
#ifdef SLOPE_TEST_HAVE_CPU

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "jit_toolchain_fixture.h"
#include "slope/backend.h"
#include "slope/error.h"
#include "slope/ops.h"
#include "slope/program.h"

namespace {

using namespace slope;
using namespace slope_test;

class JitFallback : public ToolchainTest {
 protected:
  void SetUp() override {
    ToolchainTest::SetUp();
    strict_.emplace("SLOPE_JIT_STRICT", std::nullopt);  // these tests are about falling back
  }
  void TearDown() override {
    strict_.reset();
    ToolchainTest::TearDown();
  }
  // A compiler that succeeds but writes an empty library: no entry points.
  fs::path empty_library_compiler() const {
    return script("empty.sh", "while [ $# -gt 0 ]; do if [ \"$1\" = -o ]; then out=$2; fi; shift; done\nexec " +
                                  base_compiler() + " -shared -fPIC -x c++ /dev/null -o \"$out\"\n");
  }
  fs::path hanging_compiler() const { return script("hang.sh", "exec sleep 30\n"); }
  std::optional<EnvGuard> strict_;
};

// y = sin(x * x) over a length no other test uses: the toolchain remembers failures per program
// for the life of the process, and each test must start from scratch.
struct SinOfSquare {
  Program program;
  int64_t n;
};
SinOfSquare sin_of_square() {
  static std::atomic<int64_t> next{1001};  // sizes no other test compiles
  SinOfSquare s{Program{}, next++};
  Program& p = s.program;
  const AVal a{{s.n}, DType::f32};
  int x = p.new_var(a);
  p.inputs.push_back(x);
  int sq = p.new_var(a), y = p.new_var(a);
  p.instructions.push_back(Instruction{Prim::mul, NoParams{}, {Atom{x, {}}, Atom{x, {}}}, {sq}});
  p.instructions.push_back(Instruction{Prim::sin, NoParams{}, {Atom{sq, {}}}, {y}});
  p.outputs.push_back(Atom{y, {}});
  return s;
}

// Runs the executable and checks sin(x * x).
void expect_sin_of_square(const Executable& exe, int64_t n) {
  std::vector<float> x(static_cast<size_t>(n));
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.25f * float(i) - 0.5f;
  std::vector<Tensor> in = {tensor(x, {n})};
  std::vector<float> y = exe.run(in)[0].to_vector<float>();
  ASSERT_EQ(y.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y[i], std::sin(x[i] * x[i]), 1e-6) << "at " << i;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Compiles the same program twice: both interpreted and correct, one warning for the two.
void expect_one_warning_and_interpreted(const std::string& what) {
  SinOfSquare s = sin_of_square();
  ::testing::internal::CaptureStderr();
  auto first = get_backend("cpu").compile(s.program);
  auto second = get_backend("cpu").compile(s.program);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(err, "running the program with the interpreter"), 1u) << err;
  EXPECT_NE(err.find(what), std::string::npos) << err;
  EXPECT_TRUE(first->code().empty());
  EXPECT_TRUE(second->code().empty());
  expect_sin_of_square(*first, s.n);
  expect_sin_of_square(*second, s.n);
}

TEST_F(JitFallback, FailingCompilerWarnsOnceAndInterprets) {
  EnvGuard cxx("SLOPE_CXX", "/bin/false");
  expect_one_warning_and_interpreted("failed on the generated code");
}

TEST_F(JitFallback, HangingCompilerWarnsOnceAndInterprets) {
  EnvGuard cxx("SLOPE_CXX", hanging_compiler().string());
  EnvGuard limit("SLOPE_JIT_TIMEOUT", "0.3");
  expect_one_warning_and_interpreted("timed out");
}

TEST_F(JitFallback, LibraryWithoutEntryPointsIsInterpretedAndNotCached) {
  EnvGuard cxx("SLOPE_CXX", empty_library_compiler().string());
  expect_one_warning_and_interpreted("without the generated entry points");
  EXPECT_TRUE(files_ending(cache(), ".so").empty());
}

TEST_F(JitFallback, StrictModeMakesEveryFallbackAnError) {
  EnvGuard strict("SLOPE_JIT_STRICT", "1");
  auto expect_error = [](const Program& p, const std::string& what) {
    for (int attempt = 0; attempt < 2; ++attempt) {  // a remembered failure is still an error
      try {
        get_backend("cpu").compile(p);
        ADD_FAILURE() << what << ": no error";
      } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind("[jit] ", 0), 0u) << msg;
        EXPECT_NE(msg.find(what), std::string::npos) << msg;
        EXPECT_NE(msg.find("SLOPE_JIT_STRICT"), std::string::npos) << msg;
        EXPECT_NE(msg.find("'def f(x0): # (["), std::string::npos) << "names the program: " << msg;
      }
    }
  };
  {
    EnvGuard cxx("SLOPE_CXX", "/bin/false");
    expect_error(sin_of_square().program, "failed on the generated code");
  }
  {
    EnvGuard cxx("SLOPE_CXX", hanging_compiler().string());
    EnvGuard limit("SLOPE_JIT_TIMEOUT", "0.3");
    expect_error(sin_of_square().program, "timed out");
  }
  {
    EnvGuard cxx("SLOPE_CXX", empty_library_compiler().string());
    expect_error(sin_of_square().program, "without the generated entry points");
  }
  // A program the generator refuses (it takes flat programs only: no `call`).
  Program nested = sin_of_square().program;
  nested.instructions[0].prim = Prim::call;
  expect_error(nested, "code generation failed");
}

TEST_F(JitFallback, StrictModeCompilesWhatCompiles) {
  EnvGuard strict("SLOPE_JIT_STRICT", "1");
  SinOfSquare s = sin_of_square();
  auto exe = get_backend("cpu").compile(s.program);
  EXPECT_FALSE(exe->code().empty());
  expect_sin_of_square(*exe, s.n);
  // "0" turns it off.
  EnvGuard off("SLOPE_JIT_STRICT", "0");
  EnvGuard cxx("SLOPE_CXX", "/bin/false");
  ::testing::internal::CaptureStderr();
  SinOfSquare t = sin_of_square();
  auto interpreted = get_backend("cpu").compile(t.program);
  ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(interpreted->code().empty());
}

}  // namespace

#endif  // SLOPE_TEST_HAVE_CPU
