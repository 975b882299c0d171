// The PyTorch oracle: every public op's forward pass against torch's answer.
//
// tests/torch/gen_golden.py writes $SLOPE_GOLDEN_DIR/cases.json + data.bin (ctest regenerates them
// before this suite runs; by hand: /usr/bin/python3 tests/torch/gen_golden.py build/golden).
// Each case names an op of the dispatch table below, its inputs (raw bytes) and kwargs, and either
// torch's outputs or "error": true (torch raised, so slope must throw slope::Error). Every case runs
// on every backend ("reference" and, when built, "cpu") and through every spelling of the op (free
// function, Tensor method, operator), and each spelling must match.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <slope/slope.h>

#include "torch_compare.h"
#include "torch_table.h"

namespace {

using namespace slope_test;  // golden files, comparison, the dispatch table
using slope::Tensor;

std::string describe_inputs(In in) {
  std::ostringstream os;
  for (size_t i = 0; i < in.size(); ++i) {
    os << "\n  input " << i << ": " << in[i].dtype() << slope::to_string(in[i].shape());
    if (in[i].numel() <= 24) os << " = " << in[i];
  }
  return os.str();
}

// Dropout has no torch values to match: every element is 0 or x/(1-p), zeros occur at rate p,
// the same key repeats the same mask, and without training (or with p = 0) it is the identity.
void check_dropout(const Fn& fn, In in, Kw kw, const std::string& how) {
  double p = dbl(kw, "p", 0.5);
  bool training = flag(kw, "training", true);
  Out a = fn(in, kw), b = fn(in, kw);
  ASSERT_EQ(a.size(), 1u) << how;
  const Tensor& y = a[0];
  ASSERT_EQ(y.dtype(), in[0].dtype()) << how;
  ASSERT_EQ(y.shape(), in[0].shape()) << how;
  auto xv = in[0].to_vector<double>(), yv = y.to_vector<double>(), yb = b[0].to_vector<double>();
  EXPECT_EQ(yv, yb) << how << ": the same key must give the same mask";
  if (!training || p == 0) {
    EXPECT_EQ(yv, xv) << how << ": dropout must be the identity without training or with p = 0";
    return;
  }
  size_t zeros = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    if (yv[i] == 0) {
      ++zeros;
      continue;
    }
    double want = xv[i] / (1 - p);
    ASSERT_NEAR(yv[i], want, 1e-6 * std::fabs(want) + 1e-7) << how << ": element " << i << " neither 0 nor x/(1-p)";
  }
  double n = static_cast<double>(xv.size()), rate = static_cast<double>(zeros) / n;
  double sigma = std::sqrt(p * (1 - p) / n);
  EXPECT_LE(std::fabs(rate - p), 5 * sigma + 1e-12) << how << ": zero rate " << rate << " for p = " << p;
}

// An error case expects slope::Error whose message starts with "[op]", naming the op the user called:
// the generator records it as the case's "error_op" (min for a min_dim case); a spelling that calls a
// differently named op says so in its Form.
std::string error_op(const json& c, const Form& f) {
  return f.calls ? std::string(f.calls) : c.value("error_op", std::string("(no error_op in the case)"));
}
bool names_op(const std::string& what, const json& c, const Form& f) {
  return what.rfind("[" + error_op(c, f) + "]", 0) == 0;
}

// ---------------------------------------------------------------- the parameterised suite
struct Param {
  int index;  // into golden().cases; -1 = the golden files are missing
  std::string backend;
};

// gtest prints parameters of failed tests; without this it dumps the struct's bytes.
void PrintTo(const Param& p, std::ostream* os) {
  *os << (p.index < 0 ? std::string("missing golden files")
                      : golden().cases[p.index]["name"].get<std::string>() + " on " + p.backend);
}

std::vector<std::string> backends() {
  std::vector<std::string> out = {"reference"};
  for (auto& n : slope::backend_names())
    if (n == "cpu") out.push_back("cpu");
  return out;
}

