// tests/seed.h: each test's random draws come from its own name, not from what ran before it.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "seed.h"

namespace {

// slope's global generator is re-seeded from the test's name before every test, so what a test draws
// with slope::rand does not depend on the tests that ran (and drew) before it, or on --gtest_filter.
TEST(Seed, GlobalGeneratorStartsFromTheTestsName) {
  const std::vector<double> drawn = slope::rand({6}).to_vector<double>();
  slope::manual_seed(slope_test::test_seed());
  EXPECT_EQ(drawn, slope::rand({6}).to_vector<double>());
}

TEST(Seed, TestRngStartsFromTheTestsName) {
  const auto first = slope_test::test_rng()();
  std::mt19937 fresh(static_cast<std::mt19937::result_type>(slope_test::test_seed() ^ (slope_test::test_seed() >> 32)));
  EXPECT_EQ(first, fresh());
  EXPECT_EQ(slope_test::key().to_vector<int64_t>(), slope::random::key(slope_test::test_seed()).to_vector<int64_t>());
}

TEST(Seed, EveryTestHasItsOwnSeed) {
  const uint64_t mine = slope_test::test_seed();
  EXPECT_NE(mine, 0u);
  // FNV-1a of this test's full name, computed independently.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : std::string("Seed.EveryTestHasItsOwnSeed")) h = (h ^ c) * 1099511628211ull;
  EXPECT_EQ(mine, h);
}

}  // namespace
