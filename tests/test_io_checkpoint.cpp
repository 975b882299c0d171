// Pytree checkpoints: save/load round trips, the strict name/shape/dtype match, names that PyTorch
// loads into the same architecture (and the other way), and atomic writes: a writer killed at any
// moment leaves the previous checkpoint whole.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "io/file.h"
#include "io/helpers.h"
#include "slope/io/checkpoint.h"

using namespace slope;
using namespace slope::test_io;

namespace {
struct Linear {
  Tensor weight;
  std::optional<Tensor> bias;
};
struct Net {  // tests/io/reference.py declares the same architecture in PyTorch
  Linear fc1;
  std::vector<Linear> layers;
  std::string activation;
};
}  // namespace
SLOPE_PYTREE(Linear, weight, bias)
SLOPE_PYTREE(Net, fc1, layers, activation)

namespace {
Linear linear(int64_t in, int64_t out) { return {randn({out, in}), randn({out})}; }
Net make_net() { return {linear(4, 3), {linear(3, 3), linear(3, 2)}, "relu"}; }
Tensor apply(const Linear& l, const Tensor& x) { return matmul(x, l.weight.T()) + *l.bias; }
Tensor forward(const Net& n, const Tensor& x) {
  return apply(n.layers[1], apply(n.layers[0], apply(n.fc1, x).relu()).relu());
}
Tensor net_input() { return arange(8).reshape({2, 4}).cast(f32) / 10; }

void expect_trees_identical(const Net& a, const Net& b) {
  auto la = tree_named_leaves(a), lb = tree_named_leaves(b);
  ASSERT_EQ(la.size(), lb.size());
  for (size_t i = 0; i < la.size(); ++i) {
    EXPECT_EQ(la[i].first, lb[i].first);
    expect_identical(la[i].second, lb[i].second, la[i].first);
  }
}
}  // namespace

TEST(Checkpoint, SaveLoadRoundTripKeepsStructureAndStatics) {
  TempDir dir;
  manual_seed(1);
  Net net = make_net();
  save(net, dir / "net.safetensors", {{"epoch", "7"}});
  Net like = make_net();  // other values, same architecture
  like.activation = "gelu";
  Net back = load(like, dir / "net.safetensors");
  expect_trees_identical(back, net);
  EXPECT_EQ(back.activation, "gelu");  // static fields come from the tree given to load
  SafetensorsFile f = load_safetensors(dir / "net.safetensors");
  EXPECT_EQ(f.metadata.at("epoch"), "7");
  std::vector<std::string> names;
  for (auto& [n, t] : f.tensors) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"fc1.weight", "fc1.bias", "layers.0.weight", "layers.0.bias",
                                             "layers.1.weight", "layers.1.bias"}));
}

TEST(Checkpoint, OptimizerStateAndMixedTreesSaveWithTheSameCall) {
  TempDir dir;
  // An optimizer state: a step counter and per-parameter moments, keyed like the parameters.
  using State = std::tuple<Tensor, std::map<std::string, Tensor>, std::vector<Tensor>>;
  State s{tensor(int64_t(12)), {{"m", randn({3}).cast(bf16)}, {"v", rand({2, 2}, f64)}}, {random::key(3), rand({1}) > 0.5}};
  save(s, dir / "opt.safetensors");
  State back = load(State{zeros({}, i64), {{"m", zeros({3}, bf16)}, {"v", zeros({2, 2}, f64)}}, {zeros({2}, u32), zeros({1}, bool_)}},
                    dir / "opt.safetensors");
  expect_identical(std::get<0>(back), std::get<0>(s), "step");
  expect_identical(std::get<1>(back)["m"], std::get<1>(s)["m"], "m");
  expect_identical(std::get<1>(back)["v"], std::get<1>(s)["v"], "v");
  expect_identical(std::get<2>(back)[0], std::get<2>(s)[0], "key");
  expect_identical(std::get<2>(back)[1], std::get<2>(s)[1], "mask");
}

TEST(Checkpoint, LoadIsStrictAndListsEveryMismatchAtOnce) {
  TempDir dir;
  std::map<std::string, Tensor> saved{{"a", ones({2, 3})}, {"b", ones({4})}, {"c", ones({1}, i32)}, {"old", ones({1})}};
  save(saved, dir / "m.safetensors");
  std::map<std::string, Tensor> like{{"a", ones({3, 2})}, {"b", ones({4})}, {"c", ones({1})}, {"new", ones({5}, f16)}};
  expect_error([&] { load(like, dir / "m.safetensors"); },
               {"[load]", "m.safetensors", "does not match the tree", "missing from the file: 'new' [5] F16",
                "'a': the tree has [3, 2] F32, the file [2, 3] F32", "'c': the tree has [1] F32, the file [1] I32",
                "not in the tree: 'old' [1] F32"});
  // An optional leaf that is absent in the tree is absent from the names: the file's extra tensor is reported.
  Net net = make_net();
  save(net, dir / "net.safetensors");
  Net no_bias = make_net();
  no_bias.fc1.bias.reset();
  expect_error([&] { load(no_bias, dir / "net.safetensors"); }, {"not in the tree: 'fc1.bias' [3] F32"});
  expect_error([&] { load(std::map<std::string, Tensor>{{"x", Tensor()}}, dir / "m.safetensors"); },
               {"[load]", "'x' of the tree is an empty handle"});
  expect_error([&] { load(like, dir / "missing.safetensors"); }, {"[load]", "missing.safetensors", "cannot open"});
  expect_error([&] { save(std::vector<Tensor>{Tensor()}, dir / "e.safetensors"); }, {"[save]", "'0' is an empty handle"});
}