std::vector<Param> params() {
  std::vector<Param> ps;
  const Golden& g = golden();
  if (!g.ok) return {Param{-1, ""}};
  auto bs = backends();
  for (int i = 0; i < static_cast<int>(g.cases.size()); ++i)
    for (auto& b : bs) ps.push_back(Param{i, b});
  return ps;
}

std::string param_name(const testing::TestParamInfo<Param>& info) {
  if (info.param.index < 0) return "golden_files_missing";
  return golden().cases[info.param.index]["name"].get<std::string>() + "__" + info.param.backend;
}

// Tallies for the summary line.
struct Tally {
  std::set<std::string> ops;
  int cases = 0, errors = 0, runs = 0, forms = 0;
};
Tally& tally() {
  static Tally t;
  return t;
}

class TorchOracle : public testing::TestWithParam<Param> {};

TEST_P(TorchOracle, MatchesTorch) {
  const Param& p = GetParam();
  const Golden& g = golden();
  ASSERT_TRUE(g.ok) << g.problem;
  const json& c = g.cases[p.index];
  const std::string op = c["op"].get<std::string>();
  auto it = table().find(op);
  ASSERT_NE(it, table().end()) << "no dispatch entry for op '" << op << "' in tests/test_torch_ops.cpp";
  std::vector<Tensor> in;
  for (auto& s : c["inputs"]) in.push_back(load(s));
  const json& kw = c["kwargs"];
  slope::BackendScope scope(p.backend);
  const bool want_error = c.value("error", false);
  const std::string ctx = " [" + op + " on " + p.backend + ", kwargs " + kw.dump() + "]" + describe_inputs(in);

  int ran = 0;
  for (const Form& f : it->second) {
    const std::string how = std::string(f.how) + ctx;
    if (c.contains("check") && c["check"] == "dropout" && !want_error) {
      try {
        check_dropout(f.fn, in, kw, how);
      } catch (const slope::Error& e) {
        ADD_FAILURE() << "threw slope::Error: " << e.what() << "\n  via " << how;
      }
      ++ran;
      continue;
    }
    Out got;
    try {
      got = f.fn(in, kw);
    } catch (const NotApplicable&) {
      continue;
    } catch (const slope::Error& e) {
      if (!want_error && !c.contains("accept_error")) {
        ADD_FAILURE() << "threw slope::Error: " << e.what() << "\n  via " << how;
      } else if (want_error) {
        EXPECT_TRUE(names_op(e.what(), c, f)) << "the message must start with [" << error_op(c, f)
                                              << "], the op the user called; got: "
                                    << e.what() << "\n  via " << how;
      }
      ++ran;
      continue;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw a non-slope exception (" << e.what() << "); every bad input must throw slope::Error"
                    << "\n  via " << how;
      ++ran;
      continue;
    }
    ++ran;
    if (want_error) {
      ADD_FAILURE() << "torch raises (" << c.value("torch_error", std::string("?")) << ") but slope returned "
                    << got.size() << " tensor(s)"
                    << (got.empty() ? std::string() : ", first " + slope::to_string(got[0].aval()))
                    << "\n  via " << how;
      continue;
    }
    const json& outs = c["outputs"];
    if (got.size() != outs.size()) {
      ADD_FAILURE() << "returned " << got.size() << " tensors, torch " << outs.size() << "\n  via " << how;
      continue;
    }
    for (size_t k = 0; k < got.size(); ++k) {
      Tensor want = load(outs[k]);
      std::string diff =
          compare(got[k], want, c["rtol"].get<double>(), c["atol"].get<double>(), c.value("signed_zero", false));
      if (!diff.empty()) {
        std::ostringstream os;
        os << "output " << k << ": " << diff << "\n  via " << how;
        if (want.numel() <= 24) os << "\n  expected " << want << "\n  got      " << got[k];
        if (c.contains("why")) os << "\n  (case note: " << c["why"].get<std::string>() << ")";
        ADD_FAILURE() << os.str();
      }
    }
  }
  EXPECT_GT(ran, 0) << "no spelling of '" << op << "' applied to this case";
  Tally& t = tally();
  t.ops.insert(op);
  t.runs += 1;
  t.forms += ran;
  if (p.backend == "reference") {
    t.cases += 1;
    t.errors += want_error;
  }
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchOracle, testing::ValuesIn(params()), param_name);

