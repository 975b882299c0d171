#pragma once
// Turning generated C++ into loaded machine code: the system compiler, an on-disk cache of
// shared objects keyed by content hash, and dlopen. Used by the cpu backend's compile().
#include <memory>
#include <string>
#include <vector>

namespace slope::cpu {

// A loaded shared object; unloaded when the last reference goes.
class SharedLibrary {
 public:
  SharedLibrary(void* handle, std::string path) : handle_(handle), path_(std::move(path)) {}
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;
  void* symbol(const std::string& name) const;  // throws slope::Error "[jit] ..." if missing
  const std::string& path() const { return path_; }

 private:
  void* handle_;
  std::string path_;
};

struct BuildResult {
  std::shared_ptr<SharedLibrary> library;  // null when the compiler failed
  std::string log;                         // the compiler's output (on failure: why)
  bool cache_hit = false;
};

// The compiler: $SLOPE_CXX, else $CXX, else c++. Flags: optimised, position independent,
// `omp simd` pragmas (-fopenmp-simd, no OpenMP runtime), -march=native, linked with OpenBLAS.
std::string compiler();
std::vector<std::string> compile_flags();
std::vector<std::string> link_flags();

// Builds `source` into a shared object, or loads it from the cache: a private versioned directory
// ($SLOPE_CACHE_DIR, else $XDG_CACHE_HOME/slope, else ~/.cache/slope; then jit-v<N>/), mode 0700,
// owned by this user, entries named by the hash of source + compiler + flags, each stored with the
// hash of its bytes, checked before loading; a corrupt or partial entry is rebuilt. Writes are
// atomic (temporary file + rename), so concurrent processes and interrupted builds are safe.
BuildResult build_shared_library(const std::string& source);

}  // namespace slope::cpu
