// jit's export (Lowered::export_to, the cpu backend's codegen_export.cpp): the folder builds with
// CMake alone, its CLI reproduces the jitted outputs byte for byte, and every name it defines is
// prefixed with slope_<name>, so an export called "main", or two exports linked into one program,
// collide with nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "skip.h"
#include "slope/slope.h"

namespace {

using namespace slope;
namespace fs = std::filesystem;

bool have_cpu() {
  auto names = backend_names();
  return std::find(names.begin(), names.end(), "cpu") != names.end();
}
bool have_cmake() { return std::system("cmake --version > /dev/null 2>&1") == 0; }

class JitExport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_cpu()) SLOPE_SKIP("no cpu backend in this build");
    if (!have_cmake()) SLOPE_SKIP("cmake is not installed: cannot build an exported folder");
    char tmpl[] = "/tmp/slope_jit_export_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    if (!tmp_.empty()) fs::remove_all(tmp_, ec);
  }
  std::string tmp_;
};

void write_file(const std::string& path, const Tensor& t) {
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(t.data()), static_cast<std::streamsize>(t.numel() * itemsize(t.dtype())));
}
std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Configures and builds the CMake project in `dir` (into dir/build); the log on failure.
::testing::AssertionResult cmake_build(const std::string& dir) {
  const std::string log = dir + "/log.txt";
  const std::string cmd = "cmake -S " + dir + " -B " + dir + "/build -DCMAKE_BUILD_TYPE=Release > " + log +
                          " 2>&1 && cmake --build " + dir + "/build >> " + log + " 2>&1";
  if (std::system(cmd.c_str()) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << cmd << "\n" << read_file(log);
}

// Writes `in` to dir/in<i>.bin, runs the exported CLI `exe` on them and expects its outputs to be
// `want` byte for byte. `run` receives the command line (inputs, "--", outputs) for reruns.
void run_exported(const std::string& exe, const std::string& dir, const std::vector<Tensor>& in,
                  const std::vector<Tensor>& want, std::string& run) {
  run = exe;
  for (size_t i = 0; i < in.size(); ++i) {
    write_file(dir + "/in" + std::to_string(i) + ".bin", in[i]);
    run += " " + dir + "/in" + std::to_string(i) + ".bin";
  }
  run += " --";
  for (size_t i = 0; i < want.size(); ++i) run += " " + dir + "/out" + std::to_string(i) + ".bin";
  ASSERT_EQ(std::system(run.c_str()), 0) << run;
  for (size_t i = 0; i < want.size(); ++i) {
    std::string got = read_file(dir + "/out" + std::to_string(i) + ".bin");
    ASSERT_EQ(got.size(), static_cast<size_t>(want[i].numel()) * itemsize(want[i].dtype()));
    EXPECT_EQ(std::memcmp(got.data(), want[i].data(), got.size()), 0) << "output " << i;
  }
}

// The strong C-linkage symbols a static library defines: those that can clash at link time
// (C++ symbols are mangled, _Z..., and the preamble's are inline, in namespace slope).
std::vector<std::string> c_symbols(const std::string& lib) {
  const std::string out = lib + ".nm";
  if (std::system(("nm -g --defined-only " + lib + " > " + out + " 2>/dev/null").c_str()) != 0) return {};
  std::vector<std::string> syms;
  std::istringstream text(read_file(out));
  for (std::string line; std::getline(text, line);) {
    std::istringstream words(line);
    std::string addr, kind, sym;
    if (words >> addr >> kind >> sym && std::string("TDBRC").find(kind) != std::string::npos && sym.rfind("_Z", 0) != 0)
      syms.push_back(sym);
  }
  return syms;
}

std::vector<Tensor> as_vector(const std::tuple<Tensor, Tensor, Tensor, Tensor>& t) {
  return {std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t)};
}

