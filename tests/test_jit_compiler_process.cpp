// The compiler as a process (src/backends/cpu/compiler.cpp): a compiler that hangs is stopped after
// SLOPE_JIT_TIMEOUT together with everything it started, the failure is remembered in this process
// and on disk (until the limit is raised or the compiler changes), and the compiler does not
// outlive the process that started it. The compilers here are shell scripts that sleep.
#ifdef SLOPE_TEST_HAVE_CPU

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "skip.h"
#include "jit_toolchain_fixture.h"

namespace {

using namespace slope_test;

class JitCompilerProcess : public ToolchainTest {};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A compiler that hangs in a helper process (like cc1plus under the g++ driver), writing both
// process ids where the test can find them.
std::string hanging_compiler(const fs::path& dir) {
  return "echo $$ > " + (dir / "compiler.pid").string() + "\nsleep 30 &\necho $! > " + (dir / "helper.pid").string() +
         "\nwait\n";
}

TEST_F(JitCompilerProcess, HangingCompilerIsStoppedWithItsHelpers) {
  EnvGuard cxx("SLOPE_CXX", script("hang.sh", hanging_compiler(root_)).string());
  // Long enough for the script to have started its helper, even on a loaded machine.
  EnvGuard limit("SLOPE_JIT_TIMEOUT", "2");
  const std::string src = fresh_source();
  auto t0 = std::chrono::steady_clock::now();
  BuildResult r = build_shared_library(src);
  EXPECT_LT(seconds_since(t0), 10.0);
  EXPECT_FALSE(r.library);
  EXPECT_EQ(r.failure, BuildFailure::timeout);
  EXPECT_FALSE(r.repeated);
  EXPECT_NE(r.log.find("did not finish within 2 s (SLOPE_JIT_TIMEOUT)"), std::string::npos) << r.log;
  pid_t compiler = read_pid(root_ / "compiler.pid"), helper = read_pid(root_ / "helper.pid");
  ASSERT_GT(compiler, 0);
  ASSERT_GT(helper, 0);
  EXPECT_TRUE(process_gone(compiler, std::chrono::seconds(5)));
  EXPECT_TRUE(process_gone(helper, std::chrono::seconds(5))) << "the compiler's helper outlived the timeout";
  EXPECT_FALSE(has_temporaries(cache()));
  // Recorded for later processes, privately.
  auto records = files_ending(cache(), ".failed");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(mode_of(records[0]), 0600u);
}

TEST_F(JitCompilerProcess, TimeoutIsRememberedUntilTheLimitOrTheCompilerChanges) {
  const fs::path compiler = script("hang.sh", hanging_compiler(root_));
  EnvGuard cxx("SLOPE_CXX", compiler.string());
  EnvGuard limit("SLOPE_JIT_TIMEOUT", "1");
  const std::string src = fresh_source();
  BuildResult first = build_shared_library(src);
  ASSERT_EQ(first.failure, BuildFailure::timeout) << first.log;
  fs::remove(root_ / "compiler.pid");

  // In this process: at once, and flagged so that the caller does not warn again.
  auto t0 = std::chrono::steady_clock::now();
  BuildResult again = build_shared_library(src);
  EXPECT_LT(seconds_since(t0), 0.25);
  EXPECT_EQ(again.failure, BuildFailure::timeout);
  EXPECT_TRUE(again.repeated);

  // In a new process (this test binary again, running the helper test below): from the record
  // in the cache, without running the compiler.
  {
    const fs::path source = root_ / "source.cpp", out = root_ / "fresh.txt";
    std::ofstream(source) << src;
    EnvGuard pass("SLOPE_TEST_RECORDED_TIMEOUT_SOURCE", source.string());
    const std::string cmd = "'" + fs::read_symlink("/proc/self/exe").string() +
                            "' --gtest_also_run_disabled_tests --gtest_filter=JitCompilerProcess.DISABLED_RecordedTimeoutInAFreshProcess > '" + out.string() +
                            "' 2>&1";
    std::stringstream text;
    EXPECT_EQ(std::system(cmd.c_str()), 0) << (text << std::ifstream(out).rdbuf(), text.str());
    EXPECT_FALSE(fs::exists(root_ / "compiler.pid")) << "the compiler ran again";
  }

  // A longer limit tries again.
  {
    EnvGuard longer("SLOPE_JIT_TIMEOUT", "2");
    BuildResult r = build_shared_library(src);
    EXPECT_EQ(r.failure, BuildFailure::timeout);
    EXPECT_FALSE(r.repeated);
    EXPECT_TRUE(fs::exists(root_ / "compiler.pid")) << "the compiler did not run again";
  }

  // A different compiler (here: the script, fixed) is not bound by the old record.
  std::ofstream(compiler) << "#!/bin/sh\nexec " << base_compiler() << " \"$@\"\n";
  EnvGuard default_limit("SLOPE_JIT_TIMEOUT", std::nullopt);  // a real compile on a loaded machine
  BuildResult fixed = build_shared_library(src);
  ASSERT_TRUE(fixed.library) << fixed.log;
  EXPECT_EQ(call_f(fixed, 1), 2);
}

// The second half of the test above, in a process of its own: disabled, so that only that test runs it
// (with --gtest_also_run_disabled_tests), never the suite on its own.
TEST_F(JitCompilerProcess, DISABLED_RecordedTimeoutInAFreshProcess) {
  const char* source = std::getenv("SLOPE_TEST_RECORDED_TIMEOUT_SOURCE");
  ASSERT_NE(source, nullptr) << "run by TimeoutIsRememberedUntilTheLimitOrTheCompilerChanges";
  // The first half's directory: its source, cache and compiler.
  const fs::path parent_root = fs::path(source).parent_path();
  EnvGuard cache_dir("SLOPE_CACHE_DIR", (parent_root / "cache").string());
  EnvGuard cxx("SLOPE_CXX", (parent_root / "hang.sh").string());
  EnvGuard limit("SLOPE_JIT_TIMEOUT", "1");
  std::stringstream src;
  src << std::ifstream(source).rdbuf();
  auto t0 = std::chrono::steady_clock::now();
  BuildResult r = build_shared_library(src.str());
  EXPECT_LT(seconds_since(t0), 0.75);  // the limit is 1 s
  EXPECT_EQ(r.failure, BuildFailure::timeout);
  EXPECT_FALSE(r.repeated);  // the first time in this process: the caller warns once here too
  EXPECT_NE(r.log.find("in an earlier process"), std::string::npos) << r.log;
}

TEST_F(JitCompilerProcess, TimeoutRecordDoesNotHideAnEntryBuiltSince) {
  // Another process, with a longer limit, built the entry after this record was written.
  const std::string src = fresh_source();
  fs::path so;
  {
    BuildResult r = build_shared_library(src);
    ASSERT_TRUE(r.library) << r.log;
    so = r.library->path();
  }
  fs::path record = so;
  record.replace_extension(".failed");
  std::ofstream(record) << "timeout 1000\n";
  fs::permissions(record, fs::perms::owner_read | fs::perms::owner_write);
  BuildResult r = build_shared_library(src);
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_TRUE(r.cache_hit);
}

TEST_F(JitCompilerProcess, CompilerDiesWithTheProcessThatStartedIt) {
  const fs::path pid_file = root_ / "compiler.pid";
  const fs::path compiler = script("hang.sh", "echo $$ > " + pid_file.string() + "\nexec sleep 30\n");
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setenv("SLOPE_CXX", compiler.c_str(), 1);
    build_shared_library(fresh_source());
    ::_exit(0);
  }
  for (int i = 0; i < 1000 && read_pid(pid_file) <= 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  pid_t pid = read_pid(pid_file);
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_GT(pid, 0) << "the compiler did not start";
  EXPECT_TRUE(process_gone(pid, std::chrono::seconds(5))) << "the compiler outlived the process that started it";
}

TEST_F(JitCompilerProcess, TimeoutComesFromTheEnvironment) {
  EXPECT_EQ(slope::cpu::compile_timeout_seconds(), 300.0);  // minutes: long programs compile slowly
  {
    EnvGuard limit("SLOPE_JIT_TIMEOUT", "2.5");
    EXPECT_EQ(slope::cpu::compile_timeout_seconds(), 2.5);
  }
  for (const char* bad : {"abc", "-1", "0", "5s", "inf"}) {
    EnvGuard limit("SLOPE_JIT_TIMEOUT", std::string(bad));
    ::testing::internal::CaptureStderr();
    double s = slope::cpu::compile_timeout_seconds();
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(s, 300.0) << bad;
    EXPECT_NE(err.find("SLOPE_JIT_TIMEOUT"), std::string::npos) << bad << ": " << err;
  }
}

TEST_F(JitCompilerProcess, CompilerLeadsItsOwnProcessGroupWithNoInput) {
  // stdin is /dev/null (a compiler waiting for input would otherwise hang on a terminal), and
  // the compiler is the leader of its own process group.
  const fs::path out = root_ / "seen.txt";
  EnvGuard cxx("SLOPE_CXX", script("probe.sh", "read line; echo \"read:$?\" > " + out.string() +
                                                   "\ncut -d' ' -f5 /proc/$$/stat >> " + out.string() +
                                                   "\necho $$ >> " + out.string() + "\nexit 1\n")
                                .string());
  BuildResult r = build_shared_library(fresh_source());
  EXPECT_EQ(r.failure, BuildFailure::compiler);
  std::ifstream in(out);
  std::string read_status, pgid, pid;
  in >> read_status >> pgid >> pid;
  EXPECT_EQ(read_status, "read:1");  // end of input at once
  EXPECT_FALSE(pid.empty());
  EXPECT_EQ(pgid, pid);
}

}  // namespace

#endif  // SLOPE_TEST_HAVE_CPU
