#include "seed.h"

#include <gtest/gtest.h>

namespace slope_test {

namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string running_test() {
  const testing::TestInfo* t = testing::UnitTest::GetInstance()->current_test_info();
  return t ? std::string(t->test_suite_name()) + "." + t->name() : std::string("(no test)");
}

struct State {
  std::string test;  // the test test_rng() was last seeded for
  std::mt19937 rng;
};
State& state() {
  static State s;
  return s;
}

// Before every test: slope's global generator starts from the test's own seed.
class Reseed : public testing::EmptyTestEventListener {
  void OnTestStart(const testing::TestInfo&) override { slope::manual_seed(test_seed()); }
};
[[maybe_unused]] const bool registered = [] {
  testing::UnitTest::GetInstance()->listeners().Append(new Reseed);
  return true;
}();

}  // namespace

uint64_t test_seed() { return fnv1a(running_test()); }

std::mt19937& test_rng() {
  State& s = state();
  const std::string name = running_test();
  if (s.test != name) {
    s.test = name;
    s.rng.seed(static_cast<std::mt19937::result_type>(test_seed() ^ (test_seed() >> 32)));
  }
  return s.rng;
}

slope::Tensor key() { return slope::random::key(test_seed()); }

}  // namespace slope_test
