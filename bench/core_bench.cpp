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
  {  // Hessian-vector product of a 784-100-10 MLP loss (batch 64): jvp of grad
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
  }

  {  // 256 x 256 jacobian of tanh(W x)
    slope::manual_seed(2);
    slope::Tensor w = slope::randn({256, 256}) * 0.1f, x = slope::randn({256});
    auto f = [&](const slope::Tensor& v) { return slope::tanh(slope::matmul(w, v)); };
    slope::Tensor j;
    auto run = [&] { j = slope::jacrev(f)(x); };
    run();
    double t = seconds_best_of(10, run);
    check(j.shape() == slope::Shape{256, 256}, "jacobian");
    report("jacobian_tanh_256", t * 1e3, "ms");
  }

  {  // jit: tanh(x * 2 + 1) * x on 2^24 f32, one fused compiled loop, a fresh output each call
    const int64_t n = int64_t(1) << 24;
    slope::Program p;
    auto op = [&](slope::Prim prim, slope::Params params, std::vector<slope::Atom> in) {
      std::vector<slope::AVal> avals;
      for (const slope::Atom& a : in) avals.push_back(p.aval(a));
      slope::AVal out;
      slope::infer(prim, params, avals.data(), avals.size(), &out);
      int v = p.new_var(out);
      p.instructions.push_back(slope::Instruction{prim, params, in, {v}});
      return slope::Atom{v, {}};
    };
    auto scalar = [&](float v) { return op(slope::Prim::full, slope::FullParams{{n}, slope::f32, v}, {}); };
    slope::Atom x{p.new_var(slope::AVal{{n}, slope::f32}), {}};
    p.inputs.push_back(x.var);
    slope::Atom y = op(slope::Prim::add, {}, {op(slope::Prim::mul, {}, {x, scalar(2)}), scalar(1)});
    p.outputs.push_back(op(slope::Prim::mul, {}, {op(slope::Prim::tanh, {}, {y}), x}));
    auto exe = slope::default_backend().compile(p);
    if (exe->code().empty()) std::fprintf(stderr, "core_bench: jit fell back to the interpreter\n");
    slope::Tensor in = slope::rand({n}) * 4.0f - 2.0f;
    std::vector<slope::Tensor> arg{in};
    slope::Tensor out;
    for (int i = 0; i < 2; ++i) out = exe->run(arg)[0];
    double t = seconds_best_of(20, [&] { out = exe->run(arg)[0]; });
    slope::Tensor want = slope::tanh(in * 2.0f + 1.0f) * in;
    check(out.to_vector<float>() == want.to_vector<float>(), "jit fused tanh");
    report("jit_tanh_2^24_f32", t * 1e3, "ms");
  }
  return 0;
}