// ---------------------------------------------------------------- gradients against torch autograd
// Every case with "grads" (gen_golden.py records them wherever torch can differentiate the op):
// slope::vjp of the op's first spelling (the free function) w.r.t. the inputs listed in
// "grad_inputs", the other inputs and the kwargs held fixed, pulled back along the stored random
// cotangents, must match torch.autograd.grad of sum((out_i * ct_i).sum()). One spelling only: the
// spellings share one implementation, and the forward suite already checks that they agree.
std::vector<Param> grad_params() {
  const Golden& g = golden();
  if (!g.ok) return {Param{-1, ""}};
  std::vector<Param> ps;
  auto bs = backends();
  for (int i = 0; i < static_cast<int>(g.cases.size()); ++i)
    if (g.cases[i].contains("grads"))
      for (auto& b : bs) ps.push_back(Param{i, b});
  return ps;
}

struct GradTally {
  std::set<std::string> ops;
  int cases = 0, runs = 0;
};
GradTally& grad_tally() {
  static GradTally t;
  return t;
}

class TorchGrad : public testing::TestWithParam<Param> {};

TEST_P(TorchGrad, MatchesAutograd) {
  const Param& p = GetParam();
  const Golden& g = golden();
  ASSERT_TRUE(g.ok) << g.problem;
  const json& c = g.cases[p.index];
  const std::string op = c["op"].get<std::string>();
  auto it = table().find(op);
  ASSERT_NE(it, table().end()) << "no dispatch entry for op '" << op << "' in tests/test_torch_ops.cpp";
  const Fn& fn = it->second.front().fn;
  std::vector<Tensor> in;
  for (auto& s : c["inputs"]) in.push_back(load(s));
  const json& kw = c["kwargs"];
  const std::vector<size_t> wrt = c["grad_inputs"].get<std::vector<size_t>>();
  std::vector<Tensor> vars, cts;
  for (size_t i : wrt) vars.push_back(in.at(i));
  for (auto& s : c["cotangents"]) cts.push_back(load(s));
  slope::BackendScope scope(p.backend);
  const std::string how = std::string(it->second.front().how) + " [" + op + " on " + p.backend + ", kwargs " +
                          kw.dump() + ", d/d inputs " + c["grad_inputs"].dump() + "]" + describe_inputs(in);
  // The op as a function of its differentiated inputs only.
  auto f = [&](const std::vector<Tensor>& v) {
    std::vector<Tensor> args = in;
    for (size_t k = 0; k < wrt.size(); ++k) args[wrt[k]] = v[k];
    return fn(args, kw);
  };
  std::vector<Tensor> got;
  try {
    auto [out, f_vjp] = slope::vjp(f, vars);
    ASSERT_EQ(out.size(), cts.size()) << "outputs vs torch's cotangents\n  via " << how;
    got = std::get<0>(f_vjp(cts));
  } catch (const slope::Error& e) {
    FAIL() << "vjp threw slope::Error: " << e.what() << "\n  via " << how;
  }
  const json& want_specs = c["grads"];
  ASSERT_EQ(got.size(), want_specs.size()) << how;
  for (size_t k = 0; k < got.size(); ++k) {
    Tensor want = load(want_specs[k]);
    std::string diff = compare(got[k], want, c["grad_rtol"].get<double>(), c["grad_atol"].get<double>(), false);
    if (!diff.empty()) {
      std::ostringstream os;
      os << "gradient w.r.t. input " << wrt[k] << ": " << diff << "\n  via " << how;
      if (want.numel() <= 24) os << "\n  expected " << want << "\n  got      " << got[k];
      if (c.contains("why")) os << "\n  (case note: " << c["why"].get<std::string>() << ")";
      ADD_FAILURE() << os.str();
    }
  }
  GradTally& t = grad_tally();
  t.ops.insert(op);
  t.runs += 1;
  if (p.backend == "reference") t.cases += 1;
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchGrad, testing::ValuesIn(grad_params()), param_name);

