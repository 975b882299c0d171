// .npy: files numpy wrote (every dtype, versions 1.0/2.0/3.0, Fortran order) read exactly, files
// slope wrote read by numpy exactly, and malformed files rejected with the file and the problem.
#include <gtest/gtest.h>

#include "io/helpers.h"
#include "slope/io/npy.h"

using namespace slope;
using namespace slope::test_io;

namespace {
const std::map<std::string, DType> kDescr{{"<f8", f64}, {"<f4", f32}, {"<f2", f16}, {"<i8", i64}, {"<i4", i32},
                                          {"|i1", i8},  {"|u1", u8},  {"|b1", bool_}, {"<u4", u32}};

// A .npy file by hand: magic, version, little-endian header length, header, data.
std::string npy_bytes(const std::string& header, const std::string& data, int major = 1) {
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  const int len_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < len_bytes; ++i) out += static_cast<char>(header.size() >> (8 * i));
  return out + header + data;
}
}  // namespace

TEST(Npy, ReadsWhatNumpyWrites) {
  TempDir dir;
  run_reference({"npy-write", dir.path().string()});
  nlohmann::json expect = read_json(dir / "expect.json");
  ASSERT_GE(expect.size(), 13u);
  for (const auto& [file, want] : expect.items()) {
    SCOPED_TRACE(file);
    Tensor t = load_npy(dir / file);
    EXPECT_EQ(t.dtype(), kDescr.at(want["dtype"].get<std::string>()));
    expect_matches(t, want, file);
  }
  // Fortran order comes back row-major: element (i, j, k) of arange(24).reshape(2, 3, 4).
  Tensor f3 = load_npy(dir / "fortran3.npy");
  EXPECT_EQ(f3.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(f3.to_vector<int32_t>()[1 * 12 + 2 * 4 + 3], 1 * 12 + 2 * 4 + 3);
}

TEST(Npy, NumpyReadsWhatSlopeWrites) {
  TempDir dir;
  manual_seed(11);
  std::vector<std::pair<std::string, Tensor>> cases = {
      {"f64", randn({2, 3}, f64)},          {"f32", randn({4})},
      {"f16", randn({3, 1, 2}).cast(f16)},  {"i64", tensor(int64_t(-5))},
      {"i32", randint(-9, 9, {5}, i32)},    {"i8", randint(-128, 128, {2, 2}, i8)},
      {"u8", randint(0, 256, {7}, u8)},     {"bool", rand({3, 3}) > 0.5},
      {"u32", random::key(99)},             {"empty", zeros({2, 0, 3})},
  };
  std::vector<std::string> args{"npy-read", (dir / "read.json").string()};
  for (const auto& [name, t] : cases) {
    save_npy(t, dir / (name + ".npy"));
    args.push_back((dir / (name + ".npy")).string());
  }
  run_reference(args);
  nlohmann::json read = read_json(dir / "read.json");
  for (const auto& [name, t] : cases) {
    SCOPED_TRACE(name);
    const nlohmann::json& got = read[name + ".npy"];
    EXPECT_EQ(kDescr.at(got["dtype"].get<std::string>()), t.dtype());
    EXPECT_EQ(got["version"], nlohmann::json::array({1, 0}));
    EXPECT_EQ(got["fortran_order"], false);
    EXPECT_EQ(got["header_end"].get<int>() % 64, 0) << "data not 64-byte aligned";
    expect_matches(t, got, name);
    expect_identical(load_npy(dir / (name + ".npy")), t, name);
  }
}

TEST(Npy, HeaderTooLongForVersion1IsWrittenAsVersion2) {
  TempDir dir;
  // "1, " 22,000 times: past version 1.0's 65,535-byte header. (make_array: ones() and
  // from_bytes() take seconds at this rank.)
  Tensor t = make_array(AVal{Shape(22000, 1), f32});
  const float one = 1;
  std::memcpy(const_cast<void*>(t.data()), &one, sizeof one);
  save_npy(t, dir / "v2.npy");
  std::string bytes = read_bytes(dir / "v2.npy");
  EXPECT_EQ(bytes[6], 2);
  EXPECT_EQ((12 + (static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8 |
                   static_cast<unsigned char>(bytes[10]) << 16)) % 64, 0);
  expect_identical(load_npy(dir / "v2.npy"), t);
}

TEST(Npy, RejectsMalformedFilesNamingFileAndProblem) {
  TempDir dir;
  auto dict = [](const std::string& descr, const std::string& fortran, const std::string& shape) {
    return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n";
  };
  const std::string f8(8, 'x');
  struct Case {
    std::string bytes, expected;
  };
  std::vector<Case> cases = {
      {"\x93NUM", "too few"},
      {std::string("\x93NUMPX\x01\x00\x00\x00", 10), "not a .npy file"},
      {npy_bytes(dict("'<f4'", "False", "(2,)"), f8, 4), "version 4.0"},
      {npy_bytes("", "").substr(0, 9), "ends inside the header length"},
      {std::string("\x93NUMPY\x01\x00\xff\x00{}", 12), "more than the 2 bytes"},
      {std::string("\x93NUMPY\x02\x00\x00\x00\x00\x01{}", 14), "over the 1 MiB limit"},
      {npy_bytes(dict("'<f4'", "False", "(3,)"), f8), "needs 12 bytes of data, the file has 8"},
      {npy_bytes(dict("'<f4'", "False", "(1,)"), f8), "needs 4 bytes of data, the file has 8"},
      {npy_bytes(dict("'>f4'", "False", "(2,)"), f8), "big-endian"},
      {npy_bytes(dict("'<c8'", "False", "(1,)"), f8), "dtype '<c8' is not one slope reads"},
      {npy_bytes(dict("'|O'", "False", "(1,)"), f8), "dtype '|O'"},
      {npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f8), "structured dtypes"},
      {npy_bytes(dict("'<f4'", "maybe", "(2,)"), f8), "expected True or False"},
      {npy_bytes(dict("'<f4'", "False", "(2)"), f8), "must be a tuple"},
      {npy_bytes(dict("'<f4'", "False", "(-2,)"), f8), "non-negative integer"},
      {npy_bytes(dict("'<f4'", "False", "(99999999999999999999,)"), f8), "too large"},
      {npy_bytes(dict("'<f4'", "False", "(4294967296, 4294967296)"), f8), "overflows"},
      {npy_bytes("{'descr': '<f4', 'shape': (2,), }", f8), "'fortran_order' is missing"},
      {npy_bytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f8), "duplicate key 'descr'"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", f8), "unexpected key 'x'"},
      {npy_bytes(dict("'<f4'", "False", "(2,)") + "junk", f8), "unexpected text after the dict"},
      {npy_bytes("{'descr': '<f4\\n', 'fortran_order': False, 'shape': (2,), }", f8), "escapes"},
      {npy_bytes("{'descr': '<f4, 'fortran_order': False", f8), "expected '}'"},
      {npy_bytes("{'descr", f8), "unterminated string"},
      {npy_bytes("__import__('os')", f8), "expected '{'"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": " + cases[i].expected);
    fs::path p = dir / ("bad" + std::to_string(i) + ".npy");
    write_bytes(p, cases[i].bytes);
    expect_error([&] { load_npy(p); }, {"[load_npy]", p.string(), cases[i].expected});
  }
  // Accepted variants numpy or its older versions write: '<' on one-byte types, Python 2 longs,
  // double quotes, no trailing comma, and an empty array whose other dimension is huge.
  write_bytes(dir / "ok.npy", npy_bytes("{\"descr\": \"<u1\", \"fortran_order\": False, \"shape\": (2L, 1L)}", "\x05\x06"));
  EXPECT_EQ(load_npy(dir / "ok.npy").to_vector<uint8_t>(), (std::vector<uint8_t>{5, 6}));
  write_bytes(dir / "empty.npy", npy_bytes(dict("'<f8'", "True", "(0, 9223372036854775807)"), ""));
  EXPECT_EQ(load_npy(dir / "empty.npy").shape(), (Shape{0, INT64_MAX}));
}

TEST(Npy, SaveRejectsWhatNumpyCannotHold) {
  TempDir dir;
  expect_error([&] { save_npy(ones({2}, bf16), dir / "x.npy"); }, {"[save_npy]", "x.npy", "NumPy has no bf16"});
  expect_error([&] { save_npy(Tensor(), dir / "x.npy"); }, {"[save_npy]", "empty handle"});
  expect_error([&] { grad([&](Tensor x) { save_npy(x, dir / "x.npy"); return x.sum(); })(ones({2})); }, {"tracer"});
  EXPECT_FALSE(fs::exists(dir / "x.npy"));
}
