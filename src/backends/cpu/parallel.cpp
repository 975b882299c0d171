// parallel_for's engine: one pool of slope's own threads, shared by the eager kernels, the
// products (which call BLAS single-threaded inside it) and jit-compiled programs.
//
// Idle workers spin for a short while before they block. On this kind of machine (a VM) waking
// a blocked thread costs 40-60 us, as much as a 200x784x100 product takes, and a training step
// issues its parallel jobs back to back: spinning through the gaps keeps them on time. The spin
// is bounded (spin_time()), so an idle process sleeps, and nothing else in the process spins: BLAS
// never starts threads of its own under slope (see BlasSerialScope).
#include "backends/cpu/parallel.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "slope/threads.h"

namespace slope::cpu {

namespace {

// How long an idle thread spins before it blocks: 200 us, or $SLOPE_SPIN_US (0: never spin).
std::chrono::microseconds spin_time() {
  static const std::chrono::microseconds t = [] {
    const char* env = std::getenv("SLOPE_SPIN_US");
    char* end = nullptr;
    long v = env ? std::strtol(env, &end, 10) : -1;
    return std::chrono::microseconds(env && end != env && v >= 0 ? v : 200);
  }();
  return t;
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until pred() holds or spin_time() passes; returns pred()'s last value.
template <class P>
bool spin_until(P pred) {
  const auto start = std::chrono::steady_clock::now();
  const auto limit = spin_time();
  for (uint32_t i = 1;; ++i) {
    if (pred()) return true;
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() - start >= limit) return pred();
  }
}

// The chunk [b, e) of n items split into `chunks` nearly equal parts.
inline void chunk_range(int64_t n, int64_t chunks, int64_t c, int64_t& b, int64_t& e) {
  b = n / chunks * c + std::min(c, n % chunks);
  e = b + n / chunks + (c < n % chunks ? 1 : 0);
}

thread_local bool t_in_pool = false;  // a worker, or a caller running its job's chunks

// One job at a time; a caller that finds the pool busy (another user thread) runs serially.
// Sized to slope::get_num_threads() (the caller is one of them); resized when that changes.
class Pool {
 public:
  explicit Pool(int threads) { start(threads - 1); }
  ~Pool() { stop(); }
  int size() const { return size_.load(); }

  // Waits for the running job (if any), then replaces the workers.
  void resize(int threads) {
    std::lock_guard<std::mutex> submit(submit_mu_);
    if (threads == size()) return;
    stop();
    start(threads - 1);
  }

  bool try_run(int64_t n, int64_t chunks, RangeFn fn) {
    std::unique_lock<std::mutex> submit(submit_mu_, std::try_to_lock);
    if (!submit.owns_lock()) return false;
    Job job(fn, n, chunks);
    job_.store(&job);
    generation_.fetch_add(1);
    // seq_cst pairs with the sleeper's increment-then-check (work()): either it sees the new
    // generation, or this sees it asleep and wakes it.
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      cv_work_.notify_all();
    }
    {
      BlasSerialScope serial;
      t_in_pool = true;
      run_chunks(job);
      t_in_pool = false;
    }
    wait_until([&] { return job.done.load() == chunks; });
    job_.store(nullptr);  // late workers find no job...
    wait_until([&] { return active_.load() == 0; });  // ...and early ones have let go of it
    return true;
  }

 private:
  struct Job {
    RangeFn fn;
    int64_t n, chunks;
    std::atomic<int64_t> next{0}, done{0};
    Job(RangeFn f, int64_t n_, int64_t c) : fn(f), n(n_), chunks(c) {}
  };

  void start(int workers) {
    stop_.store(false);
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
    size_.store(workers + 1);
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true);
    }
    cv_work_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  static void run_chunks(Job& job) {
    for (int64_t c; (c = job.next.fetch_add(1)) < job.chunks;) {
      int64_t b, e;
      chunk_range(job.n, job.chunks, c, b, e);
      job.fn(b, e);
      job.done.fetch_add(1);
    }
  }

