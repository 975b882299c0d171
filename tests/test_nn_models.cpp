// Whole models against the same architectures in PyTorch (tests/torch/gen_nn.py): the leaf names
// are torch's state_dict keys in torch's order, the printed model is torch's, torch's weights load
// by name, and the eval output, the training loss and every parameter's gradient match, eagerly and
// jitted. The convnet also trains 3 SGD steps in train mode (one jitted step): its parameters and
// BatchNorm running statistics then equal torch's.
#include <gtest/gtest.h>

#include "nn_golden.h"
#include "slope/slope.h"

namespace {

using nn_golden::json;
using slope::Tensor;
namespace nn = slope::nn;
namespace optim = slope::optim;

struct MLP {
  nn::Linear fc1, fc2;
  std::pair<Tensor, MLP> operator()(const Tensor& x, bool) const { return {fc2(nn::relu(fc1(x))), *this}; }
};

struct ConvNet {
  nn::Sequential<nn::Conv2d, nn::BatchNorm2d, nn::ReLU, nn::MaxPool2d, nn::Conv2d, nn::BatchNorm2d, nn::ReLU> features;
  nn::Flatten flatten;
  nn::Linear fc;
  // Training returns the model with its new BatchNorm statistics.
  std::pair<Tensor, ConvNet> operator()(const Tensor& x, bool train) const {
    auto [h, features2] = features(x, train);
    ConvNet next = *this;
    next.features = features2;
    return {fc(flatten(h)), next};
  }
};

struct Block {
  nn::LayerNorm ln1;
  nn::MultiheadAttention attn;
  nn::LayerNorm ln2;
  nn::Sequential<nn::Linear, nn::GELU, nn::Linear> mlp;
  Tensor operator()(const Tensor& x) const {
    Tensor y = ln1(x);
    Tensor h = x + attn(y, y, y, {.is_causal = true, .need_weights = false}).output;
    return h + mlp(ln2(h));
  }
};

struct TinyTransformer {
  nn::Embedding embed;
  std::vector<Block> blocks;
  nn::LayerNorm ln_f;
  nn::Linear head;
  std::pair<Tensor, TinyTransformer> operator()(const Tensor& idx, bool) const {
    Tensor x = embed(idx);
    for (const Block& b : blocks) x = b(x);
    return {head(ln_f(x)), *this};
  }
};

}  // namespace

SLOPE_MODULE(MLP, fc1, fc2)
SLOPE_MODULE(ConvNet, features, flatten, fc)
SLOPE_PYTREE(Block, ln1, attn, ln2, mlp)
SLOPE_MODULE(TinyTransformer, embed, blocks, ln_f, head)

