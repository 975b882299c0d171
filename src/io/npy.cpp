// .npy reads and writes (the format and its guarantees: include/slope/io/npy.h).
#include "slope/io/npy.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "io/byte_count.h"
#include "io/npy_header.h"
#include "io/tensor_bytes.h"
#include "slope/interpreter.h"

namespace slope {

namespace {
constexpr char kMagic[] = "\x93NUMPY";
constexpr uint64_t kMaxHeader = uint64_t(1) << 20;  // numpy's own reader stops at 10,000 bytes

struct NpyType {
  const char* descr;
  DType dtype;
};
constexpr NpyType kTypes[] = {{"<f8", f64}, {"<f4", f32}, {"<f2", f16}, {"<i8", i64}, {"<i4", i32},
                              {"|i1", i8},  {"|u1", u8},  {"|b1", bool_}, {"<u4", u32}};

const char* descr_of(DType d) {
  for (const auto& t : kTypes)
    if (t.dtype == d) return t.descr;
  return nullptr;
}

DType dtype_from_descr(const io::InputFile& file, const std::string& descr) {
  for (const auto& t : kTypes) {
    // One-byte types have no byte order: numpy writes '|', '<' means the same.
    if (descr == t.descr || (t.descr[0] == '|' && descr.size() == 3 && descr[0] == '<' && descr.substr(1) == t.descr + 1))
      return t.dtype;
  }
  if (!descr.empty() && descr[0] == '>')
    file.fail("big-endian data ('", descr, "') is not supported: save it with a.astype(a.dtype.newbyteorder('<'))");
  file.fail("dtype '", descr, "' is not one slope reads ('<f8' '<f4' '<f2' '<i8' '<i4' '|i1' '|u1' '|b1' '<u4')");
}

// Data stored in Fortran order is the row-major array of the reversed shape: element (i0..ik) of
// the result is element (ik..i0) of what was read.
Tensor from_fortran_order(const Tensor& reversed, const Shape& shape) {
  Tensor out = make_array(AVal{shape, reversed.dtype()});
  const int64_t rank = static_cast<int64_t>(shape.size()), n = out.numel();
  const size_t item = itemsize(out.dtype());
  Shape step(shape.size(), 1);  // how far a step along axis j moves in the read data
  for (int64_t j = 1; j < rank; ++j) step[j] = step[j - 1] * shape[j - 1];
  Shape index(shape.size(), 0);
  const auto* src = static_cast<const unsigned char*>(reversed.data());
  unsigned char* dst = io::fresh_bytes(out);
  int64_t offset = 0;
  for (int64_t e = 0; e < n; ++e) {
    std::memcpy(dst + e * item, src + offset * item, item);
    for (int64_t j = rank - 1; j >= 0; --j) {  // odometer over the result's index
      offset += step[j];
      if (++index[j] < shape[j]) break;
      offset -= step[j] * shape[j];
      index[j] = 0;
    }
  }
  return out;
}

uint64_t read_header_length(const io::InputFile& file, int major, uint64_t& preamble) {
  preamble = major == 1 ? 10 : 12;
  if (file.size() < preamble) file.fail("the file ends inside the header length");
  unsigned char b[4] = {0, 0, 0, 0};
  file.read_at(8, b, preamble - 8);
  return uint64_t(b[0]) | uint64_t(b[1]) << 8 | uint64_t(b[2]) << 16 | uint64_t(b[3]) << 24;
}
}  // namespace

Tensor load_npy(const std::filesystem::path& path) {
  io::InputFile file("load_npy", path);
  char magic[8];
  if (file.size() < 8) file.fail("the file has ", file.size(), " bytes, too few for the .npy magic and version");
  file.read_at(0, magic, 8);
  if (std::memcmp(magic, kMagic, 6) != 0) file.fail("not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(magic[6]), minor = static_cast<unsigned char>(magic[7]);
  if (major < 1 || major > 3 || minor != 0) file.fail("format version ", major, ".", minor, " is not 1.0, 2.0 or 3.0");
  uint64_t preamble = 0;
  const uint64_t n = read_header_length(file, major, preamble);
  if (n > kMaxHeader) file.fail("header length ", n, " is over the 1 MiB limit");
  if (n > file.size() - preamble) file.fail("header length ", n, " is more than the ", file.size() - preamble, " bytes that follow it");
  std::string text(n, '\0');
  file.read_at(preamble, text.data(), n);
  io::NpyHeader h = io::parse_npy_header(file, text);

  const DType dtype = dtype_from_descr(file, h.descr);
  std::optional<uint64_t> nbytes = io::checked_byte_count(h.shape, itemsize(dtype));
  if (!nbytes) file.fail("the byte count of shape ", to_string(h.shape), " overflows");
  const uint64_t data_start = preamble + n;
  if (*nbytes != file.size() - data_start)
    file.fail("shape ", to_string(h.shape), " of '", h.descr, "' needs ", *nbytes, " bytes of data, the file has ",
              file.size() - data_start);
  Shape stored = h.shape;
  if (h.fortran_order) std::reverse(stored.begin(), stored.end());
  Tensor t = make_array(AVal{stored, dtype});
  file.read_at(data_start, io::fresh_bytes(t), *nbytes);
  io::normalise_bools(t);
  return h.fortran_order && h.shape.size() > 1 ? from_fortran_order(t, h.shape) : t;
}

void save_npy(const Tensor& t, const std::filesystem::path& path) {
  const auto where = io::quoted(path);
  if (!t.defined()) fail("save_npy", where, ": the tensor is an empty handle");
  if (!t.is_concrete()) fail("save_npy", where, ": the tensor is a tracer; save values outside jit/grad/vmap");
  const char* descr = descr_of(t.dtype());
  if (!descr) fail("save_npy", where, ": NumPy has no ", t.dtype(), " dtype; cast the tensor first (e.g. to f32)");
  std::string dict = "{'descr': '";
  dict += descr;
  dict += "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.shape().size(); ++i) dict += std::to_string(t.shape()[i]) + (t.shape().size() == 1 ? "," : i + 1 < t.shape().size() ? ", " : "");
  dict += "), }";
  // Spaces and a newline end the header so the data starts 64-byte aligned, as numpy writes it.
  auto padded = [&](uint64_t preamble) {
    std::string h = dict;
    h.append((64 - (preamble + h.size() + 1) % 64) % 64, ' ');
    return h + "\n";
  };
  std::string header = padded(10);
  const bool v1 = header.size() <= 0xffff;
  if (!v1) header = padded(12);
  std::string pre(kMagic, 6);
  pre += v1 ? std::string("\x01\x00", 2) : std::string("\x02\x00", 2);
  for (int i = 0; i < (v1 ? 2 : 4); ++i) pre += static_cast<char>(static_cast<uint64_t>(header.size()) >> (8 * i));
  io::AtomicWriter out("save_npy", path);
  out.write(pre.data(), pre.size());
  out.write(header.data(), header.size());
  if (uint64_t n = io::byte_count(t)) out.write(t.data(), n);
  out.commit();
}

}  // namespace slope
