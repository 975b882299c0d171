// Reference kernels of the data-movement primitives: reshape, expand, permute, pad, slice, flip, cat.
// Each is one copy between views (kernels.h): out[i] = x[v.at(i)] for every output multi-index i,
// where v is x's own strides rearranged by the primitive's formula. pad and cat go the other way
// round: every element of x is written at its place in the output, x[i] -> out[v.at(i)].
#include <algorithm>

#include "kernels.h"

namespace slope::reference {

void shape(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  const Shape &s = in[0].shape(), &os = out.shape();
  const View x{contiguous_strides(s)}, o{contiguous_strides(os)};
  View v = x;  // the view of x read in output order; for pad and cat, the view of out written in x's order
  switch (p) {
    case Prim::reshape: v = o; break;  // row-major order is unchanged: out[k] = x[k]
    case Prim::expand:  // x has the output's rank and size 1 along the broadcast axes: stride 0 repeats it
      for (size_t d = 0; d < s.size(); ++d) v.strides[d] = s[d] == 1 ? 0 : x.strides[d];
      break;
    case Prim::permute:  // out.shape[d] = x.shape[perm[d]]: a step along output axis d is one along x's axis perm[d]
      for (size_t d = 0; d < s.size(); ++d) v.strides[d] = x.strides[std::get<AxesParams>(params).axes[d]];
      break;
    case Prim::slice: {  // out[i] = x[start + i * step] along every axis
      const SliceParams& q = std::get<SliceParams>(params);
      v.start = x.at(q.start);
      for (size_t d = 0; d < s.size(); ++d) v.strides[d] *= q.step[d];
      break;
    }
    case Prim::flip:  // out[..., i_d, ...] = x[..., size_d - 1 - i_d, ...] along each flipped axis d
      for (int64_t d : std::get<AxesParams>(params).axes) {
        v.start += (s[d] - 1) * x.strides[d];
        v.strides[d] = -x.strides[d];
      }
      break;
    case Prim::pad: {
      // XLA's convention: along each axis `lo` fill values, then the elements of x with `interior`
      // fill values between neighbours, then `hi` fill values: x[i] goes to out[lo + i * (interior + 1)].
      const PadParams& q = std::get<PadParams>(params);
      v.start = o.at(q.lo);
      for (size_t d = 0; d < s.size(); ++d) v.strides[d] = o.strides[d] * (q.interior[d] + 1);
      break;
    }
    case Prim::cat: v = o; break;  // along `axis`, operand k's elements go after those of operands 0..k-1
    default: fail(name(p), "reference backend: not a data-movement primitive");
  }
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* y = mut<T>(out);
    // y[dst.at(i)] = from[src.at(i)] for every multi-index i of `space`.
    auto copy = [&](const Tensor& from, const Shape& space, const View& src, const View& dst) {
      const T* a = ptr<T>(from);
      for_each(space, [&](const Shape&, int64_t i, int64_t j) { y[j] = a[i]; }, src, dst);
    };
    if (p == Prim::pad) {  // the fill value everywhere, then each element of x at its place
      std::fill_n(y, out.numel(), std::get<PadParams>(params).value.to<T>());
      return copy(in[0], s, x, v);
    }
    if (p != Prim::cat) return copy(in[0], os, v, o);
    const auto axis = static_cast<size_t>(std::get<AxisParams>(params).axis);
    for (const Tensor& xk : in) {
      copy(xk, xk.shape(), View{contiguous_strides(xk.shape())}, v);
      v.start += xk.shape()[axis] * o.strides[axis];
    }
  });
}

}  // namespace slope::reference
