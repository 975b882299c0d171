// The jit toolchain (src/backends/cpu/toolchain.cpp): compiling generated C++ into a shared
// object, the content-addressed on-disk cache with its checksums, the cache directory's basic
// safety checks, compiler failures reported (not thrown), the flags, and concurrent builds.
// Attacks on the cache: test_jit_cache_safety.cpp; the compiler process (timeouts):
// test_jit_compiler_process.cpp; the backend's fallback and strict mode: test_jit_fallback.cpp.
// Every test runs with its own temporary SLOPE_CACHE_DIR, never the user's cache.
#ifdef SLOPE_TEST_HAVE_CPU

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <slope/error.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "skip.h"
#include "jit_toolchain_fixture.h"

namespace {

using namespace slope_test;

class JitToolchain : public ToolchainTest {};

TEST_F(JitToolchain, BuildsLoadsAndCaches) {
  const std::string src = fresh_source();
  BuildResult r1 = build_shared_library(src);
  ASSERT_TRUE(r1.library) << r1.log;
  EXPECT_FALSE(r1.cache_hit);
  EXPECT_EQ(call_f(r1, 41), 42);

  // The entry: <key>.so and <key>.sha256 (hex SHA-256 of the .so), no temporaries left.
  fs::path so = only_entry();
  EXPECT_EQ(r1.library->path(), so.string());
  EXPECT_EQ(so.stem().string().size(), 64u);
  fs::path sum = so;
  sum.replace_extension(".sha256");
  ASSERT_TRUE(fs::exists(sum));
  std::ifstream in(sum);
  std::string hex;
  in >> hex;
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_FALSE(has_temporaries(cache()));

  // In-process hit: the same library object.
  BuildResult r2 = build_shared_library(src);
  ASSERT_TRUE(r2.library);
  EXPECT_TRUE(r2.cache_hit);
  EXPECT_EQ(r2.library.get(), r1.library.get());

  // On-disk hit once nothing holds the library any more.
  r1 = {};
  r2 = {};
  BuildResult r3 = build_shared_library(src);
  ASSERT_TRUE(r3.library) << r3.log;
  EXPECT_TRUE(r3.cache_hit);
  EXPECT_EQ(call_f(r3, 1), 2);

  // A different source is a different entry.
  BuildResult other = build_shared_library(fresh_source("extern \"C\" int f(int x) { return 2 * x; }\n"));
  ASSERT_TRUE(other.library) << other.log;
  EXPECT_FALSE(other.cache_hit);
  EXPECT_EQ(call_f(other, 21), 42);
  EXPECT_EQ(call_f(r3, 1), 2);
}

TEST_F(JitToolchain, RebuildsAreByteIdentical) {
  // What lets several processes build one entry at once without disagreeing on its checksum.
  const std::string src = fresh_source(R"(namespace { int g(int x) { return 3 * x; } }
extern "C" int f(int x) { return g(x) + 1; }
)");
  auto read_sum = [&](const fs::path& so) {
    fs::path sum = so;
    sum.replace_extension(".sha256");
    std::ifstream in(sum);
    std::string hex;
    in >> hex;
    return hex;
  };
  std::string first;
  {
    BuildResult r = build_shared_library(src);
    ASSERT_TRUE(r.library) << r.log;
    first = read_sum(only_entry());
  }
  fs::path so = only_entry();
  fs::remove(so);
  BuildResult r = build_shared_library(src);
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_FALSE(r.cache_hit);
  EXPECT_EQ(call_f(r, 2), 7);
  EXPECT_EQ(read_sum(so), first);
}

TEST_F(JitToolchain, CacheDirectoryIsPrivate) {
  BuildResult r = build_shared_library(fresh_source());
  ASSERT_TRUE(r.library) << r.log;
  struct stat st {};
  ASSERT_EQ(::lstat(cache().c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  // Directories it had to create on the way are private too.
  ASSERT_EQ(::lstat((root_ / "cache").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
}

TEST_F(JitToolchain, StaleTemporariesAreRemoved) {
  // Left by a process that died mid-build: removed once older than an hour; a recent one may
  // belong to a build running right now and stays.
  fs::create_directories(cache() / "tmp-old000");
  fs::permissions(root_ / "cache", fs::perms::owner_all);
  fs::permissions(cache(), fs::perms::owner_all);
  std::ofstream(cache() / "tmp-old000" / "x.cpp") << "int x;";
  std::ofstream(cache() / "tmp-oldfile.so") << "junk";
  fs::create_directories(cache() / "tmp-new000");
  auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(2);
  fs::last_write_time(cache() / "tmp-old000", old_time);
  fs::last_write_time(cache() / "tmp-oldfile.so", old_time);
  BuildResult r = build_shared_library(fresh_source());
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_FALSE(fs::exists(cache() / "tmp-old000"));
  EXPECT_FALSE(fs::exists(cache() / "tmp-oldfile.so"));
  EXPECT_TRUE(fs::exists(cache() / "tmp-new000"));
}

TEST_F(JitToolchain, CacheLocationFollowsTheEnvironment) {
  EnvGuard unset("SLOPE_CACHE_DIR", std::nullopt);
  {
    EnvGuard xdg("XDG_CACHE_HOME", (root_ / "xdg").string());
    BuildResult r = build_shared_library(fresh_source());
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_EQ(fs::path(r.library->path()).parent_path(), root_ / "xdg" / "slope" / "jit-v1");
  }
  EnvGuard xdg("XDG_CACHE_HOME", std::nullopt);
  EnvGuard home("HOME", (root_ / "home").string());
  BuildResult r = build_shared_library(fresh_source());
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_EQ(fs::path(r.library->path()).parent_path(), root_ / "home" / ".cache" / "slope" / "jit-v1");
}

TEST_F(JitToolchain, CorruptEntryIsRebuilt) {
  const std::string src = fresh_source();
  {
    BuildResult r = build_shared_library(src);
    ASSERT_TRUE(r.library) << r.log;
  }
  fs::path so = only_entry();
  {
    // Flip one byte in the middle of the file, keeping its size.
    std::fstream f(so, std::ios::in | std::ios::out | std::ios::binary);
    auto mid = std::streamoff(fs::file_size(so) / 2);
    f.seekg(mid);
    char c = 0;
    f.get(c);
    f.seekp(mid);
    f.put(char(c ^ 0x5a));
  }
  BuildResult r = build_shared_library(src);
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_FALSE(r.cache_hit);
  EXPECT_NE(r.log.find("checksum"), std::string::npos) << r.log;
  EXPECT_EQ(call_f(r, 9), 10);
  r = {};
  BuildResult again = build_shared_library(src);
  ASSERT_TRUE(again.library) << again.log;
  EXPECT_TRUE(again.cache_hit);
  EXPECT_FALSE(has_temporaries(cache()));
}

TEST_F(JitToolchain, TruncatedOrUnsummedEntryIsRebuilt) {
  const std::string src = fresh_source();
  {
    BuildResult r = build_shared_library(src);
    ASSERT_TRUE(r.library) << r.log;
  }
  fs::path so = only_entry();
  fs::resize_file(so, fs::file_size(so) / 3);  // an interrupted copy
  {
    BuildResult r = build_shared_library(src);
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_FALSE(r.cache_hit);
    EXPECT_EQ(call_f(r, -1), 0);
  }
  fs::resize_file(so, 0);
  {
    BuildResult r = build_shared_library(src);
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_FALSE(r.cache_hit);
  }
  // A crash between the two renames leaves a .so without its checksum.
  fs::path sum = so;
  sum.replace_extension(".sha256");
  fs::remove(sum);
  {
    BuildResult r = build_shared_library(src);
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_FALSE(r.cache_hit);
    EXPECT_TRUE(fs::exists(sum));
  }
  BuildResult r = build_shared_library(src);
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_TRUE(r.cache_hit);
}

TEST_F(JitToolchain, GroupWritableCacheIsRefused) {
  fs::path shared = root_ / "shared";
  fs::create_directory(shared);
  fs::permissions(shared, fs::perms::owner_all | fs::perms::group_all);  // 0770
  EnvGuard dir("SLOPE_CACHE_DIR", shared.string());

  ::testing::internal::CaptureStderr();
  BuildResult r = build_shared_library(fresh_source());
  BuildResult r2 = build_shared_library(fresh_source());
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.library) << r.log;
  ASSERT_TRUE(r2.library) << r2.log;
  EXPECT_EQ(call_f(r, 1), 2);
  EXPECT_EQ(call_f(r2, 2), 3);
  // One warning naming the problem; the libraries live elsewhere, in a private directory.
  EXPECT_NE(err.find("writable by group or others"), std::string::npos) << err;
  EXPECT_EQ(err.find("slope: [jit]"), err.rfind("slope: [jit]")) << "warned more than once: " << err;
  EXPECT_FALSE(fs::exists(shared / "jit-v1"));
  fs::path used = fs::path(r.library->path()).parent_path();
  EXPECT_NE(used, shared / "jit-v1");
  struct stat st {};
  ASSERT_EQ(::lstat(used.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
  EXPECT_EQ(st.st_uid, ::geteuid());
}

TEST_F(JitToolchain, SymlinkedOrInsecureVersionDirIsRefused) {
  // jit-v1 as a symlink to a directory we own: not followed.
  fs::path base = root_ / "linked";
  fs::create_directories(base);
  fs::permissions(base, fs::perms::owner_all);
  fs::path target = root_ / "elsewhere";
  fs::create_directories(target);
  fs::permissions(target, fs::perms::owner_all);
  fs::create_directory_symlink(target, base / "jit-v1");
  {
    EnvGuard dir("SLOPE_CACHE_DIR", base.string());
    ::testing::internal::CaptureStderr();
    BuildResult r = build_shared_library(fresh_source());
    std::string err = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_NE(err.find("not a directory"), std::string::npos) << err;
    EXPECT_TRUE(fs::is_empty(target));
  }
  // jit-v1 that is world-writable.
  fs::path base2 = root_ / "open";
  fs::create_directories(base2 / "jit-v1");
  fs::permissions(base2, fs::perms::owner_all);
  fs::permissions(base2 / "jit-v1", fs::perms::all);
  {
    EnvGuard dir("SLOPE_CACHE_DIR", base2.string());
    ::testing::internal::CaptureStderr();
    BuildResult r = build_shared_library(fresh_source());
    std::string err = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_NE(err.find("writable by group or others"), std::string::npos) << err;
    EXPECT_TRUE(fs::is_empty(base2 / "jit-v1"));
  }
}

TEST_F(JitToolchain, FailingCompilerIsReportedNotThrown) {
  EnvGuard cxx("SLOPE_CXX", "/bin/false");
  BuildResult r = build_shared_library(fresh_source());
  EXPECT_FALSE(r.library);
  EXPECT_FALSE(r.cache_hit);
  EXPECT_NE(r.log.find("exit status 1"), std::string::npos) << r.log;
  EXPECT_NE(r.log.find("/bin/false"), std::string::npos) << r.log;  // the command line
  EXPECT_FALSE(has_temporaries(cache()));
}

TEST_F(JitToolchain, MissingCompilerIsReportedNotThrown) {
  EnvGuard cxx("SLOPE_CXX", "slope-no-such-compiler-xyz");
  BuildResult r = build_shared_library(fresh_source());
  EXPECT_FALSE(r.library);
  EXPECT_NE(r.log.find("cannot run the compiler 'slope-no-such-compiler-xyz'"), std::string::npos)
      << r.log;
  EXPECT_FALSE(has_temporaries(cache()));
}

TEST_F(JitToolchain, CompileErrorLogHasTheCompilersMessage) {
  BuildResult r =
      build_shared_library(fresh_source("extern \"C\" int f(int x) { return undeclared_name; }\n"));
  EXPECT_FALSE(r.library);
  EXPECT_NE(r.log.find("undeclared_name"), std::string::npos) << r.log;  // the diagnostic
  EXPECT_NE(r.log.find("exit status"), std::string::npos) << r.log;
  EXPECT_NE(r.log.find("command: "), std::string::npos) << r.log;
  EXPECT_FALSE(has_temporaries(cache()));
  for (const auto& name : list_dir(cache())) ADD_FAILURE() << "left behind: " << name;
}

TEST_F(JitToolchain, CompilerVariablesAndFlags) {
  {
    EnvGuard a("SLOPE_CXX", "my-cxx");
    EnvGuard b("CXX", "other-cxx");
    EXPECT_EQ(slope::cpu::compiler(), "my-cxx");
  }
  {
    EnvGuard b("CXX", "other-cxx");
    EXPECT_EQ(slope::cpu::compiler(), "other-cxx");
  }
  {
    EnvGuard b("CXX", std::nullopt);
    EXPECT_EQ(slope::cpu::compiler(), "c++");
  }
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  auto cf = slope::cpu::compile_flags();
  EXPECT_TRUE(has(cf, "-std=c++20"));
  EXPECT_TRUE(has(cf, "-O2"));
  EXPECT_TRUE(has(cf, "-fPIC"));
  EXPECT_TRUE(has(cf, "-march=native"));
  auto lf = slope::cpu::link_flags();
  EXPECT_TRUE(has(lf, "-shared"));
  EXPECT_TRUE(has(lf, "-lopenblas"));
}

// Whether this test binary (and so slope) was built with AddressSanitizer (-DSLOPE_SANITIZE=ON).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSlopeSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSlopeSanitized = true;
#else
constexpr bool kSlopeSanitized = false;
#endif
#else
constexpr bool kSlopeSanitized = false;
#endif

TEST_F(JitToolchain, GeneratedCodeRunsUnderSlopesSanitizers) {
  // Same flags as slope itself, so they are in every cache key too: an ASan build never loads
  // an entry compiled without ASan, or the other way round.
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  EXPECT_EQ(has(slope::cpu::compile_flags(), "-fsanitize=address,undefined"), kSlopeSanitized);
  EXPECT_EQ(has(slope::cpu::link_flags(), "-fsanitize=address,undefined"), kSlopeSanitized);
  if (!kSlopeSanitized) SLOPE_SKIP("slope is not built with SLOPE_SANITIZE: generated code is not instrumented");
  // A heap overflow in generated code is caught: in a child process, since the report ends it.
  const std::string src = fresh_source(R"(extern "C" int f(int i) {
  int* p = new int[4]{1, 2, 3, 4};
  int v = p[i];
  delete[] p;
  return v;
}
)");
  const fs::path report = root_ / "asan.txt";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!std::freopen(report.c_str(), "w", stderr)) ::_exit(2);
    BuildResult r = build_shared_library(src);
    if (!r.library) ::_exit(3);
    call_f(r, 4);
    ::_exit(0);  // not reached under ASan
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  std::stringstream text;
  text << std::ifstream(report).rdbuf();
  EXPECT_FALSE(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3)) << text.str();
  // ASan's report, or UBSan's object-size check, which may see it first.
  const bool asan = text.str().find("heap-buffer-overflow") != std::string::npos;
  const bool ubsan = text.str().find("insufficient space for an object of type 'int'") != std::string::npos;
  EXPECT_TRUE(asan || ubsan) << text.str();
}

TEST_F(JitToolchain, LauncherWordsAreSplitWithoutAShell) {
  // "env c++" is a launcher plus a compiler, like "ccache g++"; the ';' would be a command
  // separator for a shell but here is just part of an argument, so nothing else runs.
  const std::string base = base_compiler();
  {
    EnvGuard e("SLOPE_CXX", "env " + base);
    BuildResult r = build_shared_library(fresh_source());
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_EQ(call_f(r, 3), 4);
  }
  fs::path marker = root_ / "injected";
  EnvGuard e("SLOPE_CXX", base + ";touch " + marker.string());
  BuildResult r = build_shared_library(fresh_source());
  EXPECT_FALSE(r.library);
  EXPECT_FALSE(fs::exists(marker));
}

TEST_F(JitToolchain, GeneratedCodeCanUseOpenBlasAndOpenMp) {
  const std::string body = R"(#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif
extern "C" float dot3(const float* a, const float* b) { return cblas_sdot(3, a, 1, b, 1); }
extern "C" int twice_sum(int n) {
  int s = 0;
#ifdef _OPENMP
#pragma omp parallel for reduction(+ : s)
#endif
  for (int i = 0; i < n; ++i) s += 2 * i;
  return s;
}
)";
  BuildResult r = build_shared_library(fresh_source(body));
  ASSERT_TRUE(r.library) << r.log;
  auto dot3 = reinterpret_cast<float (*)(const float*, const float*)>(r.library->symbol("dot3"));
  float a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
  EXPECT_EQ(dot3(a, b), 32.0f);
  auto twice_sum = reinterpret_cast<int (*)(int)>(r.library->symbol("twice_sum"));
  EXPECT_EQ(twice_sum(1000), 999000);
}

TEST_F(JitToolchain, MissingSymbolThrows) {
  BuildResult r = build_shared_library(fresh_source());
  ASSERT_TRUE(r.library) << r.log;
  try {
    r.library->symbol("no_such_symbol");
    ADD_FAILURE() << "did not throw";
  } catch (const slope::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[jit] symbol 'no_such_symbol'", 0), 0u) << e.what();
  }
}

TEST_F(JitToolchain, ConcurrentBuildsOfTheSameSource) {
  const std::string src = fresh_source();
  constexpr int kThreads = 4;
  std::vector<BuildResult> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] { results[size_t(i)] = build_shared_library(src); });
  for (auto& t : threads) t.join();
  int misses = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_EQ(call_f(r, 6), 7);
    misses += r.cache_hit ? 0 : 1;
  }
  EXPECT_EQ(misses, 1);  // one compiled, the others waited and shared it
  EXPECT_FALSE(has_temporaries(cache()));
  only_entry();
}

