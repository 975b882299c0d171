// interpolate (torch.nn.functional.interpolate): nearest and (bi/tri)linear resampling, one
// spatial dim at a time, last dim first. Which input positions an output reads, and with what
// weights, depends only on the sizes, so it is computed here on the host with PyTorch's own
// arithmetic (its float or double index computations, so the same positions come out); the data
// then moves through gathers (and for the linear modes a weighted sum of two gathers), whose
// transposes give the gradient.
#include <algorithm>
#include <cmath>
#include <vector>

#include "slope/nn_functional.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {
namespace nn {

namespace {

const char* const kOp = "interpolate";

const char* mode_name(InterpolateMode m) {
  switch (m) {
    case InterpolateMode::nearest: return "nearest";
    case InterpolateMode::linear: return "linear";
    case InterpolateMode::bilinear: return "bilinear";
    case InterpolateMode::trilinear: return "trilinear";
  }
  return "?";
}

// One value per spatial dim from a list of 1 or d values.
template <class V>
std::vector<V> per_dim(const std::vector<V>& v, size_t d, const char* what, const Tensor& x) {
  check(v.size() == 1 || v.size() == d, kOp, what, " needs 1 or ", d, " values (one per spatial dim of input ",
        to_string(x.aval()), "), got ", v.size());
  return v.size() == 1 ? std::vector<V>(d, v[0]) : v;
}

// What one spatial dim resamples: output size and the scale factor given for it (0 if none).
struct DimPlan {
  int64_t in, out;
  double scale;
};

std::vector<DimPlan> plan_dims(const Tensor& x, const InterpolateOptions& o) {
  const size_t d = static_cast<size_t>(x.ndim()) - 2;
  check(o.size.empty() != o.scale_factor.empty(), kOp, "give exactly one of size and scale_factor, got ",
        o.size.empty() ? "neither" : "both");
  std::vector<DimPlan> plan(d);
  std::vector<int64_t> sizes = o.size.empty() ? std::vector<int64_t>{} : per_dim(std::vector<int64_t>(o.size.begin(), o.size.end()), d, "size", x);
  std::vector<double> scales = o.scale_factor.empty() ? std::vector<double>{} : per_dim(o.scale_factor, d, "scale_factor", x);
  for (size_t i = 0; i < d; ++i) {
    DimPlan& p = plan[i];
    p.in = x.shape()[2 + i];
    if (!sizes.empty()) {
      p.out = sizes[i];
      p.scale = 0;
    } else {
      check(std::isfinite(scales[i]) && scales[i] > 0, kOp, "scale_factor must be finite and positive, got ", scales[i]);
      const double out = std::floor(static_cast<double>(p.in) * scales[i]);  // torch: floor(in * scale)
      check(out < 9.2e18, kOp, "scale_factor ", scales[i], " makes an output size that does not fit int64");
      p.out = static_cast<int64_t>(out);
      p.scale = o.recompute_scale_factor ? 0 : scales[i];
    }
    check(p.in > 0 && p.out > 0, kOp, "input and output sizes must be positive, got input ", to_string(x.aval()),
          " and output size ", p.out, " in spatial dim ", i);
  }
  return plan;
}

// PyTorch's area_pixel_compute_scale: input positions per output position, in the type T its
// kernels use (float for float tensors, double for double).
template <class T>
T pixel_scale(const DimPlan& p, bool align_corners) {
  if (align_corners) return p.out > 1 ? static_cast<T>(p.in - 1) / static_cast<T>(p.out - 1) : T(0);
  return p.scale > 0 ? static_cast<T>(1.0 / p.scale) : static_cast<T>(p.in) / static_cast<T>(p.out);
}

// torch's nearest: floor(i * scale), clamped to the last input position.
template <class T>
std::vector<int64_t> nearest_positions(const DimPlan& p) {
  const T scale = pixel_scale<T>(p, false);
  std::vector<int64_t> pos(static_cast<size_t>(p.out));
  for (int64_t i = 0; i < p.out; ++i) {
    const auto at = static_cast<int64_t>(std::floor(static_cast<float>(scale * static_cast<T>(i))));
    pos[static_cast<size_t>(i)] = std::min(at, p.in - 1);
  }
  return pos;
}

// torch's linear: output i reads positions i0 and i1 (= i0 + 1 but at the last position) with
// weights l0 = 1 - l1 and l1; equal sizes copy. As in torch's kernels, the scale is rounded to T
// but the source position is computed in double, and l1 rounded to T (this matches torch's
// weights bit for bit, for float and double).
struct Taps {
  std::vector<int64_t> i0, i1;
  std::vector<double> l0, l1;
};
template <class T>
Taps linear_taps(const DimPlan& p, bool align_corners) {
  const auto scale = static_cast<double>(pixel_scale<T>(p, align_corners));
  Taps t;
  for (int64_t i = 0; i < p.out; ++i) {
    int64_t a = i, b = i;
    T l1 = 0;
    if (p.out != p.in) {
      const double src = std::max(align_corners ? scale * static_cast<double>(i) : scale * (static_cast<double>(i) + 0.5) - 0.5, 0.0);
      a = std::min(static_cast<int64_t>(src), p.in - 1);
      b = a + (a < p.in - 1 ? 1 : 0);
      l1 = static_cast<T>(std::min(std::max(src - static_cast<double>(a), 0.0), 1.0));
    }
    t.i0.push_back(a);
    t.i1.push_back(b);
    t.l0.push_back(static_cast<double>(T(1) - l1));
    t.l1.push_back(static_cast<double>(l1));
  }
  return t;
}

Tensor take(const Tensor& x, const std::vector<int64_t>& pos, int64_t axis) {
  return prims::gather(x, tensor(pos, Shape{static_cast<int64_t>(pos.size())}, i64), axis);
}

// weights [out] as a tensor broadcast along `axis` of a tensor of shape s.
Tensor along(const std::vector<double>& w, int64_t axis, const Shape& s, DType d) {
  Shape line(s.size(), 1);
  line[static_cast<size_t>(axis)] = static_cast<int64_t>(w.size());
  return prims::expand(tensor(w, line, d), s);
}

Tensor nearest_dim(const Tensor& y, int64_t axis, const DimPlan& p) {
  std::vector<int64_t> pos = y.dtype() == f64 ? nearest_positions<double>(p) : nearest_positions<float>(p);
  bool identity = p.in == p.out;
  for (int64_t i = 0; identity && i < p.out; ++i) identity = pos[static_cast<size_t>(i)] == i;
  return identity ? y : take(y, pos, axis);
}

Tensor linear_dim(const Tensor& y, int64_t axis, const DimPlan& p, bool align_corners) {
  if (p.in == p.out) return y;
  Taps t = y.dtype() == f64 ? linear_taps<double>(p, align_corners) : linear_taps<float>(p, align_corners);
  Tensor a = take(y, t.i0, axis), b = take(y, t.i1, axis);
  return prims::add(prims::mul(a, along(t.l0, axis, a.shape(), y.dtype())),
                    prims::mul(b, along(t.l1, axis, b.shape(), y.dtype())));
}

}  // namespace

Tensor interpolate(const Tensor& x, const InterpolateOptions& o) {
  check(x.defined(), kOp, "input is an empty Tensor handle");
  check(x.ndim() >= 3 && x.ndim() <= 5, kOp, "input must be [N, C, *spatial] with 1-3 spatial dims, got ",
        to_string(x.aval()));
  const bool linear = o.mode != InterpolateMode::nearest;
  if (linear) {
    const int64_t want = o.mode == InterpolateMode::linear ? 3 : o.mode == InterpolateMode::bilinear ? 4 : 5;
    check(x.ndim() == want, kOp, mode_name(o.mode), " mode needs a ", want, "-d input, got ", to_string(x.aval()));
    check(is_floating(x.dtype()), kOp, mode_name(o.mode), " mode needs a floating-point input, got ",
          to_string(x.aval()));
  } else {
    check(!o.align_corners.has_value(), kOp, "align_corners can only be set with the linear modes "
          "(linear, bilinear, trilinear), not nearest");
    check(x.dtype() != bool_, kOp, "is not defined for bool tensors");
  }
  const std::vector<DimPlan> plan = plan_dims(x, o);
  // Half types are resampled in f32 (torch's arithmetic for them) and rounded once at the end.
  const bool half_type = x.dtype() == f16 || x.dtype() == bf16;
  Tensor y = linear && half_type ? cast(x, f32) : x;
  for (size_t i = plan.size(); i-- > 0;) {
    const int64_t axis = static_cast<int64_t>(2 + i);
    y = linear ? linear_dim(y, axis, plan[i], o.align_corners.value_or(false)) : nearest_dim(y, axis, plan[i]);
  }
  return y.dtype() == x.dtype() ? y : cast(y, x.dtype());
}

}  // namespace nn
}  // namespace slope
