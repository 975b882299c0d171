#pragma once
// The jit's on-disk cache directory: where it is, whether it is safe to keep code in, and the
// files in it. The directory is opened once, checked on its descriptor, and every file in it is
// then reached through that descriptor (openat with O_NOFOLLOW): renaming or replacing anything
// on its path afterwards cannot redirect a read, a write or a load. See docs/architecture.md.
#include <optional>
#include <string>

#include "backends/cpu/toolchain/unique_fd.h"

namespace slope::cpu {

// The versioned directory inside the cache root: bumped when entries change meaning.
inline constexpr const char* kCacheVersionDir = "jit-v1";

// An open directory of the toolchain's (the cache, or one build's private directory). Every
// method that writes throws slope::Error "[jit] ..." on failure.
class OpenDir {
 public:
  OpenDir(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }  // for messages only
  std::string path_of(const std::string& name) const { return path_ + "/" + name; }

  // Opens file `name` for reading, never following a symlink and never blocking (a FIFO). Only a
  // regular file owned by this user (or root) that nobody else may write is returned; otherwise
  // an invalid descriptor, and `why` says what is wrong when something is there.
  UniqueFd open_file(const std::string& name, std::string& why) const;
  // Like open_file, for a file that a program we ran (the compiler) just wrote here: it was
  // created with mode 0777 & ~umask, which may let others write it, so it is made 0600 first.
  UniqueFd claim_file(const std::string& name, std::string& why) const;
  // A small text file (a checksum, a failure record), trailing whitespace removed; nullopt if it
  // is missing, unsafe (as above) or longer than a few KiB.
  std::optional<std::string> read_text(const std::string& name) const;
  // Creates a new file (never through an existing name or link) with mode 0600, whatever the umask.
  void create_file(const std::string& name, const std::string& data) const;
  // Replaces a small text file atomically: a temporary file renamed over it.
  void write_text(const std::string& name, const std::string& text) const;
  // Atomically moves `from` in this directory to `to` in `dest` (one file system).
  void move(const std::string& from, const OpenDir& dest, const std::string& to) const;
  void remove(const std::string& name) const;  // a missing file is not an error

 private:
  UniqueFd open_regular(const std::string& name, bool make_private, std::string& why) const;

  UniqueFd fd_;
  std::string path_;
};

// The cache directory the environment names ($SLOPE_CACHE_DIR, else $XDG_CACHE_HOME/slope, else
// ~/.cache/slope; then jit-v1/), created with mode 0700 where missing. If it is not safe to keep
// code in, this process's private temporary directory instead, with one warning on stderr per
// refused location. Throws slope::Error only if not even the private directory can be made.
OpenDir open_cache_dir();

// A private directory (0700) inside the cache for one build: the compiler runs in it, results
// are moved from it into the cache, and it goes, with whatever is left in it, when this does.
class BuildDir {
 public:
  explicit BuildDir(const OpenDir& cache);
  ~BuildDir();
  BuildDir(const BuildDir&) = delete;
  BuildDir& operator=(const BuildDir&) = delete;

  const OpenDir& dir() const { return *dir_; }

 private:
  UniqueFd parent_;
  std::string name_;
  std::optional<OpenDir> dir_;
};

}  // namespace slope::cpu