// ---------------------------------------------------------------- every op under jit
// Every op's cases, jitted, compared with torch's answer under the case's tolerance, like eager.
// The non-error cases of a group of ops go into ONE jitted function: one compile per group and
// backend, which keeps the cpu code generator's compile time (a fixed ~0.2 s per compile) small.
// Cases where torch raises are jitted one by one and must throw slope::Error (at trace time for
// shape errors, at run time for data errors). Cases checked statistically (dropout) are left to
// the eager suite: inside jit, random ops take an explicit key. Boolean-mask indexing has a
// data-dependent shape: eager only, by design (like JAX); under jit it must refuse clearly.
constexpr int kJitGroups = 6;
struct JitParam {
  int group;  // -1: golden files missing
  std::string backend;
};
void PrintTo(const JitParam& p, std::ostream* os) { *os << "op group " << p.group << " on " << p.backend; }

std::map<std::string, std::vector<int>> cases_by_op() {
  std::map<std::string, std::vector<int>> m;
  const Golden& g = golden();
  if (!g.ok) return m;
  for (int i = 0; i < static_cast<int>(g.cases.size()); ++i) m[g.cases[i]["op"].get<std::string>()].push_back(i);
  return m;
}

std::vector<JitParam> jit_params() {
  if (!golden().ok) return {JitParam{-1, ""}};
  std::vector<JitParam> ps;
  for (int k = 0; k < kJitGroups; ++k)
    for (auto& b : backends()) ps.push_back(JitParam{k, b});
  return ps;
}

std::set<std::string>& jit_ops() {
  static std::set<std::string> s;
  return s;
}
int& jit_case_count() {
  static int n = 0;
  return n;
}
int& jit_grad_case_count() {
  static int n = 0;
  return n;
}

class TorchJit : public testing::TestWithParam<JitParam> {};

