// einsum beyond the PyTorch goldens (tests/torch/gen_golden.py compares values and gradients with
// torch.einsum): a naive sum over every label assignment as a second oracle, the lowering (a batch
// matmul stays one matmul, nothing is broadcast beyond the result), check_grads to order 2, jit and
// vmap, and errors that name einsum and the equation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "slope/check_grads.h"
#include "slope/jit.h"
#include "slope/slope.h"

namespace {

using namespace slope;

// out[output labels] = sum over all other labels of the product of the operands, each read at its
// labels (size-1 dims broadcast: read at 0). Letters only, explicit output.
Tensor naive_einsum(const std::string& eq, const std::vector<Tensor>& ops) {
  const size_t arrow = eq.find("->");
  std::vector<std::string> terms;
  std::string lhs = eq.substr(0, arrow), out = eq.substr(arrow + 2);
  for (size_t at = 0;;) {
    size_t comma = lhs.find(',', at);
    terms.push_back(lhs.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  std::map<char, int64_t> size;
  for (size_t i = 0; i < ops.size(); ++i)
    for (size_t d = 0; d < terms[i].size(); ++d) size[terms[i][d]] = std::max(size[terms[i][d]], ops[i].shape()[d]);
  std::vector<char> labels;
  for (auto& [l, s] : size) labels.push_back(l);
  std::vector<std::vector<double>> vals;
  for (const Tensor& t : ops) vals.push_back(t.to_vector<double>());
  Shape out_shape;
  for (char l : out) out_shape.push_back(size[l]);
  std::vector<double> result(static_cast<size_t>(numel(out_shape)), 0.0);
  std::map<char, int64_t> at;
  for (char l : labels) at[l] = 0;
  int64_t total = 1;
  for (char l : labels) total *= size[l];
  for (int64_t n = 0; n < total; ++n) {
    double prod = 1;
    for (size_t i = 0; i < ops.size(); ++i) {
      int64_t flat = 0;
      for (size_t d = 0; d < terms[i].size(); ++d) {
        const int64_t dim = ops[i].shape()[d];
        flat = flat * dim + (dim == 1 ? 0 : at[terms[i][d]]);
      }
      prod *= vals[i][static_cast<size_t>(flat)];
    }
    int64_t o = 0;
    for (char l : out) o = o * size[l] + at[l];
    result[static_cast<size_t>(o)] += prod;
    for (size_t k = labels.size(); k-- > 0;) {  // odometer over the label values
      if (++at[labels[k]] < size[labels[k]]) break;
      at[labels[k]] = 0;
    }
  }
  return tensor(result, out_shape, f64);
}

void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], w[i], 1e-9 * (1 + std::abs(w[i]))) << what << " at " << i;
}

