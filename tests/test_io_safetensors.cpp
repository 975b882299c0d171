// safetensors: round trips of every dtype, files exchanged both ways with an independent Python
// implementation of the format (tests/io/reference.py), and every malformed header rejected with
// an error naming the file and the problem.
#include <gtest/gtest.h>

#include <chrono>

#include "io/helpers.h"
#include "slope/io/safetensors.h"

using namespace slope;
using namespace slope::test_io;

namespace {

NamedTensors every_dtype() {
  manual_seed(5);
  return {
      {"w", randn({3, 4})},
      {"b", randn({4}, f64)},
      {"h", randn({2, 3}).cast(f16)},
      {"bh", randn({5}).cast(bf16)},
      {"step", tensor(int64_t(42))},
      {"i", randint(-1000000, 1000000, {2, 2, 2}, i32)},
      {"small", randint(-128, 128, {7}, i8)},
      {"img", randint(0, 256, {3, 3}, u8)},
      {"key", random::key(1234)},
      {"mask", rand({6}) > 0.5},
      {"empty", zeros({0, 3})},
      {"layers.0.weight", arange(12).reshape({3, 4}).cast(f32)},
  };
}

// u64 header length, header text, data: a file built by hand, so each can be malformed at will.
std::string safetensors_bytes(const std::string& header, const std::string& data, std::optional<uint64_t> length = {}) {
  uint64_t n = length.value_or(header.size());
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  return out + header + data;
}

}  // namespace

TEST(Safetensors, RoundTripEveryDtypeInOrderWithMetadata) {
  TempDir dir;
  NamedTensors tensors = every_dtype();
  Metadata meta{{"format", "pt"}, {"epoch", "3"}, {"note", "naïve ✓"}};
  save_safetensors(tensors, dir / "all.safetensors", meta);
  SafetensorsFile f = load_safetensors(dir / "all.safetensors");
  ASSERT_EQ(f.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(f.tensors[i].first, tensors[i].first);
    expect_identical(f.tensors[i].second, tensors[i].second, tensors[i].first);
  }
  EXPECT_EQ(f.metadata, meta);
  // Only the checkpoint is left in the folder: no temporary file survives a save.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(Safetensors, EmptyCheckpointAndOverwrite) {
  TempDir dir;
  save_safetensors({}, dir / "e.safetensors");
  SafetensorsFile f = load_safetensors(dir / "e.safetensors");
  EXPECT_TRUE(f.tensors.empty());
  EXPECT_TRUE(f.metadata.empty());
  save_safetensors({{"x", tensor({1.f, 2.f})}}, dir / "e.safetensors");  // replaces it
  f = load_safetensors(dir / "e.safetensors");
  ASSERT_EQ(f.tensors.size(), 1u);
  EXPECT_EQ(f.tensors[0].second.to_vector<float>(), (std::vector<float>{1, 2}));
}

TEST(Safetensors, ReadsFilesWrittenByIndependentPython) {
  TempDir dir;
  run_reference({"st-write", dir.path().string()});
  nlohmann::json expect = read_json(dir / "expect.json");
  for (const char* file : {"mixed.safetensors", "padded.safetensors"}) {
    SCOPED_TRACE(file);
    SafetensorsFile f = load_safetensors(dir / file);
    const auto& want = expect[file];
    EXPECT_EQ(f.metadata, want["metadata"].get<Metadata>());
    std::map<std::string, nlohmann::json> by_name;
    for (const auto& t : want["tensors"]) by_name[t["name"].get<std::string>()] = t;
    // Tensors come back in the order the header lists them (reversed data order in mixed).
    std::vector<std::string> order;
    for (const auto& [name, t] : f.tensors) order.push_back(name);
    EXPECT_EQ(order, want["header_order"].get<std::vector<std::string>>());
    for (const auto& [name, t] : f.tensors) {
      ASSERT_TRUE(by_name.count(name)) << name;
      const std::string st_dtype = by_name[name]["dtype"];
      const std::map<std::string, DType> dtypes{{"BOOL", bool_}, {"U8", u8}, {"I8", i8}, {"I32", i32}, {"I64", i64},
                                                {"U32", u32},   {"F16", f16}, {"BF16", bf16}, {"F32", f32}, {"F64", f64}};
      EXPECT_EQ(t.dtype(), dtypes.at(st_dtype)) << name;
      expect_matches(t, by_name[name], name);
    }
  }
}