TEST_P(TorchJit, JittedMatchesTorch) {
  const JitParam& p = GetParam();
  const Golden& g = golden();
  ASSERT_TRUE(g.ok) << g.problem;
  slope::BackendScope scope(p.backend);
  const auto by_op = cases_by_op();
  struct Item {
    int index;
    const Fn* fn;
  };
  std::vector<Item> batch;  // this group's cases that must succeed
  int op_number = 0;
  for (auto& [op, mine] : by_op) {
    if (op_number++ % kJitGroups != p.group) continue;
    auto it = table().find(op);
    ASSERT_NE(it, table().end()) << "no dispatch entry for op '" << op << "'";
    const Fn& fn = it->second.front().fn;
    jit_ops().insert(op);
    for (int i : mine) {
      const json& c = g.cases[i];
      if (c.contains("check")) continue;  // statistical and eager-only checks: eager suite only
      std::vector<Tensor> in;
      for (auto& sp : c["inputs"]) in.push_back(load(sp));
      const json& kw = c["kwargs"];
      const bool mask = op == "index" && std::any_of(in.begin(), in.end(), [](const Tensor& t) {
                          return t.dtype() == slope::DType::b8;
                        });
      if (!c.value("error", false) && !mask) {
        batch.push_back(Item{i, &fn});
        continue;
      }
      std::string what;
      try {
        slope::jit([&](const std::vector<Tensor>& a) { return fn(a, kw); })(in);
      } catch (const NotApplicable&) {
        what = "n/a";
      } catch (const slope::Error& e) {
        what = e.what();
      }
      const std::string name = c["name"].get<std::string>();
      if (!mask && !what.empty() && what != "n/a" && c.value("error", false)) {
        EXPECT_TRUE(names_op(what, c, it->second.front()))
            << "jit(" << op << ") on " << p.backend << ", case " << name << ": the message must start with ["
            << error_op(c, it->second.front()) << "], the op the user called; got: " << what;
      }
      if (mask)
        EXPECT_NE(what.find("data-dependent shape"), std::string::npos)
            << "jit of boolean-mask indexing must refuse (data-dependent shape), case " << name << ": " << what;
      else
        EXPECT_TRUE(!what.empty() || c.contains("accept_error"))
            << "jit(" << op << ") on " << p.backend << " returned where torch raises, case " << name
            << describe_inputs(in);
    }
  }
  // Every group holds ops with non-error cases (TorchGolden.Counts checks each op has one): an empty
  // batch means the cases were lost, and a jit test that compiles nothing proves nothing.
  ASSERT_FALSE(batch.empty()) << "op group " << p.group << " on " << p.backend << " has no case to jit";
  std::vector<Tensor> all;
  std::vector<size_t> first_in;
  for (const Item& item : batch) {
    first_in.push_back(all.size());
    for (auto& sp : g.cases[item.index]["inputs"]) all.push_back(load(sp));
  }
  first_in.push_back(all.size());
  auto every_case = [&](const std::vector<Tensor>& a) {
    std::vector<Tensor> outs;
    for (size_t k = 0; k < batch.size(); ++k) {
      std::vector<Tensor> in(a.begin() + static_cast<long>(first_in[k]), a.begin() + static_cast<long>(first_in[k + 1]));
      Out o = (*batch[k].fn)(in, g.cases[batch[k].index]["kwargs"]);
      outs.insert(outs.end(), o.begin(), o.end());
    }
    return outs;
  };
  std::vector<Tensor> got;
  try {
    got = slope::jit(every_case, "ops_group_" + std::to_string(p.group))(all);
  } catch (const slope::Error& e) {
    FAIL() << "jit of op group " << p.group << " threw slope::Error: " << e.what() << " on " << p.backend;
  }
  size_t pos = 0;
  for (const Item& item : batch) {
    const json& c = g.cases[item.index];
    for (size_t j = 0; j < c["outputs"].size(); ++j, ++pos) {
      ASSERT_LT(pos, got.size());
      Tensor want = load(c["outputs"][j]);
      std::string diff =
          compare(got[pos], want, c["rtol"].get<double>(), c["atol"].get<double>(), c.value("signed_zero", false));
      if (!diff.empty())
        ADD_FAILURE() << "jit(" << c["op"].get<std::string>() << ") output " << j << " of case "
                      << c["name"].get<std::string>() << " on " << p.backend << ": " << diff;
    }
    if (p.backend == "reference") ++jit_case_count();
  }
  EXPECT_EQ(pos, got.size());
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchJit, testing::ValuesIn(jit_params()),
                         [](const testing::TestParamInfo<JitParam>& info) {
                           if (info.param.group < 0) return std::string("golden_files_missing");
                           return "group" + std::to_string(info.param.group) + "__" + info.param.backend;
                         });

// ---------------------------------------------------------------- gradients under jit
// Every gradient case of a group of ops, as ONE jitted program per group and backend: jit of the
// vjp of each case's op (as in TorchGrad), compared with torch autograd under the case's gradient
// tolerance. Boolean-mask indexing stays eager (a data-dependent shape), like TorchJit.
class TorchJitGrad : public testing::TestWithParam<JitParam> {};

