// Optimizers, schedules and gradient clipping against torch.optim / torch.optim.lr_scheduler /
// clip_grad_norm_ (tests/torch/gen_nn.py): the same initial parameters (loaded by name) and the same
// sequence of 10 gradients; parameters compared after every step and the learning rate before it,
// eagerly and inside one jitted update (traced once for all 10 steps, schedule included).
#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include "nn_golden.h"
#include "slope/slope.h"

namespace {

using nn_golden::json;
using slope::Tensor;
namespace nn = slope::nn;
namespace optim = slope::optim;

struct Small {
  nn::Linear fc, out;
};

}  // namespace

SLOPE_MODULE(Small, fc, out)

namespace {

constexpr double kRtol = 2e-5, kAtol = 2e-6;

Small small_model() {
  auto [k1, k2] = slope::random::split(slope::random::key(3));
  return Small{nn::Linear(4, 3, k1), nn::Linear(3, 2, k2)};
}

template <class T> T get_or(const json& c, const char* key, T dflt) {
  return c.contains(key) && !c[key].is_null() ? c[key].get<T>() : dflt;
}

optim::Schedule schedule_of(const json& s) {
  if (s.is_null()) return {};
  std::string kind = s["kind"];
  if (kind == "StepLR") return optim::StepLR{.step_size = s["step_size"], .gamma = s["gamma"]};
  if (kind == "MultiStepLR") return optim::MultiStepLR{.milestones = s["milestones"], .gamma = s["gamma"]};
  if (kind == "ExponentialLR") return optim::ExponentialLR{.gamma = s["gamma"]};
  if (kind == "CosineAnnealingLR") return optim::CosineAnnealingLR{.T_max = s["T_max"], .eta_min = s["eta_min"]};
  if (kind == "LinearLR")
    return optim::LinearLR{.start_factor = s["start_factor"], .end_factor = s["end_factor"], .total_iters = s["total_iters"]};
  if (kind == "WarmupCosineLR")
    return optim::WarmupCosineLR{.warmup_steps = s["warmup_steps"], .total_steps = s["total_steps"],
                                 .start_factor = s["start_factor"], .eta_min = s["eta_min"]};
  ADD_FAILURE() << "unknown schedule " << kind;
  return {};
}

nn::Filter frozen_of(const json& c) {
  std::vector<std::string> f = c["frozen"];
  return f.empty() ? nn::Filter() : nn::submodules(f);
}

std::pair<double, double> betas_of(const json& o) {
  if (!o.contains("betas")) return {0.9, 0.999};
  return {o["betas"][0].get<double>(), o["betas"][1].get<double>()};
}

// Runs 10 updates eagerly or jitted and compares every step with torch.
template <class Opt> void run(const json& c, const Opt& opt, bool jitted) {
  SCOPED_TRACE(jitted ? "jit" : "eager");
  Small init = nn::load_state_dict(small_model(), nn_golden::load_named(c["init"]));
  nn::Filter frozen = frozen_of(c);
  Small m = init;
  auto state = opt.init(m);
  auto update = [&opt](const Small& p, const auto& s, const Small& g) { return opt.update(p, g, s); };
  auto step = slope::jit(update, "optim_step");
  for (size_t t = 0; t < c["grads"].size(); ++t) {
    SCOPED_TRACE("step " + std::to_string(t));
    EXPECT_NEAR(opt.lr(state).template item<double>(), c["lrs"][t].get<double>(), 1e-12 + 1e-9 * c["lrs"][t].get<double>());
    Small g = nn::load_state_dict(m, nn_golden::load_named(c["grads"][t]));
    auto [m2, s2] = jitted ? step(m, state, g) : update(m, state, g);
    m = m2;
    state = s2;
    for (auto& [name, spec] : c["after"][t].items()) {
      Tensor got;
      for (auto& [n, v] : nn::named_parameters(m))
        if (n == name) got = v;
      ASSERT_TRUE(got.defined()) << name;
      EXPECT_TRUE(nn_golden::close(got, nn_golden::load(spec), kRtol, kAtol)) << name;
    }
  }
  // Frozen parameters are the very same values, not merely close.
  auto before = nn::named_parameters(init), after = nn::named_parameters(m);
  for (size_t i = 0; i < before.size(); ++i) {
    if (frozen && frozen(before[i].first)) {
      EXPECT_EQ(before[i].second.to_vector<float>(), after[i].second.to_vector<float>()) << before[i].first;
    }
  }
  EXPECT_EQ(state.step.template item<int64_t>(), static_cast<int64_t>(c["grads"].size()));
  if (jitted) {
    EXPECT_EQ(step.trace_count(), 1u) << "the step count and schedule must not retrace";
  }
}

template <class Opt> void run_both(const json& c, const Opt& opt) {
  run(c, opt, false);
  run(c, opt, true);
}

TEST(OptimTorch, EveryOptimizerAndScheduleMatchesTorch) {
  const json& cases = nn_golden::section("optim");
  std::set<std::string> checked, failed;
  for (const json& c : cases) {
    std::string name = c["name"], kind = c["kind"];
    SCOPED_TRACE(name);
    const json& o = c["options"];
    int before = ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
    if (kind == "SGD") {
      run_both(c, optim::SGD({.lr = o["lr"], .momentum = get_or(o, "momentum", 0.0),
                              .dampening = get_or(o, "dampening", 0.0), .weight_decay = get_or(o, "weight_decay", 0.0),
                              .nesterov = get_or(o, "nesterov", false), .maximize = get_or(o, "maximize", false),
                              .schedule = schedule_of(c["schedule"]), .frozen = frozen_of(c)}));
    } else if (kind == "Adam") {
      run_both(c, optim::Adam({.lr = o["lr"], .betas = betas_of(o), .eps = get_or(o, "eps", 1e-8),
                               .weight_decay = get_or(o, "weight_decay", 0.0), .amsgrad = get_or(o, "amsgrad", false),
                               .maximize = get_or(o, "maximize", false), .schedule = schedule_of(c["schedule"]),
                               .frozen = frozen_of(c)}));
    } else if (kind == "AdamW") {
      run_both(c, optim::AdamW({.lr = o["lr"], .betas = betas_of(o), .eps = get_or(o, "eps", 1e-8),
                                .weight_decay = get_or(o, "weight_decay", 1e-2), .amsgrad = get_or(o, "amsgrad", false),
                                .maximize = get_or(o, "maximize", false), .schedule = schedule_of(c["schedule"]),
                                .frozen = frozen_of(c)}));
    } else {
      ADD_FAILURE() << "unknown optimizer " << kind;
    }
    std::string what = kind + (c["schedule"].is_null() ? "" : " + " + c["schedule"]["kind"].get<std::string>());
    checked.insert(what);
    if (::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count() != before) failed.insert(what);
  }
  EXPECT_GE(cases.size(), 19u);
  std::cout << "[optim] optimizers and schedules checked against torch.optim (10 steps, eager and jit): "
            << checked.size() - failed.size() << " of " << checked.size() << " (";
  for (auto& k : checked) std::cout << k << (k == *checked.rbegin() ? "" : ", ");
  std::cout << "); " << cases.size() << " runs\n";
}

TEST(OptimTorch, ClipGradNormMatchesTorch) {
  const json& cases = nn_golden::section("clip");
  auto clip = [](const Small& g, double max_norm, double norm_type) { return optim::clip_grad_norm(g, max_norm, norm_type); };
  auto clip_jit = slope::jit(clip);
  for (const json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    double norm_type = c["norm_type"].is_string() ? INFINITY : c["norm_type"].get<double>();
    Small g = nn::load_state_dict(small_model(), nn_golden::load_named(c["grads"]));
    for (bool jitted : {false, true}) {
      auto [clipped, total] = jitted ? clip_jit(g, c["max_norm"].get<double>(), norm_type)
                                     : clip(g, c["max_norm"].get<double>(), norm_type);
      EXPECT_TRUE(nn_golden::close(total, nn_golden::load(c["total_norm"]), 1e-6, 1e-6));
      for (auto& [name, t] : nn::named_parameters(clipped))
        EXPECT_TRUE(nn_golden::close(t, nn_golden::load(c["clipped"][name]), 1e-6, 1e-7)) << name;
    }
  }
}

// ---------------------------------------------------------------- behaviour beyond torch's numbers

TEST(Optim, ScheduleInsideJitNeverRetraces) {
  Small m = small_model();
  optim::AdamW opt({.lr = 0.01, .schedule = optim::WarmupCosineLR{.warmup_steps = 3, .total_steps = 10}});
  auto state = opt.init(m);
  Tensor x = slope::random::normal(slope::random::key(1), {8, 4});
  auto loss = [](const Small& s, const Tensor& xb) { return s.out(nn::relu(s.fc(xb))).square().mean(); };
  auto step = slope::jit([&](const Small& s, const optim::AdamState& st, const Tensor& xb) {
    auto [l, g] = slope::value_and_grad(loss)(s, xb);
    auto [s2, st2] = opt.update(s, g, st);
    return std::tuple{l, s2, st2};
  });
  std::vector<double> lrs;
  for (int i = 0; i < 10; ++i) {
    lrs.push_back(opt.lr(state).item<double>());
    auto [l, m2, st2] = step(m, state, x);
    m = m2;
    state = st2;
  }
  EXPECT_EQ(step.trace_count(), 1u);
  EXPECT_NE(lrs[0], lrs[3]);  // the schedule did change the rate between calls of one program
  EXPECT_NEAR(lrs[3], 0.01, 1e-12);
}

TEST(Optim, FrozenLayersStayUnchangedThroughTraining) {
  Small m = small_model();
  nn::Filter frozen = nn::submodules({"fc"});
  optim::SGD opt({.lr = 0.5, .momentum = 0.9, .weight_decay = 0.1, .frozen = frozen});
  auto state = opt.init(m);
  EXPECT_EQ(state.momentum_buffer.size(), 2u);  // out.weight, out.bias only
  Tensor x = slope::random::normal(slope::random::key(2), {8, 4});
  auto loss = [&](const Small& s) {
    Small f = nn::stop_gradient(s, frozen);
    return f.out(nn::relu(f.fc(x))).square().mean();
  };
  Small g = slope::grad(loss)(m);
  // Cut by stop_gradient: zero gradients for the frozen layer, real ones for the rest.
  EXPECT_EQ(g.fc.weight.abs().max().item<float>(), 0.0f);
  EXPECT_GT(g.out.weight.abs().max().item<float>(), 0.0f);
  Small start = m;
  for (int i = 0; i < 5; ++i) {
    auto [l, gi] = slope::value_and_grad(loss)(m);
    std::tie(m, state) = opt.update(m, gi, state);
  }
  EXPECT_EQ(m.fc.weight.to_vector<float>(), start.fc.weight.to_vector<float>());
  EXPECT_EQ(m.fc.bias->to_vector<float>(), start.fc.bias->to_vector<float>());
  EXPECT_NE(m.out.weight.to_vector<float>(), start.out.weight.to_vector<float>());
}

struct WithBuffer {
  nn::Linear fc;
  nn::BatchNorm1d bn;
};

}  // namespace

