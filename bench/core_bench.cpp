// slope's side of bench/run.sh: prints one JSON object per line,
//   {"bench": "...", "impl": "slope", "value": ..., "unit": "..."}
// Each number is the best of several repetitions (the least disturbed by other processes).
#include <slope/slope.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

namespace {

double seconds_best_of(int reps, const std::function<void()>& f) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best;
}

void report(const char* bench, double value, const char* unit) {
  std::printf("{\"bench\": \"%s\", \"impl\": \"slope\", \"value\": %.6g, \"unit\": \"%s\"}\n", bench, value, unit);
  std::fflush(stdout);
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "core_bench: wrong result in %s\n", what);
    std::exit(1);
  }
}

struct Mlp {
  slope::Tensor w1, b1, w2, b2;
};
}  // namespace
SLOPE_PYTREE(Mlp, w1, b1, w2, b2)
namespace {

// One epoch of a 784-100-10 MLP on Fashion-MNIST-shaped data (60,000 x 784, batch 200, SGD with
// momentum 0.9, as torch.optim.SGD computes it), every step one jitted program. The data is
// synthetic: the time does not depend on the pixel values.
// Peak resident memory since the last reset (Linux: /proc/self/clear_refs "5" resets VmHWM).
void reset_peak_rss() {
  if (FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}
double peak_rss_mib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  double kib = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %lf kB", &kib) == 1) break;
  std::fclose(f);
  return kib / 1024;
}

void train_step_bench() {
  using slope::Tensor;

  const int64_t n = 60000, batch = 200;
  slope::manual_seed(3);
  Tensor xs = slope::rand({n, 784}), ys = slope::randint(0, 10, {n});
  // Peak memory is measured from here: the data exists, the cached blocks of earlier benchmarks
  // and of generating the data are returned to the system.
  slope::Buffer::release_cached();
  reset_peak_rss();
  auto init = [](int64_t i, int64_t o) { return (slope::rand({i, o}) * 2 - 1) * (1.0f / std::sqrt(float(i))); };
  Mlp model{init(784, 100), slope::zeros({100}), init(100, 10), slope::zeros({10})};
  Mlp velocity = slope::tree_map([](const Tensor& p) { return slope::zeros_like(p); }, model);
  auto train = [](const Mlp& m, const Mlp& v, const Tensor& x, const Tensor& y) {
    auto loss = [&](const Mlp& p) {
      Tensor h = slope::nn::relu(slope::matmul(x, p.w1) + p.b1);
      return slope::nn::cross_entropy(slope::matmul(h, p.w2) + p.b2, y);
    };
    auto [l, g] = slope::value_and_grad(loss)(m);
    Mlp v2 = slope::tree_map([](const Tensor& b, const Tensor& d) { return b * 0.9f + d; }, v, g);
    Mlp m2 = slope::tree_map([](const Tensor& p, const Tensor& b) { return p - b * 0.05f; }, m, v2);
    return std::make_tuple(l, m2, v2);
  };
  // One name for both jit objects below: the name is part of the generated code (its entry points),
  // so the second object finds the first one's library on disk only under the same name.
  auto step = slope::jit(train, "mlp_step");
  auto batch_at = [&](int64_t i) {
    return std::make_pair(xs.slice(0, i * batch, (i + 1) * batch), ys.slice(0, i * batch, (i + 1) * batch));
  };
  auto [x0, y0] = batch_at(0);
  auto t0 = std::chrono::steady_clock::now();
  step(model, velocity, x0, y0);  // traces, generates code, compiles (or loads the disk cache)
  double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report("mlp_step_first_call", first * 1e3, "ms");
  Tensor loss;
  auto epoch = [&] {
    for (int64_t i = 0; i < n / batch; ++i) {
      auto [x, y] = batch_at(i);
      std::tie(loss, model, velocity) = step(model, velocity, x, y);
    }
  };
  double t = seconds_best_of(3, epoch);
  check(std::isfinite(loss.item<float>()), "mlp epoch");
  report("mlp_epoch_fmnist_shape", t, "s");
  // A new jit object with the same function: traces again, the code comes from the disk cache.
  auto fresh = slope::jit(train, "mlp_step");
  t0 = std::chrono::steady_clock::now();
  fresh(model, velocity, x0, y0);
  double cached = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report("mlp_step_first_call_disk_cache", cached * 1e3, "ms");
  // Peak memory of the whole process while training (compiling included), minus the dataset.
  report("mlp_train_peak_rss_minus_data", peak_rss_mib() - double(n) * (784 * 4 + 8) / (1 << 20), "MiB");
}

}  // namespace

