// The jit cache under attack and abuse (src/backends/cpu/cache_dir.cpp, toolchain.cpp): files
// swapped between the check and the load, symlinks, FIFOs, loose modes, tampered entries, and
// compiler output that is not what the caller needs. Another user cannot be simulated without
// root, so most swaps are done by this test itself at the worst moment (set_cache_test_hook).
#ifdef SLOPE_TEST_HAVE_CPU

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "jit_toolchain_fixture.h"

namespace {

using namespace slope_test;
using slope::cpu::CacheStep;

class JitCacheSafety : public ToolchainTest {
 protected:
  void TearDown() override {
    slope::cpu::set_cache_test_hook(nullptr);
    ToolchainTest::TearDown();
  }
  // Builds `source` and returns its entry (.so), with nothing in this process holding it.
  fs::path build_entry(const std::string& source) {
    BuildResult r = build_shared_library(source);
    EXPECT_TRUE(r.library) << r.log;
    return r.library ? fs::path(r.library->path()) : fs::path();
  }
  static fs::path sum_of(fs::path so) { return so.replace_extension(".sha256"); }
};

const std::string kEvilBody = "extern \"C\" int f(int x) { return x + 1000; }\n";

TEST_F(JitCacheSafety, EntrySwappedAfterItsCheckIsNotWhatIsLoaded) {
  // The genuine entry and another library with its own valid checksum (what an attacker plants).
  const std::string src = fresh_source();
  const fs::path genuine = build_entry(src), evil = build_entry(fresh_source(kEvilBody));
  int swaps = 0;
  slope::cpu::set_cache_test_hook([&](CacheStep step, const std::string& path) {
    if (step != CacheStep::entry_verified || path != genuine.string()) return;
    fs::copy_file(evil, genuine, fs::copy_options::overwrite_existing);
    fs::copy_file(sum_of(evil), sum_of(genuine), fs::copy_options::overwrite_existing);
    ++swaps;
  });
  BuildResult r = build_shared_library(src);
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_EQ(swaps, 1);
  EXPECT_TRUE(r.cache_hit);
  EXPECT_EQ(call_f(r, 1), 2);  // the bytes that were checked, not the ones on disk now
}

TEST_F(JitCacheSafety, DirectorySwappedAfterItsCheckIsNotUsed) {
  // After the directory was checked, it is renamed away and a new one with a planted entry (and
  // a matching checksum) takes its name: the lookup must stay in the directory it checked.
  const std::string src = fresh_source();
  const fs::path genuine = build_entry(src), evil = build_entry(fresh_source(kEvilBody));
  const fs::path moved = root_ / "cache" / "moved";
  int swaps = 0;
  slope::cpu::set_cache_test_hook([&](CacheStep step, const std::string& path) {
    if (step != CacheStep::directory_opened || path != cache().string() || swaps++) return;
    fs::rename(cache(), moved);
    fs::create_directory(cache());
    fs::permissions(cache(), fs::perms::owner_all);
    fs::copy_file(moved / evil.filename(), genuine);
    fs::copy_file(moved / sum_of(evil).filename(), sum_of(genuine));
  });
  BuildResult r = build_shared_library(src);
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_EQ(swaps, 1);
  EXPECT_TRUE(r.cache_hit);
  EXPECT_EQ(call_f(r, 1), 2);
}

TEST_F(JitCacheSafety, SymlinkedEntryIsRebuilt) {
  const std::string src = fresh_source();
  const fs::path genuine = build_entry(src), evil = build_entry(fresh_source(kEvilBody));
  fs::remove(genuine);
  fs::create_symlink(evil, genuine);
  fs::copy_file(sum_of(evil), sum_of(genuine), fs::copy_options::overwrite_existing);
  ::testing::internal::CaptureStderr();
  BuildResult r = build_shared_library(src);
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_FALSE(r.cache_hit);
  EXPECT_EQ(call_f(r, 1), 2);
  EXPECT_NE(err.find("symlink"), std::string::npos) << err;
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(genuine)));
}

