// The cpu backend's thread pool (src/backends/cpu/parallel.h) and the products it cuts into
// blocks (gemm_split.h): every index covered exactly once, nested and concurrent callers,
// sleeping workers woken, BLAS held to one thread, and split products against a reference.
#include <gtest/gtest.h>

#ifdef SLOPE_TEST_HAVE_CPU
#include <dlfcn.h>

#include <atomic>
#include <cmath>
#include <tuple>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "skip.h"
#include "backends/cpu/kernels/gemm_split.h"
#include "backends/cpu/parallel.h"
#include "slope/backend.h"
#include "slope/ops.h"

namespace {

using slope::cpu::parallel_for;

// Runs parallel_for(n, grain) and checks every index was visited once, in ranges of >= grain.
void expect_covers(int64_t n, int64_t grain) {
  std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
  std::atomic<bool> short_range{false};
  std::atomic<int> ranges{0};
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    ranges.fetch_add(1);
    if (e - b < grain) short_range.store(true);
    for (int64_t i = b; i < e; ++i) seen[static_cast<size_t>(i)].fetch_add(1);
  });
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[static_cast<size_t>(i)].load(), 1) << "index " << i << " of " << n;
  if (ranges.load() > 1) {
    EXPECT_FALSE(short_range.load()) << "n " << n << " grain " << grain;
  }
}

TEST(ThreadPool, CoversEveryIndexOnce) {
  for (int64_t n : {1, 2, 3, 7, 100, 4097, 100000})
    for (int64_t grain : {1, 2, 50, 4096}) expect_covers(n, grain);
  // many jobs back to back: the workers are caught spinning, not only woken
  for (int r = 0; r < 2000; ++r) expect_covers(64, 1);
}

TEST(ThreadPool, WakesSleepingWorkers) {
  for (int r = 0; r < 5; ++r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // longer than any spin
    expect_covers(1000, 1);
  }
}

TEST(ThreadPool, NestedCallsRunInline) {
  std::atomic<int64_t> total{0};
  parallel_for(8, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      parallel_for(1000, 1, [&](int64_t lo, int64_t hi) { total.fetch_add(hi - lo); });
  });
  EXPECT_EQ(total.load(), 8000);
}

TEST(ThreadPool, ConcurrentCallers) {
  std::atomic<int> failures{0};
  auto caller = [&] {
    for (int r = 0; r < 500; ++r) {
      std::atomic<int64_t> sum{0};
      parallel_for(1000, 1, [&](int64_t b, int64_t e) {
        int64_t s = 0;
        for (int64_t i = b; i < e; ++i) s += i;
        sum.fetch_add(s);
      });
      if (sum.load() != 999 * 1000 / 2) failures.fetch_add(1);
    }
  };
  std::thread t1(caller), t2(caller);
  caller();
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
}

// With Debian's OpenMP build of OpenBLAS, the calling thread's OpenMP thread count is what
// BLAS would use: held at 1 inside the scope, restored after.
TEST(ThreadPool, BlasSerialScopeHoldsBlasToOneThread) {
  using GetParallel = int (*)();
  auto parallel = reinterpret_cast<GetParallel>(::dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  auto get = reinterpret_cast<int (*)()>(::dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
  if (!parallel || parallel() != 2 || !get) SLOPE_SKIP("BLAS is not OpenBLAS's OpenMP build");
  const int before = get();
  {
    slope::cpu::BlasSerialScope serial;
    EXPECT_EQ(get(), 1);
  }
  EXPECT_EQ(get(), before);
}

// A slice of leading rows is one contiguous run, copied in pieces by several threads.
TEST(ThreadPool, LongContiguousCopy) {
  slope::BackendScope cpu("cpu");
  const slope::Tensor x =
      slope::arange(int64_t(0), int64_t(3000 * 100), int64_t(1), slope::DType::i32).reshape({3000, 100});
  const std::vector<int32_t> got = x.slice(0, 1000, 2999).to_vector<int32_t>();
  ASSERT_EQ(got.size(), size_t(1999 * 100));
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], int32_t(100000 + i)) << "element " << i;
}

TEST(GemmSplit, BlocksCoverTheProduct) {
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{200, 100, 784}, {37, 203, 300}, {1, 1, 1}, {5, 3000, 2}}) {
    const auto s = slope::gemm_split::split(m, n, k);
    const int64_t len = s.rows ? m : n;
    EXPECT_EQ(s.rows, m >= n);
    EXPECT_GE(s.units * s.unit, len);
    EXPECT_LT((s.units - 1) * s.unit, len);
    int64_t lo, hi, covered = 0;
    for (int64_t u = 0; u < s.units; ++u) {
      slope::gemm_split::block(s, len, u, u + 1, lo, hi);
      EXPECT_EQ(lo, covered);
      covered = hi;
    }
    EXPECT_EQ(covered, len);
  }
}

// Products cut into row blocks (m >= n) and column blocks (n > m), odd sizes, against a product
// computed in double.
TEST(GemmSplit, SplitProductsMatchAReference) {
  slope::BackendScope cpu("cpu");
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{203, 37, 300}, {37, 203, 300}, {200, 100, 784}}) {
    for (slope::DType d : {slope::DType::f32, slope::DType::f64}) {
      std::vector<double> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n));
      for (double& v : a) v = u(rng);
      for (double& v : b) v = u(rng);
      slope::Tensor ta = slope::tensor(a, {m, k}).cast(d), tb = slope::tensor(b, {k, n}).cast(d);
      // the reference sees exactly the (rounded) values the product sees
      const std::vector<double> ar = ta.to_vector<double>(), br = tb.to_vector<double>();
      const std::vector<double> got = ta.matmul(tb).to_vector<double>();
      const double tol = d == slope::DType::f32 ? 1e-4 : 1e-12;
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double want = 0;
          for (int64_t p = 0; p < k; ++p) want += ar[static_cast<size_t>(i * k + p)] * br[static_cast<size_t>(p * n + j)];
          ASSERT_NEAR(got[static_cast<size_t>(i * n + j)], want, tol * (1 + std::abs(want)))
              << m << "x" << n << "x" << k << " " << slope::name(d) << " at " << i << "," << j;
        }
    }
  }
}

}  // namespace
#endif
