// The thread count every backend reads (threads.h). It lives here, below the backends, so the
// setting exists with or without the cpu backend; the cpu pool resizes itself to it.
#include "slope/threads.h"

#include <sched.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "slope/error.h"

namespace slope {

namespace {

constexpr int kMaxThreads = 1024;

// The CPUs this process may run on. std::thread::hardware_concurrency counts the machine's, so a
// process confined by `taskset` or a container's cpuset would start more threads than it has CPUs.
int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

int default_threads() {
  if (const char* env = std::getenv("SLOPE_NUM_THREADS"); env && *env) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (*end == '\0' && v >= 1 && v <= kMaxThreads) return static_cast<int>(v);
    std::fprintf(stderr, "slope: ignoring SLOPE_NUM_THREADS=%s (expected an integer in [1, %d])\n", env, kMaxThreads);
  }
  const int n = affinity_cpus();
  return n < kMaxThreads ? n : kMaxThreads;
}

std::atomic<int>& threads() {
  static std::atomic<int> n{default_threads()};
  return n;
}

}  // namespace

void set_num_threads(int n) {
  check(n >= 1 && n <= kMaxThreads, "set_num_threads", "needs 1 <= n <= ", kMaxThreads, ", got ", n);
  threads().store(n);
}

int get_num_threads() { return threads().load(std::memory_order_relaxed); }

}  // namespace slope
