#pragma once
// parallel_for: the cpu backend's only way to use several cores.
//
// With SLOPE_USE_OPENMP (g++ builds) the chunks run on libgomp's team, the same OpenMP runtime
// Debian's OpenMP build of OpenBLAS uses, so matmul and our loops share ONE pool of threads.
// Otherwise a small pool of our own runs them; its idle workers block on a condition variable
// (never spin), because two spinning pools on a 2-core machine cost 2-3x in every op.
// Nested calls (from inside a chunk) run serially on the calling thread.
#include <cstdint>
#include <type_traits>
#include <utility>

namespace slope::cpu {

// Below this many elements of simple work, waking threads costs more than it saves.
inline constexpr int64_t kParallelGrain = 32768;

// A non-owning reference to a callable void(int64_t begin, int64_t end): no allocation per call.
class RangeFn {
 public:
  template <class F>
  RangeFn(F& f)  // NOLINT: implicit on purpose, built from a lambda at the call site
      : obj_(static_cast<void*>(&f)), call_([](void* o, int64_t b, int64_t e) { (*static_cast<F*>(o))(b, e); }) {}
  void operator()(int64_t b, int64_t e) const { call_(obj_, b, e); }

 private:
  void* obj_;
  void (*call_)(void*, int64_t, int64_t);
};

int num_threads();  // threads parallel_for may use (>= 1)
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

// Grain in rows for loops whose rows hold `row_cost` elements of work each.
inline int64_t rows_grain(int64_t row_cost) {
  if (row_cost < 1) row_cost = 1;
  int64_t g = kParallelGrain / row_cost;
  return g < 1 ? 1 : g;
}

}  // namespace slope::cpu
