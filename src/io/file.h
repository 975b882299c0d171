#pragma once
// The two ways slope touches a file: reading an untrusted one (its size is known before anything is
// read or allocated, every read is checked), and writing one atomically (a temporary file in the
// same directory, fsync, rename over the target, fsync of the directory: a writer killed at any
// moment leaves the previous file whole). Every failure is a slope::Error "[op] 'path': ...".
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "slope/error.h"

namespace slope::io {

// "'dir/model.safetensors'": how messages name a file.
std::string quoted(const std::filesystem::path& path);

class InputFile {
 public:
  InputFile(const char* op, const std::filesystem::path& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  uint64_t size() const { return size_; }
  const char* op() const { return op_; }
  const std::filesystem::path& path() const { return path_; }
  // Reads exactly n bytes at offset; offset + n must lie inside the file (checked).
  void read_at(uint64_t offset, void* dst, uint64_t n) const;

  template <class... Args>
  [[noreturn]] void fail(Args&&... args) const {
    slope::fail(op_, quoted(path_), ": ", std::forward<Args>(args)...);
  }

 private:
  const char* op_;
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

class AtomicWriter {
 public:
  AtomicWriter(const char* op, const std::filesystem::path& path);
  ~AtomicWriter();  // without commit(): the temporary file is removed, the target untouched
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(const void* data, uint64_t n);
  void commit();

  template <class... Args>
  [[noreturn]] void fail(Args&&... args) const {
    slope::fail(op_, quoted(path_), ": ", std::forward<Args>(args)...);
  }

 private:
  const char* op_;
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
  uint64_t written_ = 0;
};

// For tests of atomicity only: called after every chunk written ("write"), after the data is
// synced ("fsync") and after the rename ("rename"), with the bytes written so far. A test's forked
// child uses it to stop at a chosen moment and be killed there. Empty = no hook.
using WriteHook = std::function<void(const char* stage, uint64_t bytes_written)>;
void set_write_hook(WriteHook hook);

}  // namespace slope::io
