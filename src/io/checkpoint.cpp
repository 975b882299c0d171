// Pytree checkpoints: the strict name/shape/dtype match between a tree and a safetensors file.
#include "slope/io/checkpoint.h"

#include <map>
#include <sstream>

#include "io/safetensors_dtype.h"
#include "io/safetensors_header.h"

namespace slope::detail {

namespace {
std::string describe(const Shape& shape, DType dtype) { return to_string(shape) + " " + io::safetensors_dtype(dtype); }

// Every disagreement at once: a user renaming a layer sees the whole picture in one message.
std::string mismatches(const std::vector<std::pair<std::string, AVal>>& expected, const io::SafetensorsHeader& header) {
  std::map<std::string, const io::SafetensorsEntry*> in_file;
  for (const auto& e : header.entries) in_file.emplace(e.name, &e);
  std::ostringstream missing, wrong, unexpected;
  std::map<std::string, bool> wanted;
  for (const auto& [name, aval] : expected) {
    wanted[name] = true;
    auto it = in_file.find(name);
    if (it == in_file.end()) missing << "\n  missing from the file: '" << name << "' " << describe(aval.shape, aval.dtype);
    else if (it->second->shape != aval.shape || it->second->dtype != aval.dtype)
      wrong << "\n  '" << name << "': the tree has " << describe(aval.shape, aval.dtype) << ", the file "
            << describe(it->second->shape, it->second->dtype);
  }
  for (const auto& e : header.entries)
    if (!wanted.count(e.name)) unexpected << "\n  not in the tree: '" << e.name << "' " << describe(e.shape, e.dtype);
  return missing.str() + wrong.str() + unexpected.str();
}
}  // namespace

void save_named(const char* op, const NamedTensors& leaves, const std::filesystem::path& path, const Metadata& metadata) {
  io::write_safetensors(op, leaves, path, metadata);
}

std::vector<Tensor> load_named(const char* op, const std::vector<std::pair<std::string, AVal>>& expected,
                               const std::filesystem::path& path) {
  io::InputFile file(op, path);
  io::SafetensorsHeader header = io::read_safetensors_header(file);
  std::map<std::string, bool> seen;
  for (const auto& [name, aval] : expected)
    if (!seen.emplace(name, true).second) fail(op, "two leaves of the tree are named '", name, "'");
  if (std::string problems = mismatches(expected, header); !problems.empty())
    file.fail("the file does not match the tree:", problems);
  std::map<std::string, const io::SafetensorsEntry*> by_name;
  for (const auto& e : header.entries) by_name.emplace(e.name, &e);
  std::vector<Tensor> leaves;
  leaves.reserve(expected.size());
  for (const auto& [name, aval] : expected) leaves.push_back(io::read_safetensors_tensor(file, header, *by_name.at(name)));
  return leaves;
}

}  // namespace slope::detail