TEST_F(JitCacheSafety, SymlinkedCacheRootIsCheckedWhereItLeads) {
  // ~/.cache on another disk is common, so the root may be a link; what it leads to must be safe.
  const fs::path mine = root_ / "mine", link = root_ / "link";
  fs::create_directory(mine);
  fs::permissions(mine, fs::perms::owner_all);
  fs::create_directory_symlink(mine, link);
  {
    EnvGuard dir("SLOPE_CACHE_DIR", link.string());
    BuildResult r = build_shared_library(fresh_source());
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_EQ(fs::path(r.library->path()).parent_path(), link / "jit-v1");
    EXPECT_EQ(files_ending(mine / "jit-v1", ".so").size(), 1u);
  }
  const fs::path open_dir = root_ / "open", open_link = root_ / "open-link";
  fs::create_directory(open_dir);
  fs::permissions(open_dir, fs::perms::all);  // 0777, not sticky
  fs::create_directory_symlink(open_dir, open_link);
  {
    EnvGuard dir("SLOPE_CACHE_DIR", open_link.string());
    ::testing::internal::CaptureStderr();
    BuildResult r = build_shared_library(fresh_source());
    std::string err = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_NE(err.find("writable by group or others"), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(open_dir / "jit-v1"));
  }
  if (::geteuid() != 0) return;  // handing a directory to another user needs root
  const fs::path theirs = root_ / "theirs", their_link = root_ / "their-link";
  fs::create_directory(theirs);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  fs::create_directory_symlink(theirs, their_link);
  EnvGuard dir("SLOPE_CACHE_DIR", their_link.string());
  ::testing::internal::CaptureStderr();
  BuildResult r = build_shared_library(fresh_source());
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_NE(err.find("owned by uid 65534"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(theirs / "jit-v1"));
}

TEST_F(JitCacheSafety, FifoInPlaceOfAnEntryDoesNotHang) {
  // Opening a FIFO for reading blocks until someone writes. Should the toolchain block, a helper
  // opens the writing end after 20 seconds, so this test fails instead of hanging.
  for (const std::string ext : {".so", ".sha256"}) {
    const std::string src = fresh_source();
    fs::path so = build_entry(src), fifo = ext == ".so" ? so : sum_of(so);
    fs::remove(fifo);
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::atomic<bool> done{false};
    std::thread rescuer([&] {
      for (int i = 0; i < 2000 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      struct stat st {};
      while (!done && ::lstat(fifo.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
        int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    auto t0 = std::chrono::steady_clock::now();
    ::testing::internal::CaptureStderr();
    BuildResult r = build_shared_library(src);
    std::string err = ::testing::internal::GetCapturedStderr();
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    done = true;
    rescuer.join();
    ASSERT_TRUE(r.library) << r.log;
    EXPECT_LT(seconds, 15.0) << ext << " FIFO: blocked";  // a rebuild, even on a loaded machine
    EXPECT_FALSE(r.cache_hit);
    EXPECT_EQ(call_f(r, 1), 2);
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(fifo))) << ext;
    if (ext == ".so") {
      EXPECT_NE(err.find("not a regular file"), std::string::npos) << err;
    }
  }
}

TEST_F(JitCacheSafety, LibraryWithoutARequiredSymbolIsNotCached) {
  // The compiler succeeded, but what it wrote lacks the entry point: a failure, and not an entry.
  const std::string src = fresh_source();
  BuildResult r = build_shared_library(src, {"f", "slope_main"});
  EXPECT_FALSE(r.library);
  EXPECT_EQ(r.failure, BuildFailure::missing_symbol);
  EXPECT_NE(r.log.find("slope_main"), std::string::npos) << r.log;
  EXPECT_TRUE(files_ending(cache(), ".so").empty());
  EXPECT_TRUE(files_ending(cache(), ".sha256").empty());
  EXPECT_FALSE(has_temporaries(cache()));
  BuildResult again = build_shared_library(src, {"f", "slope_main"});
  EXPECT_FALSE(again.library);
  EXPECT_TRUE(again.repeated);  // remembered: the caller warns once
  // The same source asked for with symbols it has is fine.
  BuildResult ok = build_shared_library(fresh_source(), {"f"});
  ASSERT_TRUE(ok.library) << ok.log;
}

TEST_F(JitCacheSafety, ReadableCacheDirectoryIsTightenedTo0700) {
  // Ours and not writable by anyone else, but readable: made private, then used.
  fs::create_directories(cache());
  fs::permissions(root_ / "cache", fs::perms::owner_all);
  fs::permissions(cache(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);  // 0755
  BuildResult r = build_shared_library(fresh_source());
  ASSERT_TRUE(r.library) << r.log;
  EXPECT_EQ(fs::path(r.library->path()).parent_path(), cache());
  EXPECT_EQ(mode_of(cache()), 0700u);
}

TEST_F(JitCacheSafety, ModesArePrivateWhateverTheUmask) {
  // The linker writes 0777 & ~umask; under umask 000 an entry would be world-writable.
  const mode_t old = ::umask(0);
  BuildResult r = build_shared_library(fresh_source());
  ::umask(old);
  ASSERT_TRUE(r.library) << r.log;
  const fs::path so = r.library->path();
  EXPECT_EQ(mode_of(root_ / "cache"), 0700u);
  EXPECT_EQ(mode_of(cache()), 0700u);
  EXPECT_EQ(mode_of(so), 0600u);
  EXPECT_EQ(mode_of(sum_of(so)), 0600u);
}

TEST_F(JitCacheSafety, TamperedEntryIsReportedOnceAndRebuilt) {
  const std::string src = fresh_source();
  const fs::path so = build_entry(src);
  {
    std::fstream f(so, std::ios::in | std::ios::out | std::ios::binary);
    const auto mid = std::streamoff(fs::file_size(so) / 2);
    char c = 0;
    f.seekg(mid);
    f.get(c);
    f.seekp(mid);
    f.put(char(c ^ 0x5a));
  }
  ::testing::internal::CaptureStderr();
  BuildResult r = build_shared_library(src);
  r = {};
  BuildResult again = build_shared_library(src);  // rebuilt entry: a silent hit
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(again.library) << again.log;
  EXPECT_TRUE(again.cache_hit);
  const std::string what = "does not match its checksum";
  EXPECT_NE(err.find(what), std::string::npos) << err;
  EXPECT_EQ(err.find(what), err.rfind(what)) << "said more than once: " << err;
  EXPECT_NE(err.find(so.string()), std::string::npos) << err;
}

}  // namespace

#endif  // SLOPE_TEST_HAVE_CPU