namespace {

constexpr double kRtol = 2e-4, kAtol = 2e-5;

std::vector<Tensor> keys(int n) {
  Tensor k = slope::random::split(slope::random::key(11), n);
  std::vector<Tensor> out;
  for (int i = 0; i < n; ++i) out.push_back(k[i]);
  return out;
}

MLP make_mlp() {
  auto k = keys(2);
  return MLP{nn::Linear(12, 16, k[0]), nn::Linear(16, 5, k[1])};
}

ConvNet make_convnet() {
  auto k = keys(3);
  return ConvNet{nn::Sequential(nn::Conv2d(1, 4, 3, k[0], {.padding = 1}), nn::BatchNorm2d(4), nn::ReLU(),
                                nn::MaxPool2d(2), nn::Conv2d(4, 6, 3, k[1]), nn::BatchNorm2d(6), nn::ReLU()),
                 nn::Flatten(), nn::Linear(24, 3, k[2])};
}

TinyTransformer make_transformer() {
  auto k = keys(8);
  auto block = [&](int i) {
    return Block{nn::LayerNorm(8), nn::MultiheadAttention(8, 2, k[2 + 3 * i], {.batch_first = true}), nn::LayerNorm(8),
                 nn::Sequential(nn::Linear(8, 32, k[3 + 3 * i]), nn::GELU(), nn::Linear(32, 8, k[4 + 3 * i]))};
  };
  return TinyTransformer{nn::Embedding(11, 8, k[0]), {block(0), block(1)}, nn::LayerNorm(8), nn::Linear(8, 11, k[1])};
}

const json* find_model(const std::string& name) {
  for (const json& c : nn_golden::section("models"))
    if (c["name"] == name) return &c;
  ADD_FAILURE() << "no model case " << name;
  return nullptr;
}

template <class M> Tensor loss_of(const M& m, const Tensor& x, const Tensor& y) {
  Tensor logits = m(x, true).first;
  return nn::cross_entropy(logits.reshape({-1, logits.shape(-1)}), y.reshape({-1}));
}

// Names, shapes, loading, eval output, training loss and gradients (eager and jit).
template <class M> M check_model(const std::string& name, const M& fresh) {
  const json* c = find_model(name);
  if (!c) return fresh;
  std::vector<std::string> want_keys = (*c)["keys"];
  EXPECT_EQ(slope::tree_paths(fresh), want_keys);
  auto state = nn_golden::load_named((*c)["state"]);
  for (auto& [k, t] : nn::state_dict(fresh)) EXPECT_EQ(t.shape(), state.at(k).shape()) << k;
  M model = nn::load_state_dict(fresh, state);
  Tensor x = nn_golden::load((*c)["x"]), y = nn_golden::load((*c)["y"]);
  EXPECT_TRUE(nn_golden::close(model(x, false).first, nn_golden::load((*c)["out_eval"]), kRtol, kAtol)) << "eval output";
  auto vg = [](const M& m, const Tensor& xb, const Tensor& yb) { return slope::value_and_grad(loss_of<M>)(m, xb, yb); };
  auto vg_jit = slope::jit(vg);
  for (bool jitted : {false, true}) {
    SCOPED_TRACE(jitted ? "jit" : "eager");
    auto [loss, g] = jitted ? vg_jit(model, x, y) : vg(model, x, y);
    EXPECT_TRUE(nn_golden::close(loss, nn_golden::load((*c)["loss_train"]), kRtol, kAtol)) << "training loss";
    auto grads = nn::named_parameters(g);
    EXPECT_EQ(grads.size(), (*c)["grads"].size());
    for (auto& [n, t] : grads)
      EXPECT_TRUE(nn_golden::close(t, nn_golden::load((*c)["grads"][n]), kRtol, kAtol)) << "gradient of " << n;
  }
  return model;
}

// The printed model is torch's print(model), followed by slope's parameter count.
template <class M> void check_repr(const std::string& name, const M& model) {
  const json* c = find_model(name);
  if (!c) return;
  std::ostringstream os;
  os << model;
  std::string printed = os.str();
  std::string want = (*c)["repr"];
  EXPECT_EQ(printed.substr(0, printed.rfind('\n')), want);
  EXPECT_EQ(printed.substr(printed.rfind('\n') + 1).rfind("parameters: ", 0), 0u) << printed;
}

TEST(NNModelsTorch, MLP) {
  MLP m = check_model("mlp", make_mlp());
  check_repr("mlp", m);
  std::ostringstream os;
  os << m;
  EXPECT_NE(os.str().find("parameters: 293 in 4 tensors"), std::string::npos) << os.str();
}

TEST(NNModelsTorch, ConvNetWithBatchNorm) {
  ConvNet m = check_model("convnet", make_convnet());
  check_repr("convnet", m);
  EXPECT_EQ(nn::named_buffers(m).size(), 6u);
  EXPECT_EQ(nn::named_parameters(m).size(), 10u);
}

TEST(NNModelsTorch, ConvNetTrainsLikeTorch) {
  const json* c = find_model("convnet");
  if (!c) return;
  ConvNet model = nn::load_state_dict(make_convnet(), nn_golden::load_named((*c)["state"]));
  optim::SGD opt({.lr = 0.1, .momentum = 0.9});
  auto state = opt.init(model);
  // The loss's auxiliary output is the model with its updated running statistics.
  auto loss = [](const ConvNet& m, const Tensor& x, const Tensor& y) {
    auto [logits, next] = m(x, true);
    return std::pair{nn::cross_entropy(logits, y), next};
  };
  auto step = slope::jit([&](const ConvNet& m, const optim::SGDState& s, const Tensor& x, const Tensor& y) {
    auto [value, g] = slope::value_and_grad(loss)(m, x, y);
    auto [m2, s2] = opt.update(value.second, g, s);
    return std::tuple{value.first, m2, s2};
  });
  for (auto& batch : (*c)["sgd_batches"]) {
    auto [l, m2, s2] = step(model, state, nn_golden::load(batch[0]), nn_golden::load(batch[1]));
    model = m2;
    state = s2;
  }
  EXPECT_EQ(step.trace_count(), 1u);
  auto want = nn_golden::load_named((*c)["state_after_sgd"]);
  for (auto& [name, t] : nn::state_dict(model)) {
    ASSERT_TRUE(want.count(name)) << name;
    EXPECT_TRUE(nn_golden::close(t, want.at(name), 1e-4, 1e-5)) << name;
  }
  EXPECT_EQ(model.features.get<1>().num_batches_tracked->item<int64_t>(), 6);  // 3 (randomised start) + 3 steps
}

TEST(NNModelsTorch, TransformerBlockWithAttention) {
  TinyTransformer m = check_model("transformer", make_transformer());
  auto names = slope::tree_paths(m);
  EXPECT_NE(std::find(names.begin(), names.end(), "blocks.1.attn.in_proj_weight"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "blocks.0.mlp.2.bias"), names.end());
}

}  // namespace
