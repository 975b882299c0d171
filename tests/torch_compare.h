#pragma once
// The PyTorch golden files ($SLOPE_GOLDEN_DIR/cases.json + data.bin, written by
// tests/torch/gen_golden.py) and the comparison of slope's tensors with torch's, shared by the
// forward, gradient and jit suites of tests/test_torch_ops.cpp.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <slope/slope.h>

namespace slope_test {

struct Golden {
  bool ok = false;
  std::string problem;  // why the files could not be used
  std::string torch_version;
  nlohmann::json cases;
  std::vector<char> data;
};

// The files, read once; !ok (with the reason in `problem`) when they are missing or unreadable.
const Golden& golden();

// One tensor of data.bin, described by {dtype, shape, offset, nbytes}.
slope::Tensor load(const nlohmann::json& spec);

// "" when `got` matches `want` (same dtype, same shape, values within atol + rtol*|want|, NaN where
// torch has NaN, infinities exact; the sign of zero too when signed_zero); otherwise what differs.
// rtol = atol = 0 is an exact comparison.
std::string compare(const slope::Tensor& got, const slope::Tensor& want, double rtol, double atol, bool signed_zero);

}  // namespace slope_test