TEST_P(TorchJitGrad, JittedGradientMatchesAutograd) {
  const JitParam& p = GetParam();
  const Golden& g = golden();
  ASSERT_TRUE(g.ok) << g.problem;
  slope::BackendScope scope(p.backend);
  struct Item {
    int index;
    const Fn* fn;
    size_t first, n_in;  // its inputs in the program's arguments; its cotangents follow
  };
  std::vector<Item> batch;
  std::vector<Tensor> all;
  int op_number = 0;
  for (auto& [op, mine] : cases_by_op()) {
    if (op_number++ % kJitGroups != p.group) continue;
    auto it = table().find(op);
    ASSERT_NE(it, table().end()) << "no dispatch entry for op '" << op << "'";
    for (int i : mine) {
      const json& c = g.cases[i];
      if (!c.contains("grads") || c.contains("check")) continue;
      std::vector<Tensor> in;
      for (auto& sp : c["inputs"]) in.push_back(load(sp));
      if (std::any_of(in.begin(), in.end(), [](const Tensor& t) { return t.dtype() == slope::DType::b8; }) &&
          op == "index")
        continue;
      batch.push_back(Item{i, &it->second.front().fn, all.size(), in.size()});
      all.insert(all.end(), in.begin(), in.end());
      for (auto& sp : c["cotangents"]) all.push_back(load(sp));
    }
  }
  ASSERT_FALSE(batch.empty()) << "op group " << p.group << " on " << p.backend << " has no gradient case to jit";
  auto every_gradient = [&](const std::vector<Tensor>& a) {
    std::vector<Tensor> outs;
    for (const Item& item : batch) {
      const json& c = g.cases[item.index];
      const json& kw = c["kwargs"];
      std::vector<Tensor> in(a.begin() + static_cast<long>(item.first), a.begin() + static_cast<long>(item.first + item.n_in));
      const size_t n_ct = c["cotangents"].size();
      std::vector<Tensor> cts(a.begin() + static_cast<long>(item.first + item.n_in),
                              a.begin() + static_cast<long>(item.first + item.n_in + n_ct));
      const std::vector<size_t> wrt = c["grad_inputs"].get<std::vector<size_t>>();
      std::vector<Tensor> vars;
      for (size_t i : wrt) vars.push_back(in.at(i));
      auto f = [&](const std::vector<Tensor>& v) {
        std::vector<Tensor> args = in;
        for (size_t k = 0; k < wrt.size(); ++k) args[wrt[k]] = v[k];
        return (*item.fn)(args, kw);
      };
      auto [out, f_vjp] = slope::vjp(f, vars);
      std::vector<Tensor> gs = std::get<0>(f_vjp(cts));
      outs.insert(outs.end(), gs.begin(), gs.end());
    }
    return outs;
  };
  std::vector<Tensor> got;
  try {
    got = slope::jit(every_gradient, "grads_group_" + std::to_string(p.group))(all);
  } catch (const slope::Error& e) {
    FAIL() << "jit of the gradients of op group " << p.group << " threw slope::Error: " << e.what() << " on "
           << p.backend;
  }
  size_t pos = 0;
  for (const Item& item : batch) {
    const json& c = g.cases[item.index];
    for (size_t j = 0; j < c["grads"].size(); ++j, ++pos) {
      ASSERT_LT(pos, got.size());
      std::string diff = compare(got[pos], load(c["grads"][j]), c["grad_rtol"].get<double>(),
                                 c["grad_atol"].get<double>(), false);
      if (!diff.empty())
        ADD_FAILURE() << "jit(vjp(" << c["op"].get<std::string>() << ")) gradient " << j << " of case "
                      << c["name"].get<std::string>() << " on " << p.backend << ": " << diff;
    }
    if (p.backend == "reference") ++jit_grad_case_count();
  }
  EXPECT_EQ(pos, got.size());
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchJitGrad, testing::ValuesIn(jit_params()),
                         [](const testing::TestParamInfo<JitParam>& info) {
                           if (info.param.group < 0) return std::string("golden_files_missing");
                           return "group" + std::to_string(info.param.group) + "__" + info.param.backend;
                         });

// ---------------------------------------------------------------- what the golden files hold
// Floors on what the files check (today's figures: raise them when cases are added, never lower them
// to make a run pass), so a generator that silently drops cases, ops or gradients fails here.
constexpr int kMinCases = 3207, kMinOps = 185, kMinErrorCases = 200, kMinGradCases = 1854, kMinGradOps = 144;
// The PyTorch the goldens must come from (Debian 12's python3-torch). After a deliberate upgrade, check
// the cases that changed (tests/torch/diff_golden.py OLD NEW) and update this with the output of
// `/usr/bin/python3 -c 'import torch; print(torch.__version__)'`.
constexpr const char* kTorchVersion = "1.13.0a0";

