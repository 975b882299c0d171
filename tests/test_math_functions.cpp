// Accuracy of the trigonometric and hyperbolic functions against libm over their whole range, where
// the random golden inputs (tests/torch) never reach: near 0 (where sinh, asinh, atanh cancel in the
// naive formulas), next to +-1 (asin, acos, atanh), next to 1 (acosh) and at huge |x| (sinh, cosh,
// asinh, acosh; sinh(710) is finite although exp(710) is not). f64 against glibc's double functions
// (themselves within an ulp): at most 4 ulps apart; f32 against glibc's double result rounded to float:
// at most 1 ulp apart. Both backends, eager and jitted.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "slope/slope.h"

using namespace slope;

namespace {

struct Fn {
  const char* name;
  std::function<Tensor(const Tensor&)> slope_fn;
  double (*libm)(double);
};

const std::vector<Fn>& functions() {
  static const std::vector<Fn> fs = {
      {"sinh", [](const Tensor& x) { return sinh(x); }, std::sinh},
      {"cosh", [](const Tensor& x) { return cosh(x); }, std::cosh},
      {"asin", [](const Tensor& x) { return asin(x); }, std::asin},
      {"acos", [](const Tensor& x) { return acos(x); }, std::acos},
      {"atan", [](const Tensor& x) { return atan(x); }, std::atan},
      {"asinh", [](const Tensor& x) { return asinh(x); }, std::asinh},
      {"acosh", [](const Tensor& x) { return acosh(x); }, std::acosh},
      {"atanh", [](const Tensor& x) { return atanh(x); }, std::atanh},
  };
  return fs;
}

// +-10^e over the double range, 1 +- 2^-k and 700..711 (the edge of exp's range).
std::vector<double> sample_points() {
  std::vector<double> v{0.0, -0.0, 0.5, -0.5, 0.999, -0.999, 2.0, 22.0, -22.0};
  for (int e = -307; e <= 307; e += 3) {
    v.push_back(std::pow(10.0, e) * 1.234);
    v.push_back(-std::pow(10.0, e) * 3.21);
  }
  for (int k = 1; k <= 52; k += 3) {
    v.push_back(1 + std::ldexp(1.0, -k));
    v.push_back(1 - std::ldexp(1.0, -k));
    v.push_back(-1 + std::ldexp(1.0, -k));
  }
  for (double x = 700; x <= 711; x += 0.75) v.push_back(x), v.push_back(-x);
  return v;
}

// How many representable doubles (or floats) lie between got and want; 0 when both are the same
// infinity or both NaN.
double ulps(double got, double want, bool f32) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got) ? 0 : 1e300;
  if (std::isinf(want) || std::isinf(got)) return got == want ? 0 : 1e300;
  double step = f32 ? std::nextafter(static_cast<float>(std::fabs(want)), INFINITY) - std::fabs(static_cast<float>(want))
                    : std::nextafter(std::fabs(want), INFINITY) - std::fabs(want);
  return std::fabs(got - want) / step;
}

Tensor sample_tensor(DType d) {
  const std::vector<double> xs = sample_points();
  return cast(tensor(xs, {static_cast<int64_t>(xs.size())}, f64), d);
}

void expect_close_to_libm(const Fn& f, const Tensor& x, const Tensor& y, const std::string& how) {
  const bool f32_ = x.dtype() == f32;
  const double budget = f32_ ? 1 : 4;
  std::vector<double> xd = x.to_vector<double>(), got = y.to_vector<double>();  // inputs as the dtype holds them
  for (size_t i = 0; i < xd.size(); ++i) {
    double want = f.libm(xd[i]);
    if (f32_) want = static_cast<float>(want);
    EXPECT_LE(ulps(got[i], want, f32_), budget) << f.name << "(" << xd[i] << ") in " << name(x.dtype()) << " " << how
                                                << ": got " << got[i] << ", libm " << want;
    if (want == 0) {
      EXPECT_EQ(std::signbit(got[i]), std::signbit(want)) << f.name << "(" << xd[i] << ") sign of zero";
    }
  }
}

class MathFunctions : public testing::TestWithParam<std::string> {};

TEST_P(MathFunctions, WithinUlpsOfLibmOverTheWholeRange) {
  BackendScope scope(GetParam());
  // Every function at once under one jit (one compile per dtype).
  auto all = [](const std::vector<Tensor>& a) {
    std::vector<Tensor> out;
    for (const Fn& f : functions()) out.push_back(f.slope_fn(a[0]));
    return out;
  };
  for (DType d : {f64, f32}) {
    Tensor x = sample_tensor(d);
    std::vector<Tensor> jitted = jit(all, "math_functions_accuracy")(std::vector<Tensor>{x});
    for (size_t k = 0; k < functions().size(); ++k) {
      expect_close_to_libm(functions()[k], x, functions()[k].slope_fn(x), "eager");
      expect_close_to_libm(functions()[k], x, jitted[k], "jit");
    }
  }
}

TEST_P(MathFunctions, BinaryFunctionsAtTheirEdges) {
  BackendScope scope(GetParam());
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  // hypot neither overflows nor underflows early, and an infinity wins over NaN (C's hypot).
  std::vector<double> a{1e300, 1e-300, 3, inf, nan, 0, -5e-324}, b{1e300, 1e-300, -4, nan, inf, 0, 0};
  Tensor ta = tensor(a, {7}, f64), tb = tensor(b, {7}, f64);
  std::vector<double> h = hypot(ta, tb).to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_LE(ulps(h[i], std::hypot(a[i], b[i]), false), 2) << "hypot at " << i;
  // logaddexp: no overflow, equal infinities, and full accuracy when one term is negligible.
  std::vector<double> p{1000, -inf, inf, 0, -1e300}, q{1000, -inf, inf, -40, 2};
  std::vector<double> l = logaddexp(tensor(p, {5}, f64), tensor(q, {5}, f64)).to_vector<double>();
  const std::vector<double> want{1000 + std::log(2.0), -inf, inf, std::log1p(std::exp(-40.0)), 2};
  for (size_t i = 0; i < p.size(); ++i) EXPECT_LE(ulps(l[i], want[i], false), 2) << "logaddexp at " << i;
}

