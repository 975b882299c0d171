// IDX: every type, plain and gzipped, read exactly as an independent Python writer wrote it;
// malformed headers, lying sizes and gzip bombs rejected without a large allocation.
#include <gtest/gtest.h>

#include "io/helpers.h"
#include "slope/io/idx.h"

using namespace slope;
using namespace slope::test_io;

TEST(Idx, ReadsEveryTypePlainAndGzipped) {
  TempDir dir;
  run_reference({"idx-write", dir.path().string()});
  nlohmann::json expect = read_json(dir / "expect.json");
  const std::map<std::string, DType> dtypes{{"<u1", u8}, {"<i1", i8}, {"<i4", i32}, {"<f4", f32}, {"<f8", f64}};
  ASSERT_EQ(expect.size(), 7u);
  for (const auto& [file, want] : expect.items()) {
    for (const std::string& name : {file, file + ".gz"}) {
      SCOPED_TRACE(name);
      Tensor t = load_idx(dir / name);
      EXPECT_EQ(t.dtype(), dtypes.at(want["dtype"].get<std::string>()));
      expect_matches(t, want, name);
    }
  }
}

TEST(Idx, RejectsMalformedFilesNamingFileAndProblem) {
  TempDir dir;
  struct Case {
    std::string bytes, expected;
  };
  const std::string u8x6 = idx_header(0x08, {2, 3});
  std::vector<Case> cases = {
      {"", "ends inside the magic number (0 of 4 bytes)"},
      {std::string("\x00\x00\x08", 3), "ends inside the magic number (3 of 4 bytes)"},
      {std::string("\x01\x00\x08\x01", 4) + std::string(5, '\0'), "not an IDX file"},
      {idx_header(0x0A, {2}), "unknown IDX type code 0x0A"},
      {idx_header(0x08, {}), "rank 0"},
      {idx_header(0x08, {2, 3}).substr(0, 9), "ends inside the dimensions (5 of 8 bytes)"},
      {u8x6 + "12345", "needs 6 bytes of data, the file has 5"},
      {u8x6 + "1234567", "needs 6 bytes of data, the file has 7"},
      {idx_header(0x0E, {0xffffffff, 0xffffffff, 0xffffffff}), "overflows"},
      {idx_header(0x0B, {0xffffffff, 0xffffffff}), "overflows"},  // fits as i16, not once widened
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": " + cases[i].expected);
    fs::path p = dir / ("bad" + std::to_string(i));
    write_bytes(p, cases[i].bytes);
    expect_error([&] { load_idx(p); }, {"[load_idx]", p.string(), cases[i].expected});
  }
}

TEST(Idx, GzipSizesAreCheckedAndDecompressionIsBounded) {
  TempDir dir;
  // A header claiming 4 GB in a file of a few dozen bytes: rejected before any allocation.
  write_gzip(dir / "claims.gz", idx_header(0x08, {0xffff, 0xffff}));
  expect_error([&] { load_idx(dir / "claims.gz"); }, {"[load_idx]", "more than a", "gzip file can hold"});
  // A bomb: 100 bytes announced, 64 MiB of zeros inflating from ~64 KB. One byte past the
  // announced size is read, then the file is rejected.
  write_gzip(dir / "bomb.gz", idx_header(0x08, {100}) + std::string(size_t(64) << 20, '\0'));
  EXPECT_LT(fs::file_size(dir / "bomb.gz"), 200000u);
  expect_error([&] { load_idx(dir / "bomb.gz"); }, {"[load_idx]", "more data follows the 100 bytes"});
  write_gzip(dir / "short.gz", idx_header(0x0C, {4}) + std::string(15, '\1'));
  expect_error([&] { load_idx(dir / "short.gz"); }, {"[load_idx]", "ends inside the data (15 of 16 bytes)"});
  // A damaged stream: a truncated file, and flipped bytes inside the deflate data.
  write_gzip(dir / "good.gz", idx_header(0x08, {4096}) + std::string(4096, 'a') + std::string(4096, 'b'));
  std::string gz = read_bytes(dir / "good.gz");
  write_bytes(dir / "truncated.gz", gz.substr(0, gz.size() / 2));
  expect_error([&] { load_idx(dir / "truncated.gz"); }, {"[load_idx]", "truncated.gz", "unexpected end of file"});
  std::string damaged = gz;
  for (size_t i = 20; i < 28; ++i) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
  write_bytes(dir / "damaged.gz", damaged);
  expect_error([&] { load_idx(dir / "damaged.gz"); }, {"[load_idx]", "damaged.gz", "corrupt gzip data"});
  write_gzip(dir / "crc.gz", idx_header(0x08, {4}) + "abcd");
  std::string crc = read_bytes(dir / "crc.gz");
  crc[crc.size() - 8] = static_cast<char>(crc[crc.size() - 8] ^ 1);  // the CRC-32 of the data
  write_bytes(dir / "crc.gz", crc);
  expect_error([&] { load_idx(dir / "crc.gz"); }, {"[load_idx]", "corrupt gzip data", "incorrect data check"});
}

TEST(Idx, BigEndianValuesAndWidenedI16) {
  TempDir dir;
  write_bytes(dir / "i16", idx_header(0x0B, {3}) + std::string("\xff\xfe\x00\x05\x80\x00", 6));
  Tensor t = load_idx(dir / "i16");
  EXPECT_EQ(t.dtype(), i32);
  EXPECT_EQ(t.to_vector<int32_t>(), (std::vector<int32_t>{-2, 5, -32768}));
  write_gzip(dir / "f32.gz", idx_header(0x0D, {2}) + std::string("\x3f\x80\x00\x00\xc0\x00\x00\x00", 8));
  EXPECT_EQ(load_idx(dir / "f32.gz").to_vector<float>(), (std::vector<float>{1.f, -2.f}));
}
