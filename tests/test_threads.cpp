// slope::set_num_threads / get_num_threads (threads.h): the default follows the process's CPU
// affinity and $SLOPE_NUM_THREADS (checked in child processes, which see them from the start),
// one thread runs every parallel loop on the calling thread, and the pool grows back.
#include <gtest/gtest.h>
#include <sched.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <slope/slope.h>

#ifdef SLOPE_TEST_HAVE_CPU
#include "backends/cpu/parallel.h"
#endif

namespace {

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  return CPU_COUNT(&set);
}

// Runs `command` in a shell and returns what it printed.
std::string output_of(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return "popen failed";
  std::array<char, 256> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  pclose(p);
  return out;
}

// Restores the thread count a test changed.
struct ThreadsGuard {
  int saved = slope::get_num_threads();
  ~ThreadsGuard() { slope::set_num_threads(saved); }
};

TEST(Threads, DefaultFollowsAffinityAndEnvironment) {
  const std::string probe = SLOPE_THREAD_PROBE;
  if (!std::getenv("SLOPE_NUM_THREADS")) {
    EXPECT_EQ(slope::get_num_threads(), std::min(affinity_cpus(), 1024));
  }
  EXPECT_EQ(output_of("env -u SLOPE_NUM_THREADS taskset -c 0 " + probe), "1\n")
      << "a process confined to one CPU must default to one thread";
  EXPECT_EQ(output_of("SLOPE_NUM_THREADS=3 taskset -c 0 " + probe), "3\n") << "the environment overrides";
  EXPECT_EQ(output_of("SLOPE_NUM_THREADS=zero " + probe + " 2>/dev/null"),
            output_of("env -u SLOPE_NUM_THREADS " + probe))
      << "an unusable value is ignored (with a warning)";
}

TEST(Threads, SetAndGet) {
  ThreadsGuard guard;
  slope::set_num_threads(3);
  EXPECT_EQ(slope::get_num_threads(), 3);
  for (int bad : {0, -1, 1025}) {
    try {
      slope::set_num_threads(bad);
      ADD_FAILURE() << "set_num_threads(" << bad << ") returned";
    } catch (const slope::Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("[set_num_threads]", 0), 0u) << e.what();
    }
  }
  EXPECT_EQ(slope::get_num_threads(), 3);
}

#ifdef SLOPE_TEST_HAVE_CPU
// The threads that ran the chunks of a parallel loop of `chunks` chunks, each slow enough that a
// worker (which wakes within microseconds) takes some while the caller is busy with its own.
std::set<std::thread::id> threads_used(int chunks) {
  std::mutex mu;
  std::set<std::thread::id> ids;
  slope::cpu::parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::lock_guard<std::mutex> lk(mu);
    ids.insert(std::this_thread::get_id());
  });
  return ids;
}

TEST(Threads, OneThreadRunsOnTheCaller) {
  ThreadsGuard guard;
  slope::set_num_threads(1);
  EXPECT_EQ(threads_used(8), std::set<std::thread::id>{std::this_thread::get_id()});
  // Whole operations too: a large eager reduction and a jitted loop give the same answer.
  slope::Tensor x = slope::ones(1 << 20);
  EXPECT_EQ(x.sum().item(), 1 << 20);
  EXPECT_EQ(slope::jit([](slope::Tensor t) { return (t * 2).sum(); })(x).item(), 2 << 20);

  slope::set_num_threads(2);
  std::set<std::thread::id> two;
  for (int attempt = 0; attempt < 20 && two.size() < 2; ++attempt) two = threads_used(2);
  EXPECT_EQ(two.size(), 2u) << "with 2 threads a worker must take a chunk";
  EXPECT_TRUE(two.count(std::this_thread::get_id()));
  slope::set_num_threads(1);
  EXPECT_EQ(threads_used(4).size(), 1u);
}
#endif

}  // namespace
