#pragma once
// The PyTorch expectations for modules and optimizers (tests/torch/gen_nn.py writes
// $SLOPE_GOLDEN_DIR/nn.json + nn.bin; ctest's fixture `golden_nn` regenerates them).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "slope/slope.h"

namespace nn_golden {

using json = nlohmann::json;

struct Files {
  bool ok = false;
  std::string problem;
  json meta;
  std::vector<char> data;
};

inline const Files& files() {
  static const Files f = [] {
    Files f;
    const char* dir = std::getenv("SLOPE_GOLDEN_DIR");
    std::string how = "generate them with `/usr/bin/python3 tests/torch/gen_nn.py build/golden` and run with "
                      "SLOPE_GOLDEN_DIR=build/golden (ctest does both)";
    if (!dir || !*dir) {
      f.problem = "SLOPE_GOLDEN_DIR is not set; " + how;
      return f;
    }
    std::ifstream js(std::string(dir) + "/nn.json");
    std::ifstream bin(std::string(dir) + "/nn.bin", std::ios::binary);
    if (!js || !bin) {
      f.problem = std::string("no nn.json/nn.bin in ") + dir + "; " + how;
      return f;
    }
    f.meta = json::parse(js);
    f.data.assign(std::istreambuf_iterator<char>(bin), std::istreambuf_iterator<char>());
    f.ok = true;
    return f;
  }();
  return f;
}

// The section of nn.json, or a failed test (never a silent skip: the files are part of the suite).
inline const json& section(const char* name) {
  static const json empty = json::array();
  const Files& f = files();
  if (!f.ok) {
    ADD_FAILURE() << f.problem;
    return empty;
  }
  return f.meta[name];
}

inline slope::Tensor load(const json& spec) {
  const Files& f = files();
  slope::Shape shape;
  for (auto& d : spec["shape"]) shape.push_back(d.get<int64_t>());
  size_t off = spec["offset"].get<size_t>(), n = spec["nbytes"].get<size_t>();
  if (off + n > f.data.size()) throw std::runtime_error("golden tensor outside nn.bin (regenerate the files)");
  return slope::from_bytes(f.data.data() + off, shape, slope::dtype_from_name(spec["dtype"].get<std::string>()));
}

inline std::map<std::string, slope::Tensor> load_named(const json& obj) {
  std::map<std::string, slope::Tensor> out;
  for (auto& [k, v] : obj.items()) out.emplace(k, load(v));
  return out;
}

// |got - want| <= atol + rtol * |want| elementwise, same shape; NaN matches NaN.
inline ::testing::AssertionResult close(const slope::Tensor& got, const slope::Tensor& want, double rtol, double atol) {
  if (got.shape() != want.shape())
    return ::testing::AssertionFailure() << "shape " << slope::to_string(got.shape()) << " vs expected "
                                         << slope::to_string(want.shape());
  std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i]) && std::isnan(g[i])) continue;
    double err = std::abs(g[i] - w[i]) - (atol + rtol * std::abs(w[i]));
    if (!(err <= 0) && (std::isnan(err) || err > worst)) worst = std::isnan(err) ? INFINITY : err, at = i;
  }
  if (worst > 0)
    return ::testing::AssertionFailure() << "element " << at << ": got " << g[at] << ", expected " << w[at]
                                         << " (rtol " << rtol << ", atol " << atol << ")";
  return ::testing::AssertionSuccess();
}

}  // namespace nn_golden
