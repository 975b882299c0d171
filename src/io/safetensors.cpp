// safetensors reads and writes (the format and its guarantees: include/slope/io/safetensors.h).
#include <nlohmann/json.hpp>
#include <set>

#include "io/safetensors_dtype.h"
#include "io/safetensors_header.h"
#include "io/tensor_bytes.h"
#include "slope/interpreter.h"

namespace slope {

namespace io {

Tensor read_safetensors_tensor(const InputFile& file, const SafetensorsHeader& header, const SafetensorsEntry& entry) {
  Tensor t = make_array(AVal{entry.shape, entry.dtype});
  // Straight into the tensor's buffer: a checkpoint is never held twice in memory.
  file.read_at(header.data_start + entry.begin, fresh_bytes(t), entry.end - entry.begin);
  normalise_bools(t);
  return t;
}

namespace {
using Json = nlohmann::json;

void check_tensors(const char* op, const NamedTensors& tensors, const std::filesystem::path& path) {
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") fail(op, quoted(path), ": '__metadata__' is reserved for metadata, not a tensor name");
    if (!names.insert(name).second) fail(op, quoted(path), ": two tensors are named '", name, "'");
    if (!t.defined()) fail(op, quoted(path), ": tensor '", name, "' is an empty handle");
    if (!t.is_concrete())
      fail(op, quoted(path), ": tensor '", name, "' is a tracer; save values outside jit/grad/vmap");
  }
}

// Compact JSON, padded with spaces to a multiple of 8 bytes so the data region starts aligned
// (what the reference writer does too). Assembled entry by entry: nlohmann's order-keeping object
// would look every name up linearly, quadratic in the number of tensors.
std::string header_text(const char* op, const NamedTensors& tensors, const std::filesystem::path& path,
                        const Metadata& metadata) {
  std::string text = "{";
  try {
    if (!metadata.empty()) text += "\"__metadata__\":" + Json(metadata).dump();
    uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
      const uint64_t n = byte_count(t);
      if (text.size() > 1) text += ",";
      text += Json(name).dump() + ":{\"dtype\":\"" + safetensors_dtype(t.dtype()) + "\",\"shape\":[";
      for (size_t i = 0; i < t.shape().size(); ++i) {
        if (i) text += ",";
        text += std::to_string(t.shape()[i]);
      }
      text += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + n) + "]}";
      offset += n;
    }
  } catch (const Json::exception& e) {  // names and metadata must be UTF-8: JSON strings are
    fail(op, quoted(path), ": a tensor name or metadata string is not valid UTF-8 (", e.what(), ")");
  }
  text += "}";
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}
}  // namespace

void write_safetensors(const char* op, const NamedTensors& tensors, const std::filesystem::path& path,
                       const Metadata& metadata) {
  check_tensors(op, tensors, path);
  const std::string text = header_text(op, tensors, path, metadata);
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(static_cast<uint64_t>(text.size()) >> (8 * i));
  AtomicWriter out(op, path);
  out.write(len, 8);
  out.write(text.data(), text.size());
  for (const auto& [name, t] : tensors)
    if (uint64_t n = byte_count(t)) out.write(t.data(), n);
  out.commit();
}

}  // namespace io

SafetensorsFile load_safetensors(const std::filesystem::path& path) {
  io::InputFile file("load_safetensors", path);
  io::SafetensorsHeader header = io::read_safetensors_header(file);
  SafetensorsFile out;
  out.metadata = std::move(header.metadata);
  for (const auto& e : header.entries) out.tensors.emplace_back(e.name, io::read_safetensors_tensor(file, header, e));
  return out;
}

void save_safetensors(const NamedTensors& tensors, const std::filesystem::path& path, const Metadata& metadata) {
  io::write_safetensors("save_safetensors", tensors, path, metadata);
}

}  // namespace slope
