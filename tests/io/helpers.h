#pragma once
// Shared by tests/test_io_*.cpp: a private temporary folder, raw file writing, the independent
// Python reference (tests/io/reference.py) and exact comparison of tensors with its JSON output.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "slope/slope.h"

namespace slope::test_io {

namespace fs = std::filesystem;

// A fresh folder under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "slope-test-io-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

// The bytes gzip-compressed into a file (for hand-made .gz test inputs).
inline void write_gzip(const fs::path& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

// An IDX header: two zero bytes, the type code, the rank, then big-endian u32 dimensions.
inline std::string idx_header(unsigned char type, const std::vector<uint32_t>& dims) {
  std::string h{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) h += static_cast<char>(d >> s);
  return h;
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Runs tests/io/reference.py with the given arguments; fails the test when it fails.
inline void run_reference(const std::vector<std::string>& args) {
  std::string cmd = std::string(SLOPE_TEST_PYTHON) + " " + SLOPE_TEST_IO_REFERENCE;
  for (const auto& a : args) cmd += " '" + a + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

inline nlohmann::json read_json(const fs::path& path) {
  std::ifstream f(path);
  return nlohmann::json::parse(f);
}

// The elements' raw bytes as unsigned integers, as reference.py's `bits` gives them.
inline std::vector<uint64_t> bits_of(const Tensor& t) {
  const size_t size = itemsize(t.dtype());
  const auto* p = static_cast<const unsigned char*>(t.data());
  std::vector<uint64_t> out(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t v = 0;
    std::memcpy(&v, p + i * size, size);  // little-endian host
    out[i] = v;
  }
  return out;
}

inline Shape shape_of(const nlohmann::json& j) {
  Shape s;
  for (const auto& d : j) s.push_back(d.get<int64_t>());
  return s;
}

// t equals the reference's description {shape, bits} exactly.
inline void expect_matches(const Tensor& t, const nlohmann::json& desc, const std::string& what) {
  EXPECT_EQ(t.shape(), shape_of(desc["shape"])) << what;
  EXPECT_EQ(bits_of(t), desc["bits"].get<std::vector<uint64_t>>()) << what;
}

// Bitwise equality of two tensors (dtype, shape and bytes).
inline void expect_identical(const Tensor& a, const Tensor& b, const std::string& what = "") {
  EXPECT_EQ(a.dtype(), b.dtype()) << what;
  EXPECT_EQ(a.shape(), b.shape()) << what;
  if (a.dtype() == b.dtype() && a.shape() == b.shape()) {
    EXPECT_EQ(bits_of(a), bits_of(b)) << what;
  }
}

// Expects fn to throw a slope::Error whose message contains every one of `parts`.
template <class F>
void expect_error(F&& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one mentioning '" << parts.front() << "'";
  } catch (const Error& e) {
    std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

}  // namespace slope::test_io
