#pragma once
// Checkpoints of pytrees: every tensor leaf is saved under its path (tree_paths: "fc1.weight",
// "layers.0.bias", the names PyTorch's state_dict gives), in a safetensors file, so a checkpoint
// is readable by PyTorch and any other safetensors reader. An optimizer state or a
// (model, optimizer) pair is a pytree too and saves with the same call.
//
//   slope::save(model, "model.safetensors", {{"epoch", "3"}});
//   Mlp restored = slope::load(model, "model.safetensors");   // `model` gives names, shapes, dtypes
//
// load is strict: names the file lacks, names the tree lacks, and shape or dtype mismatches are
// all listed in one slope::Error, before any tensor is read. Writes are atomic (see
// slope/io/safetensors.h).
#include <filesystem>
#include <utility>
#include <vector>

#include "slope/io/safetensors.h"
#include "slope/pytree.h"

namespace slope {

namespace detail {
void save_named(const char* op, const NamedTensors& leaves, const std::filesystem::path& path, const Metadata& metadata);
// The file's tensors for `expected` (names with the shape and dtype each must have), in that order.
std::vector<Tensor> load_named(const char* op, const std::vector<std::pair<std::string, AVal>>& expected,
                               const std::filesystem::path& path);
}  // namespace detail

template <class T>
void save(const T& tree, const std::filesystem::path& path, const Metadata& metadata = {}) {
  detail::save_named("save", tree_named_leaves(tree), path, metadata);
}

// A tree of like's type and structure (static fields included) holding the file's values.
template <class T>
T load(const T& like, const std::filesystem::path& path) {
  std::vector<std::pair<std::string, AVal>> expected;
  for (auto& [name, leaf] : tree_named_leaves(like)) {
    if (!leaf.defined()) fail("load", "leaf '", name, "' of the tree is an empty handle: it gives no shape or dtype");
    expected.emplace_back(std::move(name), leaf.aval());
  }
  return tree_unflatten(like, detail::load_named("load", expected, path));
}

}  // namespace slope
