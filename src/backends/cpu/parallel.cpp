// parallel_for's two engines: libgomp (one pool shared with OpenBLAS) or a blocking pool of our own.
#include "parallel.h"

#include <algorithm>

#ifdef SLOPE_USE_OPENMP
#include <omp.h>
#else
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace slope::cpu {

namespace {
// The chunk [b, e) of n items split into `chunks` nearly equal parts.
inline void chunk_range(int64_t n, int64_t chunks, int64_t c, int64_t& b, int64_t& e) {
  b = n / chunks * c + std::min(c, n % chunks);
  e = b + n / chunks + (c < n % chunks ? 1 : 0);
}
}  // namespace

#ifdef SLOPE_USE_OPENMP

int num_threads() { return std::max(1, omp_get_max_threads()); }

void parallel_for_impl(int64_t n, int64_t grain, RangeFn fn) {
  int64_t chunks = std::min<int64_t>(num_threads(), n / grain);
  if (chunks <= 1 || omp_in_parallel()) {
    fn(0, n);
    return;
  }
#pragma omp parallel for num_threads(static_cast<int>(chunks)) schedule(static, 1)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t b, e;
    chunk_range(n, chunks, c, b, e);
    fn(b, e);
  }
}

#else

namespace {

thread_local bool t_in_worker = false;

// One job at a time; callers that find the pool busy (another user thread) run serially.
class Pool {
 public:
  Pool() {
    unsigned hw = std::thread::hardware_concurrency();
    int workers = static_cast<int>(hw > 1 ? hw - 1 : 0);
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_work_.notify_all();
    for (auto& t : threads_) t.join();
  }
  int size() const { return static_cast<int>(threads_.size()) + 1; }

  bool try_run(int64_t n, int64_t chunks, RangeFn fn) {
    std::unique_lock<std::mutex> submit(submit_mu_, std::try_to_lock);
    if (!submit.owns_lock()) return false;
    Job job{fn, n, chunks};
    {
      std::lock_guard<std::mutex> lk(mu_);
      job_ = &job;
      ++generation_;
    }
    cv_work_.notify_all();
    run_chunks(job);
    std::unique_lock<std::mutex> lk(mu_);
    job_ = nullptr;  // late wakers find no job
    cv_done_.wait(lk, [&] { return job.done.load() == chunks && job.holders == 0; });
    return true;
  }

 private:
  struct Job {
    RangeFn fn;
    int64_t n, chunks;
    std::atomic<int64_t> next{0}, done{0};
    int holders = 0;  // workers that may still touch the job (guarded by mu_)
    Job(RangeFn f, int64_t n_, int64_t c) : fn(f), n(n_), chunks(c) {}
  };

  void run_chunks(Job& job) {
    for (int64_t c; (c = job.next.fetch_add(1)) < job.chunks;) {
      int64_t b, e;
      chunk_range(job.n, job.chunks, c, b, e);
      job.fn(b, e);
      job.done.fetch_add(1);
    }
  }

  void work() {
    t_in_worker = true;
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      cv_work_.wait(lk, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      Job* job = job_;
      if (!job) continue;
      ++job->holders;
      lk.unlock();
      run_chunks(*job);
      lk.lock();
      --job->holders;
      cv_done_.notify_all();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex submit_mu_, mu_;
  std::condition_variable cv_work_, cv_done_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool* p = new Pool();  // leaked: kernels may run during static destruction
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

void parallel_for_impl(int64_t n, int64_t grain, RangeFn fn) {
  int64_t chunks = std::min<int64_t>(num_threads(), n / grain);
  if (chunks <= 1 || t_in_worker || !pool().try_run(n, chunks, fn)) fn(0, n);
}

#endif

}  // namespace slope::cpu
