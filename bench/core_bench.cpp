// slope's side of bench/run.sh: prints one JSON object per line,
//   {"bench": "...", "impl": "slope", "value": ..., "unit": "..."}
// Each number is the best of several repetitions (the least disturbed by other processes).
#include <slope/slope.h>

#include <algorithm>
#include <chrono>
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

}  // namespace

int main() {
  std::fprintf(stderr, "core_bench: backend %s\n", slope::default_backend().name().c_str());

  {  // matmul 1024^3 f32: 2 n^3 flops
    const int64_t n = 1024;
    slope::manual_seed(0);
    slope::Tensor a = slope::rand({n, n}), b = slope::rand({n, n});
    slope::Tensor c;
    for (int i = 0; i < 2; ++i) c = a.matmul(b);  // warm up: threads, BLAS buffers
    double t = seconds_best_of(10, [&] { c = a.matmul(b); });
    check(c.shape() == slope::Shape{n, n}, "matmul");
    report("matmul_1024_f32", 2.0 * n * n * n / t / 1e9, "GFLOP/s");
  }

  {  // elementwise add of 2^24 f32: reads 2 x 64 MiB, writes 64 MiB
    const int64_t n = int64_t(1) << 24;
    slope::Tensor a = slope::ones({n}), b = slope::full({n}, 2.0);
    slope::Tensor c;
    for (int i = 0; i < 2; ++i) c = a + b;
    double t = seconds_best_of(20, [&] { c = a + b; });
    check(c[n - 1].item<float>() == 3.0f, "add");
    report("add_2^24_f32", 3.0 * n * 4 / t / 1e9, "GB/s");
  }

  {  // eager overhead: 10,000 dependent a = a + b on 4-element tensors
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
  return 0;
}
