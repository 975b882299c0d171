// Indexing, the gather family, matmul, random numbers and printing.
// Expected values come from PyTorch 1.13 / NumPy (the snippet is next to each value) or JAX.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "slope/ops.h"
#include "slope/random.h"

using namespace slope;

namespace {

// x = torch.arange(24).reshape(2, 3, 4)
Tensor x24() { return reshape(arange(24), {2, 3, 4}); }

void expect_i64(const Tensor& t, const Shape& shape, const std::vector<int64_t>& values) {
  EXPECT_EQ(t.shape(), shape);
  EXPECT_EQ(t.to_vector<int64_t>(), values);
}
void expect_f(const Tensor& t, const Shape& shape, const std::vector<double>& values) {
  EXPECT_EQ(t.shape(), shape);
  std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), values.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_DOUBLE_EQ(got[i], values[i]) << "at " << i;
}
Tensor i64s(std::initializer_list<int64_t> v) { return tensor(v); }

template <class F>
void expect_error(F&& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected slope::Error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace

// ---------------- basic indexing ----------------

TEST(ProcBIndex, IntsAndSlices) {
  Tensor x = x24();
  expect_i64(x[1], {3, 4}, {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});  // x[1]
  expect_i64(x.index({-1, Slice{1, {}, {}}}), {2, 4}, {16, 17, 18, 19, 20, 21, 22, 23});  // x[-1, 1:]
  expect_i64(x.index({ellipsis, Slice{1, -1, 2}}), {2, 3, 1}, {1, 5, 9, 13, 17, 21});  // x[..., 1:-1:2]
  expect_i64(x.index({newaxis, 0, Slice{}, newaxis, 3}), {1, 3, 1}, {3, 7, 11});  // x[None, 0, :, None, 3]
  expect_i64(x.index({Slice{}, Slice{-10, 10, {}}}), {2, 3, 4}, x.to_vector<int64_t>());  // x[:, -10:10] clamps
  EXPECT_EQ(x.index({Slice{}, Slice{2, 1, {}}}).shape(), (Shape{2, 0, 4}));  // x[:, 2:1]
  expect_i64(x[0][2][3], {}, {11});
}

TEST(ProcBIndex, NegativeSteps) {
  Tensor x = x24();
  // np.arange(24).reshape(2,3,4)[:, ::-2]
  expect_i64(x.index({Slice{}, Slice{{}, {}, -2}}), {2, 2, 4},
             {8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15});
  // [:, 5:0:-1]
  expect_i64(x.index({Slice{}, Slice{5, 0, -1}}), {2, 2, 4}, {8, 9, 10, 11, 4, 5, 6, 7, 20, 21, 22, 23, 16, 17, 18, 19});
  // [..., ::-1]
  expect_i64(x.index({ellipsis, Slice{{}, {}, -1}}), {2, 3, 4},
             {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20});
  // [::-1, ::-2, 3:0:-2]
  expect_i64(x.index({Slice{{}, {}, -1}, Slice{{}, {}, -2}, Slice{3, 0, -2}}), {2, 2, 2}, {23, 21, 15, 13, 11, 9, 3, 1});
  // [:, -1:-10:-1, -5::-1] -> [2, 3, 0];  [:, -1:-10:-1, -2::-3] -> [10, 6, 2, 22, 18, 14]
  EXPECT_EQ(x.index({Slice{}, Slice{-1, -10, -1}, Slice{-5, {}, -1}}).shape(), (Shape{2, 3, 0}));
  expect_i64(x.index({Slice{}, Slice{-1, -10, -1}, Slice{-2, {}, -3}}), {2, 3, 1}, {10, 6, 2, 22, 18, 14});
}

TEST(ProcBIndex, Errors) {
  Tensor x = reshape(arange(6), {3, 2});
  expect_error([&] { x[5]; }, "[index] index 5 is out of bounds for dim 0 of size 3");
  expect_error([&] { x[-4]; }, "index -4 is out of bounds");
  expect_error([&] { x.index({0, 0, 0}); }, "too many indices");
  expect_error([&] { x.index({ellipsis, ellipsis}); }, "single ellipsis");
  expect_error([&] { x.index({Slice{{}, {}, 0}}); }, "step cannot be zero");
  expect_error([&] { x[tensor({0.5f})]; }, "integer or bool");
  expect_error([&] { x[i64s({0, 3})]; }, "index 3 is out of bounds for dim 0 of size 3");
}

// ---------------- advanced indexing ----------------

TEST(ProcBIndex, Advanced) {
  Tensor x = x24();
  Tensor i = tensor({{int64_t{0}, int64_t{-1}}, {int64_t{2}, int64_t{1}}});
  // x[:, i]
  expect_i64(x.index({Slice{}, i}), {2, 2, 2, 4},
             {0, 1, 2, 3, 8, 9, 10, 11, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 20, 21, 22, 23, 16, 17, 18, 19});
  // x[:, i, i]
  expect_i64(x.index({Slice{}, i, i}), {2, 2, 2}, {0, 11, 10, 5, 12, 23, 22, 17});
  // x[tensor([0,-1]), :, tensor([1,3])]: non-adjacent -> broadcast dims first
  expect_i64(x.index({i64s({0, -1}), Slice{}, i64s({1, 3})}), {2, 3}, {1, 5, 9, 15, 19, 23});
  // x[0, :, tensor([3,0])]: PyTorch applies the int first
  expect_i64(x.index({0, Slice{}, i64s({3, 0})}), {3, 2}, {3, 0, 7, 4, 11, 8});
  // x[tensor([1,0]), 1:, tensor([[3],[0]])]: broadcast [2] with [2, 1]
  expect_i64(x.index({i64s({1, 0}), Slice{1, {}, {}}, tensor({{int64_t{3}}, {int64_t{0}}})}), {2, 2, 2},
             {19, 23, 7, 11, 16, 20, 4, 8});
  // int32 index, 0-d index tensor
  expect_i64(x.index({Slice{}, Slice{}, tensor({2, 1}, i32)}), {2, 3, 2}, {2, 1, 6, 5, 10, 9, 14, 13, 18, 17, 22, 21});
  expect_i64(x.index({Slice{}, Tensor(int64_t{2})}), {2, 4}, {8, 9, 10, 11, 20, 21, 22, 23});
}

TEST(ProcBIndex, BoolMask) {
  Tensor x = x24();
  Tensor x0 = x[0];
  expect_i64(x0[x0 > 5], {6}, {6, 7, 8, 9, 10, 11});  // x[0][x[0] > 5]
  // x[:, torch.tensor([True, False, True])]
  expect_i64(x.index({Slice{}, tensor({true, false, true})}), {2, 2, 4},
             {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23});
  expect_error([&] { x[tensor({true, false, true})]; }, "boolean mask");
}

TEST(ProcBIndex, EdgeCases) {
  Tensor x = x24();
  Tensor empty_idx = tensor(std::vector<int64_t>{}, Shape{0});
  EXPECT_EQ(zeros({0, 3}).index({Slice{}, i64s({2, 0})}).shape(), (Shape{0, 2}));  // torch: [0, 2]
  EXPECT_EQ(Tensor(int64_t{5})[newaxis].shape(), (Shape{1}));                       // tensor(5)[None]
  EXPECT_EQ(Tensor(int64_t{5})[ellipsis].shape(), (Shape{}));                       // tensor(5)[...]
  EXPECT_EQ(x[empty_idx].shape(), (Shape{0, 3, 4}));                                // x[tensor([])]
  EXPECT_EQ(x.index({Slice{}, reshape(empty_idx, {1, 0}), 1}).shape(), (Shape{2, 1, 0}));
  // x[tensor([1]), tensor([[0],[2]])]
  expect_i64(x.index({i64s({1}), tensor({{int64_t{0}}, {int64_t{2}}})}), {2, 1, 4}, {12, 13, 14, 15, 20, 21, 22, 23});
  // x[..., tensor([True, False, False, True])]
  expect_i64(x.index({ellipsis, tensor({true, false, false, true})}), {2, 3, 2}, {0, 3, 4, 7, 8, 11, 12, 15, 16, 19, 20, 23});
  // x[tensor([[True, False, True], [False, False, True]])]: a 2-d mask covers two dims
  expect_i64(x[tensor({{true, false, true}, {false, false, true}})], {3, 4}, {0, 1, 2, 3, 8, 9, 10, 11, 20, 21, 22, 23});
  EXPECT_EQ(x.index({Slice{}, newaxis, i64s({0, 2}), newaxis}).shape(), (Shape{2, 1, 2, 1, 4}));
  EXPECT_EQ(x.index({i64s({0, 1}), newaxis, i64s({0, 2})}).shape(), (Shape{2, 1, 4}));
  // unsigned index tensors
  expect_i64(x.index({0, 0, tensor({uint32_t{3}, uint32_t{1}})}), {2}, {3, 1});
}

// ---------------- gather family ----------------

TEST(ProcBGather, TorchSemantics) {
  Tensor y = reshape(arange(12.0), {3, 4});
  // torch.gather(y, 1, [[0,2],[1,0],[3,3]])
  expect_f(gather(y, 1, tensor({{int64_t{0}, int64_t{2}}, {int64_t{1}, int64_t{0}}, {int64_t{3}, int64_t{3}}})), {3, 2},
           {0, 2, 5, 4, 11, 11});
  Tensor idx0 = tensor({{int64_t{2}, int64_t{0}, int64_t{1}, int64_t{1}}, {int64_t{0}, int64_t{0}, int64_t{2}, int64_t{1}}});
  expect_f(gather(y, 0, idx0), {2, 4}, {8, 1, 6, 7, 0, 1, 10, 7});  // torch.gather(y, 0, idx0)
  // torch.take_along_dim(y, [[1],[0],[3]], 1) and with broadcasting [[1, 2]]
  expect_f(take_along_dim(y, tensor({{int64_t{1}}, {int64_t{0}}, {int64_t{3}}}), 1), {3, 1}, {1, 4, 11});
  expect_f(take_along_dim(y, tensor({{int64_t{1}, int64_t{2}}}), 1), {3, 2}, {1, 2, 5, 6, 9, 10});
  expect_f(index_select(y, 1, i64s({3, 0, 0})), {3, 3}, {3, 0, 0, 7, 4, 4, 11, 8, 8});
  // z.scatter_add(0, idx0, arange(1., 13.).reshape(3, 4))
  Tensor z = zeros({3, 4});
  Tensor src = reshape(arange(1.0, 13.0), {3, 4});
  expect_f(scatter_add(z, 0, idx0, src), {3, 4}, {5, 8, 0, 0, 0, 0, 3, 12, 1, 0, 7, 0});
  expect_f(scatter_add(z, 1, tensor({{int64_t{0}, int64_t{0}}, {int64_t{3}, int64_t{1}}, {int64_t{2}, int64_t{2}}}), src),
           {3, 4}, {3, 0, 0, 0, 0, 6, 0, 5, 0, 0, 19, 0});
  // F.one_hot(tensor([[0,2],[1,1]]), 3)
  expect_i64(one_hot(tensor({{int64_t{0}, int64_t{2}}, {int64_t{1}, int64_t{1}}}), 3), {2, 2, 3},
             {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0});
  EXPECT_EQ(one_hot(i64s({1}), 2, f32).dtype(), f32);
}

TEST(ProcBGather, Errors) {
  Tensor y = reshape(arange(12.0), {3, 4});
  expect_error([&] { gather(y, 1, tensor({{int64_t{4}}})); }, "index 4 is out of bounds for dim 1 of size 4");
  expect_error([&] { gather(y, 1, i64s({0})); }, "rank");
  expect_error([&] { one_hot(i64s({0, 3}), 3); }, "label 3 is out of range");
  expect_error([&] { one_hot(i64s({-1}), 3); }, "label -1");
  expect_error([&] { scatter_add(y, 0, tensor({{int64_t{0}}}), ones({1, 1}, f64)); }, "dtype");
}

// ---------------- matmul ----------------

TEST(ProcBMatmul, TorchShapes) {
  Tensor a = reshape(arange(6.0), {2, 3}), b = reshape(arange(12.0), {3, 4});
  Tensor v = tensor({1.0, 2.0, 3.0});
  expect_f(matmul(a, b), {2, 4}, {20, 23, 26, 29, 56, 68, 80, 92});
  expect_f(matmul(v, v), {}, {14});
  expect_f(matmul(v, b), {4}, {32, 38, 44, 50});
  expect_f(matmul(a, v), {2}, {8, 26});
  Tensor B = reshape(arange(24.0), {2, 1, 3, 4}), A = reshape(arange(30.0), {5, 2, 3});
  Tensor ab = matmul(A, B);  // [2, 5, 2, 4]
  EXPECT_EQ(ab.shape(), (Shape{2, 5, 2, 4}));
  std::vector<double> g = ab.to_vector<double>();
  EXPECT_EQ(g[0], 20);
  EXPECT_EQ(g[8], 92);       // torch: (A @ B).flatten()[8]
  EXPECT_EQ(g[40], 56);      // second batch of B
  EXPECT_EQ(g[79], 1604);
  expect_f(matmul(v, B), {2, 1, 4}, {32, 38, 44, 50, 104, 110, 116, 122});
  expect_f(matmul(B, tensor({1.0, 0.0, -1.0, 2.0})), {2, 1, 3}, {4, 12, 20, 28, 36, 44});
  // Promotion (slope promotes; torch would reject i64 @ f32).
  expect_f(matmul(tensor({{int64_t{1}, int64_t{2}}}), tensor({{0.5}, {1.5}})), {1, 1}, {3.5});
  expect_error([&] { matmul(a, a); }, "inner dims differ");
  expect_error([&] { matmul(Tensor(1.0), a); }, "at least 1 dim");
  expect_error([&] { matmul(reshape(arange(12.0), {2, 2, 3}), reshape(arange(36.0), {3, 3, 4})); }, "broadcast");
}

// ---------------- random ----------------

TEST(ProcBRandom, JaxKnownValues) {
  EXPECT_EQ(random::key(0).to_vector<uint32_t>(), (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(random::key(42).to_vector<uint32_t>(), (std::vector<uint32_t>{0, 42}));
  EXPECT_EQ(random::key((uint64_t{1} << 32) + 7).to_vector<uint32_t>(), (std::vector<uint32_t>{1, 7}));
  // jax.random.split(jax.random.PRNGKey(0))
  Tensor s = random::split(random::key(0), 2);
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(s.to_vector<uint32_t>(), (std::vector<uint32_t>{4146024105u, 967050713u, 2718843009u, 1272950319u}));
  auto [k1, k2] = random::split(random::key(0));
  EXPECT_EQ(k1.to_vector<uint32_t>(), (std::vector<uint32_t>{4146024105u, 967050713u}));
  EXPECT_EQ(k2.to_vector<uint32_t>(), (std::vector<uint32_t>{2718843009u, 1272950319u}));
  // jax.random.uniform(jax.random.PRNGKey(0)) == 0.41845703
  EXPECT_FLOAT_EQ(random::uniform(random::key(0), {}).item<float>(), 0.41845703f);
}

TEST(ProcBRandom, Reproducible) {
  Tensor k = random::key(123);
  EXPECT_EQ(random::bits(k, {5}).to_vector<uint32_t>(), random::bits(k, {5}).to_vector<uint32_t>());
  EXPECT_EQ(random::normal(k, {7}).to_vector<float>(), random::normal(k, {7}).to_vector<float>());
  EXPECT_NE(random::bits(random::fold_in(k, 1), {4}).to_vector<uint32_t>(),
            random::bits(random::fold_in(k, 2), {4}).to_vector<uint32_t>());
  // bits of a shape are the first numel counters, so a prefix is stable
  auto b6 = random::bits(k, {2, 3}).to_vector<uint32_t>();
  EXPECT_EQ(b6.size(), 6u);
  manual_seed(7);
  auto r1 = rand({10}).to_vector<float>();
  manual_seed(7);
  auto r2 = rand({10}).to_vector<float>();
  auto r3 = rand({10}).to_vector<float>();
  EXPECT_EQ(r1, r2);
  EXPECT_NE(r2, r3);
  // next_key is the second half of random::split of the global key
  manual_seed(9);
  Tensor nk = next_key();
  EXPECT_EQ(nk.to_vector<uint32_t>(), random::split(random::key(9))[1].to_vector<uint32_t>());
  EXPECT_EQ(next_key().to_vector<uint32_t>(), random::split(random::split(random::key(9))[0])[1].to_vector<uint32_t>());
}

TEST(ProcBRandom, Distributions) {
  Tensor k = random::key(2024);
  std::vector<float> u = random::uniform(k, {20000}).to_vector<float>();
  double mean = 0;
  for (float v : u) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LT(v, 1.0f);
    mean += v;
  }
  mean /= u.size();
  EXPECT_NEAR(mean, 0.5, 0.01);
  for (float v : random::uniform(k, {1000}, f32, -2.0, 3.0).to_vector<float>()) {
    ASSERT_GE(v, -2.0f);
    ASSERT_LT(v, 3.0f);
  }
  for (float v : random::uniform(k, {1000}, f16).to_vector<float>()) ASSERT_LT(v, 1.0f);
  std::vector<double> u64 = random::uniform(k, {1000}, f64).to_vector<double>();
  bool fine_bits = false;  // f64 draws use 52 random bits, not just 32
  for (double v : u64) {
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
    fine_bits = fine_bits || std::ldexp(v, 32) != std::floor(std::ldexp(v, 32));
  }
  EXPECT_TRUE(fine_bits);
  for (float v : random::uniform(k, {1000}, bf16, 1.0, 3.0).to_vector<float>()) {
    ASSERT_GE(v, 1.0f);
    ASSERT_LT(v, 3.0f);
  }
  expect_error([&] { random::uniform(k, {2}, f16, 0.0, 1e6); }, "finite in f16");

  std::vector<float> z = random::normal(k, {20001}).to_vector<float>();
  ASSERT_EQ(z.size(), 20001u);
  double m = 0, m2 = 0;
  for (float v : z) {
    ASSERT_TRUE(std::isfinite(v));
    m += v;
    m2 += double(v) * v;
  }
  m /= z.size();
  double var = m2 / z.size() - m * m;
  EXPECT_NEAR(m, 0.0, 0.03);
  EXPECT_NEAR(var, 1.0, 0.05);
  EXPECT_EQ(random::normal(k, {3, 5}, f64).shape(), (Shape{3, 5}));

  auto bern = random::bernoulli(k, 0.25, {20000}).to_vector<bool>();
  EXPECT_NEAR(std::count(bern.begin(), bern.end(), true) / 20000.0, 0.25, 0.02);
  EXPECT_EQ(random::bernoulli(k, tensor({0.0f, 1.0f})).to_vector<bool>(), (std::vector<bool>{false, true}));

  std::vector<int64_t> ri = random::randint(k, {5000}, -3, 4).to_vector<int64_t>();
  std::set<int64_t> seen(ri.begin(), ri.end());
  EXPECT_EQ(seen, (std::set<int64_t>{-3, -2, -1, 0, 1, 2, 3}));
  EXPECT_EQ(random::randint(k, {4}, 0, 10, u8).dtype(), u8);
  expect_error([&] { random::randint(k, {4}, 0, 300, u8); }, "does not fit");
  expect_error([&] { random::uniform(k, {2}, i32); }, "floating");
  expect_error([&] { random::bits(tensor({1, 2}), {2}); }, "key must be u32");
}

TEST(ProcBRandom, Permutation) {
  Tensor k = random::key(5);
  for (int64_t n : {0, 1, 10, 300, 5000}) {
    std::vector<int64_t> p = random::permutation(k, n).to_vector<int64_t>();
    std::vector<int64_t> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(sorted[i], i);
  }
  // The host path (n > 256, concrete key) computes the same ranks as the comparison path:
  // the ranks of the random keys, which equal ranks of bits(k, {n}).
  std::vector<uint32_t> keys = random::bits(k, {300}).to_vector<uint32_t>();
  std::vector<int64_t> p = random::permutation(k, 300).to_vector<int64_t>();
  for (int i = 0; i < 300; ++i) {
    int64_t r = 0;
    for (int j = 0; j < 300; ++j) r += keys[j] < keys[i] || (keys[j] == keys[i] && j < i);
    ASSERT_EQ(p[i], r);
  }
  std::vector<int64_t> small = random::permutation(k, 200).to_vector<int64_t>();
  std::vector<uint32_t> sk = random::bits(k, {200}).to_vector<uint32_t>();
  for (int i = 0; i < 200; ++i) {
    int64_t r = 0;
    for (int j = 0; j < 200; ++j) r += sk[j] < sk[i] || (sk[j] == sk[i] && j < i);
    ASSERT_EQ(small[i], r);
  }
}

// ---------------- printing ----------------

TEST(ProcBPrint, MatchesTorch) {
  // Each expectation is print(torch.tensor(...)) from PyTorch 1.13, with slope dtype names.
  EXPECT_EQ(tensor({{31.f, 37.f, 43.f}, {31.f, 37.f, 43.f}}).str(), "tensor([[31., 37., 43.],\n        [31., 37., 43.]])");
  EXPECT_EQ(tensor({0.1f, 2.5f}).str(), "tensor([0.1000, 2.5000])");
  EXPECT_EQ(tensor({1e10f, 1.0f}).str(), "tensor([1.0000e+10, 1.0000e+00])");
  EXPECT_EQ(tensor({1e-5f, 1.0f}).str(), "tensor([1.0000e-05, 1.0000e+00])");
  EXPECT_EQ(i64s({1, 2, 300}).str(), "tensor([  1,   2, 300])");
  EXPECT_EQ(tensor({1, -2}, i32).str(), "tensor([ 1, -2], dtype=i32)");
  EXPECT_EQ(tensor({true, false}).str(), "tensor([ True, False])");
  EXPECT_EQ(Tensor(3.0f).str(), "tensor(3.)");
  EXPECT_EQ(Tensor(-0.5f).str(), "tensor(-0.5000)");
  EXPECT_EQ(zeros({0, 3}).str(), "tensor([], size=(0, 3))");
  EXPECT_EQ(zeros({0}).str(), "tensor([])");
  EXPECT_EQ(zeros({0}, i64).str(), "tensor([], dtype=i64)");
  EXPECT_EQ(tensor({1.f, INFINITY, NAN, -INFINITY}).str(), "tensor([1., inf, nan, -inf])");
  EXPECT_EQ(tensor({1.5f, NAN}).str(), "tensor([1.5000,    nan])");
  EXPECT_EQ(tensor({1.25, 2.0}, f64).str(), "tensor([1.2500, 2.0000], dtype=f64)");
  EXPECT_EQ(tensor({{-1.f, 2.5f}, {3.f, -4.f}}).str(), "tensor([[-1.0000,  2.5000],\n        [ 3.0000, -4.0000]])");
  EXPECT_EQ(reshape(arange(12), {2, 2, 3}).str(),
            "tensor([[[ 0,  1,  2],\n         [ 3,  4,  5]],\n\n        [[ 6,  7,  8],\n         [ 9, 10, 11]]])");
  EXPECT_EQ(zeros({2}).str(), "tensor([0., 0.])");
  EXPECT_EQ(tensor({1, 2}, u8).str(), "tensor([1, 2], dtype=u8)");
  EXPECT_EQ(tensor({0.1f, 2.f}, f16).str(), "tensor([0.1000, 2.0000], dtype=f16)");
  // torch.arange(30.) * 1.5: wraps at 80 columns
  EXPECT_EQ((arange(30.0) * 1.5).str(),
            "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
            "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
            "        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n"
            "        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000])");
  // torch.arange(2000.).reshape(2, 1000): summarised, width from the shown values only
  EXPECT_EQ(reshape(arange(2000.0), {2, 1000}).str(),
            "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.9700e+02, 9.9800e+02,\n"
            "         9.9900e+02],\n"
            "        [1.0000e+03, 1.0010e+03, 1.0020e+03,  ..., 1.9970e+03, 1.9980e+03,\n"
            "         1.9990e+03]])");
  std::ostringstream os;
  os << tensor({1.f, 2.f});
  EXPECT_EQ(os.str(), "tensor([1., 2.])");
}

TEST(ProcBPrint, Summarised3d) {
  // print(torch.arange(1200).reshape(10, 12, 10))
  EXPECT_EQ(reshape(arange(1200), {10, 12, 10}).str(),
            "tensor([[[   0,    1,    2,  ...,    7,    8,    9],\n"
            "         [  10,   11,   12,  ...,   17,   18,   19],\n"
            "         [  20,   21,   22,  ...,   27,   28,   29],\n"
            "         ...,\n"
            "         [  90,   91,   92,  ...,   97,   98,   99],\n"
            "         [ 100,  101,  102,  ...,  107,  108,  109],\n"
            "         [ 110,  111,  112,  ...,  117,  118,  119]],\n"
            "\n"
            "        [[ 120,  121,  122,  ...,  127,  128,  129],\n"
            "         [ 130,  131,  132,  ...,  137,  138,  139],\n"
            "         [ 140,  141,  142,  ...,  147,  148,  149],\n"
            "         ...,\n"
            "         [ 210,  211,  212,  ...,  217,  218,  219],\n"
            "         [ 220,  221,  222,  ...,  227,  228,  229],\n"
            "         [ 230,  231,  232,  ...,  237,  238,  239]],\n"
            "\n"
            "        [[ 240,  241,  242,  ...,  247,  248,  249],\n"
            "         [ 250,  251,  252,  ...,  257,  258,  259],\n"
            "         [ 260,  261,  262,  ...,  267,  268,  269],\n"
            "         ...,\n"
            "         [ 330,  331,  332,  ...,  337,  338,  339],\n"
            "         [ 340,  341,  342,  ...,  347,  348,  349],\n"
            "         [ 350,  351,  352,  ...,  357,  358,  359]],\n"
            "\n"
            "        ...,\n"
            "\n"
            "        [[ 840,  841,  842,  ...,  847,  848,  849],\n"
            "         [ 850,  851,  852,  ...,  857,  858,  859],\n"
            "         [ 860,  861,  862,  ...,  867,  868,  869],\n"
            "         ...,\n"
            "         [ 930,  931,  932,  ...,  937,  938,  939],\n"
            "         [ 940,  941,  942,  ...,  947,  948,  949],\n"
            "         [ 950,  951,  952,  ...,  957,  958,  959]],\n"
            "\n"
            "        [[ 960,  961,  962,  ...,  967,  968,  969],\n"
            "         [ 970,  971,  972,  ...,  977,  978,  979],\n"
            "         [ 980,  981,  982,  ...,  987,  988,  989],\n"
            "         ...,\n"
            "         [1050, 1051, 1052,  ..., 1057, 1058, 1059],\n"
            "         [1060, 1061, 1062,  ..., 1067, 1068, 1069],\n"
            "         [1070, 1071, 1072,  ..., 1077, 1078, 1079]],\n"
            "\n"
            "        [[1080, 1081, 1082,  ..., 1087, 1088, 1089],\n"
            "         [1090, 1091, 1092,  ..., 1097, 1098, 1099],\n"
            "         [1100, 1101, 1102,  ..., 1107, 1108, 1109],\n"
            "         ...,\n"
            "         [1170, 1171, 1172,  ..., 1177, 1178, 1179],\n"
            "         [1180, 1181, 1182,  ..., 1187, 1188, 1189],\n"
            "         [1190, 1191, 1192,  ..., 1197, 1198, 1199]]])");
}

// ---------------- under transformations ----------------
// Compiled only once the transformations are in the tree (they are developed in parallel).
#if __has_include("slope/transforms.h") && __has_include("slope/check_grads.h")
#include "slope/check_grads.h"
#include "slope/transforms.h"

TEST(ProcBTransforms, GradsOfIndexingAndMatmul) {
  Tensor x = cast(reshape(arange(12), {3, 4}), f64);
  Tensor idx = i64s({0, -1, 0});
  // d/dx sum(2 * x[idx, 1::-1]): rows 0 (twice) and 2 (once), columns 1 and 0
  auto f = [&](Tensor v) { return sum(v.index({idx, Slice{1, {}, -1}}) * 2.0); };
  expect_f(grad(f)(x), {3, 4}, {4, 4, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0});
  check_grads([&](Tensor v) { return v.index({Slice{{}, {}, -1}, i64s({1, 3})}); }, {x}, 2);
  check_grads([&](Tensor v) { return v.index({newaxis, 1, Slice{3, 0, -2}}); }, {x}, 2);
  Tensor gi = tensor({{int64_t{0}, int64_t{2}}, {int64_t{1}, int64_t{0}}, {int64_t{3}, int64_t{3}}});
  check_grads([&](Tensor v) { return gather(v, 1, gi); }, {x}, 2);
  check_grads([&](Tensor v) { return take_along_dim(v, tensor({{int64_t{1}, int64_t{2}}}), 1); }, {x}, 2);
  check_grads([&](Tensor v) { return index_select(v, 0, i64s({2, 2, 0})); }, {x}, 2);
  Tensor si = tensor({{int64_t{2}, int64_t{0}, int64_t{1}, int64_t{1}}, {int64_t{0}, int64_t{0}, int64_t{2}, int64_t{1}}});
  check_grads([&](Tensor v, Tensor s) { return scatter_add(v, 0, si, s); }, {x, cast(reshape(arange(8), {2, 4}), f64)}, 2);
  check_grads([&](Tensor a, Tensor c) { return matmul(a, c); }, {x, cast(reshape(arange(8), {2, 4, 1}), f64)}, 2);
  check_grads([&](Tensor a) { return matmul(a[0], a[1]); }, {x}, 2);
}

TEST(ProcBTransforms, VmapMatchesLoops) {
  Tensor xs = reshape(arange(24.0), {2, 3, 4});
  Tensor idxs = tensor({{int64_t{2}, int64_t{0}}, {int64_t{1}, int64_t{1}}});
  auto g = [](Tensor v, Tensor i) { return v.index({i, Slice{{}, {}, -2}}); };
  Tensor batched = vmap(g)(xs, idxs);
  for (int64_t b = 0; b < 2; ++b) EXPECT_EQ(batched[b].to_vector<float>(), g(xs[b], idxs[b]).to_vector<float>());
  auto m = [](Tensor a, Tensor v) { return matmul(a, v); };
  Tensor w = tensor({1.0f, 0.f, 0.f, 1.f});
  expect_f(vmap(m, {0, std::nullopt})(xs, w), {2, 3}, {3, 11, 19, 27, 35, 43});
  // Random draws from a batch of keys equal the draws from each key (the traced permutation
  // path included).
  Tensor keys = random::split(random::key(0), 3);
  Tensor u = vmap([](Tensor k) { return random::uniform(k, {2}); })(keys);
  Tensor z = vmap([](Tensor k) { return random::normal(k, {3}); })(keys);
  Tensor p = vmap([](Tensor k) { return random::permutation(k, 5); })(keys);
  Tensor r = vmap([](Tensor k) { return random::randint(k, {3}, 0, 10); })(keys);
  for (int64_t b = 0; b < 3; ++b) {
    EXPECT_EQ(u[b].to_vector<float>(), random::uniform(keys[b], {2}).to_vector<float>());
    EXPECT_EQ(z[b].to_vector<float>(), random::normal(keys[b], {3}).to_vector<float>());
    EXPECT_EQ(p[b].to_vector<int64_t>(), random::permutation(keys[b], 5).to_vector<int64_t>());
    EXPECT_EQ(r[b].to_vector<int64_t>(), random::randint(keys[b], {3}, 0, 10).to_vector<int64_t>());
  }
}

TEST(ProcBTransforms, PrintTracer) {
  std::string s;
  vmap([&](Tensor v) {
    s = v.str();
    return v;
  })(zeros({4, 2, 3}));
  EXPECT_EQ(s, "Tensor(traced, [2, 3] f32)");
}
#endif
