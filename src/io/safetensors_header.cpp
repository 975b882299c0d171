// Parsing and validating a safetensors header: every number the file gives is checked before it
// sizes anything (see include/slope/io/safetensors.h for the list).
#include "io/safetensors_header.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "io/byte_count.h"
#include "io/safetensors_dtype.h"

namespace slope::io {

namespace {
using Json = nlohmann::ordered_json;

// The reference implementation's limit too: real headers are at most a few MB.
constexpr uint64_t kMaxHeader = uint64_t(100) << 20;

// nlohmann keeps the last of duplicate keys without a word; the format forbids duplicates because
// two readers could then disagree on what a name means. Headers are also at most three levels
// deep (root, entry, shape), so deeper nesting is rejected while parsing.
class HeaderGuard {
 public:
  explicit HeaderGuard(const InputFile& file) : file_(file) {}
  bool operator()(int depth, Json::parse_event_t event, Json& parsed) {
    using E = Json::parse_event_t;
    if (event == E::object_start) {
      if (depth >= 2) file_.fail("header: objects nested deeper than a safetensors header has");
      keys_.emplace_back();
    } else if (event == E::array_start) {
      if (depth >= 3) file_.fail("header: arrays nested deeper than a safetensors header has");
    } else if (event == E::key) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys_.back().insert(key).second) file_.fail("header: duplicate key '", key, "'");
    } else if (event == E::object_end) {
      keys_.pop_back();
    }
    return true;
  }

 private:
  const InputFile& file_;
  std::vector<std::set<std::string>> keys_;
};

Json parse_json(const InputFile& file, const std::string& text) {
  HeaderGuard guard(file);
  try {
    return Json::parse(text, [&](int d, Json::parse_event_t e, Json& p) { return guard(d, e, p); });
  } catch (const Json::exception& e) {
    file.fail("header is not valid JSON: ", e.what());
  }
}

Metadata parse_metadata(const InputFile& file, const Json& v) {
  if (!v.is_object()) file.fail("header: __metadata__ must be an object of strings, got ", v.type_name());
  Metadata m;
  for (const auto& [k, s] : v.items()) {
    if (!s.is_string()) file.fail("header: __metadata__ value of '", k, "' must be a string, got ", s.type_name());
    m.emplace(k, s.get<std::string>());
  }
  return m;
}

uint64_t parse_unsigned(const InputFile& file, const std::string& name, const char* field, const Json& v) {
  if (!v.is_number_unsigned())
    file.fail("tensor '", name, "': ", field, " must hold non-negative integers, got ", v.dump());
  return v.get<uint64_t>();
}

Shape parse_shape(const InputFile& file, const std::string& name, const Json& v) {
  if (!v.is_array()) file.fail("tensor '", name, "': shape must be an array, got ", v.type_name());
  Shape shape;
  for (const auto& d : v) {
    uint64_t n = parse_unsigned(file, name, "shape", d);
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      file.fail("tensor '", name, "': dimension ", n, " is too large");
    shape.push_back(static_cast<int64_t>(n));
  }
  return shape;
}

SafetensorsEntry parse_entry(const InputFile& file, const std::string& name, const Json& v, uint64_t data_size) {
  if (!v.is_object()) file.fail("tensor '", name, "': expected an object {dtype, shape, data_offsets}, got ", v.type_name());
  for (const auto& [k, unused] : v.items())
    if (k != "dtype" && k != "shape" && k != "data_offsets") file.fail("tensor '", name, "': unexpected field '", k, "'");
  for (const char* k : {"dtype", "shape", "data_offsets"})
    if (!v.contains(k)) file.fail("tensor '", name, "': missing field '", k, "'");

  const Json& dt = v["dtype"];
  if (!dt.is_string()) file.fail("tensor '", name, "': dtype must be a string, got ", dt.dump());
  std::optional<DType> dtype = dtype_from_safetensors(dt.get_ref<const std::string&>());
  if (!dtype)
    file.fail("tensor '", name, "': dtype ", dt.dump(), " is not one slope has (", kSafetensorsDTypeList, ")");

  Shape shape = parse_shape(file, name, v["shape"]);
  std::optional<uint64_t> nbytes = checked_byte_count(shape, itemsize(*dtype));
  if (!nbytes) file.fail("tensor '", name, "': the byte count of shape ", to_string(shape), " overflows");

  const Json& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2) file.fail("tensor '", name, "': data_offsets must be [BEGIN, END], got ", off.dump());
  uint64_t begin = parse_unsigned(file, name, "data_offsets", off[0]), end = parse_unsigned(file, name, "data_offsets", off[1]);
  if (begin > end || end > data_size)
    file.fail("tensor '", name, "': data_offsets [", begin, ", ", end, "] are not a range inside the ", data_size,
              "-byte data region");
  if (end - begin != *nbytes)
    file.fail("tensor '", name, "': shape ", to_string(shape), " with dtype ", dt.get_ref<const std::string&>(), " needs ",
              *nbytes, " bytes, but data_offsets [", begin, ", ", end, "] hold ", end - begin);
  return SafetensorsEntry{name, *dtype, std::move(shape), begin, end};
}

// The ranges must tile the data region: sorted by offset, each starts where the previous ended,
// the last ends at the end of the file. No byte belongs to two tensors, none to no tensor.
void check_tiling(const InputFile& file, const std::vector<SafetensorsEntry>& entries, uint64_t data_size) {
  std::vector<const SafetensorsEntry*> order;
  for (const auto& e : entries) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->begin != b->begin ? a->begin < b->begin : a->end < b->end; });
  uint64_t at = 0;
  const SafetensorsEntry* prev = nullptr;
  for (const auto* e : order) {
    if (e->begin < at) file.fail("tensors '", prev->name, "' and '", e->name, "' overlap in the data region");
    if (e->begin > at) file.fail("bytes [", at, ", ", e->begin, ") of the data region belong to no tensor");
    at = e->end;
    prev = e;
  }
  if (at != data_size) file.fail("bytes [", at, ", ", data_size, ") of the data region belong to no tensor");
}
}  // namespace

SafetensorsHeader read_safetensors_header(const InputFile& file) {
  if (file.size() < 8) file.fail("the file has ", file.size(), " bytes; a safetensors file starts with an 8-byte header length");
  unsigned char len[8];
  file.read_at(0, len, 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | len[i];
  if (n > kMaxHeader) file.fail("header length ", n, " is over the 100 MiB limit");
  if (n > file.size() - 8) file.fail("header length ", n, " is more than the ", file.size() - 8, " bytes that follow it");
  if (n < 2) file.fail("header length ", n, " is too short for a JSON object");
  std::string text(n, '\0');
  file.read_at(8, text.data(), n);
  if (text[0] != '{') file.fail("the header does not start with '{'");

  Json json = parse_json(file, text);
  SafetensorsHeader header;
  header.data_start = 8 + n;
  const uint64_t data_size = file.size() - header.data_start;
  for (const auto& [key, value] : json.items()) {
    if (key == "__metadata__") header.metadata = parse_metadata(file, value);
    else header.entries.push_back(parse_entry(file, key, value, data_size));
  }
  check_tiling(file, header.entries, data_size);
  return header;
}

}  // namespace slope::io
