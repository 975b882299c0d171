#pragma once
// parallel_for: the cpu backend's only way to use several cores: a pool of slope's own threads
// (parallel.cpp) runs the eager kernels' loops, the blocks of matrix products and the parallel
// loops of jit-compiled programs. Idle workers spin briefly, then block. BLAS runs single-threaded
// inside it (BlasSerialScope), so one pool is all that ever runs.
// Nested calls (from inside a chunk) run serially on the calling thread.
#include <cstdint>
#include <type_traits>
#include <utility>

#include "backends/cpu/kernels/grain.h"

namespace slope::cpu {

using kernels::kParallelGrain;
using kernels::rows_grain;

// A non-owning reference to a callable void(int64_t begin, int64_t end): no allocation per call.
class RangeFn {
 public:
  // The constraint matters: without it, copying a non-const RangeFn picks this template (a better
  // match than the copy constructor) and wraps a pointer to the source RangeFn, which dangles as
  // soon as that copy (e.g. a by-value parameter) dies. The clang build's thread pool crashed so.
  template <class F, std::enable_if_t<!std::is_same_v<std::remove_cv_t<F>, RangeFn>, int> = 0>
  RangeFn(F& f)  // NOLINT: implicit on purpose, built from a lambda at the call site
      : obj_(static_cast<void*>(&f)), call_([](void* o, int64_t b, int64_t e) { (*static_cast<F*>(o))(b, e); }) {}
  void operator()(int64_t b, int64_t e) const { call_(obj_, b, e); }

 private:
  void* obj_;
  void (*call_)(void*, int64_t, int64_t);
};

int num_threads();  // threads parallel_for may use (>= 1)

// Holds BLAS to one thread on the calling thread while it lives: slope cuts products into blocks
// itself (kernels/gemm.h), and BLAS's own threads would be a second pool fighting this one.
class BlasSerialScope {
 public:
  BlasSerialScope();
  ~BlasSerialScope();
  BlasSerialScope(const BlasSerialScope&) = delete;
  BlasSerialScope& operator=(const BlasSerialScope&) = delete;
  static void set_for_this_thread();  // for good: the pool's workers

 private:
  int prev_ = 0;
};
void parallel_for_impl(int64_t n, int64_t grain, RangeFn fn);

// Calls fn(begin, end) on disjoint ranges covering [0, n); every range (but a lone one) holds at
// least `grain` items, so small n runs inline with no synchronisation at all. fn must not throw.
template <class F>
inline void parallel_for(int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (n < 2 * grain) {
    fn(int64_t(0), n);
    return;
  }
  std::remove_reference_t<F>& f = fn;
  parallel_for_impl(n, grain, RangeFn(f));
}

// parallel_for as the value the shared kernels (kernels/) take for their pool.
struct PoolFor {
  template <class F>
  void operator()(int64_t n, int64_t grain, F&& fn) const {
    parallel_for(n, grain, fn);
  }
};

}  // namespace slope::cpu
