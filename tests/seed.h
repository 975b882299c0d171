#pragma once
// Random inputs seeded by the running test's own name, so a test run alone (--gtest_filter) draws
// exactly what it draws in the full suite, whatever ran before it.
//   slope_test::test_rng()  a std::mt19937 seeded from the test's name (one per test, fresh at its start)
//   slope_test::key()       a slope::random key from the same name
// slope's global generator (slope::rand, randn, manual_seed) is also re-seeded from the name before
// every test (seed.cpp registers a gtest listener), so tests that draw from it do not depend on order.
#include <cstdint>
#include <random>
#include <string>

#include <slope/slope.h>

namespace slope_test {

// FNV-1a of "Suite.Name" (parameterised: "Prefix/Suite.Name/param"): stable across runs and builds.
uint64_t test_seed();
std::mt19937& test_rng();
slope::Tensor key();

}  // namespace slope_test
