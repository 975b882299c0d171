// Checked reads of untrusted files and atomic writes (see file.h for the guarantees).
#include "io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

namespace slope::io {

namespace {
// One read or write call moves at most this much: Linux caps a single call near 2 GiB, and chunks
// give the test hook points inside a large tensor.
constexpr uint64_t kChunk = uint64_t(1) << 20;

WriteHook& hook() {
  static WriteHook h;
  return h;
}
void call_hook(const char* stage, uint64_t bytes) {
  if (hook()) hook()(stage, bytes);
}

std::string error_text(int err) { return std::strerror(err); }

// A name no other writer uses: the pid keeps processes apart, the counter threads, the random
// part a pid reused after a crash.
std::filesystem::path temporary_name(const std::filesystem::path& path) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // (appended piece by piece: g++ 12 warns falsely on "literal" + std::string&&)
  std::string name = ".";
  name += path.filename().string();
  name += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rng() % 1000000);
  return path.parent_path() / name;
}
}  // namespace

std::string quoted(const std::filesystem::path& path) {
  std::string s = "'";
  s += path.string();
  s += "'";
  return s;
}

void set_write_hook(WriteHook h) { hook() = std::move(h); }

InputFile::InputFile(const char* op, const std::filesystem::path& path) : op_(op), path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail("cannot open: ", error_text(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    int err = errno;
    ::close(fd_);
    fail("cannot stat: ", error_text(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    fail("not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void InputFile::read_at(uint64_t offset, void* dst, uint64_t n) const {
  if (offset > size_ || n > size_ - offset)
    fail("reading ", n, " bytes at offset ", offset, " would pass the end of the file (", size_, " bytes)");
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    ssize_t got = ::pread(fd_, out, std::min(n, kChunk), static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail("read error at offset ", offset, ": ", error_text(errno));
    if (got == 0) fail("the file ended at offset ", offset, " (it shrank while being read)");
    out += got;
    offset += static_cast<uint64_t>(got);
    n -= static_cast<uint64_t>(got);
  }
}

AtomicWriter::AtomicWriter(const char* op, const std::filesystem::path& path) : op_(op), path_(path) {
  if (path.filename().empty()) fail("not a file name");
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    tmp_ = temporary_name(path);
    // 0666 before the umask: the checkpoint gets the permissions any new file would.
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) fail("cannot create a temporary file next to it: ", error_text(errno));
  }
  if (fd_ < 0) fail("cannot create a temporary file next to it: every name tried exists");
}

AtomicWriter::~AtomicWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void AtomicWriter::write(const void* data, uint64_t n) {
  const auto* in = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t put = ::write(fd_, in, std::min(n, kChunk));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) fail("write error after ", written_, " bytes: ", error_text(errno));
    in += put;
    n -= static_cast<uint64_t>(put);
    written_ += static_cast<uint64_t>(put);
    call_hook("write", written_);
  }
}

void AtomicWriter::commit() {
  if (::fsync(fd_) != 0) fail("fsync failed: ", error_text(errno));
  call_hook("fsync", written_);
  int err = ::close(fd_) == 0 ? 0 : errno;
  fd_ = -1;
  if (err != 0) {
    ::unlink(tmp_.c_str());
    fail("close failed: ", error_text(err));
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    err = errno;
    ::unlink(tmp_.c_str());
    fail("cannot rename the temporary file over it: ", error_text(err));
  }
  call_hook("rename", written_);
  // The rename is durable only once the directory entry is on disk.
  std::filesystem::path dir = path_.parent_path().empty() ? std::filesystem::path(".") : path_.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail("written, but its directory cannot be opened to sync it: ", error_text(errno));
  err = ::fsync(dfd) == 0 ? 0 : errno;
  ::close(dfd);
  if (err != 0) fail("written, but syncing its directory failed: ", error_text(err));
}

}  // namespace slope::io
