#pragma once
// Turning generated C++ into loaded machine code: the system compiler (compiler.h), an on-disk
// cache of shared objects keyed by content hash (cache_dir.h), and loading exactly the bytes that
// were checked. Used by the cpu backend's compile().
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/toolchain/compiler.h"
#include "backends/cpu/toolchain/unique_fd.h"

namespace slope::cpu {

// A loaded shared object; unloaded when the last reference goes. It was loaded from `memory` (a
// sealed copy of its bytes) through /proc/self/fd/<n>: the loader recognises loaded objects by
// that name, so the descriptor stays open, and its number taken, while the object is loaded.
class SharedLibrary {
 public:
  SharedLibrary(void* handle, std::string path, UniqueFd memory)
      : handle_(handle), path_(std::move(path)), memory_(std::move(memory)) {}
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;
  void* symbol(const std::string& name) const;  // throws slope::Error "[jit] ..." if missing
  const std::string& path() const { return path_; }  // its cache entry (the bytes were loaded from memory)

 private:
  void* handle_;
  std::string path_;
  UniqueFd memory_;
};

enum class BuildFailure {
  none,
  compiler,        // the compiler could not be run, failed, or wrote something that does not load
  timeout,         // the compiler ran longer than SLOPE_JIT_TIMEOUT and was stopped
  missing_symbol,  // it succeeded, but a required symbol is not in what it wrote
  cache,           // no usable cache or temporary directory, a full disk, ...
};

struct BuildResult {
  std::shared_ptr<SharedLibrary> library;  // null on failure
  std::string log;                         // the compiler's output; on failure: why
  bool cache_hit = false;
  BuildFailure failure = BuildFailure::none;
  // This failure was already returned for this source in this process (the caller warned then).
  bool repeated = false;
};

// Builds `source` into a shared object, or loads it from the cache: a private versioned directory
// ($SLOPE_CACHE_DIR, else $XDG_CACHE_HOME/slope, else ~/.cache/slope; then jit-v1/), mode 0700,
// owned by this user, entries named by the hash of source + compiler identity + flags, each stored
// with the SHA-256 of its bytes. An entry is read once into a sealed memory file, checked against
// its hash and loaded from that memory, so no one can swap the file between the check and the
// load; a corrupt, tampered or partial entry is rebuilt (said once on stderr). Writes are atomic
// (temporary file + rename), so concurrent processes and interrupted builds are safe.
//
// Failures do not throw: they come back without a library and with a log saying why, so the
// caller can fall back to the interpreter. A build missing one of `required_symbols` is a failure
// and is not cached. Failures are remembered for this source and compiler in this process; a
// timeout is also recorded in the cache (<key>.failed), so later processes do not wait for it
// again unless SLOPE_JIT_TIMEOUT has been raised or the compiler has changed.
BuildResult build_shared_library(const std::string& source, const std::vector<std::string>& required_symbols = {});

// For tests: called at two points of every disk-cache lookup, so a test can swap files at the
// worst moment and check that what is loaded is still what was verified. Empty: no hook.
enum class CacheStep {
  directory_opened,  // path: the cache directory, opened and checked
  entry_verified,    // path: the entry whose bytes were read and matched their checksum
};
void set_cache_test_hook(std::function<void(CacheStep, const std::string& path)> hook);

}  // namespace slope::cpu
