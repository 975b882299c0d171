// Modules as pytrees: names, buffers, loading by name, freezing, Sequential, printing, layers'
// training/eval behaviour that torch cannot pin down (Dropout's randomness), errors; and the
// initialisers against torch.nn.init (fans and gains exactly, distributions statistically).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "nn_golden.h"
#include "slope/slope.h"

namespace {

using nn_golden::json;
using slope::Tensor;
namespace nn = slope::nn;

struct Net {
  nn::Conv2d conv;
  nn::BatchNorm2d bn;
  nn::Sequential<nn::Flatten, nn::Linear, nn::ReLU, nn::Dropout, nn::Linear> head;
  std::vector<nn::Linear> extra;
  std::optional<nn::Linear> maybe;
  int64_t width = 4;  // static configuration: part of the structure, not a leaf
};

}  // namespace

SLOPE_MODULE(Net, conv, bn, head, extra, maybe, width)

namespace {

std::array<Tensor, 2> two_keys(uint64_t seed) { return slope::random::split(slope::random::key(seed)); }

Net make_net() {
  auto [k1, k2] = two_keys(5);
  auto [k3, k4] = two_keys(6);
  return Net{nn::Conv2d(2, 4, 3, k1, {.padding = 1}), nn::BatchNorm2d(4),
             nn::Sequential(nn::Flatten(), nn::Linear(4 * 3 * 3, 6, k2), nn::ReLU(), nn::Dropout(0.5), nn::Linear(6, 2, k3)),
             {nn::Linear(2, 2, k4)}, std::nullopt};
}

TEST(NNModules, NamesFollowPyTorch) {
  Net net = make_net();
  std::vector<std::string> want = {"conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                                   "bn.running_var", "bn.num_batches_tracked", "head.1.weight", "head.1.bias",
                                   "head.4.weight", "head.4.bias", "extra.0.weight", "extra.0.bias"};
  EXPECT_EQ(slope::tree_paths(net), want);
  std::vector<std::string> params, buffers;
  for (auto& [n, t] : nn::named_parameters(net)) params.push_back(n);
  for (auto& [n, t] : nn::named_buffers(net)) buffers.push_back(n);
  EXPECT_EQ(buffers, (std::vector<std::string>{"bn.running_mean", "bn.running_var", "bn.num_batches_tracked"}));
  EXPECT_EQ(params.size(), want.size() - 3);
  EXPECT_EQ(nn::parameter_count(net), 2 * 4 * 9 + 4 + 4 + 4 + 36 * 6 + 6 + 6 * 2 + 2 + 4 + 2);
  // Static fields are structure: another width is another jit signature.
  Net wider = net;
  wider.width = 8;
  EXPECT_NE(slope::tree_structure(net), slope::tree_structure(wider));
}

TEST(NNModules, BuffersGetNoGradientUpdates) {
  Net net = make_net();
  Tensor x = slope::random::normal(slope::random::key(1), {3, 2, 3, 3});
  auto loss = [](const Net& n, const Tensor& xb) {
    auto [h, bn2] = n.bn(n.conv(xb), true);
    return n.head(h).square().sum();
  };
  Net g = slope::grad(loss)(net, x);
  // Running statistics enter through stop_gradient: zero gradients, and no optimizer touches them.
  EXPECT_EQ(g.bn.running_mean->abs().max().item<float>(), 0.0f);
  EXPECT_EQ(g.bn.num_batches_tracked->dtype(), slope::i64);
  EXPECT_GT(g.conv.weight.abs().max().item<float>(), 0.0f);
  std::vector<bool> mask = nn::trainable_mask(net);
  EXPECT_EQ(std::count(mask.begin(), mask.end(), true), 10);
}

TEST(NNModules, LoadStateDictByName) {
  Net net = make_net();
  auto sd = nn::state_dict(net);
  std::map<std::string, Tensor> doubled;
  for (auto& [n, t] : sd) doubled[n] = slope::is_floating(t.dtype()) ? t.cast(slope::f64) * 2 : t;
  Net loaded = nn::load_state_dict(net, doubled);
  EXPECT_EQ(loaded.conv.weight.dtype(), slope::f32);  // cast to the model's dtype, like torch's copy_
  EXPECT_FLOAT_EQ(loaded.conv.weight[0][0][0][0].item<float>(), 2 * net.conv.weight[0][0][0][0].item<float>());
  auto missing = doubled;
  missing.erase("bn.running_var");
  try {
    nn::load_state_dict(net, missing);
    ADD_FAILURE() << "no error";
  } catch (const slope::Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing keys ['bn.running_var']"), std::string::npos) << e.what();
  }
  auto extra = doubled;
  extra["head.9.weight"] = slope::zeros({1});
  EXPECT_THROW(nn::load_state_dict(net, extra), slope::Error);
  EXPECT_NO_THROW(nn::load_state_dict(net, extra, /*strict=*/false));
  auto wrong = doubled;
  wrong["conv.weight"] = slope::zeros({4, 2, 3, 2});
  EXPECT_THROW(nn::load_state_dict(net, wrong), slope::Error);
}

TEST(NNModules, SaveAndLoadAModelWithItsBuffers) {
  Net net = make_net();
  Tensor x = slope::random::normal(slope::random::key(2), {3, 2, 3, 3});
  auto [h, bn2] = net.bn(net.conv(x), true);  // running statistics move away from their init
  net.bn = bn2;
  std::string path = testing::TempDir() + "slope_nn_save_load.safetensors";
  nn::save(net, path);
  Net fresh = make_net();
  fresh.bn = nn::BatchNorm2d(4);
  Net loaded = nn::load(fresh, path);
  auto want = nn::state_dict(net), got = nn::state_dict(loaded);
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i].first);
    EXPECT_EQ(got[i].second.to_vector<double>(), want[i].second.to_vector<double>()) << want[i].first;
  }
  Net other = make_net();
  other.extra.push_back(nn::Linear(2, 2, two_keys(9)[0]));  // a layer the file lacks
  try {
    nn::load(other, path);
    ADD_FAILURE() << "no error";
  } catch (const slope::Error& e) {
    EXPECT_NE(std::string(e.what()).find("extra.1.weight"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(NNModules, SequentialThreadsStateAndKeys) {
  auto [k1, k2] = two_keys(9);
  nn::Sequential seq(nn::Linear(4, 8, k1), nn::BatchNorm1d(8), nn::Dropout(0.5), nn::Linear(8, 2, k2));
  static_assert(decltype(seq)::size() == 4);
  Tensor x = slope::random::normal(slope::random::key(2), {16, 4});
  Tensor eval = seq(x);
  auto [y, seq2] = seq(x, true, slope::random::key(3));
  EXPECT_EQ(seq2.get<1>().num_batches_tracked->item<int64_t>(), 1);
  EXPECT_NE(seq2.get<1>().running_mean->to_vector<float>(), seq.get<1>().running_mean->to_vector<float>());
  auto [y_again, unused] = seq(x, true, slope::random::key(3));
  EXPECT_EQ(y.to_vector<float>(), y_again.to_vector<float>());  // the key decides the dropout mask
  auto [y_other, unused2] = seq(x, true, slope::random::key(4));
  EXPECT_NE(y.to_vector<float>(), y_other.to_vector<float>());
  EXPECT_THROW(seq(x, true), slope::Error);  // Dropout needs a key when training
  auto [y_eval, same] = seq(x, false);
  EXPECT_EQ(y_eval.to_vector<float>(), eval.to_vector<float>());
  EXPECT_EQ(slope::tree_paths(seq), (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                                              "1.running_mean", "1.running_var",
                                                              "1.num_batches_tracked", "3.weight", "3.bias"}));
  // grad and jit take the whole Sequential and give one back.
  auto loss = [](const decltype(seq)& s, const Tensor& xb) { return s(xb).square().mean(); };
  auto g = slope::grad(loss)(seq, x);
  EXPECT_EQ(g.get<0>().weight.shape(), (slope::Shape{8, 4}));
  auto jitted = slope::jit([](const decltype(seq)& s, const Tensor& xb, const Tensor& key) { return s(xb, true, key); });
  auto [yj, seqj] = jitted(seq, x, slope::random::key(3));
  EXPECT_TRUE(nn_golden::close(yj, y, 1e-5, 1e-6));
  EXPECT_TRUE(nn_golden::close(*seqj.get<1>().running_var, *seq2.get<1>().running_var, 1e-5, 1e-6));
}

TEST(NNModules, DropoutTrainAndEval) {
  nn::Dropout drop(0.25);
  Tensor x = slope::ones({200, 100});
  EXPECT_EQ(drop(x).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(drop(x, slope::random::key(1), false).to_vector<float>(), x.to_vector<float>());
  Tensor y = drop(x, slope::random::key(1));
  std::vector<float> v = y.to_vector<float>();
  size_t zeros = 0;
  for (float e : v) {
    if (e == 0) ++zeros;
    else EXPECT_FLOAT_EQ(e, 1.0f / 0.75f);
  }
  double frac = static_cast<double>(zeros) / static_cast<double>(v.size());
  EXPECT_NEAR(frac, 0.25, 0.02);  // 20,000 draws: 4.6 standard deviations
  // The gradient is the same mask, scaled.
  Tensor g = slope::grad([&](const Tensor& xi) { return drop(xi, slope::random::key(1)).sum(); })(x);
  EXPECT_EQ(g.to_vector<float>(), v);
  EXPECT_THROW(nn::Dropout(1.5), slope::Error);
}

TEST(NNModules, PrintsLayersShapesAndCounts) {
  std::ostringstream os;
  os << make_net();
  EXPECT_EQ(os.str(),
            "Net(\n"
            "  (conv): Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "  (bn): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
            "  (head): Sequential(\n"
            "    (0): Flatten(start_dim=1, end_dim=-1)\n"
            "    (1): Linear(in_features=36, out_features=6, bias=True)\n"
            "    (2): ReLU()\n"
            "    (3): Dropout(p=0.5)\n"
            "    (4): Linear(in_features=6, out_features=2, bias=True)\n"
            "  )\n"
            "  (extra): ModuleList(\n"
            "    (0): Linear(in_features=2, out_features=2, bias=True)\n"
            "  )\n"
            ")\n"
            "parameters: 326 in 10 tensors; buffers: 9 in 3 tensors");
  EXPECT_EQ(nn::summary(std::vector<Tensor>{slope::zeros({3, 4})}),
            "ParameterList(\n  (0): Parameter([3, 4], f32)\n)\nparameters: 12 in 1 tensor");
}

TEST(NNModules, LayerErrorsNameTheLayer) {
  auto key = slope::random::key(0);
  auto expect_error = [](auto&& f, const std::string& prefix) {
    try {
      f();
      ADD_FAILURE() << "no error, expected " << prefix;
    } catch (const slope::Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
    }
  };
  expect_error([&] { nn::Linear(3, 2, key)(slope::zeros({4, 5})); }, "[Linear] expected input [..., 3], got [4, 5] f32");
  expect_error([&] { nn::Conv2d(3, 4, 3, key)(slope::zeros({1, 2, 5, 5})); }, "[Conv2d]");
  expect_error([&] { nn::Conv2d(3, 4, 3, key, {.groups = 2}); }, "[Conv2d]");
  expect_error([&] { nn::BatchNorm2d(3)(slope::zeros({2, 3, 4})); }, "[BatchNorm2d]");
  expect_error([&] { nn::BatchNorm1d(3)(slope::zeros({1, 3}), true); }, "[BatchNorm1d] expected more than 1 value");
  expect_error([&] { nn::LayerNorm(4)(slope::zeros({2, 5})); }, "[LayerNorm]");
  expect_error([&] { nn::Embedding(5, 2, key)(slope::zeros({3})); }, "[Embedding]");
  expect_error([&] { nn::MultiheadAttention(6, 4, key); }, "[MultiheadAttention]");
  expect_error([&] { nn::MaxPool2d(2, {.padding = 2}); }, "[MaxPool2d]");
  expect_error([&] { nn::init::kaiming_uniform(key, {3}); }, "[init::kaiming_uniform]");
  expect_error([&] { nn::init::calculate_gain("swish"); }, "[calculate_gain]");
  nn::Embedding emb(5, 2, key);
  expect_error([&] { emb(slope::tensor({7})); }, "[Embedding] indices must be in [0, 5), got values in [7, 7]");
  EXPECT_THROW(slope::jit([&](const Tensor& i) { return emb(i); })(slope::tensor({7})), slope::Error);  // traced: the lookup checks
}

// ---------------------------------------------------------------- initialisation

TEST(NNInitTorch, FansAndGainsMatchTorch) {
  const json& init = nn_golden::section("init");
  if (init.empty()) return;
  for (auto& f : init["fans"]) {
    slope::Shape s;
    for (auto& d : f["shape"]) s.push_back(d.get<int64_t>());
    nn::init::Fans fans = nn::init::calculate_fans(s);
    EXPECT_EQ(fans.fan_in, f["fans"][0].get<int64_t>()) << slope::to_string(s);
    EXPECT_EQ(fans.fan_out, f["fans"][1].get<int64_t>()) << slope::to_string(s);
  }
  for (auto& g : init["gains"]) {
    std::optional<double> p;
    if (!g["param"].is_null()) p = g["param"].get<double>();
    EXPECT_DOUBLE_EQ(nn::init::calculate_gain(g["name"], p), g["gain"].get<double>()) << g["name"];
  }
}

struct Stats {
  double mean, std, min, max;
};
Stats stats_of(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
  for (double e : v) sum += e, lo = std::min(lo, e), hi = std::max(hi, e);
  double mean = sum / static_cast<double>(v.size());
  for (double e : v) sq += (e - mean) * (e - mean);
  return {mean, std::sqrt(sq / static_cast<double>(v.size() - 1)), lo, hi};
}

// Two samples of one distribution: the means agree within 5 standard errors, the standard
// deviations within 4%, and for bounded distributions the extremes within 2% of the range
// (with >= 12,000 draws the extremes sit within 0.05% of the bounds).
void expect_same_distribution(const Tensor& got, const json& want, bool bounded, const std::string& what) {
  Stats s = stats_of(got);
  double n = want["numel"].get<double>(), sd = want["std"].get<double>();
  EXPECT_NEAR(s.mean, want["mean"].get<double>(), 5 * sd * std::sqrt(2.0 / n)) << what;
  EXPECT_NEAR(s.std, sd, 0.04 * sd) << what;
  if (bounded) {
    double range = want["max"].get<double>() - want["min"].get<double>();
    EXPECT_NEAR(s.min, want["min"].get<double>(), 0.02 * range) << what;
    EXPECT_NEAR(s.max, want["max"].get<double>(), 0.02 * range) << what;
  }
  EXPECT_EQ(static_cast<double>(got.numel()), n) << what;
}

TEST(NNInitTorch, LayerDefaultsMatchTorchDistributions) {
  const json& init = nn_golden::section("init");
  if (init.empty()) return;
  const json& l = init["layers"];
  auto key = slope::random::key(123);
  nn::Linear lin(400, 300, key);
  expect_same_distribution(lin.weight, l["Linear"]["weight"], true, "Linear.weight");
  expect_same_distribution(*lin.bias, l["Linear"]["bias"], true, "Linear.bias");
  nn::Conv2d conv(16, 32, 3, key);
  expect_same_distribution(conv.weight, l["Conv2d"]["weight"], true, "Conv2d.weight");
  nn::ConvTranspose2d convt(16, 8, 3, key);
  expect_same_distribution(convt.weight, l["ConvTranspose2d"]["weight"], true, "ConvTranspose2d.weight");
  nn::MultiheadAttention mha(64, 4, key);
  expect_same_distribution(mha.in_proj_weight, l["MultiheadAttention"]["in_proj_weight"], true, "in_proj_weight");
  expect_same_distribution(mha.out_proj.weight, l["MultiheadAttention"]["out_proj.weight"], true, "out_proj.weight");
  EXPECT_EQ(mha.in_proj_bias->abs().max().item<float>(), 0.0f);
  EXPECT_EQ(mha.out_proj.bias->abs().max().item<float>(), 0.0f);
  expect_same_distribution(nn::Embedding(1000, 64, key).weight, l["Embedding"]["weight"], false, "Embedding.weight");
  // The exact bounds: kaiming_uniform(a = sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  EXPECT_LE(lin.weight.abs().max().item<float>(), 1.0f / std::sqrt(400.0f));
  EXPECT_LE(conv.bias->abs().max().item<float>(), 1.0f / std::sqrt(16.0f * 9));
  EXPECT_LE(convt.bias->abs().max().item<float>(), 1.0f / std::sqrt(8.0f * 9));  // fan_in from weight dim 1
}

TEST(NNInitTorch, InitFunctionsMatchTorchDistributions) {
  const json& init = nn_golden::section("init");
  if (init.empty()) return;
  slope::Shape s{init["shape"][0].get<int64_t>(), init["shape"][1].get<int64_t>()};
  const json& f = init["functions"];
  auto key = slope::random::key(77);
  namespace ni = nn::init;
  expect_same_distribution(ni::uniform(key, s, -2, 3), f["uniform"], true, "uniform");
  expect_same_distribution(ni::normal(key, s, 1, 2), f["normal"], false, "normal");
  expect_same_distribution(ni::xavier_uniform(key, s, 2.0), f["xavier_uniform"], true, "xavier_uniform");
  expect_same_distribution(ni::xavier_normal(key, s, 0.5), f["xavier_normal"], false, "xavier_normal");
  expect_same_distribution(ni::kaiming_uniform(key, s, {.a = 0.1, .mode = ni::FanMode::fan_out}), f["kaiming_uniform"],
                           true, "kaiming_uniform");
  expect_same_distribution(ni::kaiming_normal(key, s, {.nonlinearity = "relu"}), f["kaiming_normal"], false,
                           "kaiming_normal");
}

TEST(NNInit, DeterministicPerKey) {
  auto k = slope::random::key(5);
  EXPECT_EQ(nn::Linear(30, 20, k).weight.to_vector<float>(), nn::Linear(30, 20, k).weight.to_vector<float>());
  EXPECT_NE(nn::Linear(30, 20, k).weight.to_vector<float>(),
            nn::Linear(30, 20, slope::random::key(6)).weight.to_vector<float>());
  EXPECT_EQ(nn::init::zeros({2, 3}).to_vector<float>(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(nn::init::ones({2}, slope::f64).dtype(), slope::f64);
  EXPECT_EQ(nn::init::kaiming_uniform(k, {0, 3}).numel(), 0);
}

}  // namespace
