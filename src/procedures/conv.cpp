// Convolutions and pools (torch.nn.functional conv*d, conv_transpose*d, max_pool*d, avg_pool*d)
// as procedures: conv and conv_transpose map onto the conv primitive (explicit low/high padding),
// pools gather their windows with strided slices, one per kernel offset, and reduce them.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "slope/nn_functional.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {
namespace nn {

namespace {

// A per-spatial-dim option: empty = `dflt` everywhere, one value = that value everywhere,
// otherwise exactly one value per spatial dim. Values must be >= `min`.
Shape per_dim(const char* op, const char* what, const Shape& v, size_t d, int64_t dflt, int64_t min) {
  Shape out;
  if (v.empty()) out = Shape(d, dflt);
  else if (v.size() == 1) out = Shape(d, v[0]);
  else out = v;
  check(out.size() == d, op, what, " needs 1 or ", d, " values (one per spatial dim), got ", to_string(v));
  for (int64_t x : out) check(x >= min, op, what, " values must be >= ", min, ", got ", to_string(v));
  return out;
}

// Casts x to d unless it already has it.
Tensor as(const Tensor& x, DType d) { return x.dtype() == d ? x : cast(x, d); }

// Common checks of conv and conv_transpose: w has 1-3 spatial dims and x is [N, C, *S] or an
// unbatched [C, *S]. Returns x with a batch dim, and whether one was added.
Tensor batched_input(const char* op, const Tensor& x, const Tensor& w, bool* added) {
  check(w.ndim() >= 3 && w.ndim() <= 5, op, "weight must have 1-3 spatial dims ([O, C/groups, *K]), got ",
        to_string(w.aval()));
  check(x.ndim() == w.ndim() || x.ndim() == w.ndim() - 1, op, "input must be [N, C, *spatial] or [C, *spatial] with ",
        w.ndim() - 2, " spatial dims to match the weight ", to_string(w.aval()), ", got ", to_string(x.aval()));
  *added = x.ndim() == w.ndim() - 1;
  return *added ? unsqueeze(x, 0) : x;
}

DType conv_dtype(const char* op, const Tensor& x, const Tensor& w) {
  DType d = promote_types(x.dtype(), w.dtype());
  check(d != bool_, op, "is not defined for bool tensors, got ", to_string(x.aval()), " and ", to_string(w.aval()));
  return d;
}

Tensor add_bias(const char* op, Tensor y, const std::optional<Tensor>& b) {
  if (!b) return y;
  int64_t o = y.shape()[1];
  check(b->shape() == Shape{o}, op, "bias must have shape [", o, "] (one per output channel), got ",
        to_string(b->aval()));
  Shape s(y.ndim(), 1);
  s[1] = o;
  return add(y, reshape(*b, s));
}

Tensor unbatch(Tensor y, bool added) {
  if (!added) return y;
  Shape s(y.shape().begin() + 1, y.shape().end());
  return reshape(y, s);
}

}  // namespace

Tensor conv(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, const ConvOptions& o) {
  OpScope scope("conv");
  const char* op = "conv";
  bool added = false;
  Tensor xb = batched_input(op, x, w, &added);
  size_t d = static_cast<size_t>(w.ndim() - 2);
  DType dt = conv_dtype(op, x, w);
  int64_t c = xb.shape()[1], out_c = w.shape()[0], g = o.groups;
  check(g >= 1, op, "groups must be >= 1, got ", g);
  check(c % g == 0 && out_c % g == 0, op, "groups=", g, " must divide the input channels (", c,
        ") and the output channels (", out_c, ")");
  check(w.shape()[1] * g == c, op, "weight ", to_string(w.aval()), " expects ", w.shape()[1] * g,
        " input channels (", w.shape()[1], " per group x ", g, " groups), input ", to_string(x.aval()), " has ", c);
  check(o.output_padding.empty(), op, "output_padding is only for conv_transpose");
  ConvParams p;
  p.stride = per_dim(op, "stride", o.stride, d, 1, 1);
  p.dilation = per_dim(op, "dilation", o.dilation, d, 1, 1);
  p.pad_lo = per_dim(op, "padding", o.padding, d, 0, 0);
  p.pad_hi = p.pad_lo;
  p.groups = g;
  for (size_t i = 0; i < d; ++i) {
    int64_t span = p.dilation[i] * (w.shape()[2 + i] - 1) + 1;
    int64_t padded = xb.shape()[2 + i] + 2 * p.pad_lo[i];
    check(span <= padded, op, "kernel extent ", span, " (size ", w.shape()[2 + i], ", dilation ", p.dilation[i],
          ") exceeds the padded input size ", padded, " in spatial dim ", i, ": input ", to_string(x.aval()),
          ", weight ", to_string(w.aval()));
  }
  Tensor y = prims::conv(as(xb, dt), as(w, dt), p);
  return unbatch(add_bias(op, y, b), added);
}

// The transpose (gradient) of conv w.r.t. its input, as a direct convolution: spread the input
// out with stride-1 zeros between elements, pad by dilation*(K-1) - padding on each side
// (+ output_padding at the high end; negative amounts crop), and correlate with the kernel flipped
// spatially and with in/out channels swapped within each group.
Tensor conv_transpose(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, const ConvOptions& o) {
  OpScope scope("conv_transpose");
  const char* op = "conv_transpose";
  bool added = false;
  Tensor xb = batched_input(op, x, w, &added);
  size_t d = static_cast<size_t>(w.ndim() - 2);
  DType dt = conv_dtype(op, x, w);
  int64_t c_in = xb.shape()[1], g = o.groups;
  check(g >= 1, op, "groups must be >= 1, got ", g);
  check(w.shape()[0] == c_in, op, "weight ", to_string(w.aval()), " ([C_in, C_out/groups, *K]) expects ",
        w.shape()[0], " input channels, input ", to_string(x.aval()), " has ", c_in);
  check(c_in % g == 0, op, "groups=", g, " must divide the input channels (", c_in, ")");
  int64_t out_per_group = w.shape()[1], c_out = out_per_group * g;
  Shape stride = per_dim(op, "stride", o.stride, d, 1, 1);
  Shape dil = per_dim(op, "dilation", o.dilation, d, 1, 1);
  Shape padding = per_dim(op, "padding", o.padding, d, 0, 0);
  Shape out_pad = per_dim(op, "output_padding", o.output_padding, d, 0, 0);

  size_t r = d + 2;
  Shape lo(r, 0), hi(r, 0), interior(r, 0), crop_lo(r, 0), crop_hi(r, 0);
  bool crop = false;
  for (size_t i = 0; i < d; ++i) {
    int64_t s = xb.shape()[2 + i], k = w.shape()[2 + i];
    check(out_pad[i] < stride[i] || out_pad[i] < dil[i], op,
          "output_padding must be smaller than either stride or dilation, got output_padding=", to_string(out_pad),
          " stride=", to_string(stride), " dilation=", to_string(dil));
    check(s >= 1, op, "spatial dims of the input must be non-empty, got ", to_string(x.aval()));
    int64_t out = (s - 1) * stride[i] - 2 * padding[i] + dil[i] * (k - 1) + out_pad[i] + 1;
    check(out >= 1, op, "output size ", out, " in spatial dim ", i, " is not positive (input ", to_string(x.aval()),
          ", weight ", to_string(w.aval()), ", stride ", stride[i], ", padding ", padding[i], ", dilation ", dil[i],
          ")");
    int64_t edge = dil[i] * (k - 1) - padding[i];
    int64_t l = edge, h = edge + out_pad[i];
    interior[2 + i] = stride[i] - 1;
    lo[2 + i] = std::max<int64_t>(l, 0);
    hi[2 + i] = std::max<int64_t>(h, 0);
    crop_lo[2 + i] = std::max<int64_t>(-l, 0);
    crop_hi[2 + i] = std::max<int64_t>(-h, 0);
    crop = crop || l < 0 || h < 0;
  }
  Tensor xp = prims::pad(as(xb, dt), lo, hi, interior, Scalar(0));
  if (crop) {
    Shape start(r, 0), stop = xp.shape(), step(r, 1);
    for (size_t i = 0; i < r; ++i) {
      start[i] = crop_lo[i];
      stop[i] -= crop_hi[i];
    }
    xp = prims::slice(xp, start, stop, step);
  }

  // w [C_in, C_out/g, *K] -> [g, C_in/g, C_out/g, *K] -> [g, C_out/g, C_in/g, *K] -> [C_out, C_in/g, *K].
  Shape grouped{g, c_in / g, out_per_group};
  Axes perm{0, 2, 1};
  Shape final_shape{c_out, c_in / g};
  Axes spatial;
  for (size_t i = 0; i < d; ++i) {
    grouped.push_back(w.shape()[2 + i]);
    perm.push_back(static_cast<int64_t>(3 + i));
    final_shape.push_back(w.shape()[2 + i]);
    spatial.push_back(static_cast<int64_t>(2 + i));
  }
  Tensor wt = prims::reshape(prims::permute(prims::reshape(as(w, dt), grouped), perm), final_shape);
  wt = prims::flip(wt, spatial);

  ConvParams p;
  p.stride = Shape(d, 1);
  p.dilation = dil;
  p.pad_lo = Shape(d, 0);
  p.pad_hi = Shape(d, 0);
  p.groups = g;
  Tensor y = prims::conv(xp, wt, p);
  return unbatch(add_bias(op, y, b), added);
}

// ---------------------------------------------------------------- pools

namespace {

struct PoolGeometry {
  size_t d;                   // spatial dims (the trailing d dims of x)
  Shape kernel, stride, pad, dil, in, out;
};

// Validates the options like PyTorch and computes the output sizes (PyTorch's
// pooling_output_shape: with ceil_mode the last window must start inside the input or the
// left padding).
PoolGeometry pool_geometry(const char* op, const Tensor& x, const PoolOptions& o, bool allow_dilation) {
  PoolGeometry g;
  g.d = o.kernel.size();
  check(g.d >= 1, op, "kernel needs one size per spatial dim, got ", to_string(o.kernel));
  check(x.ndim() >= static_cast<int64_t>(g.d) + 1, op, "input must have a channel dim and ", g.d,
        " spatial dims ([N, C, *S] or [C, *S]), got ", to_string(x.aval()));
  g.kernel = per_dim(op, "kernel", o.kernel, g.d, 1, 1);
  g.stride = o.stride.empty() ? g.kernel : per_dim(op, "stride", o.stride, g.d, 1, 1);
  g.pad = per_dim(op, "padding", o.padding, g.d, 0, 0);
  g.dil = per_dim(op, "dilation", o.dilation, g.d, 1, 1);
  if (!allow_dilation)
    for (int64_t v : g.dil) check(v == 1, op, "has no dilation, got ", to_string(o.dilation));
  size_t lead = static_cast<size_t>(x.ndim()) - g.d;
  for (size_t i = 0; i < g.d; ++i) {
    int64_t s = x.shape()[lead + i], k = g.kernel[i], st = g.stride[i], p = g.pad[i], dl = g.dil[i];
    check(p <= k / 2, op, "padding should be at most half of the kernel size, got padding=", to_string(g.pad),
          " and kernel=", to_string(g.kernel));
    int64_t num = s + 2 * p - dl * (k - 1) - 1 + (o.ceil_mode ? st - 1 : 0);
    // Floor division (num may be negative).
    int64_t out = (num >= 0 ? num / st : -((-num + st - 1) / st)) + 1;
    if (o.ceil_mode && out > 0 && (out - 1) * st >= s + p) --out;
    check(out >= 1, op, "input ", to_string(x.aval()), " is too small for kernel ", to_string(g.kernel),
          " with padding ", to_string(g.pad), " and dilation ", to_string(g.dil), ": output size ", out,
          " in spatial dim ", i);
    g.in.push_back(s);
    g.out.push_back(out);
  }
  return g;
}

// Every window's element at each kernel offset (offsets in row-major order): one strided slice
// of x each, [..., *out]. x is padded with `fill` by `pad` at the low end and as far as the last
// window reaches at the high end.
std::vector<Tensor> window_pieces(const Tensor& x, const PoolGeometry& g, Scalar fill) {
  size_t r = static_cast<size_t>(x.ndim()), lead = r - g.d;
  Shape lo(r, 0), hi(r, 0), interior(r, 0);
  bool need_pad = false;
  for (size_t i = 0; i < g.d; ++i) {
    int64_t reach = (g.out[i] - 1) * g.stride[i] + g.dil[i] * (g.kernel[i] - 1) + 1;  // in padded coordinates
    lo[lead + i] = g.pad[i];
    hi[lead + i] = std::max<int64_t>(reach - g.in[i] - g.pad[i], 0);
    need_pad = need_pad || lo[lead + i] > 0 || hi[lead + i] > 0;
  }
  Tensor xp = need_pad ? prims::pad(x, lo, hi, interior, fill) : x;
  std::vector<Tensor> pieces;
  Shape offset(g.d, 0);  // the current kernel offset, odometer order
  for (;;) {
    Shape start(r, 0), stop = xp.shape(), step(r, 1);
    for (size_t i = 0; i < g.d; ++i) {
      start[lead + i] = offset[i] * g.dil[i];
      stop[lead + i] = start[lead + i] + (g.out[i] - 1) * g.stride[i] + 1;
      step[lead + i] = g.stride[i];
    }
    pieces.push_back(prims::slice(xp, start, stop, step));
    size_t i = g.d;
    while (i > 0 && ++offset[i - 1] == g.kernel[i - 1]) offset[--i] = 0;
    if (i == 0) break;
  }
  return pieces;
}

// The windows as a new trailing axis: [..., *out, prod(kernel)].
Tensor windows(const Tensor& x, const PoolGeometry& g, Scalar fill) {
  std::vector<Tensor> pieces = window_pieces(x, g, fill);
  for (Tensor& p : pieces) p = unsqueeze(p, p.ndim());
  return pieces.size() == 1 ? pieces[0] : prims::cat(pieces, pieces[0].ndim() - 1);
}

// For each kernel offset (row-major), which windows read it from x rather than from the padding:
// bool [*out] each, broadcast to `shape`; none when no window reaches into the padding.
std::vector<Tensor> inside_masks(const PoolGeometry& g, const Shape& shape) {
  bool padded = false;
  for (size_t i = 0; i < g.d; ++i)
    padded = padded || g.pad[i] > 0 || (g.out[i] - 1) * g.stride[i] + g.dil[i] * (g.kernel[i] - 1) + 1 > g.in[i];
  std::vector<Tensor> masks;
  if (!padded) return masks;
  Shape offset(g.d, 0);
  for (;;) {
    std::vector<bool> in(static_cast<size_t>(numel(g.out)), true);
    Shape pos(g.d, 0);
    for (size_t at = 0; at < in.size(); ++at) {
      for (size_t i = 0; i < g.d; ++i) {
        const int64_t c = pos[i] * g.stride[i] - g.pad[i] + offset[i] * g.dil[i];
        in[at] = in[at] && c >= 0 && c < g.in[i];
      }
      size_t i = g.d;
      while (i > 0 && ++pos[i - 1] == g.out[i - 1]) pos[--i] = 0;
    }
    masks.push_back(broadcast_to(tensor(in, g.out, bool_), shape));
    size_t i = g.d;
    while (i > 0 && ++offset[i - 1] == g.kernel[i - 1]) offset[--i] = 0;
    if (i == 0) break;
  }
  return masks;
}

}  // namespace

// torch's max-pool kernel, unrolled over the kernel offsets: keep the window's first element
// inside x, and move to a later one only if it is larger or NaN (the last NaN wins). Each step is
// a where, so the value is that element itself and the gradient reaches it alone (torch's rule for
// ties), and under jit the whole scan is one fused loop.
Tensor max_pool(const Tensor& x, const PoolOptions& o) {
  OpScope scope("max_pool");
  const char* op = "max_pool";
  check(x.dtype() != bool_, op, "is not defined for bool tensors");
  check(o.count_include_pad && !o.divisor_override, op, "count_include_pad and divisor_override are avg_pool options");
  PoolGeometry g = pool_geometry(op, x, o, true);
  // Padding never wins: -inf for floats, the lowest value for integers.
  Scalar fill = visit_dtype(x.dtype(), [](auto tag) -> Scalar {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) return Scalar(static_cast<int64_t>(std::numeric_limits<T>::lowest()));
    else return Scalar(-std::numeric_limits<double>::infinity());
  });
  std::vector<Tensor> pieces = window_pieces(x, g, fill);
  std::vector<Tensor> inside = inside_masks(g, pieces[0].shape());
  Tensor best = pieces[0];
  Tensor seen = inside.empty() ? Tensor() : inside[0];  // has the window met an element of x yet
  for (size_t k = 1; k < pieces.size(); ++k) {
    const Tensor& v = pieces[k];
    Tensor take = prims::greater(v, best);
    if (is_floating(x.dtype())) take = logical_or(take, isnan(v));
    if (!inside.empty()) {
      take = logical_and(logical_or(take, logical_not(seen)), inside[k]);
      seen = logical_or(seen, inside[k]);
    }
    best = prims::where(take, v, best);
  }
  return best;
}

