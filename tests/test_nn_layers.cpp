// Every layer against the torch.nn layer (tests/torch/gen_nn.py): torch's weights are loaded into
// the slope layer BY NAME (strict, so the state_dict names must match), then outputs, gradients
// with respect to the inputs and every parameter, and (training) the new buffers are compared, in
// each mode the case lists.
#include <gtest/gtest.h>

#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "nn_golden.h"
#include "slope/slope.h"

namespace {

using nn_golden::json;
using slope::Tensor;
namespace nn = slope::nn;
using Outputs = std::vector<Tensor>;

// Loose enough for another summation order in convolutions, matmuls and normalisations (f32).
constexpr double kRtol = 2e-4, kAtol = 2e-5;

template <size_t D> nn::Size<D> size_of(const json& c, const char* key, int64_t dflt) {
  if (!c.contains(key)) return nn::Size<D>(dflt);
  std::array<int64_t, D> a{};
  for (size_t i = 0; i < D; ++i) a[i] = c[key][i].get<int64_t>();
  return nn::Size<D>(a);
}
template <class T> T get_or(const json& c, const char* key, T dflt) {
  return c.contains(key) && !c[key].is_null() ? c[key].get<T>() : dflt;
}

// ---------------------------------------------------------------- building each layer from its config
const Tensor kKey = slope::random::key(7);  // torch's weights replace whatever this draws

template <size_t D> nn::Conv<D> make_conv(const json& c) {
  return nn::Conv<D>(c["in"], c["out"], size_of<D>(c, "k", 1), kKey,
                     {.stride = size_of<D>(c, "stride", 1), .padding = size_of<D>(c, "padding", 0),
                      .dilation = size_of<D>(c, "dilation", 1), .groups = get_or<int64_t>(c, "groups", 1),
                      .bias = get_or(c, "bias", true)});
}
template <size_t D> nn::ConvTranspose<D> make_conv_transpose(const json& c) {
  return nn::ConvTranspose<D>(c["in"], c["out"], size_of<D>(c, "k", 1), kKey,
                              {.stride = size_of<D>(c, "stride", 1), .padding = size_of<D>(c, "padding", 0),
                               .output_padding = size_of<D>(c, "output_padding", 0),
                               .groups = get_or<int64_t>(c, "groups", 1), .bias = get_or(c, "bias", true)});
}
template <size_t D> nn::PoolConfig<D> pool_config(const json& c) {
  nn::PoolConfig<D> p{.padding = size_of<D>(c, "padding", 0), .ceil_mode = get_or(c, "ceil_mode", false)};
  if (c.contains("stride")) p.stride = size_of<D>(c, "stride", 1);
  return p;
}
template <size_t D> nn::BatchNorm<D> make_batch_norm(const json& c) {
  std::optional<double> momentum = 0.1;
  if (c.contains("momentum")) momentum = c["momentum"].is_null() ? std::nullopt : std::optional<double>(c["momentum"]);
  return nn::BatchNorm<D>(c["n"], {.eps = get_or(c, "eps", 1e-5), .momentum = momentum,
                                    .affine = get_or(c, "affine", true), .track_running_stats = get_or(c, "track", true)});
}

// ---------------------------------------------------------------- running a case
// call(layer, inputs, case, train) -> (outputs, layer with its new state)
template <class L> using Call = std::function<std::pair<Outputs, L>(const L&, const Outputs&, const json&, bool)>;

template <class L> Call<L> single_input() {
  return [](const L& l, const Outputs& in, const json&, bool train) {
    auto [y, next] = nn::forward(l, in.at(0), train, Tensor());
    return std::pair<Outputs, L>{Outputs{y}, next};
  };
}

std::pair<Outputs, nn::Embedding> call_embedding(const nn::Embedding& l, const Outputs&, const json& c, bool) {
  return {{l(nn_golden::load(c["aux"]["indices"]))}, l};
}

std::pair<Outputs, nn::MultiheadAttention> call_attention(const nn::MultiheadAttention& l, const Outputs& in,
                                                          const json& c, bool train) {
  const json& kw = c["kw"];
  nn::AttentionArgs args;
  if (c["aux"].contains("key_padding_mask")) args.key_padding_mask = nn_golden::load(c["aux"]["key_padding_mask"]);
  if (c["aux"].contains("attn_mask")) args.attn_mask = nn_golden::load(c["aux"]["attn_mask"]);
  args.is_causal = get_or(kw, "is_causal", false);
  args.need_weights = get_or(kw, "need_weights", true);
  args.average_attn_weights = get_or(kw, "average", true);
  bool self = get_or(kw, "self_attention", false);
  const Tensor& q = in.at(0);
  nn::AttentionOutput r = l(q, self ? q : in.at(1), self ? q : in.at(2), args, Tensor(), train);
  Outputs out{r.output};
  if (r.weights) out.push_back(*r.weights);
  return {out, l};
}

template <class L> void run_case(const json& c, const L& fresh, const Call<L>& call) {
  // Strict loading by name: a wrong or missing state_dict name fails here.
  L layer = nn::load_state_dict(fresh, nn_golden::load_named(c["params"]));
  Outputs xs;
  for (auto& s : c["inputs"]) xs.push_back(nn_golden::load(s));
  for (auto& [mode, m] : c["modes"].items()) {
    SCOPED_TRACE(mode);
    bool train = mode == "train";
    auto f = [&](const L& l, const Outputs& in) { return call(l, in, c, train).first; };
    auto [outs, f_vjp] = slope::vjp(f, layer, xs);
    ASSERT_EQ(outs.size(), m["outputs"].size());
    for (size_t i = 0; i < outs.size(); ++i)
      EXPECT_TRUE(nn_golden::close(outs[i], nn_golden::load(m["outputs"][i]), kRtol, kAtol)) << "output " << i;
    Outputs cts;
    for (auto& s : m["cotangents"]) cts.push_back(nn_golden::load(s));
    auto [g_layer, g_in] = f_vjp(cts);
    for (size_t i = 0; i < xs.size(); ++i)
      EXPECT_TRUE(nn_golden::close(g_in[i], nn_golden::load(m["grad_inputs"][i]), kRtol, kAtol)) << "grad input " << i;
    std::map<std::string, Tensor> grads;
    for (auto& [name, t] : slope::tree_named_leaves(g_layer)) grads[name] = t;
    for (auto& [name, spec] : m["grad_params"].items()) {
      ASSERT_TRUE(grads.count(name)) << "no gradient named " << name;
      EXPECT_TRUE(nn_golden::close(grads[name], nn_golden::load(spec), kRtol, kAtol)) << "grad " << name;
    }
    EXPECT_EQ(nn::named_parameters(layer).size(), m["grad_params"].size());
    auto [unused, next] = call(layer, xs, c, train);
    std::map<std::string, Tensor> state;
    for (auto& [name, t] : nn::state_dict(next)) state[name] = t;
    for (auto& [name, spec] : m["state_after"].items()) {
      ASSERT_TRUE(state.count(name)) << "no buffer named " << name;
      EXPECT_TRUE(nn_golden::close(state[name], nn_golden::load(spec), 1e-5, 1e-6)) << "state " << name;
    }
  }
}

using Runner = std::function<void(const json&)>;
template <class L> Runner runner(std::function<L(const json&)> make, Call<L> call = single_input<L>()) {
  return [make, call](const json& c) { run_case<L>(c, make(c["config"]), call); };
}

const std::map<std::string, Runner>& runners() {
  static const std::map<std::string, Runner> r = {
      {"Linear", runner<nn::Linear>([](const json& c) {
         return nn::Linear(c["in"], c["out"], kKey, {.bias = get_or(c, "bias", true)});
       })},
      {"Conv1d", runner<nn::Conv1d>(make_conv<1>)},
      {"Conv2d", runner<nn::Conv2d>(make_conv<2>)},
      {"ConvTranspose2d", runner<nn::ConvTranspose2d>(make_conv_transpose<2>)},
      {"MaxPool2d", runner<nn::MaxPool2d>([](const json& c) {
         nn::PoolConfig<2> p = pool_config<2>(c);
         return nn::MaxPool2d(size_of<2>(c, "k", 1), p);
       })},
      {"AvgPool2d", runner<nn::AvgPool2d>([](const json& c) { return nn::AvgPool2d(size_of<2>(c, "k", 1), pool_config<2>(c)); })},
      {"BatchNorm1d", runner<nn::BatchNorm1d>(make_batch_norm<1>)},
      {"BatchNorm2d", runner<nn::BatchNorm2d>(make_batch_norm<2>)},
      {"LayerNorm", runner<nn::LayerNorm>([](const json& c) {
         return nn::LayerNorm(c["shape"].get<std::vector<int64_t>>(),
                              {.eps = get_or(c, "eps", 1e-5), .elementwise_affine = get_or(c, "affine", true)});
       })},
      {"Embedding", runner<nn::Embedding>(
                        [](const json& c) {
                          std::optional<int64_t> pad;
                          if (c.contains("padding_idx")) pad = c["padding_idx"].get<int64_t>();
                          return nn::Embedding(c["num"], c["dim"], kKey, {.padding_idx = pad});
                        },
                        call_embedding)},
      {"Dropout", runner<nn::Dropout>([](const json& c) { return nn::Dropout(c["p"].get<double>()); })},
      {"MultiheadAttention", runner<nn::MultiheadAttention>(
                                 [](const json& c) {
                                   return nn::MultiheadAttention(c["e"], c["h"], kKey,
                                                                 {.bias = get_or(c, "bias", true),
                                                                  .batch_first = get_or(c, "batch_first", false)});
                                 },
                                 call_attention)},
      {"ReLU", runner<nn::ReLU>([](const json&) { return nn::ReLU{}; })},
      {"LeakyReLU", runner<nn::LeakyReLU>([](const json& c) { return nn::LeakyReLU{c["slope"].get<double>()}; })},
      {"ELU", runner<nn::ELU>([](const json& c) { return nn::ELU{c["alpha"].get<double>()}; })},
      {"GELU", runner<nn::GELU>([](const json& c) { return nn::GELU{c["approximate"].get<std::string>()}; })},
      {"SiLU", runner<nn::SiLU>([](const json&) { return nn::SiLU{}; })},
      {"Tanh", runner<nn::Tanh>([](const json&) { return nn::Tanh{}; })},
      {"Sigmoid", runner<nn::Sigmoid>([](const json&) { return nn::Sigmoid{}; })},
      {"Softplus", runner<nn::Softplus>([](const json& c) { return nn::Softplus{c["beta"], c["threshold"]}; })},
      {"Softmax", runner<nn::Softmax>([](const json& c) { return nn::Softmax{c["dim"].get<int64_t>()}; })},
      {"LogSoftmax", runner<nn::LogSoftmax>([](const json& c) { return nn::LogSoftmax{c["dim"].get<int64_t>()}; })},
      {"Identity", runner<nn::Identity>([](const json&) { return nn::Identity{}; })},
      {"Flatten", runner<nn::Flatten>([](const json& c) { return nn::Flatten{c["start"], c["end"]}; })},
  };
  return r;
}

TEST(NNLayersTorch, EveryLayerMatchesTorch) {
  const json& cases = nn_golden::section("layers");
  std::set<std::string> kinds, failed_kinds;
  size_t passed = 0;
  for (const json& c : cases) {
    std::string name = c["name"], layer = c["layer"];
    SCOPED_TRACE(name + " (" + layer + ")");
    kinds.insert(layer);
    auto it = runners().find(layer);
    ASSERT_NE(it, runners().end()) << "no slope runner for torch layer " << layer;
    int before = ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
    it->second(c);
    if (::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count() == before) ++passed;
    else failed_kinds.insert(layer);
  }
  EXPECT_GE(cases.size(), 40u);
  std::cout << "[nn] layers checked against torch.nn: " << kinds.size() - failed_kinds.size() << " of " << kinds.size() << " (";
  for (auto& k : kinds) std::cout << k << (k == *kinds.rbegin() ? "" : ", ");
  std::cout << "); " << passed << " of " << cases.size() << " cases\n";
}

}  // namespace
