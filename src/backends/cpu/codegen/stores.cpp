// Grouped stores: consecutive stores of values of one shape become one loop (codegen.h, Store).
//
// The planner stores a value when it must (several consumers, an operand of a library kernel, a
// cut of a long expression). A chain like the forward pass of a gradient stores every few ops,
// and each store used to be a loop of its own: thousands of tiny functions to compile and as many
// passes over memory. Here a store waits in a group; the next store of the same shape joins it,
// and its expression reads the earlier values of the group from registers instead of from their
// buffers (a dense read at the loop's own index is exactly the value just computed). The group is
// written as one loop, storing every value, when anything else needs a buffer: any other kernel,
// a store of another shape, a store that reads a group's buffer through another view (its
// elements would not all be written yet), or kMaxKernelOps ops in the group.
#include <algorithm>
#include <unordered_map>

#include "backends/cpu/codegen/codegen.h"

namespace slope::cpu::codegen {

namespace {

// A leaf reading `view` of a buffer holding a dense value of `shape` reads, at every index of
// `shape`, the element stored there.
bool reads_in_place(const View& view, const Shape& shape) {
  if (view.offset != 0) return false;
  const Shape dense = dense_strides(shape);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && view.strides[i] != dense[i]) return false;
  return true;
}

bool pending_buf(const std::vector<Store>& pending, int buf) {
  return std::any_of(pending.begin(), pending.end(), [&](const Store& s) { return s.buf == buf; });
}

}  // namespace

bool Generator::reads_pending_view(const Lazy& value) const {
  for (int n : topo(value.root)) {
    const Node& node = nodes[n];
    if (node.kind == Node::leaf && pending_buf(pending_, node.view.buf) && !reads_in_place(node.view, value.shape))
      return true;
  }
  return false;
}

void Generator::store(const Lazy& value, int buf, const std::string& comment) {
  const int64_t ops = nodes[value.root].weight;
  if (!pending_.empty() &&
      (pending_[0].value.shape != value.shape || pending_ops_ + ops > kMaxKernelOps || reads_pending_view(value)))
    flush_stores();
  pending_.push_back(Store{value, buf, comment});
  pending_ops_ += ops;
}

// `root`'s expression with every in-place read of a stored buffer replaced by the node computing
// that buffer's value (`stored`: buffer -> node); nodes without such reads are kept as they are.
int Generator::substitute(int root, const std::vector<std::pair<int, int>>& stored, const Shape& shape) {
  std::vector<int> order = topo(root);
  std::unordered_map<int, int> to;  // old node -> new node, where they differ
  auto mapped = [&](int n) {
    auto it = to.find(n);
    return it == to.end() ? n : it->second;
  };
  for (int n : order) {
    const Node node = nodes[n];  // a copy: op() may reallocate `nodes`
    if (node.kind == Node::leaf) {
      auto it = std::find_if(stored.begin(), stored.end(), [&](const auto& p) { return p.first == node.view.buf; });
      if (it != stored.end() && reads_in_place(node.view, shape)) to[n] = it->second;
    } else if (node.kind == Node::op) {
      std::vector<int> args;
      bool changed = false;
      for (int a : node.args) {
        args.push_back(mapped(a));
        changed |= args.back() != a;
      }
      if (changed) to[n] = op(node.prim, node.dtype, std::move(args));
    }
  }
  return mapped(root);
}

void Generator::flush_stores() {
  if (pending_.empty()) return;
  const std::vector<Store> group = std::move(pending_);
  pending_.clear();
  pending_ops_ = 0;
  const Shape& shape = group[0].value.shape;
  const View dest{group[0].buf, 0, dense_strides(shape)};
  const std::vector<bool> none(shape.size(), false);
  if (group.size() == 1) return emit_loop(group[0].comment, group[0].value, none, Reduce::none, dest);
  std::vector<std::pair<int, int>> stored;  // buffer -> the node computing its value in the loop
  std::vector<std::pair<int, View>> also;
  for (const Store& s : group) {
    const int root = substitute(s.value.root, stored, shape);
    stored.push_back({s.buf, root});
    if (&s != &group[0]) also.push_back({root, View{s.buf, 0, dest.strides}});
  }
  std::vector<int> roots;
  for (const auto& [buf, root] : stored) roots.push_back(root);
  int ops, heavy;
  bool int_div;
  cost(roots, ops, heavy, int_div);
  std::string comment = cat("store ", group.size(), " values of ", to_string(shape), " (", ops, " ops):");
  for (const Store& s : group) comment += "\n//   " + s.comment;
  emit_loop(comment, Lazy{shape, group[0].value.dtype, stored[0].second}, none, Reduce::none, dest, also);
}

}  // namespace slope::cpu::codegen
