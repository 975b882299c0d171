// The fuzzers' side of the test suite: the seed corpus fuzz/make_seeds.py generates must stay
// valid (a broken seed would fuzz nothing), and every input a fuzzer once crashed on stays here as
// a test.
#include <gtest/gtest.h>

#include "io/helpers.h"
#include "slope/io/idx.h"
#include "slope/io/npy.h"
#include "slope/io/safetensors.h"

using namespace slope;
using namespace slope::test_io;

TEST(FuzzSeeds, EverySeedLoads) {
  TempDir dir;
  std::string cmd = std::string(SLOPE_TEST_PYTHON) + " " + SLOPE_TEST_FUZZ_SEEDS + " '" + dir.path().string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir / "safetensors")) {
    EXPECT_NO_THROW(load_safetensors(e.path())) << e.path();
    ++n;
  }
  for (const auto& e : fs::directory_iterator(dir / "npy")) {
    EXPECT_NO_THROW(load_npy(e.path())) << e.path();
    ++n;
  }
  for (const auto& e : fs::directory_iterator(dir / "idx")) {
    EXPECT_NO_THROW(load_idx(e.path())) << e.path();
    ++n;
  }
  EXPECT_EQ(n, 18);
}
