#include "torch_compare.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace slope_test {

using json = nlohmann::json;

// ---------------------------------------------------------------- golden files

const Golden& golden() {
  static const Golden g = [] {
    Golden g;
    const char* dir = std::getenv("SLOPE_GOLDEN_DIR");
    const std::string how =
        "generate them with `/usr/bin/python3 tests/torch/gen_golden.py build/golden` and run with "
        "SLOPE_GOLDEN_DIR=build/golden (ctest does both)";
    if (!dir || !*dir) {
      g.problem = "SLOPE_GOLDEN_DIR is not set; " + how;
      return g;
    }
    std::ifstream js(std::string(dir) + "/cases.json");
    std::ifstream bin(std::string(dir) + "/data.bin", std::ios::binary);
    if (!js || !bin) {
      g.problem = std::string("no cases.json/data.bin in SLOPE_GOLDEN_DIR=") + dir + "; " + how;
      return g;
    }
    try {
      json meta = json::parse(js);
      g.cases = meta.at("cases");
      g.torch_version = meta.value("torch_version", std::string());
    } catch (const std::exception& e) {
      g.problem = std::string("cannot parse cases.json: ") + e.what();
      return g;
    }
    g.data.assign(std::istreambuf_iterator<char>(bin), std::istreambuf_iterator<char>());
    g.ok = true;
    return g;
  }();
  return g;
}

slope::Tensor load(const json& spec) {
  const Golden& g = golden();
  slope::Shape shape;
  for (auto& d : spec["shape"]) shape.push_back(d.get<int64_t>());
  size_t off = spec["offset"].get<size_t>(), n = spec["nbytes"].get<size_t>();
  if (off + n > g.data.size()) throw std::runtime_error("golden tensor outside data.bin (regenerate the files)");
  return slope::from_bytes(g.data.data() + off, shape, slope::dtype_from_name(spec["dtype"].get<std::string>()));
}

// ---------------------------------------------------------------- comparison
namespace {
std::string fmt(double v) {
  std::ostringstream os;
  os.precision(9);
  os << v;
  return os.str();
}

}  // namespace

// "" when `got` matches `want` (same dtype, same shape, values within atol + rtol*|want|, NaN
// where torch has NaN, infinities exact); otherwise what differs.
std::string compare(const slope::Tensor& got, const slope::Tensor& want, double rtol, double atol, bool signed_zero) {
  std::ostringstream os;
  if (got.dtype() != want.dtype()) os << "dtype " << got.dtype() << ", expected " << want.dtype() << "; ";
  if (got.shape() != want.shape()) {
    os << "shape " << slope::to_string(got.shape()) << ", expected " << slope::to_string(want.shape());
    return os.str();
  }
  std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  // Integers and bools compare exactly, through int64 (no double rounding of large values).
  if (!slope::is_floating(want.dtype()) && !slope::is_floating(got.dtype())) {
    auto gi = got.to_vector<int64_t>(), wi = want.to_vector<int64_t>();
    for (size_t i = 0; i < gi.size(); ++i)
      if (gi[i] != wi[i]) {
        os << "element " << i << ": got " << gi[i] << ", expected " << wi[i];
        return os.str();
      }
    return os.str();
  }
  size_t bad = 0, first = 0;
  double worst = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    double a = g[i], b = w[i];
    bool ok;
    if (std::isnan(b)) ok = std::isnan(a);
    else if (std::isinf(b)) ok = a == b;
    else if (signed_zero && b == 0) ok = a == 0 && std::signbit(a) == std::signbit(b);
    else ok = std::isfinite(a) && std::fabs(a - b) <= atol + rtol * std::fabs(b);
    if (!ok) {
      if (!bad++) first = i;
      if (std::isfinite(a) && std::isfinite(b)) worst = std::max(worst, std::fabs(a - b));
    }
  }
  if (bad)
    os << bad << "/" << g.size() << " elements differ (rtol " << rtol << ", atol " << atol << "); first at " << first
       << ": got " << fmt(g[first]) << ", expected " << fmt(w[first]) << "; max abs diff " << fmt(worst);
  return os.str();
}

}  // namespace slope_test