// A product, a captured constant, a reduction, an index lookup and a cast, exported under the
// jit's own name: the folder builds, its CLI gives the jitted bytes, a bad index is an error, and
// the library defines no symbol outside slope_mlp*.
TEST_F(JitExport, ExportBuildsAndRuns) {
  const Tensor bias = random::normal(random::key(1), {4});
  auto mlp = jit(
      [bias](const Tensor& x, const Tensor& w, const Tensor& idx) {
        Tensor t = tanh(matmul(x, w) + bias);
        return std::make_tuple(t, t.sum(0), index_select(t, 0, idx), t.cast(f16));
      },
      "mlp");
  const std::vector<Tensor> in = {random::normal(random::key(2), {6, 5}), random::normal(random::key(3), {5, 4}),
                                  tensor(std::vector<int64_t>{5, 0, 2}, {3}, i64)};
  const std::string dir = tmp_ + "/out";
  mlp.lower(in[0], in[1], in[2]).export_to(dir);
  for (const char* f : {"mlp.cpp", "mlp.h", "mlp_constants.bin", "mlp_run.cpp", "CMakeLists.txt", "README.md"})
    EXPECT_TRUE(fs::exists(dir + "/" + f)) << f;
  ASSERT_TRUE(cmake_build(dir));
  std::string run;
  run_exported(dir + "/build/mlp_run", dir, in, as_vector(mlp(in[0], in[1], in[2])), run);
  if (HasFatalFailure()) return;
  for (const std::string& sym : c_symbols(dir + "/build/libslope_mlp.a"))
    EXPECT_EQ(sym.rfind("slope_mlp", 0), 0u) << "the exported library defines " << sym;
  // a bad index is reported by the CLI, not a crash
  write_file(dir + "/in2.bin", tensor(std::vector<int64_t>{5, 0, 6}, {3}, i64));
  EXPECT_NE(std::system((run + " 2> " + dir + "/err.txt").c_str()), 0);
  EXPECT_NE(read_file(dir + "/err.txt").find("[index_select] index 6"), std::string::npos) << read_file(dir + "/err.txt");
  // exporting again over the folder replaces it completely
  mlp.lower(in[0], in[1], in[2]).export_to(dir);
  EXPECT_FALSE(fs::exists(dir + "/.mlp.cpp.tmp"));
}

// The default export of an unnamed jit, and an export called "main", built side by side into one
// program that has its own main(): no symbol collides (an export once defined `main` itself).
TEST_F(JitExport, DefaultNameAndMainBuildTogether) {
  auto f = jit([](const Tensor& x) { return (x * 3 + 1).exp().sum(0); });
  const std::string name = f.name();
  EXPECT_EQ(name, "jit_test_jit_export_" + std::to_string(__LINE__ - 2));
  const Tensor x = random::normal(random::key(4), {5, 3});
  auto low = f.lower(x);
  low.export_to(tmp_ + "/a");      // default: the jit's name
  low.export_to(tmp_ + "/b", "main");
  for (const std::string& file : {name + ".cpp", name + ".h", name + "_run.cpp"})
    EXPECT_TRUE(fs::exists(tmp_ + "/a/" + file)) << file;
  std::ofstream(tmp_ + "/CMakeLists.txt") << "cmake_minimum_required(VERSION 3.16)\nproject(both LANGUAGES CXX)\n"
                                          << "add_subdirectory(a)\nadd_subdirectory(b)\n"
                                          << "add_executable(both both.cpp)\ntarget_link_libraries(both PRIVATE slope_"
                                          << name << " slope_main)\n";
  // Both programs on the same input must give the same bytes.
  std::ofstream(tmp_ + "/both.cpp")
      << "#include <cstring>\n#include \"" << name << ".h\"\n#include \"main.h\"\n"
      << "int main(int argc, char** argv) {\n  if (argc != 3) return 2;\n"
      << "  if (slope_" << name << "_init(argv[1]) || slope_main_init(argv[2])) return 3;\n"
      << "  float x[15], a[3], b[3];\n  for (int i = 0; i < 15; ++i) x[i] = 0.1f * i;\n"
      << "  const void* in[] = {x};\n  void* oa[] = {a};\n  void* ob[] = {b};\n"
      << "  if (slope_" << name << "(in, oa) || slope_main(in, ob)) return 4;\n"
      << "  return std::memcmp(a, b, sizeof a) == 0 ? 0 : 5;\n}\n";
  ASSERT_TRUE(cmake_build(tmp_));
  const std::string both = tmp_ + "/build/both " + tmp_ + "/a/" + name + "_constants.bin " + tmp_ +
                           "/b/main_constants.bin";
  EXPECT_EQ(std::system(both.c_str()), 0) << both;
  std::string run;
  run_exported(tmp_ + "/build/a/" + name + "_run", tmp_, {x}, {f(x)}, run);
  run_exported(tmp_ + "/build/b/main_run", tmp_, {x}, {f(x)}, run);
  for (const std::string& sym : c_symbols(tmp_ + "/build/b/libslope_main.a"))
    EXPECT_TRUE(sym.rfind("slope_main_", 0) == 0 || sym == "slope_main") << "libslope_main.a defines " << sym;
}

