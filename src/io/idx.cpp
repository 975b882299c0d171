// IDX reads, plain or gzipped (the format and its guarantees: include/slope/io/idx.h).
#include "slope/io/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "io/byte_count.h"
#include "io/file.h"
#include "io/idx_reader.h"
#include "io/tensor_bytes.h"
#include "slope/interpreter.h"

namespace slope {

namespace io {

namespace {
// Deflate cannot expand data more than 1032-fold (a 258-byte match coded in 2 bits), so a gzip
// file of n bytes decompresses to at most 1032 n: a header claiming more is a lie, found before
// anything is allocated.
constexpr uint64_t kMaxDeflateRatio = 1032;

// Where the bytes after the 4-byte magic come from: the file itself, or zlib inflating it.
class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t read(void* dst, uint64_t n) = 0;  // fewer than n only at the end of the data
  virtual std::string problem() const { return ""; }  // what cut the data short, if anything
};

class PlainSource : public Source {
 public:
  explicit PlainSource(const InputFile& file) : file_(file) {}
  uint64_t read(void* dst, uint64_t n) override {
    n = std::min(n, file_.size() - at_);
    file_.read_at(at_, dst, n);
    at_ += n;
    return n;
  }

 private:
  const InputFile& file_;
  uint64_t at_ = 0;
};

class GzipSource : public Source {
 public:
  explicit GzipSource(const InputFile& file) : file_(file), gz_(gzopen(file.path().c_str(), "rb")) {
    if (!gz_) file.fail("cannot open for decompression");
    gzbuffer(gz_, 1 << 17);
  }
  ~GzipSource() override { gzclose(gz_); }
  uint64_t read(void* dst, uint64_t n) override {
    auto* out = static_cast<char*>(dst);
    uint64_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(n - done, 1u << 30));
      const int got = gzread(gz_, out + done, chunk);
      if (got < 0) file_.fail("corrupt gzip data: ", problem());
      done += static_cast<uint64_t>(got);
      if (static_cast<unsigned>(got) < chunk) break;
    }
    return done;
  }
  std::string problem() const override {
    int err = Z_OK;
    const char* msg = gzerror(gz_, &err);
    return err == Z_OK ? "" : msg;
  }

 private:
  const InputFile& file_;
  gzFile gz_;
};

struct IdxType {
  unsigned char code;
  DType dtype;
  uint64_t file_itemsize;  // i16 is 2 bytes in the file, 4 in slope
};
constexpr IdxType kTypes[] = {{0x08, u8, 1}, {0x09, i8, 1}, {0x0B, i32, 2}, {0x0C, i32, 4}, {0x0D, f32, 4}, {0x0E, f64, 8}};

void read_exact(const InputFile& file, Source& src, void* dst, uint64_t n, const char* what) {
  const uint64_t got = src.read(dst, n);
  if (got < n) {
    std::string why = src.problem();
    file.fail("the file ends inside ", what, " (", got, " of ", n, " bytes)", why.empty() ? "" : ": ", why);
  }
}

// Big-endian file order to the host's; i16 widened to i32 in place, from the end backwards so no
// value is overwritten before it is read.
void to_host_order(const Tensor& t, uint64_t file_itemsize) {
  unsigned char* b = fresh_bytes(t);
  const uint64_t n = static_cast<uint64_t>(t.numel());
  if (file_itemsize == 2) {
    for (uint64_t i = n; i-- > 0;) {
      const int32_t v = static_cast<int16_t>(static_cast<uint16_t>(b[2 * i] << 8 | b[2 * i + 1]));
      std::memcpy(b + 4 * i, &v, 4);
    }
  } else if (file_itemsize == 4) {
    for (uint64_t i = 0; i < n; ++i) {
      uint32_t v;
      std::memcpy(&v, b + 4 * i, 4);
      v = __builtin_bswap32(v);
      std::memcpy(b + 4 * i, &v, 4);
    }
  } else if (file_itemsize == 8) {
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t v;
      std::memcpy(&v, b + 8 * i, 8);
      v = __builtin_bswap64(v);
      std::memcpy(b + 8 * i, &v, 8);
    }
  }
}

const IdxType& idx_type(const InputFile& file, unsigned char code) {
  for (const auto& t : kTypes)
    if (t.code == code) return t;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", code);
  file.fail("unknown IDX type code ", hex, " (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)");
}
}  // namespace

Tensor read_idx(const char* op, const std::filesystem::path& path) {
  InputFile file(op, path);
  unsigned char magic[4] = {0, 0, 0, 0};
  if (file.size() >= 2) file.read_at(0, magic, 2);
  const bool gzip = magic[0] == 0x1f && magic[1] == 0x8b;
  std::unique_ptr<Source> src = gzip ? std::unique_ptr<Source>(new GzipSource(file)) : std::make_unique<PlainSource>(file);
  read_exact(file, *src, magic, 4, "the magic number");
  if (magic[0] != 0 || magic[1] != 0) file.fail("not an IDX file: the magic number does not start with two zero bytes");
  const IdxType& type = idx_type(file, magic[2]);
  const int rank = magic[3];
  if (rank == 0) file.fail("rank 0: an IDX file has at least one dimension");
  unsigned char dims[4 * 255];
  read_exact(file, *src, dims, 4 * static_cast<uint64_t>(rank), "the dimensions");
  Shape shape;
  for (int i = 0; i < rank; ++i)
    shape.push_back(int64_t(dims[4 * i]) << 24 | int64_t(dims[4 * i + 1]) << 16 | int64_t(dims[4 * i + 2]) << 8 | dims[4 * i + 3]);

  const std::optional<uint64_t> nbytes = checked_byte_count(shape, type.file_itemsize);
  if (!nbytes || !checked_byte_count(shape, itemsize(type.dtype))) file.fail("the byte count of shape ", to_string(shape), " overflows");
  const uint64_t header = 4 + 4 * static_cast<uint64_t>(rank);
  if (!gzip && *nbytes != file.size() - header)
    file.fail("shape ", to_string(shape), " needs ", *nbytes, " bytes of data, the file has ", file.size() - header);
  if (gzip && *nbytes / kMaxDeflateRatio > file.size())
    file.fail("shape ", to_string(shape), " needs ", *nbytes, " bytes of data, more than a ", file.size(),
              "-byte gzip file can hold");

  Tensor t = make_array(AVal{shape, type.dtype});
  read_exact(file, *src, fresh_bytes(t), *nbytes, "the data");
  unsigned char extra;
  if (src->read(&extra, 1) != 0) file.fail("more data follows the ", *nbytes, " bytes shape ", to_string(shape), " holds");
  to_host_order(t, type.file_itemsize);
  return t;
}

}  // namespace io

Tensor load_idx(const std::filesystem::path& path) { return io::read_idx("load_idx", path); }

}  // namespace slope