Tensor avg_pool(const Tensor& x, const PoolOptions& o) {
  OpScope scope("avg_pool");
  const char* op = "avg_pool";
  check(is_floating(x.dtype()), op, "needs a floating-point tensor, got ", to_string(x.aval()));
  check(!o.divisor_override || *o.divisor_override != 0, op, "divisor_override must not be zero");
  PoolGeometry g = pool_geometry(op, x, o, false);
  Tensor w = windows(x, g, Scalar(0));
  Tensor total = prims::sum(w, Axes{w.ndim() - 1});
  if (o.divisor_override) return div(total, full({}, Scalar(static_cast<double>(*o.divisor_override)), x.dtype()));
  // PyTorch's divisors. count_include_pad: the window clipped to the padded input (with ceil_mode
  // a window may hang past the high padding; those positions are not counted). Otherwise the
  // window clipped to the input itself.
  std::vector<double> divisor{1.0};
  for (size_t i = 0; i < g.d; ++i) {
    std::vector<double> next;
    next.reserve(divisor.size() * static_cast<size_t>(g.out[i]));
    for (double prev : divisor)
      for (int64_t j = 0; j < g.out[i]; ++j) {
        int64_t start = j * g.stride[i] - g.pad[i];
        int64_t end = std::min(start + g.kernel[i], g.in[i] + g.pad[i]);
        if (!o.count_include_pad) {
          start = std::max<int64_t>(start, 0);
          end = std::min(end, g.in[i]);
        }
        next.push_back(prev * static_cast<double>(end - start));
      }
    divisor = std::move(next);
  }
  Tensor div_t = tensor(divisor, g.out, x.dtype());
  return div(total, div_t);
}

}  // namespace nn
}  // namespace slope