  // The caller's wait for its workers: spin, then block until a worker signals.
  template <class P>
  void wait_until(P pred) {
    if (spin_until(pred)) return;
    std::unique_lock<std::mutex> lk(mu_);
    caller_waiting_.store(true);
    cv_done_.wait(lk, pred);
    caller_waiting_.store(false);
  }
  void signal_caller() {
    if (caller_waiting_.load()) {
      std::lock_guard<std::mutex> lk(mu_);
      cv_done_.notify_all();
    }
  }

  void work() {
    t_in_pool = true;
    BlasSerialScope::set_for_this_thread();
    uint64_t seen = generation_.load();
    auto has_work = [&] { return generation_.load() != seen || stop_.load(); };
    for (;;) {
      if (!spin_until(has_work)) {
        std::unique_lock<std::mutex> lk(mu_);
        sleepers_.fetch_add(1);
        cv_work_.wait(lk, has_work);
        sleepers_.fetch_sub(1);
      }
      if (stop_.load()) return;
      seen = generation_.load();
      active_.fetch_add(1);  // before reading job_: the caller waits for active_ == 0
      if (Job* job = job_.load()) run_chunks(*job);
      active_.fetch_sub(1);
      signal_caller();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex submit_mu_, mu_;
  std::condition_variable cv_work_, cv_done_;
  std::atomic<Job*> job_{nullptr};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> active_{0}, sleepers_{0}, size_{1};
  std::atomic<bool> caller_waiting_{false}, stop_{false};
};

Pool& pool() {
  static Pool* p = new Pool(get_num_threads());  // leaked: kernels may run during static destruction
  return *p;
}

// ---- BLAS threading ----
// OpenBLAS's OpenMP build (Debian's) sizes its threading by the calling thread's OpenMP
// nthreads ICV; its pthreads build by a global count. Found at run time, so slope works with
// either build (and with a BLAS that has neither: then there is nothing to hold down).
struct BlasThreadControl {
  int (*omp_get)() = nullptr;
  void (*omp_set)(int) = nullptr;
  BlasThreadControl() {
    using GetParallel = int (*)();
    auto parallel = reinterpret_cast<GetParallel>(::dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
    const int mode = parallel ? parallel() : 0;  // 0 sequential, 1 pthreads, 2 OpenMP
    if (mode == 2) {
      omp_get = reinterpret_cast<int (*)()>(::dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
      omp_set = reinterpret_cast<void (*)(int)>(::dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
      if (!omp_get || !omp_set) omp_get = nullptr, omp_set = nullptr;
    } else if (mode == 1) {
      if (auto set = reinterpret_cast<void (*)(int)>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
    }
  }
};
const BlasThreadControl& blas_control() {
  static const BlasThreadControl c;
  return c;
}
thread_local bool t_blas_serial = false;  // this thread's ICV is held at 1 for good (a worker)

}  // namespace

BlasSerialScope::BlasSerialScope() {
  const auto& c = blas_control();
  if (!c.omp_get || t_blas_serial) return;
  prev_ = c.omp_get();
  if (prev_ != 1) c.omp_set(1);
}
BlasSerialScope::~BlasSerialScope() {
  if (prev_ > 1) blas_control().omp_set(prev_);
}
void BlasSerialScope::set_for_this_thread() {
  const auto& c = blas_control();
  if (c.omp_set) c.omp_set(1);
  t_blas_serial = true;
}

int num_threads() { return get_num_threads(); }

void parallel_for_impl(int64_t n, int64_t grain, RangeFn fn) {
  const int threads = get_num_threads();
  int64_t chunks = std::min<int64_t>(threads, n / grain);
  if (chunks <= 1 || t_in_pool) return fn(0, n);
  Pool& p = pool();
  if (p.size() != threads) p.resize(threads);  // after set_num_threads
  if (!p.try_run(n, chunks, fn)) fn(0, n);
}

}  // namespace slope::cpu