TEST(Safetensors, IndependentPythonReadsFilesWrittenBySlope) {
  TempDir dir;
  NamedTensors tensors = every_dtype();
  Metadata meta{{"format", "pt"}, {"step", "1000"}};
  save_safetensors(tensors, dir / "s.safetensors", meta);
  run_reference({"st-read", (dir / "s.safetensors").string(), (dir / "read.json").string()});
  nlohmann::json got = read_json(dir / "read.json");
  EXPECT_EQ(got["metadata"].get<Metadata>(), meta);
  EXPECT_EQ(got["header_length"].get<uint64_t>() % 8, 0u) << "data region not 8-byte aligned";
  ASSERT_EQ(got["tensors"].size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(got["tensors"][i]["name"], tensors[i].first);
    expect_matches(tensors[i].second, got["tensors"][i], tensors[i].first);
  }
}

TEST(Safetensors, ManyTensorsSaveAndLoadInLinearTime) {
  // 100,000 names: a parser or writer that looks names up linearly (nlohmann's ordered_json does)
  // would compare 5 * 10^9 strings here and take minutes; a hostile header can hold millions.
  TempDir dir;
  NamedTensors many;
  Tensor empty = zeros({0});
  for (int i = 0; i < 100000; ++i) many.emplace_back(std::string("t").append(std::to_string(i)), empty);
  const auto start = std::chrono::steady_clock::now();
  save_safetensors(many, dir / "many.safetensors");
  SafetensorsFile f = load_safetensors(dir / "many.safetensors");
  ASSERT_EQ(f.tensors.size(), many.size());
  EXPECT_EQ(f.tensors[12345].first, "t12345");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST(Safetensors, BoolBytesOtherThanOneAreTrue) {
  TempDir dir;
  write_bytes(dir / "b.safetensors",
              safetensors_bytes(R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", std::string("\x00\x07\x01", 3)));
  Tensor m = load_safetensors(dir / "b.safetensors").tensors[0].second;
  EXPECT_EQ(m.to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
}

TEST(Safetensors, EmptyTensorWithAHugeDimensionLoads) {
  TempDir dir;
  write_bytes(dir / "e.safetensors",
              safetensors_bytes(R"({"e":{"dtype":"F64","shape":[0,9223372036854775807],"data_offsets":[0,0]}})", ""));
  Tensor e = load_safetensors(dir / "e.safetensors").tensors[0].second;
  EXPECT_EQ(e.shape(), (Shape{0, INT64_MAX}));
  EXPECT_EQ(e.dtype(), f64);
}

TEST(Safetensors, RejectsMalformedFilesNamingFileAndProblem) {
  TempDir dir;
  const std::string f4 = R"("dtype":"F32","shape":[2],"data_offsets":)";
  struct Case {
    std::string bytes, expected;
  };
  const std::string eight(8, 'x');
  std::string ones65 = "1";
  for (int i = 1; i < 65; ++i) ones65 += ",1";
  std::vector<Case> cases = {
      {"abc", "8-byte header length"},
      {safetensors_bytes("{}", "", 1000), "more than the 2 bytes"},
      {safetensors_bytes("{}", "", uint64_t(1) << 40), "over the 100 MiB limit"},
      {safetensors_bytes("{", ""), "too short"},
      {safetensors_bytes(" {}", ""), "does not start with '{'"},
      {safetensors_bytes("[1, 2]", ""), "does not start with '{'"},
      {safetensors_bytes("{\"a\":", ""), "not valid JSON"},
      {safetensors_bytes("{} x", ""), "not valid JSON"},
      {safetensors_bytes("{\"a\":\"\xff\"}", ""), "not valid JSON"},
      {safetensors_bytes("{\"a\":{" + f4 + "[0,8]},\"a\":{" + f4 + "[8,16]}}", eight + eight), "duplicate key 'a'"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", eight), "duplicate key 'dtype'"},
      {safetensors_bytes(R"({"a":{"dtype":"I16","shape":[4],"data_offsets":[0,8]}})", eight), "dtype \"I16\" is not one slope has"},
      {safetensors_bytes(R"({"a":{"dtype":7,"shape":[4],"data_offsets":[0,8]}})", eight), "dtype must be a string"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight), "non-negative integers, got -2"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", eight), "non-negative integers, got 2.0"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", eight), "shape must be an array"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", eight), "byte count of shape"},
      {safetensors_bytes(R"({"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}})", eight), "byte count of shape"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,8]}})", eight), "too large"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight), "needs 12 bytes, but data_offsets [0, 8] hold 8"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", eight), "not a range inside the 8-byte"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", eight), "not a range"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", eight), "[BEGIN, END], got 1 numbers"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}})", eight), "[BEGIN, END]"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2]}})", eight), "missing field 'data_offsets'"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", eight), "unexpected field 'extra'"},
      {safetensors_bytes(R"({"a":[1]})", ""), "tensor 'a' must be an object {dtype, shape, data_offsets}, got an array"},
      {safetensors_bytes("{\"a\":{" + f4 + "[0,8]},\"b\":{" + f4 + "[4,12]}}", eight + "1234"), "'a' and 'b' overlap"},
      {safetensors_bytes("{\"a\":{" + f4 + "[0,8]},\"b\":{" + f4 + "[0,8]}}", eight), "overlap"},
      {safetensors_bytes("{\"a\":{" + f4 + "[4,12]}}", eight + "1234"), "bytes [0, 4) of the data region belong to no tensor"},
      {safetensors_bytes("{\"a\":{" + f4 + "[0,8]}}", eight + "tail"), "bytes [8, 12) of the data region belong to no tensor"},
      {safetensors_bytes("{}", "polyglot"), "bytes [0, 8)"},
      {safetensors_bytes(R"({"__metadata__":{"k":1}})", ""), "value of 'k' must be a string, got 1"},
      {safetensors_bytes(R"({"__metadata__":{"k":"a","k":"b"}})", ""), "duplicate key 'k' in __metadata__"},
      {safetensors_bytes(R"({"__metadata__":{},"__metadata__":{}})", ""), "duplicate key '__metadata__'"},
      {safetensors_bytes(R"({"a":{"dtype":null,"shape":[],"data_offsets":[0,0]}})", ""), "dtype must be a string, got null"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,0]}})", ""), "got 18446744073709551616"},
      {safetensors_bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + ones65 + "]}}", ""), "more than 64 dimensions"},
      {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":true})", "1234"), "tensor 'b' must be an object"},
      {safetensors_bytes(R"({"__metadata__":"x"})", ""), "__metadata__ must be an object"},
      {safetensors_bytes(R"({"a":{"shape":{"x":{}}}})", ""), "shape must be an array, got an object"},
      {safetensors_bytes(R"({"a":{"shape":[[[1]]]}})", ""), "shape must hold non-negative integers, got an array"},
      {safetensors_bytes("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}", ""), "must be an object {dtype, shape, data_offsets}, got an array"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": " + cases[i].expected);
    fs::path p = dir / ("bad" + std::to_string(i) + ".safetensors");
    write_bytes(p, cases[i].bytes);
    expect_error([&] { load_safetensors(p); }, {"[load_safetensors]", p.string(), cases[i].expected});
  }
}

