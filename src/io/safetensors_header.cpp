// Parsing and validating a safetensors header: every number the file gives is checked before it
// sizes anything (see include/slope/io/safetensors.h for the list).
//
// The JSON is read with nlohmann's event (SAX) parser into exactly the header's shape, with no
// document tree: a tree would cost many times the header's size in memory, and nlohmann's
// order-keeping object looks keys up linearly, which a hostile header with millions of names
// would turn into a quadratic hang. Anything that does not fit the shape stops the parse at once.
#include "io/safetensors_header.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "io/byte_count.h"
#include "io/safetensors_dtype.h"

namespace slope::io {

namespace {
using Json = nlohmann::json;

// The reference implementation's limit too: real headers are at most a few MB.
constexpr uint64_t kMaxHeader = uint64_t(100) << 20;
// No framework makes tensors of more dimensions; the cap bounds what a hostile shape can cost.
constexpr size_t kMaxRank = 64;

struct RawEntry {
  std::string name;
  std::optional<std::string> dtype;
  std::optional<std::vector<uint64_t>> shape, offsets;
};

// Accepts {"__metadata__": {str: str}, name: {"dtype": str, "shape": [uint...],
// "data_offsets": [uint, uint]}, ...} and nothing else; duplicate keys at any level are errors
// (JSON parsers differ on which one wins, so two readers could see two different files).
class HeaderReader : public nlohmann::json_sax<Json> {
 public:
  std::vector<RawEntry> entries;
  Metadata metadata;
  std::string error;

  bool start_object(size_t) override {
    if (at_ == At::root_start) return go(At::root_key);
    if (at_ != At::root_value) return unexpected("an object");
    if (key_ == "__metadata__") return go(At::metadata_key);
    entries.push_back(RawEntry{key_, {}, {}, {}});
    return go(At::entry_key);
  }
  bool key(std::string& k) override {
    if (at_ == At::root_key) {
      if (!names_.insert(k).second) return fail("header: duplicate key '", k, "'");
      key_ = k;
      return go(At::root_value);
    }
    if (at_ == At::metadata_key) {
      if (metadata.count(k)) return fail("header: duplicate key '", k, "' in __metadata__");
      key_ = k;
      return go(At::metadata_value);
    }
    RawEntry& e = entries.back();
    field_ = k;
    if (k != "dtype" && k != "shape" && k != "data_offsets") return fail("tensor '", e.name, "': unexpected field '", k, "'");
    const bool seen = k == "dtype" ? e.dtype.has_value() : k == "shape" ? e.shape.has_value() : e.offsets.has_value();
    if (seen) return fail("tensor '", e.name, "': duplicate key '", k, "'");
    return go(k == "dtype" ? At::entry_string : At::entry_array);
  }
  bool end_object() override {
    if (at_ == At::root_key) return go(At::done);
    if (at_ == At::metadata_key) return go(At::root_key);
    const RawEntry& e = entries.back();
    for (auto [field, present] : {std::pair{"dtype", e.dtype.has_value()}, std::pair{"shape", e.shape.has_value()},
                                  std::pair{"data_offsets", e.offsets.has_value()}})
      if (!present) return fail("tensor '", e.name, "': missing field '", field, "'");
    return go(At::root_key);
  }
  bool start_array(size_t) override {
    if (at_ != At::entry_array) return unexpected("an array");
    numbers_.clear();
    return go(At::entry_number);
  }
  bool end_array() override {
    RawEntry& e = entries.back();
    if (field_ == "shape") {
      e.shape = numbers_;
    } else {
      if (numbers_.size() != 2) return fail("tensor '", e.name, "': data_offsets must be [BEGIN, END], got ", numbers_.size(), " numbers");
      e.offsets = numbers_;
    }
    return go(At::entry_key);
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (at_ != At::entry_number) return unexpected(std::to_string(v));
    if (numbers_.size() == (field_ == "shape" ? kMaxRank : 2))
      return fail("tensor '", entries.back().name, "': ", field_ == "shape" ? "more than 64 dimensions" : "data_offsets must be [BEGIN, END]");
    numbers_.push_back(v);
    return true;
  }
  bool number_integer(number_integer_t v) override { return unexpected(std::to_string(v)); }
  bool number_float(number_float_t, const std::string& text) override { return unexpected(text); }
  bool string(std::string& s) override {
    if (at_ == At::metadata_value) {
      metadata.emplace(key_, s);
      return go(At::metadata_key);
    }
    if (at_ == At::entry_string) {
      entries.back().dtype = s;
      return go(At::entry_key);
    }
    std::string shown = "\"";  // (built in steps: g++ 12 warns falsely on "literal" + std::string&&)
    shown += s.substr(0, 40);
    shown += s.size() > 40 ? "...\"" : "\"";
    return unexpected(shown);
  }
  bool null() override { return unexpected("null"); }
  bool boolean(bool b) override { return unexpected(b ? "true" : "false"); }
  bool binary(binary_t&) override { return unexpected("binary data"); }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception& e) override {
    return fail("header is not valid JSON: ", e.what());
  }

