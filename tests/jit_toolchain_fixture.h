#pragma once
// What the jit toolchain's tests share (test_jit_toolchain.cpp, test_jit_cache_safety.cpp,
// test_jit_compiler_process.cpp, test_jit_fallback.cpp): a private temporary cache directory per
// test, fresh sources, stand-in compilers written as shell scripts, and process checks.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backends/cpu/toolchain/toolchain.h"
#include "env_guard.h"

namespace slope_test {

namespace fs = std::filesystem;
using slope::cpu::build_shared_library;
using slope::cpu::BuildFailure;
using slope::cpu::BuildResult;

// A source no earlier build in this process or on disk has seen, so each test starts cold
// (the toolchain keeps loaded libraries by key for the life of the process).
inline std::string fresh_source(const std::string& body = "extern \"C\" int f(int x) { return x + 1; }\n") {
  static std::atomic<int> counter{0};
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return "// test " + std::to_string(::getpid()) + "-" + std::to_string(now) + "-" + std::to_string(counter++) + "\n" +
         body;
}

inline int call_f(const slope::cpu::BuildResult& r, int x) {
  auto f = reinterpret_cast<int (*)(int)>(r.library->symbol("f"));
  return f(x);
}

inline std::vector<std::string> list_dir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

inline std::vector<fs::path> files_ending(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(e.path());
  }
  return out;
}

inline bool has_temporaries(const fs::path& dir) {
  for (const auto& name : list_dir(dir))
    if (name.rfind("tmp-", 0) == 0) return true;
  return false;
}

inline unsigned mode_of(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 ? unsigned(st.st_mode & 07777) : 0xffffu;
}

// The compiler the tests run: $CXX (CI runs the suite with g++ and with clang++), else c++.
inline std::string base_compiler() {
  const char* cxx = std::getenv("CXX");
  return cxx && *cxx ? cxx : "c++";
}

// Whether process `pid` has ended (gone, or a zombie nobody has reaped yet), waiting up to `wait`.
inline bool process_gone(pid_t pid, std::chrono::milliseconds wait) {
  auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(stat, text);
    size_t paren = text.rfind(')');
    if (!stat || paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] == 'Z') return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

inline pid_t read_pid(const fs::path& file) {
  std::ifstream in(file);
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

// Each test: its own SLOPE_CACHE_DIR under a fresh temporary root, the system compiler whatever
// the environment running the tests says, and the default timeout.
class ToolchainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "slope-toolchain-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    root_ = templ;
    cache_env_.emplace("SLOPE_CACHE_DIR", (root_ / "cache").string());
    cxx_env_.emplace("SLOPE_CXX", std::nullopt);
    timeout_env_.emplace("SLOPE_JIT_TIMEOUT", std::nullopt);
  }
  void TearDown() override {
    timeout_env_.reset();
    cxx_env_.reset();
    cache_env_.reset();
    std::error_code ec;
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(root_, ec);
  }
  fs::path cache() const { return root_ / "cache" / "jit-v1"; }
  // The .so of the only entry in the cache directory.
  fs::path only_entry() const {
    std::vector<fs::path> sos = files_ending(cache(), ".so");
    EXPECT_EQ(sos.size(), 1u);
    return sos.empty() ? fs::path() : sos[0];
  }
  // An executable shell script in the test's directory, to stand in for the compiler.
  fs::path script(const std::string& name, const std::string& body) const {
    fs::path p = root_ / name;
    std::ofstream(p) << "#!/bin/sh\n" << body;
    fs::permissions(p, fs::perms::owner_all);
    return p;
  }

  fs::path root_;
  std::optional<EnvGuard> cache_env_, cxx_env_, timeout_env_;
};

}  // namespace slope_test