struct Spec {
  std::string eq;
  std::vector<Shape> shapes;
};
const std::vector<Spec> kSpecs = {
    {"ij,jk->ik", {{3, 4}, {4, 5}}},          {"bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}},
    {"bij,bjk->bki", {{2, 3, 4}, {1, 4, 5}}},  {"i,j->ij", {{3}, {4}}},
    {"ij,ij->ij", {{1, 3}, {4, 3}}},           {"i,i->", {{1}, {3}}},
    {"ii->i", {{4, 4}}},                       {"iji->j", {{3, 2, 3}}},
    {"ijk,jil->kl", {{3, 2, 4}, {2, 3, 5}}},   {"abc,cd,de->abe", {{2, 3, 4}, {4, 5}, {5, 2}}},
    {"bn,anm,bm->ba", {{2, 3}, {4, 3, 5}, {2, 5}}}, {"ij,jk,kl->il", {{2, 1}, {3, 4}, {4, 2}}},
    {"ab,ab,ab->", {{2, 3}, {2, 3}, {1, 3}}}, {"aij,ajk->", {{2, 3, 4}, {2, 4, 2}}},
    {"ij,kl->", {{2, 3}, {4, 5}}},             {"ijkl,lkji->", {{2, 3, 2, 1}, {1, 2, 3, 2}}},
};

TEST(Einsum, MatchesANaiveSumOverEveryLabelAssignment) {
  manual_seed(3);
  for (const Spec& s : kSpecs) {
    std::vector<Tensor> ops;
    for (const Shape& sh : s.shapes) ops.push_back(randn(sh, f64));
    Tensor want = naive_einsum(s.eq, ops);
    for (const std::string& b : {std::string("reference"), std::string("cpu")}) {
      auto names = backend_names();
      if (std::find(names.begin(), names.end(), b) == names.end()) continue;
      BackendScope scope(b);
      expect_close(einsum(s.eq, ops), want, s.eq + " on " + b);
      expect_close(jit([&](const std::vector<Tensor>& a) { return einsum(s.eq, a); })(ops), want, "jit " + s.eq + " on " + b);
    }
  }
}

// What the program does, instruction by instruction.
size_t count(const Program& p, Prim prim) {
  return static_cast<size_t>(std::count_if(p.instructions.begin(), p.instructions.end(),
                                           [&](const Instruction& i) { return i.prim == prim; }));
}
int64_t largest_value(const Program& p) {
  int64_t m = 0;
  for (const AVal& v : p.vars) m = std::max(m, numel(v.shape));
  return m;
}

TEST(Einsum, ContractionsLowerToOneMatmulWithoutBroadcasts) {
  Tensor a = zeros({8, 30, 40}), b = zeros({8, 40, 50});
  auto bmm = [](const Tensor& x, const Tensor& y) { return einsum("bij,bjk->bik", {x, y}); };
  Program p = jit(bmm).lower(a, b).program();
  EXPECT_EQ(count(p, Prim::matmul), 1u) << p;
  EXPECT_EQ(count(p, Prim::mul) + count(p, Prim::sum), 0u) << p;
  EXPECT_LE(largest_value(p), b.numel()) << p;  // no value beyond an operand's size, never [8, 30, 40, 50]
  // a contraction over two dims, the result's axes permuted: still one matmul, nothing larger
  Tensor c = zeros({6, 7, 8}), d = zeros({7, 6, 9});
  Program q = jit([](const Tensor& x, const Tensor& y) { return einsum("ijk,jil->lk", {x, y}); }).lower(c, d).program();
  EXPECT_EQ(count(q, Prim::matmul), 1u) << q;
  EXPECT_LE(largest_value(q), std::max(c.numel(), d.numel())) << q;
  // an outer product is a broadcast multiply: no matmul, no reduction
  Program o = jit([](const Tensor& x, const Tensor& y) { return einsum("i,j->ij", {x, y}); }).lower(zeros({5}), zeros({6})).program();
  EXPECT_EQ(count(o, Prim::matmul) + count(o, Prim::sum), 0u) << o;
}

TEST(Einsum, CheckGradsOrder2) {
  manual_seed(4);
  for (const Spec& s : kSpecs) {
    SCOPED_TRACE(s.eq);
    std::vector<Tensor> ops;
    for (const Shape& sh : s.shapes) ops.push_back(randn(sh, f64));
    TensorFn f = [&](const std::vector<Tensor>& a) { return std::vector<Tensor>{einsum(s.eq, a)}; };
    check_grads(f, ops);
  }
  check_grads([](const Tensor& x) { return einsum("...ii->...i", {x}); }, {randn({2, 3, 3}, f64)}, 2);
}

TEST(Einsum, UnderVmap) {
  manual_seed(6);
  Tensor a = randn({5, 3, 4}, f64), b = randn({4, 2}, f64);
  Tensor got = vmap([](const Tensor& x, const Tensor& y) { return einsum("ij,jk->ik", {x, y}); }, {0, std::nullopt})(a, b);
  expect_close(got, matmul(a, b), "vmap over the first operand");
  Tensor tr = vmap([](const Tensor& x) { return einsum("ii", {x}); })(randn({4, 3, 3}, f64));
  EXPECT_EQ(tr.shape(), (Shape{4}));
}

TEST(Einsum, IntegerAndPromotedOperands) {
  Tensor a = tensor({{1, 2}, {3, 4}}, i64), b = tensor({{5, 6}, {7, 8}}, i64);
  Tensor c = einsum("ij,jk->ik", {a, b});
  EXPECT_EQ(c.dtype(), i64);
  EXPECT_EQ(c.to_vector<int64_t>(), (std::vector<int64_t>{19, 22, 43, 50}));
  EXPECT_EQ(einsum("ij,jk->ik", {a, b.cast(f64)}).dtype(), f64);  // promoted like the binary ops
}

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no error; expected " << parts[0];
  } catch (const Error& e) {
    std::string w = e.what();
    EXPECT_EQ(w.rfind("[einsum]", 0), 0u) << w;
    for (const std::string& p : parts) EXPECT_NE(w.find(p), std::string::npos) << w;
  }
}

TEST(Einsum, ErrorsNameEinsumAndTheEquation) {
  Tensor m = zeros({2, 3}), v = zeros({3});
  expect_error([&] { einsum("ij,jk->ik", {m, zeros({4, 5})}); }, {"'ij,jk->ik'", "subscript j"});
  expect_error([&] { einsum("ii->i", {m}); }, {"'ii->i'", "repeated"});
  expect_error([&] { einsum("ij->k", {m}); }, {"'ij->k'", "output subscript k"});
  expect_error([&] { einsum("ij->ii", {m}); }, {"'ij->ii'", "more than once"});
  expect_error([&] { einsum("ijk", {m}); }, {"'ijk'", "operand 0"});
  expect_error([&] { einsum("i,i", {v}); }, {"'i,i'", "2 input term(s) but 1 operand(s)"});
  expect_error([&] { einsum("i", {v, v}); }, {"1 input term(s) but 2"});
  expect_error([&] { einsum("i.j", {m}); }, {"'.'"});
  expect_error([&] { einsum("i1", {m}); }, {"'1'"});
  expect_error([&] { einsum("...i...", {m}); }, {"two ellipses"});
  expect_error([&] { einsum("i->i->i", {v}); }, {"'-'"});
  expect_error([&] { einsum("i,i->", {v.cast(bool_), v.cast(bool_)}); }, {"bool"});
  expect_error([&] { einsum("i", {}); }, {"1 input term(s) but 0"});
  expect_error([&] { einsum("i", {Tensor()}); }, {"empty Tensor handle"});
}

}  // namespace
