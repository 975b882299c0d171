#pragma once
// Buffer: one contiguous, 64-byte aligned block of host memory.
// Blocks from 64 KiB up are recycled through a cache: on this kind of machine a fresh 64 MiB
// allocation costs ~17 ms of page faults, more than the work done on it.
#include <cstddef>
#include <memory>

namespace slope {

class Buffer {
 public:
  static std::shared_ptr<Buffer> allocate(size_t nbytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

  // Cached bytes kept for reuse; release_cached() returns them to the system.
  static size_t cached_bytes();
  static void release_cached();

 private:
  Buffer(void* data, size_t nbytes, size_t capacity) : data_(data), nbytes_(nbytes), capacity_(capacity) {}
  void* data_;
  size_t nbytes_;
  size_t capacity_;
};

}  // namespace slope