 private:
  enum class At { root_start, root_key, root_value, metadata_key, metadata_value, entry_key, entry_string, entry_array, entry_number, done };
  bool go(At next) {
    at_ = next;
    return true;
  }
  template <class... Args>
  bool fail(Args&&... args) {
    if (error.empty()) error = detail::concat(std::forward<Args>(args)...);
    return false;  // stops the parser
  }
  // A value of the wrong kind, described by what the position needs.
  bool unexpected(const std::string& got) {
    switch (at_) {
      case At::root_value:
        if (key_ == "__metadata__") return fail("header: __metadata__ must be an object of strings, got ", got);
        return fail("tensor '", key_, "' must be an object {dtype, shape, data_offsets}, got ", got);
      case At::metadata_value: return fail("header: __metadata__ value of '", key_, "' must be a string, got ", got);
      case At::entry_string: return fail("tensor '", entries.back().name, "': dtype must be a string, got ", got);
      case At::entry_array: return fail("tensor '", entries.back().name, "': ", field_, " must be an array, got ", got);
      case At::entry_number:
        return fail("tensor '", entries.back().name, "': ", field_, " must hold non-negative integers, got ", got);
      default: return fail("header: unexpected ", got);
    }
  }

  At at_ = At::root_start;
  std::string key_, field_;
  std::set<std::string> names_;
  std::vector<uint64_t> numbers_;
};

SafetensorsEntry check_entry(const InputFile& file, const RawEntry& raw, uint64_t data_size) {
  const std::string& name = raw.name;
  std::optional<DType> dtype = dtype_from_safetensors(*raw.dtype);
  if (!dtype) file.fail("tensor '", name, "': dtype \"", *raw.dtype, "\" is not one slope has (", kSafetensorsDTypeList, ")");
  Shape shape;
  for (uint64_t d : *raw.shape) {
    if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) file.fail("tensor '", name, "': dimension ", d, " is too large");
    shape.push_back(static_cast<int64_t>(d));
  }
  std::optional<uint64_t> nbytes = checked_byte_count(shape, itemsize(*dtype));
  if (!nbytes) file.fail("tensor '", name, "': the byte count of shape ", to_string(shape), " overflows");
  const uint64_t begin = (*raw.offsets)[0], end = (*raw.offsets)[1];
  if (begin > end || end > data_size)
    file.fail("tensor '", name, "': data_offsets [", begin, ", ", end, "] are not a range inside the ", data_size, "-byte data region");
  if (end - begin != *nbytes)
    file.fail("tensor '", name, "': shape ", to_string(shape), " with dtype ", *raw.dtype, " needs ", *nbytes,
              " bytes, but data_offsets [", begin, ", ", end, "] hold ", end - begin);
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

  HeaderReader reader;
  if (!Json::sax_parse(text, &reader)) file.fail(reader.error.empty() ? "header is not valid JSON" : reader.error);
  SafetensorsHeader header;
  header.data_start = 8 + n;
  header.metadata = std::move(reader.metadata);
  const uint64_t data_size = file.size() - header.data_start;
  for (const RawEntry& raw : reader.entries) header.entries.push_back(check_entry(file, raw, data_size));
  check_tiling(file, header.entries, data_size);
  return header;
}

}  // namespace slope::io