TEST(Safetensors, RejectsFilesThatAreNotThere) {
  TempDir dir;
  expect_error([&] { load_safetensors(dir / "nope.safetensors"); }, {"[load_safetensors]", "nope.safetensors", "cannot open"});
  expect_error([&] { load_safetensors(dir.path()); }, {"[load_safetensors]", "not a regular file"});
}

TEST(Safetensors, SaveRejectsBadInputAndLeavesTheTargetAlone) {
  TempDir dir;
  fs::path p = dir / "keep.safetensors";
  save_safetensors({{"x", tensor({1.f})}}, p);
  const std::string before = read_bytes(p);
  expect_error([&] { save_safetensors({{"a", ones({2})}, {"a", ones({3})}}, p); }, {"[save_safetensors]", "two tensors are named 'a'"});
  expect_error([&] { save_safetensors({{"__metadata__", ones({2})}}, p); }, {"reserved"});
  expect_error([&] { save_safetensors({{"e", Tensor()}}, p); }, {"'e' is an empty handle"});
  expect_error([&] { save_safetensors({{"bad\xff", ones({1})}}, p); }, {"not valid UTF-8"});
  expect_error([&] { save_safetensors({{"x", ones({1})}}, p, {{"k", "\xc3"}}); }, {"not valid UTF-8"});
  expect_error(
      [&] {
        grad([&](Tensor x) {
          save_safetensors({{"traced", x}}, p);
          return x.sum();
        })(ones({2}));
      },
      {"'traced' is a tracer"});
  expect_error([&] { save_safetensors({{"x", ones({1})}}, dir / "no" / "such" / "dir.safetensors"); },
               {"[save_safetensors]", "cannot create a temporary file"});
  EXPECT_EQ(read_bytes(p), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}
