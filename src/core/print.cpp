// Printing tensors the way PyTorch does (torch/_tensor_str.py, default print options:
// precision 4, threshold 1000, edgeitems 3, linewidth 80), with slope's dtype names.
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "slope/tensor.h"

namespace slope {

namespace {

constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdge = 3;
constexpr int64_t kLineWidth = 80;

// fmt is "%.*e" or "%.*f"; glibc prints the exact binary value rounded half-even, like Python.
std::string printf_str(const char* fmt, int precision, double v) {
  char buf[512];  // %.*f of 1e308 needs 310 characters
  std::snprintf(buf, sizeof buf, fmt, precision, v);
  return buf;
}

std::string float_nonfinite(double v) { return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }

// The float formatter: picks the mode (integer-valued, fixed or scientific) and the common
// width from the (summarised) values, like torch's _Formatter.
class Formatter {
 public:
  explicit Formatter(const std::vector<double>& vals) {
    double lo = INFINITY, hi = 0;
    bool any = false;
    for (double v : vals) {
      if (!std::isfinite(v) || v == 0) continue;
      any = true;
      lo = std::min(lo, std::fabs(v));
      hi = std::max(hi, std::fabs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (!any) return;
    sci_ = hi / lo > 1000.0 || hi > 1.0e8 || (!int_mode_ && lo < 1.0e-4);
    for (double v : vals) {
      if (!std::isfinite(v) || v == 0) continue;
      int w = sci_ ? static_cast<int>(printf_str("%.*e", kPrecision, v).size())
              : int_mode_ ? static_cast<int>(printf_str("%.*f", 0, v).size()) + 1
                          : static_cast<int>(printf_str("%.*f", kPrecision, v).size());
      width_ = std::max(width_, w);
    }
  }
  int width() const { return width_; }
  std::string format(double v) const {
    std::string s;
    if (!std::isfinite(v)) s = float_nonfinite(v);  // Python prints nan/inf in every mode
    else if (sci_) s = printf_str("%.*e", kPrecision, v);
    else if (int_mode_) s = printf_str("%.*f", 0, v) + ".";
    else s = printf_str("%.*f", kPrecision, v);
    if (static_cast<int>(s.size()) < width_) s.insert(0, static_cast<size_t>(width_) - s.size(), ' ');
    return s;
  }

 private:
  bool int_mode_ = true, sci_ = false;
  int width_ = 1;
};

// Values are held as double for formatting; i64 beyond 2^53 would round, so integer tensors
// keep their exact values in a parallel vector.
struct Values {
  std::vector<double> f;
  std::vector<int64_t> i;
  bool integral = false;
};

class Printer {
 public:
  Printer(const Tensor& t, const Values& v, bool summarize) : t_(t), v_(v), summarize_(summarize) {
    strides_ = contiguous_strides(t.shape());
  }

  std::string value(int64_t flat) const {
    if (v_.integral) return pad(bool_ ? (v_.i[flat] ? "True" : "False") : std::to_string(v_.i[flat]));
    return fmt_->format(v_.f[flat]);
  }
  std::string pad(std::string s) const {
    if (static_cast<int>(s.size()) < width_) s.insert(0, static_cast<size_t>(width_) - s.size(), ' ');
    return s;
  }

  // The (summarised) flat positions of the sub-tensor at `base` from dim `dim` on, in order.
  void collect(int64_t dim, int64_t base, std::vector<int64_t>& out) const {
    const Shape& s = t_.shape();
    if (dim == static_cast<int64_t>(s.size())) {
      out.push_back(base);
      return;
    }
    for (int64_t i : rows(s[dim])) {
      if (i < 0) continue;
      collect(dim + 1, base + i * strides_[dim], out);
    }
  }

  // Indices shown along a dim of size n; -1 marks the "..." gap.
  std::vector<int64_t> rows(int64_t n) const {
    std::vector<int64_t> r;
    if (summarize_ && n > 2 * kEdge) {
      for (int64_t i = 0; i < kEdge; ++i) r.push_back(i);
      r.push_back(-1);
      for (int64_t i = n - kEdge; i < n; ++i) r.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) r.push_back(i);
    }
    return r;
  }

  std::string render(int64_t dim, int64_t base, int64_t indent) const {
    const Shape& s = t_.shape();
    const int64_t nd = static_cast<int64_t>(s.size());
    if (nd == 0) return value(0);
    if (dim == nd - 1) {  // a row: wrap at the line width
      std::vector<std::string> items;
      for (int64_t i : rows(s[dim])) items.push_back(i < 0 ? " ..." : value(base + i * strides_[dim]));
      const int64_t elem = width_ + 2;
      const int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / elem);
      std::string out = "[";
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0 && static_cast<int64_t>(i) % per_line == 0) {
          out += ",\n";
          out.append(static_cast<size_t>(indent + 1), ' ');
        } else if (i > 0) {
          out += ", ";
        }
        out += items[i];
      }
      return out + "]";
    }
    const int64_t depth = nd - dim;  // dims in this sub-tensor
    std::string sep = ",";
    sep.append(static_cast<size_t>(depth - 1), '\n');
    sep.append(static_cast<size_t>(indent + 1), ' ');
    std::string out = "[";
    bool first = true;
    for (int64_t i : rows(s[dim])) {
      if (!first) out += sep;
      first = false;
      out += i < 0 ? "..." : render(dim + 1, base + i * strides_[dim], indent + 1);
    }
    return out + "]";
  }