// PyTorch's derivatives at the poles and kinks: inf at asin(+-1), atanh(+-1), acosh(1); the
// subgradient 0 of a norm at 0; hardtanh's 0 at its bounds.
TEST_P(MathFunctions, DerivativesAtPolesAndKinks) {
  BackendScope scope(GetParam());
  const double inf = std::numeric_limits<double>::infinity();
  auto d = [](auto f, double x) { return grad([&](const Tensor& t) { return f(t).sum(); })(tensor(x, f64)).template item<double>(); };
  EXPECT_EQ(d([](const Tensor& t) { return asin(t); }, 1.0), inf);
  EXPECT_EQ(d([](const Tensor& t) { return asin(t); }, -1.0), inf);
  EXPECT_EQ(d([](const Tensor& t) { return acos(t); }, 1.0), -inf);
  EXPECT_EQ(d([](const Tensor& t) { return atanh(t); }, -1.0), inf);
  EXPECT_EQ(d([](const Tensor& t) { return acosh(t); }, 1.0), inf);
  EXPECT_EQ(d([](const Tensor& t) { return sinh(t); }, 0.0), 1.0);
  EXPECT_EQ(d([](const Tensor& t) { return nn::hardtanh(t); }, 1.0), 0.0);
  EXPECT_EQ(d([](const Tensor& t) { return nn::hardtanh(t); }, 0.5), 1.0);
  Tensor zeros3 = zeros({3}, f64);
  for (double ord : {2.0, 1.0, 3.0, 0.5, inf})
    EXPECT_EQ(grad([&](const Tensor& t) { return vector_norm(t, ord); })(zeros3).to_vector<double>(),
              std::vector<double>(3, 0.0))
        << "ord " << ord;
  // cumprod with a zero: d/dx_1 of sum(cumprod([2, 0, 3])) = 2 + 2 * 3 = 8, not a division by 0.
  EXPECT_EQ(grad([](const Tensor& t) { return cumprod(t, 0).sum(); })(tensor({2.0, 0.0, 3.0}, f64)).to_vector<double>(),
            (std::vector<double>{1.0, 8.0, 0.0}));
}

TEST_P(MathFunctions, ErrorsNameTheOpCalled) {
  BackendScope scope(GetParam());
  auto message = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { vector_norm(tensor({1, 2})); }).rfind("[vector_norm]", 0), 0u);
  EXPECT_EQ(message([] { norm(ones({2, 3}), 2, {3}); }).rfind("[norm]", 0), 0u);
  EXPECT_EQ(message([] { vector_norm(zeros({0}), INFINITY); }).rfind("[vector_norm]", 0), 0u);
  EXPECT_EQ(message([] { diag(ones({2, 2, 2})); }).rfind("[diag]", 0), 0u);
  EXPECT_EQ(message([] { trace(ones({3})); }).rfind("[trace]", 0), 0u);
  EXPECT_EQ(message([] { outer(ones({2, 2}), ones({2})); }).rfind("[outer]", 0), 0u);
  EXPECT_EQ(message([] { cumprod(ones({2}), 1); }).rfind("[cumprod]", 0), 0u);
  EXPECT_EQ(message([] { atan2(ones({2}), ones({3})); }).rfind("[atan2]", 0), 0u);
  EXPECT_EQ(message([] { nn::group_norm(ones({2, 6, 3}), 4); }).rfind("[group_norm]", 0), 0u);
  EXPECT_EQ(message([] { nn::smooth_l1_loss(ones({2}), ones({2}), nn::Reduction::mean, -1); }).rfind("[smooth_l1_loss]", 0), 0u);
  EXPECT_EQ(message([] { nn::huber_loss(ones({2}), ones({2}), nn::Reduction::mean, 0); }).rfind("[huber_loss]", 0), 0u);
  EXPECT_EQ(message([] { nn::mse_loss(ones({2}), ones({2}), nn::Reduction::batchmean); }).rfind("[mse_loss]", 0), 0u);
  EXPECT_EQ(message([] { nn::kl_div(tensor({1, 2}), tensor({1, 2})); }).rfind("[kl_div]", 0), 0u);
  EXPECT_EQ(message([] { nn::kl_div(ones({3}), ones({4})); }).rfind("[kl_div]", 0), 0u);
  EXPECT_EQ(message([] { nn::l1_loss(ones({3}), ones({4})); }).rfind("[l1_loss]", 0), 0u);
  EXPECT_EQ(message([] { nn::huber_loss(ones({3}), ones({2})); }).rfind("[huber_loss]", 0), 0u);
  EXPECT_EQ(message([] { hypot(ones({3}), ones({2})); }).rfind("[hypot]", 0), 0u);
  EXPECT_EQ(message([] { vector_norm(ones({3}), NAN); }).rfind("[vector_norm]", 0), 0u);
  EXPECT_EQ(message([] { nn::group_norm(ones({2, 4, 3}), 2, ones({3})); }).rfind("[group_norm]", 0), 0u);
}

std::vector<std::string> backends() {
  std::vector<std::string> out = {"reference"};
  for (auto& n : backend_names())
    if (n == "cpu") out.push_back("cpu");
  return out;
}

INSTANTIATE_TEST_SUITE_P(Backends, MathFunctions, testing::ValuesIn(backends()),
                         [](const testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