TEST(Checkpoint, PyTorchLoadsSlopeCheckpointIntoTheSameArchitecture) {
  TempDir dir;
  manual_seed(2);
  Net net = make_net();
  save(net, dir / "net.safetensors");
  run_reference({"net-read", (dir / "net.safetensors").string(), (dir / "y.json").string()});
  nlohmann::json y = read_json(dir / "y.json");
  Tensor want = forward(net, net_input());
  ASSERT_EQ(shape_of(y["shape"]), want.shape());
  std::vector<float> got;
  for (uint64_t b : y["bits"].get<std::vector<uint64_t>>()) {
    uint32_t u = static_cast<uint32_t>(b);
    float v;
    std::memcpy(&v, &u, 4);
    got.push_back(v);
  }
  auto w = want.to_vector<float>();
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(got[i], w[i], 1e-5) << i;
}

TEST(Checkpoint, SlopeLoadsPyTorchStateDict) {
  TempDir dir;
  run_reference({"net-write", (dir / "torch.safetensors").string(), (dir / "y.json").string()});
  Net net = load(make_net(), dir / "torch.safetensors");
  nlohmann::json y = read_json(dir / "y.json");
  auto got = forward(net, net_input()).to_vector<float>();
  auto bits = y["bits"].get<std::vector<uint64_t>>();
  ASSERT_EQ(got.size(), bits.size());
  for (size_t i = 0; i < got.size(); ++i) {
    uint32_t u = static_cast<uint32_t>(bits[i]);
    float v;
    std::memcpy(&v, &u, 4);
    EXPECT_NEAR(got[i], v, 1e-5) << i;
  }
}

// ---- atomic writes ----
namespace {
using Tree = std::map<std::string, Tensor>;
constexpr int64_t kBig = int64_t(3) << 20;  // 12 MiB of f32: a dozen write chunks

Tree big_tree(float base) { return {{"big", full({kBig}, base)}, {"small", full({3}, base + 1)}}; }

// The whole file is one of the two checkpoints, never a mix and never damaged.
float loaded_base(const fs::path& p) {
  Tree t = load(big_tree(0), p);
  Tensor big = t["big"];
  float base = big[0].item<float>();
  EXPECT_TRUE(((big == base).all()).item<bool>()) << "a torn checkpoint";
  EXPECT_EQ(t["small"].to_vector<float>(), std::vector<float>(3, base + 1));
  return base;
}

// A child process saves `tree`; with a stop point, its write hook parks it there and the parent
// kills it with SIGKILL; without one, the parent kills it after `delay`. Returns whether the child
// was killed before it finished.
bool save_in_child_and_kill(const Tree& tree, const fs::path& path, const char* stage, uint64_t at_bytes,
                            std::chrono::microseconds delay = {}) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (stage) {
      io::set_write_hook([&](const char* s, uint64_t bytes) {
        if (std::strcmp(s, stage) == 0 && bytes >= at_bytes) {
          char c = 1;
          (void)!::write(fds[1], &c, 1);
          for (;;) ::pause();
        }
      });
    }
    try {
      save(tree, path);
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  if (stage) {
    char c;
    EXPECT_EQ(::read(fds[0], &c, 1), 1) << "the child never reached " << stage << " " << at_bytes;
  } else {
    std::this_thread::sleep_for(delay);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  return WIFSIGNALED(status);
}

// The temporary files killed writers left behind; removed after counting.
int remove_leftovers(const fs::path& dir, const fs::path& keep) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path() != keep) fs::remove(e.path()), ++n;
  return n;
}
}  // namespace

TEST(Checkpoint, WriterKilledMidSaveLeavesThePreviousCheckpointWhole) {
  TempDir dir;
  fs::path p = dir / "ckpt.safetensors";
  save(big_tree(1), p);
  const uint64_t file_size = fs::file_size(p);
  // Deterministic moments: after the length field, inside the data, after all of it, after fsync.
  struct Point {
    const char* stage;
    uint64_t at;
  };
  for (Point pt : {Point{"write", 1}, Point{"write", 4 << 20}, Point{"write", 10 << 20}, Point{"write", file_size},
                   Point{"fsync", 0}}) {
    SCOPED_TRACE(std::string(pt.stage) + " " + std::to_string(pt.at));
    EXPECT_TRUE(save_in_child_and_kill(big_tree(2), p, pt.stage, pt.at));
    EXPECT_EQ(loaded_base(p), 1.f);
    EXPECT_EQ(remove_leftovers(dir.path(), p), 1) << "the killed writer's temporary file";
  }
  // Killed after the rename: the new checkpoint is already whole.
  EXPECT_TRUE(save_in_child_and_kill(big_tree(2), p, "rename", 0));
  EXPECT_EQ(loaded_base(p), 2.f);
  // Killed at arbitrary times: always one whole checkpoint or the other.
  for (int i = 0; i < 6; ++i) {
    save_in_child_and_kill(big_tree(float(3 + i)), p, nullptr, 0, std::chrono::microseconds(2000 * i));
    float base = loaded_base(p);
    EXPECT_TRUE(base == float(3 + i) || base == float(2 + i)) << base;
    remove_leftovers(dir.path(), p);
    save(big_tree(float(3 + i)), p);
  }
}

TEST(Checkpoint, FailedWriteRemovesItsTemporaryFile) {
  TempDir dir;
  fs::path p = dir / "ckpt.safetensors";
  save(big_tree(1), p);
  io::set_write_hook([](const char* stage, uint64_t bytes) {
    if (std::strcmp(stage, "write") == 0 && bytes > (5 << 20)) throw std::runtime_error("disk full (simulated)");
  });
  EXPECT_THROW(save(big_tree(2), p), std::runtime_error);
  io::set_write_hook(nullptr);
  EXPECT_EQ(loaded_base(p), 1.f);
  EXPECT_EQ(remove_leftovers(dir.path(), p), 0);
}
