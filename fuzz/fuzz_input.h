#pragma once
// The fuzzers' input as a file: the readers take paths (that is what users call), so each input
// is written into one in-memory file (memfd) that the reader opens through /proc/self/fd.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace slope::fuzz {

inline std::string as_file(const uint8_t* data, size_t size) {
  static const int fd = [] {
    int f = ::memfd_create("slope-fuzz-input", 0);
    if (f < 0) std::abort();
    return f;
  }();
  if (::ftruncate(fd, 0) != 0) std::abort();
  for (size_t done = 0; done < size;) {
    ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

// Reads every byte of a loaded tensor, so the sanitizers see any buffer that is too small.
inline uint64_t touch(const void* p, size_t n) {
  uint64_t h = 0;
  for (size_t i = 0; i < n; ++i) h = h * 31 + static_cast<const unsigned char*>(p)[i];
  return h;
}

}  // namespace slope::fuzz
