// Reductions over narrow integers store no widened copy of their input: the sum primitive
// accumulates u8/i8/i32/bool straight into its int64 output, and argmax/argmin are one pass of the
// argmax primitive (no index tensor of the input's size). Checked by value against plain C++ loops
// on every backend, eager and jitted; by the jitted Program (no tensor of the input's size but the
// input); by peak memory on a 2^27-element u8 tensor; and by time against max.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <slope/slope.h>

#include "skip.h"

namespace {

using slope::Shape;
using slope::Tensor;

std::vector<std::string> backends() {
  std::vector<std::string> out = {"reference"};
  for (auto& n : slope::backend_names())
    if (n == "cpu") out.push_back("cpu");
  return out;
}

// Every way a reduction runs: eager and jitted, on each backend.
template <class F>
void for_each_way(F check) {
  for (const std::string& b : backends()) {
    slope::BackendScope scope(b);
    check(b + " eager", false);
    check(b + " jit", true);
  }
}
// f(x) -> tensors, eagerly or as one jitted program (one compile for all of them).
template <class F>
std::vector<Tensor> run(F f, const Tensor& x, bool jit) {
  return jit ? slope::jit(f)(x) : f(x);
}

// x [outer, n, inner] reduced over the middle axis by `op` on int64 values.
std::vector<int64_t> expected_sum(const std::vector<int64_t>& v, int64_t outer, int64_t n, int64_t inner) {
  std::vector<int64_t> out(static_cast<size_t>(outer * inner), 0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < inner; ++j) out[o * inner + j] += v[(o * n + r) * inner + j];
  return out;
}
// The first index of the maximum (a NaN beats everything; the first NaN wins).
std::vector<int64_t> expected_argmax(const std::vector<double>& v, int64_t outer, int64_t n, int64_t inner) {
  std::vector<int64_t> out(static_cast<size_t>(outer * inner), 0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      int64_t best = 0;
      for (int64_t r = 1; r < n; ++r) {
        double a = v[(o * n + r) * inner + j], b = v[(o * n + best) * inner + j];
        if (std::isnan(b)) break;
        if (std::isnan(a) || a > b) best = r;
      }
      out[o * inner + j] = best;
    }
  return out;
}

TEST(IntegerReductions, SumsAccumulateInInt64) {
  const Tensor key = slope::random::key(5);
  for (slope::DType d : {slope::u8, slope::i8, slope::i32, slope::bool_, slope::u32}) {
    Tensor x = d == slope::bool_ ? slope::random::bernoulli(key, 0.5, {6, 50, 7})
                                 : slope::random::randint(key, {6, 50, 7}, d == slope::i8 ? -128 : 0,
                                                          d == slope::u8 ? 256 : 128, d);
    if (d == slope::i32 || d == slope::u32) x = x * (d == slope::i32 ? (1 << 24) : (1 << 25));  // sums beyond 32 bits
    const auto v = x.to_vector<int64_t>();
    auto sums = [](const Tensor& t) { return std::vector<Tensor>{t.sum(0), t.sum(1), t.sum(2), t.sum(), t.sum({0, 2}, true)}; };
    for_each_way([&](const std::string& how, bool jit) {
      std::vector<Tensor> r = run(sums, x, jit);
      for (int axis = 0; axis < 3; ++axis) {
        ASSERT_EQ(r[axis].dtype(), slope::i64) << how;
        const int64_t outer = axis == 0 ? 1 : axis == 1 ? 6 : 300, n = x.shape(axis), inner = axis == 0 ? 350 : axis == 1 ? 7 : 1;
        EXPECT_EQ(r[axis].to_vector<int64_t>(), expected_sum(v, outer, n, inner)) << how << " " << slope::name(d) << " axis " << axis;
      }
      EXPECT_EQ(r[3].item<int64_t>(), expected_sum(v, 1, 2100, 1)[0]) << how << " " << slope::name(d);
      EXPECT_EQ(r[4].shape(), Shape({1, 50, 1})) << how;
    });
  }
}

TEST(IntegerReductions, ArgmaxAndArgminMatchALoop) {
  const Tensor key = slope::random::key(9);
  std::vector<Tensor> inputs = {
      slope::random::randint(key, {5, 40, 6}, 0, 4, slope::u8),  // many ties
      slope::random::randint(key, {5, 40, 6}, -3, 3, slope::i32),
      slope::random::bernoulli(key, 0.2, {5, 40, 6}),
      slope::random::normal(key, {5, 40, 6}).cast(slope::f16),
      slope::random::normal(key, {5, 40, 6}, slope::f64)};
  // NaNs at a few places of an f32 tensor (the first NaN of a line wins).
  auto f = slope::random::normal(key, {5, 40, 6}).to_vector<float>();
  for (size_t i = 7; i < f.size(); i += 53) f[i] = std::numeric_limits<float>::quiet_NaN();
  inputs.push_back(slope::tensor(f, {5, 40, 6}));
  for (const Tensor& x : inputs) {
    const auto v = x.to_vector<double>();
    std::vector<double> neg(v.size());
    for (size_t i = 0; i < v.size(); ++i) neg[i] = x.dtype() == slope::bool_ ? 1 - v[i] : -v[i];
    auto args = [](const Tensor& t) {
      return std::vector<Tensor>{t.argmax(0), t.argmax(1), t.argmax(2), t.argmin(0), t.argmin(1), t.argmin(2), t.argmax()};
    };
    for_each_way([&](const std::string& how, bool jit) {
      std::vector<Tensor> r = run(args, x, jit);
      for (int axis = 0; axis < 3; ++axis) {
        const int64_t outer = axis == 0 ? 1 : axis == 1 ? 5 : 200, n = x.shape(axis), inner = axis == 0 ? 240 : axis == 1 ? 6 : 1;
        ASSERT_EQ(r[axis].dtype(), slope::i64);
        EXPECT_EQ(r[axis].to_vector<int64_t>(), expected_argmax(v, outer, n, inner)) << how << " " << x.dtype() << " axis " << axis;
        EXPECT_EQ(r[3 + axis].to_vector<int64_t>(), expected_argmax(neg, outer, n, inner)) << how << " argmin " << x.dtype();
      }
      EXPECT_EQ(r[6].item<int64_t>(), expected_argmax(v, 1, x.numel(), 1)[0]) << how << " flat " << x.dtype();
    });
  }
}

// One long row is cut into pieces combined in order: the first maximum wins across pieces.
TEST(IntegerReductions, ArgmaxOfALongRow) {
  const int64_t n = int64_t{1} << 21;
  std::vector<uint8_t> v(static_cast<size_t>(n), 3);
  v[n / 2 + 5] = 200;
  v[n - 1] = 200;
  Tensor x = slope::tensor(v, {n});
  std::vector<float> fv(static_cast<size_t>(n), 1.f);
  fv[n / 3] = std::numeric_limits<float>::quiet_NaN();
  fv[n / 2] = std::numeric_limits<float>::quiet_NaN();
  fv[7] = 5.f;
  Tensor xf = slope::tensor(fv, {n});
  auto f = [](const Tensor& t) { return std::vector<Tensor>{t.argmax(), t.argmin(0)}; };
  for_each_way([&](const std::string& how, bool jit) {
    std::vector<Tensor> r = run(f, x, jit);
    EXPECT_EQ(r[0].item<int64_t>(), n / 2 + 5) << how;
    EXPECT_EQ(r[1].item<int64_t>(), 0) << how;
    EXPECT_EQ(run(f, xf, jit)[0].item<int64_t>(), n / 3) << how;
  });
}

// No tensor in the jitted program has the input's size but the input itself, and a sum has no
// cast at all (argmin: its order reversal, elementwise in the input's own dtype, fused by codegen).
TEST(IntegerReductions, JittedProgramsStoreNoWideCopy) {
  Tensor x = slope::zeros({64, 1024}, slope::u8);
  auto sizes_of = [&](const slope::Program& p, slope::DType* widest) {
    int copies = 0;
    *widest = slope::u8;
    for (const auto& ins : p.instructions)
      for (int v : ins.outputs)
        if (slope::numel(p.vars[v].shape) == x.numel()) {
          ++copies;
          if (slope::itemsize(p.vars[v].dtype) > slope::itemsize(*widest)) *widest = p.vars[v].dtype;
        }
    return copies;
  };
  slope::DType widest;
  slope::Program sum = slope::jit([](const Tensor& t) { return t.sum(1); }).lower(x).program();
  EXPECT_EQ(sizes_of(sum, &widest), 0) << sum;
  for (const auto& ins : sum.instructions) EXPECT_NE(ins.prim, slope::Prim::cast) << sum;
  slope::Program all = slope::jit([](const Tensor& t) { return t.sum(); }).lower(x).program();
  EXPECT_EQ(sizes_of(all, &widest), 0) << all;
  slope::Program am = slope::jit([](const Tensor& t) { return t.argmax(1); }).lower(x).program();
  EXPECT_EQ(sizes_of(am, &widest), 0) << am;
  slope::Program amin = slope::jit([](const Tensor& t) { return t.argmin(); }).lower(x).program();
  sizes_of(amin, &widest);
  EXPECT_EQ(widest, slope::u8) << amin;
}

// ---- memory and time, on the default backend (a 2^27-element u8 tensor: 128 MiB) ----
int64_t status_kb(const char* field) {
  std::ifstream s("/proc/self/status");
  std::string line;
  while (std::getline(s, line))
    if (line.rfind(field, 0) == 0) return std::stoll(line.substr(std::string(field).size() + 1));
  return -1;
}
// Peak resident memory (KiB) above the current level while f runs.
template <class F>
int64_t peak_growth_kb(F f) {
  slope::Buffer::release_cached();  // an allocation must show, not reuse a cached block
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";  // resets VmHWM to the current RSS
  clear.close();
  const int64_t base = status_kb("VmRSS:");
  f();
  return status_kb("VmHWM:") - base;
}

TEST(IntegerReductions, PeakMemoryStaysNearTheInput) {
  if (status_kb("VmHWM:") < 0 || !std::ofstream("/proc/self/clear_refs")) SLOPE_SKIP("no /proc peak RSS here");
  const int64_t n = int64_t{1} << 27, input_kb = n / 1024;
  Tensor x = slope::full({n}, 1, slope::u8);
  Tensor x2 = x.reshape(int64_t{1} << 13, -1);
  int64_t total = 0;
  const int64_t sum_kb = peak_growth_kb([&] { total = x.sum().item<int64_t>(); });
  EXPECT_EQ(total, n);
  EXPECT_LT(sum_kb, input_kb / 4) << "sum of u8 grew the peak by " << sum_kb << " KiB for a " << input_kb << " KiB input";
  const int64_t argmax_kb = peak_growth_kb([&] { EXPECT_EQ(x.argmax().item<int64_t>(), 0); });
  EXPECT_LT(argmax_kb, input_kb / 4) << "argmax grew the peak by " << argmax_kb << " KiB";
  const int64_t rows_kb = peak_growth_kb([&] { EXPECT_EQ(x2.argmax(1).sum().item<int64_t>(), 0); });
  EXPECT_LT(rows_kb, input_kb / 4) << "argmax(1) grew the peak by " << rows_kb << " KiB";
  // Eager argmin reverses the order first (~x = -x - 1): elementwise ops that store u8 copies.
  const int64_t argmin_kb = peak_growth_kb([&] { EXPECT_EQ(x.argmin().item<int64_t>(), 0); });
  EXPECT_LT(argmin_kb, input_kb * 13 / 4) << "argmin grew the peak by " << argmin_kb << " KiB";
  auto jsum = slope::jit([](const Tensor& t) { return t.sum(1); });
  auto jargmax = slope::jit([](const Tensor& t) { return t.argmax(1); });
  const int64_t jit_kb = peak_growth_kb([&] {
    EXPECT_EQ(jsum(x2).sum().item<int64_t>(), n);
    EXPECT_EQ(jargmax(x2).sum().item<int64_t>(), 0);
  });
  EXPECT_LT(jit_kb, input_kb / 4) << "jitted sum/argmax grew the peak by " << jit_kb << " KiB";
}

template <class F>
double best_seconds(F f) {
  double best = 1e9;
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// argmax reads its input once, like max: within a small factor of it (it was ~1000x).
TEST(IntegerReductions, ArgmaxTimeNearMax) {
  const int64_t n = int64_t{1} << 24;
  Tensor x = slope::random::randint(slope::random::key(3), {n}, 0, 256, slope::u8);
  Tensor rows = x.reshape(4096, -1), cols = x.reshape(-1, 64);
  struct Shape_ {
    const char* what;
    Tensor t;
    int axis;
  };
  for (const Shape_& s : {Shape_{"one row", x, 0}, Shape_{"rows", rows, 1}, Shape_{"columns", cols, 0}}) {
    const double t_max = best_seconds([&] { (void)slope::max(s.t, slope::Axes{s.axis}); });
    const double t_arg = best_seconds([&] { (void)s.t.argmax(s.axis); });
    EXPECT_LT(t_arg, 8 * t_max + 2e-3) << s.what << ": argmax " << t_arg * 1e3 << " ms, max " << t_max * 1e3 << " ms";
  }
}

}  // namespace