SLOPE_PYTREE(WithBuffer, fc, bn)

namespace {

TEST(Optim, BuffersAndIntegersAreNeverUpdated) {
  WithBuffer m{nn::Linear(3, 3, slope::random::key(4)), nn::BatchNorm1d(3)};
  optim::AdamW opt({.lr = 0.1, .weight_decay = 0.5});
  auto state = opt.init(m);
  EXPECT_EQ(state.exp_avg.size(), 4u);  // fc.weight, fc.bias, bn.weight, bn.bias
  WithBuffer g = slope::tree_map([](const Tensor& t) { return slope::ones_like(t); }, m);
  auto [m2, s2] = opt.update(m, g, state);
  EXPECT_EQ(m2.bn.running_mean->to_vector<float>(), m.bn.running_mean->to_vector<float>());
  EXPECT_EQ(m2.bn.running_var->to_vector<float>(), m.bn.running_var->to_vector<float>());
  EXPECT_EQ(m2.bn.num_batches_tracked->item<int64_t>(), 0);
  EXPECT_NE(m2.fc.weight.to_vector<float>(), m.fc.weight.to_vector<float>());
}

TEST(Optim, BadInputIsAnError) {
  Small m = small_model();
  EXPECT_THROW(optim::SGD({.lr = -1}), slope::Error);
  EXPECT_THROW(optim::SGD({.lr = 0.1, .nesterov = true}), slope::Error);
  EXPECT_THROW(optim::Adam({.betas = {1.0, 0.9}}), slope::Error);
  optim::SGD sgd({.lr = 0.1, .momentum = 0.9});
  auto st = sgd.init(m);
  // A state made for another model, a gradient of another shape.
  optim::SGDState other = sgd.init(WithBuffer{nn::Linear(3, 3, slope::random::key(4)), nn::BatchNorm1d(3)});
  try {
    sgd.update(m, m, other);
    ADD_FAILURE() << "no error";
  } catch (const slope::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[SGD]", 0), 0u) << e.what();
  }
  Small bad = m;
  bad.fc.weight = slope::zeros({2, 2});
  EXPECT_THROW(sgd.update(m, bad, st), slope::Error);
  EXPECT_THROW(optim::StepLR{.step_size = 0}(0.1, Tensor(int64_t{1})), slope::Error);
  EXPECT_THROW(optim::clip_grad_norm(m, 1.0, 1.0), slope::Error);
}

}  // namespace