TEST(TorchGolden, Counts) {
  const Golden& g = golden();
  ASSERT_TRUE(g.ok) << g.problem;
  EXPECT_EQ(g.torch_version, kTorchVersion)
      << "cases.json was generated by torch " << g.torch_version << ", expected " << kTorchVersion
      << ": review the changed cases (tests/torch/diff_golden.py) and update kTorchVersion in " << __FILE__;
  std::set<std::string> ops, grad_ops, answered;
  int errors = 0, grads = 0;
  for (const json& c : g.cases) {
    const std::string op = c["op"].get<std::string>();
    ops.insert(op);
    if (c.value("error", false)) ++errors;
    else answered.insert(op);
    if (c.contains("grads")) ++grads, grad_ops.insert(op);
  }
  const int cases = static_cast<int>(g.cases.size());
  std::cout << "[torch oracle] golden files: " << cases << " cases over " << ops.size() << " ops, " << errors
            << " error cases, gradients for " << grads << " cases over " << grad_ops.size() << " ops\n";
  EXPECT_GE(cases, kMinCases) << "golden cases were lost";
  EXPECT_GE(static_cast<int>(ops.size()), kMinOps) << "ops lost their golden cases";
  EXPECT_GE(errors, kMinErrorCases) << "error cases were lost";
  EXPECT_GE(grads, kMinGradCases) << "gradient cases were lost";
  EXPECT_GE(static_cast<int>(grad_ops.size()), kMinGradOps) << "ops lost their gradient check";
  for (auto& [op, forms] : table())
    EXPECT_TRUE(answered.count(op)) << "op '" << op << "' of the dispatch table has no case that torch answers";
}

class Summary : public testing::Environment {
 public:
  void TearDown() override {
    const Tally& t = tally();
    const GradTally& gt = grad_tally();
    if (t.runs == 0 && gt.runs == 0) return;  // the oracle was filtered out
    if (t.runs > 0)
      std::cout << "[torch oracle] " << t.ops.size() << " distinct ops, " << t.cases << " cases (" << t.errors
                << " expecting errors), " << t.runs << " case x backend runs, " << t.forms << " op spellings checked\n";
    if (gt.runs > 0)
      std::cout << "[torch oracle] gradients checked against torch autograd: " << gt.ops.size() << " ops, " << gt.cases
                << " cases (" << gt.runs << " case x backend runs)\n";
    if (jit_case_count() > 0)
      std::cout << "[torch oracle] jitted: " << jit_ops().size() << " ops, " << jit_case_count()
                << " non-error cases per backend in " << kJitGroups << " programs, plus every error case alone\n";
    if (jit_grad_case_count() > 0)
      std::cout << "[torch oracle] jitted gradients: " << jit_grad_case_count() << " gradient cases per backend in "
                << kJitGroups << " programs\n";
  }
};
[[maybe_unused]] testing::Environment* const summary_env = testing::AddGlobalTestEnvironment(new Summary);

}  // namespace