TEST_F(JitToolchain, ConcurrentProcessesShareTheCache) {
  // Separate processes building the same new source at once: each must end up with a working
  // library, and the cache with one valid entry (atomic renames, no cross-process lock).
  const std::string src = fresh_source();
  constexpr int kChildren = 3;
  std::vector<pid_t> children;
  for (int i = 0; i < kChildren; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      BuildResult r = build_shared_library(src);
      bool ok = r.library && call_f(r, 1) == 2;
      ::_exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  BuildResult r = build_shared_library(src);
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_TRUE(r.cache_hit);
  EXPECT_FALSE(has_temporaries(cache()));
  only_entry();
}

TEST_F(JitToolchain, ConcurrentBuildsOfDifferentSources) {
  constexpr int kThreads = 3;
  std::vector<std::string> srcs;
  for (int i = 0; i < kThreads; ++i)
    srcs.push_back(fresh_source("extern \"C\" int f(int x) { return x + " + std::to_string(i) + "; }\n"));
  std::vector<BuildResult> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] { results[size_t(i)] = build_shared_library(srcs[size_t(i)]); });
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(results[size_t(i)].library) << results[size_t(i)].log;
    EXPECT_EQ(call_f(results[size_t(i)], 10), 10 + i);
  }
}

}  // namespace

#endif  // SLOPE_TEST_HAVE_CPU