// Usage: core_bench [GROUP]  runs every group, or only those whose name contains GROUP
// (matmul, add, eager, hvp, jacobian, jit_call, fused, mlp).
int main(int argc, char** argv) {
  std::fprintf(stderr, "core_bench: backend %s\n", slope::default_backend().name().c_str());
  const std::string only = argc > 1 ? argv[1] : "";
  auto run = [&](const char* group) { return std::string(group).find(only) != std::string::npos; };

  if (run("matmul")) {  // matmul 1024^3 f32: 2 n^3 flops
    const int64_t n = 1024;
    slope::manual_seed(0);
    slope::Tensor a = slope::rand({n, n}), b = slope::rand({n, n});
    slope::Tensor c;
    for (int i = 0; i < 2; ++i) c = a.matmul(b);  // warm up: threads, BLAS buffers
    double t = seconds_best_of(10, [&] { c = a.matmul(b); });
    check(c.shape() == slope::Shape{n, n}, "matmul");
    report("matmul_1024_f32", 2.0 * n * n * n / t / 1e9, "GFLOP/s");
  }

  if (run("add")) {  // elementwise add of 2^24 f32: reads 2 x 64 MiB, writes 64 MiB
    const int64_t n = int64_t(1) << 24;
    slope::Tensor a = slope::ones({n}), b = slope::full({n}, 2.0);
    slope::Tensor c;
    for (int i = 0; i < 2; ++i) c = a + b;
    double t = seconds_best_of(20, [&] { c = a + b; });
    check(c[n - 1].item<float>() == 3.0f, "add");
    report("add_2^24_f32", 3.0 * n * 4 / t / 1e9, "GB/s");
  }

  if (run("eager")) {  // eager overhead: 10,000 dependent a = a + b on 4-element tensors
    const int iters = 10000;
    slope::Tensor b = slope::ones({4});
    slope::Tensor a;
    double t = seconds_best_of(5, [&] {
      a = slope::zeros({4});
      for (int i = 0; i < iters; ++i) a = a + b;
    });
    check(a[0].item<float>() == static_cast<float>(iters), "eager loop");
    report("eager_add_4_f32", t / iters * 1e6, "us/op");
  }
  if (run("hvp")) {  // Hessian-vector product of a 784-100-10 MLP loss (batch 64): jvp of grad
    slope::manual_seed(1);
    slope::Tensor x = slope::randn({64, 784}), y = slope::randint(0, 10, {64});
    slope::Tensor w1 = slope::randn({784, 100}) * 0.05f, w2 = slope::randn({100, 10}) * 0.1f;
    auto loss = [&](const slope::Tensor& a, const slope::Tensor& b) {
      return slope::nn::cross_entropy(slope::matmul(slope::tanh(slope::matmul(x, a)), b), y);
    };
    slope::Tensor v1 = slope::randn({784, 100}), v2 = slope::randn({100, 10});
    auto g = [&](const slope::Tensor& a, const slope::Tensor& b) {
      auto [ga, gb] = slope::grad<0, 1>(loss)(a, b);
      return std::make_tuple(ga, gb);
    };
    std::tuple<slope::Tensor, slope::Tensor> hv;
    auto run = [&] { hv = slope::jvp(g, std::make_tuple(w1, w2), std::make_tuple(v1, v2)).second; };
    run();
    double t = seconds_best_of(10, run);
    check(std::get<0>(hv).shape() == slope::Shape{784, 100}, "hvp");
    report("hvp_mlp_784_100_10", t * 1e3, "ms");
    // The same HVP as one compiled program (traced and compiled in the first call).
    auto hvp = slope::jit([&](const slope::Tensor& a, const slope::Tensor& b, const slope::Tensor& va,
                              const slope::Tensor& vb) {
      return slope::jvp(g, std::make_tuple(a, b), std::make_tuple(va, vb)).second;
    });
    auto runj = [&] { hv = hvp(w1, w2, v1, v2); };
    runj();
    t = seconds_best_of(20, runj);
    check(std::get<0>(hv).shape() == slope::Shape{784, 100}, "hvp jit");
    report("hvp_mlp_784_100_10_jit", t * 1e3, "ms");
  }

  if (run("jacobian")) {  // 256 x 256 jacobian of tanh(W x)
    slope::manual_seed(2);
    slope::Tensor w = slope::randn({256, 256}) * 0.1f, x = slope::randn({256});
    auto f = [&](const slope::Tensor& v) { return slope::tanh(slope::matmul(w, v)); };
    slope::Tensor j;
    auto run = [&] { j = slope::jacrev(f)(x); };
    run();
    double t = seconds_best_of(10, run);
    check(j.shape() == slope::Shape{256, 256}, "jacobian");
    report("jacobian_tanh_256", t * 1e3, "ms");
    auto jac = slope::jit([&](const slope::Tensor& v) { return slope::jacrev(f)(v); });
    auto runj = [&] { j = jac(x); };
    runj();
    t = seconds_best_of(20, runj);
    check(j.shape() == slope::Shape{256, 256}, "jacobian jit");
    report("jacobian_tanh_256_jit", t * 1e3, "ms");
  }

  if (run("jit_call")) {  // jit dispatch: a cached call of a tiny program (key, lookup, call, output allocation)
    auto inc = slope::jit([](const slope::Tensor& a) { return a + 1; });
    slope::Tensor a = slope::zeros({4});
    a = inc(a);
    const int iters = 10000;
    double t = seconds_best_of(5, [&] {
      for (int i = 0; i < iters; ++i) a = inc(a);
    });
    report("jit_call_4_f32", t / iters * 1e6, "us/call");
  }

  if (run("fused")) {  // jit: tanh(x * 2 + 1) * x on 2^24 f32, one fused compiled loop, a fresh output each call
    const int64_t n = int64_t(1) << 24;
    auto f = slope::jit([](const slope::Tensor& x) { return slope::tanh(x * 2.0f + 1.0f) * x; });
    slope::Tensor x = slope::rand({n}), y;
    for (int i = 0; i < 2; ++i) y = f(x);
    double t = seconds_best_of(20, [&] { y = f(x); });
    check(y.to_vector<float>() == (slope::tanh(x * 2.0f + 1.0f) * x).to_vector<float>(), "fused tanh");
    report("fused_tanh_2^24_f32", t * 1e3, "ms");
  }

  if (run("mlp")) train_step_bench();
  return 0;
}