// ---------------------------------------------------------------- random.h: statistics only
// Random streams cannot match torch's values (different generators), so these check the
// distributions' structure and moments on both backends, with 5-sigma bounds (n = 20000).
namespace {
class RandomStats : public testing::TestWithParam<std::string> {};

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
double var_of(const std::vector<double>& v) {
  double m = mean_of(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size());
}

TEST_P(RandomStats, Distributions) {
  slope::BackendScope scope(GetParam());
  namespace R = slope::random;
  const int64_t n = 20000;
  const double tol = 5.0 / std::sqrt(static_cast<double>(n));
  Tensor key = R::key(42);
  ASSERT_EQ(key.dtype(), slope::u32);
  ASSERT_EQ(key.shape(), slope::Shape({2}));
  auto ks = R::split(key);
  EXPECT_NE(ks[0].to_vector<int64_t>(), ks[1].to_vector<int64_t>());
  EXPECT_EQ(R::split(key, 3).shape(), slope::Shape({3, 2}));
  EXPECT_NE(R::fold_in(key, 1).to_vector<int64_t>(), R::fold_in(key, 2).to_vector<int64_t>());
  EXPECT_EQ(R::bits(key, {5}).to_vector<int64_t>(), R::bits(key, {5}).to_vector<int64_t>()) << "same key, same bits";

  Tensor u = R::uniform(ks[0], {n}, slope::f32, -2.0, 3.0);
  ASSERT_EQ(u.dtype(), slope::f32);
  auto uv = u.to_vector<double>();
  for (double x : uv) ASSERT_TRUE(x >= -2.0 && x < 3.0) << x;
  EXPECT_NEAR(mean_of(uv), 0.5, 5 * tol * std::sqrt(25.0 / 12));
  EXPECT_NEAR(var_of(uv), 25.0 / 12, 0.05 * 25.0 / 12);

  auto nv = R::normal(ks[1], {n}, slope::f64).to_vector<double>();
  EXPECT_NEAR(mean_of(nv), 0.0, tol);
  EXPECT_NEAR(var_of(nv), 1.0, 0.05);

  auto bv = R::bernoulli(key, 0.3, {n}).to_vector<double>();
  EXPECT_NEAR(mean_of(bv), 0.3, 5 * std::sqrt(0.21 / n));
  Tensor pb = R::bernoulli(key, slope::full({4}, 1.0));
  EXPECT_EQ(pb.dtype(), slope::bool_);
  EXPECT_EQ(pb.to_vector<int64_t>(), std::vector<int64_t>(4, 1));

  auto rv = R::randint(key, {n}, -3, 4).to_vector<int64_t>();
  std::vector<int64_t> counts(7, 0);
  for (int64_t x : rv) {
    ASSERT_TRUE(x >= -3 && x < 4) << x;
    ++counts[static_cast<size_t>(x + 3)];
  }
  for (int64_t c : counts) EXPECT_NEAR(static_cast<double>(c) / n, 1.0 / 7, 5 * std::sqrt(1.0 / 7 * 6 / 7 / n));

  auto perm = R::permutation(key, 50).to_vector<int64_t>();
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
  EXPECT_NE(perm, sorted) << "a permutation of 50 that is the identity";

  EXPECT_THROW(R::randint(key, {3}, 5, 5), slope::Error);
  EXPECT_THROW(R::bernoulli(key, 1.5, {3}), slope::Error);
}

TEST_P(RandomStats, GlobalGenerator) {
  slope::BackendScope scope(GetParam());
  slope::manual_seed(7);
  auto a = slope::rand({100}).to_vector<double>();
  slope::manual_seed(7);
  auto b = slope::rand({100}).to_vector<double>();
  EXPECT_EQ(a, b) << "manual_seed must make draws repeat";
  EXPECT_NE(slope::rand({100}).to_vector<double>(), b) << "each draw advances the key";
  Tensor x = slope::randn({3, 4}, slope::f64);
  EXPECT_EQ(x.dtype(), slope::f64);
  EXPECT_EQ(slope::rand_like(x).shape(), x.shape());
  EXPECT_EQ(slope::randn_like(x).dtype(), slope::f64);
  auto r = slope::randint(2, 5, {200}, slope::i32);
  EXPECT_EQ(r.dtype(), slope::i32);
  for (int64_t v : r.to_vector<int64_t>()) EXPECT_TRUE(v >= 2 && v < 5);
}

INSTANTIATE_TEST_SUITE_P(Backends, RandomStats, testing::ValuesIn(backends()),
                         [](const testing::TestParamInfo<std::string>& i) { return i.param; });
}  // namespace