// A jitted SGD train step (params in, updated params out) exported under its name, built and
// run: the same bytes as the jitted call. Also compiled == eager within float tolerance.
TEST_F(JitExport, ExportedTrainStepReproducesJit) {
  manual_seed(7);
  std::vector<Tensor> params = {randn({20, 16}) * 0.2f, zeros({16}), randn({16, 5}) * 0.2f, zeros({5})};
  Tensor lr = tensor(std::vector<float>{0.1f, 0.1f}, {2});  // closed over: a constant of the program
  auto step = jit(
      [&](const std::vector<Tensor>& p, const Tensor& x, const Tensor& y) {
        auto loss = [&](const std::vector<Tensor>& q) {
          Tensor h = nn::relu(matmul(x, q[0]) + q[1]);
          return nn::cross_entropy(matmul(h, q[2]) + q[3], y);
        };
        auto [l, g] = value_and_grad(loss)(p);
        std::vector<Tensor> next;
        for (size_t i = 0; i < p.size(); ++i) next.push_back(p[i] - g[i] * lr[0]);
        return std::make_tuple(l, next);
      },
      "train_step");
  Tensor x = randn({32, 20}), y = randint(0, 5, {32});
  auto [l_jit, p_jit] = step(params, x, y);
  {
    BackendScope eager_cpu("cpu");
    Tensor h = nn::relu(matmul(x, params[0]) + params[1]);
    Tensor l = nn::cross_entropy(matmul(h, params[2]) + params[3], y);
    EXPECT_NEAR(l_jit.item<float>(), l.item<float>(), 1e-5 * (1 + std::abs(l.item<float>())));
  }
  step.lower(params, x, y).export_to(tmp_);
  ASSERT_TRUE(cmake_build(tmp_));
  std::vector<Tensor> in = params;
  in.push_back(x);
  in.push_back(y);
  std::vector<Tensor> want = {l_jit};
  for (const Tensor& t : p_jit) want.push_back(t);
  std::string run;
  run_exported(tmp_ + "/build/train_step_run", tmp_, in, want, run);
}

TEST(JitExportNames, BadNamesAreErrors) {
  if (!have_cpu()) SLOPE_SKIP("no cpu backend in this build");
  auto f = jit([](const Tensor& x) { return -x; }, "neg");
  auto low = f.lower(ones({2}));
  for (const char* bad : {"bad name", "1x", "_x", "x_", "a__b", "x-y", "ü"}) {
    try {
      low.export_to("/tmp/slope_never_written", bad);
      ADD_FAILURE() << "export_to accepted the name \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("[export] the name", 0), 0u) << e.what();
    }
  }
  EXPECT_THROW(low.export_to("/tmp/slope_never_written", std::string(129, 'a')), Error);
  EXPECT_FALSE(fs::exists("/tmp/slope_never_written"));
}

}  // namespace