  const Tensor& t_;
  const Values& v_;
  bool summarize_;
  bool bool_ = false;
  int width_ = 1;
  const Formatter* fmt_ = nullptr;
  Shape strides_;
};

std::string shape_tuple(const Shape& s) {
  std::string r = "(";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  if (s.size() == 1) r += ",";
  return r + ")";
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "Tensor(undefined)";
  if (!is_concrete()) return "Tensor(traced, " + to_string(shape()) + " " + name(dtype()) + ")";
  const DType d = dtype();
  const bool default_dtype = d == kDefaultFloat || d == kDefaultInt || d == bool_;
  std::vector<std::string> suffixes;
  std::string body;
  const int64_t indent = 7;  // "tensor("
  if (numel() == 0) {
    body = "[]";
    if (ndim() != 1) suffixes.push_back("size=" + shape_tuple(shape()));
    if (d != kDefaultFloat) suffixes.push_back(std::string("dtype=") + name(d));
  } else {
    if (!default_dtype) suffixes.push_back(std::string("dtype=") + name(d));
    Values v;
    v.integral = !is_floating(d);
    if (v.integral) v.i = to_vector<int64_t>();
    else v.f = to_vector<double>();
    const bool summarize = numel() > kThreshold;
    Printer p(*this, v, summarize);
    p.bool_ = d == bool_;
    // The width comes from the summarised values only, like PyTorch.
    std::vector<int64_t> shown;
    p.collect(0, 0, shown);
    std::vector<double> vals;
    int width = 1;
    for (int64_t pos : shown) {
      if (v.integral) {
        std::string s = p.bool_ ? (v.i[pos] ? "True" : "False") : std::to_string(v.i[pos]);
        width = std::max(width, static_cast<int>(s.size()));
      } else {
        vals.push_back(v.f[pos]);
      }
    }
    Formatter f(vals);
    p.fmt_ = &f;
    p.width_ = v.integral ? width : f.width();
    body = p.render(0, 0, indent);
  }
  // Suffixes go on the same line while they fit in the line width.
  std::string out = "tensor(" + body;
  size_t nl = out.rfind('\n');
  // (torch's len - rfind('\\n') + 1, with rfind = -1 when there is no newline)
  int64_t last_len = static_cast<int64_t>(nl == std::string::npos ? out.size() + 2 : out.size() - nl + 1);
  for (const std::string& s : suffixes) {
    if (last_len + static_cast<int64_t>(s.size()) + 2 > kLineWidth) {
      out += ",\n" + std::string(static_cast<size_t>(indent), ' ') + s;
      last_len = indent + static_cast<int64_t>(s.size());
    } else {
      out += ", " + s;
      last_len += static_cast<int64_t>(s.size()) + 2;
    }
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace slope
