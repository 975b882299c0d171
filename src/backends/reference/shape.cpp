// Reference kernels of the data-movement primitives: reshape, expand, permute, pad, slice, flip, cat.
// Most are written the same way: visit every output element by its multi-index, work out which input
// element it comes from, copy it. The element type only matters for its size and for pad's fill
// value, but the loops are typed anyway so they read like the formulas in the comments.
#include <cstring>

#include "kernels.h"
#include "loops.h"

namespace slope::reference {

namespace {

// reshape: row-major order is unchanged, so the bytes are copied as they are.
void reshape(const Tensor& x, Tensor& out) {
  size_t bytes = static_cast<size_t>(x.numel()) * itemsize(x.dtype());
  if (bytes) std::memcpy(mut<unsigned char>(out), x.data(), bytes);
}

// expand: out[i0, i1, ...] = x[j0, j1, ...] with j_d = 0 where x has size 1 (the broadcast dims)
// and j_d = i_d elsewhere.
template <class T>
void expand(const Tensor& x, Tensor& out) {
  const Shape& xs = x.shape();
  const Shape& os = out.shape();
  Shape xstride = contiguous_strides(xs);
  for (size_t d = 0; d < xs.size(); ++d)
    if (xs[d] == 1) xstride[d] = 0;  // stride 0 repeats the single element along this axis
  const T* a = ptr<T>(x);
  T* o = mut<T>(out);
  Shape idx(os.size(), 0);
  for (int64_t i = 0, n = out.numel(); i < n; ++i, next_index(idx, os)) o[i] = a[offset(idx, xstride)];
}

// permute: out.shape[d] = x.shape[perm[d]] and out[i0, i1, ...] = x[j] with j[perm[d]] = i_d.
// So moving one step along output axis d moves x.strides[perm[d]] elements in x.
template <class T>
void permute(const Tensor& x, const Axes& perm, Tensor& out) {
  Shape xstride = contiguous_strides(x.shape());
  Shape stride(perm.size(), 0);
  for (size_t d = 0; d < perm.size(); ++d) stride[d] = xstride[perm[d]];
  const Shape& os = out.shape();
  const T* a = ptr<T>(x);
  T* o = mut<T>(out);
  Shape idx(os.size(), 0);
  for (int64_t i = 0, n = out.numel(); i < n; ++i, next_index(idx, os)) o[i] = a[offset(idx, stride)];
}

// pad (XLA's convention): along each axis, `lo` fill values, then the elements of x with `interior`
// fill values between neighbours, then `hi` fill values. Fill everything, then drop each input
// element at its place: output position lo + i * (interior + 1) along every axis.
template <class T>
void pad(const Tensor& x, const PadParams& p, Tensor& out) {
  T* o = mut<T>(out);
  const T fill = p.value.to<T>();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = fill;
  const Shape& xs = x.shape();
  Shape ostride = contiguous_strides(out.shape());
  const T* a = ptr<T>(x);
  Shape idx(xs.size(), 0), pos(xs.size(), 0);
  for (int64_t i = 0, n = x.numel(); i < n; ++i, next_index(idx, xs)) {
    for (size_t d = 0; d < xs.size(); ++d) pos[d] = p.lo[d] + idx[d] * (p.interior[d] + 1);
    o[offset(pos, ostride)] = a[i];
  }
}

// slice: out[i0, i1, ...] = x[start0 + i0*step0, start1 + i1*step1, ...].
template <class T>
void slice(const Tensor& x, const SliceParams& p, Tensor& out) {
  Shape xstride = contiguous_strides(x.shape());
  const Shape& os = out.shape();
  const T* a = ptr<T>(x);
  T* o = mut<T>(out);
  Shape idx(os.size(), 0), src(os.size(), 0);
  for (int64_t i = 0, n = out.numel(); i < n; ++i, next_index(idx, os)) {
    for (size_t d = 0; d < os.size(); ++d) src[d] = p.start[d] + idx[d] * p.step[d];
    o[i] = a[offset(src, xstride)];
  }
}

// flip: out[..., i_d, ...] = x[..., size_d - 1 - i_d, ...] along each flipped axis d.
template <class T>
void flip(const Tensor& x, const Axes& axes, Tensor& out) {
  const Shape& s = x.shape();
  Shape stride = contiguous_strides(s);
  SmallVector<bool, 8> flipped(s.size(), false);
  for (int64_t a : axes) flipped[a] = true;
  const T* a = ptr<T>(x);
  T* o = mut<T>(out);
  Shape idx(s.size(), 0), src(s.size(), 0);
  for (int64_t i = 0, n = x.numel(); i < n; ++i, next_index(idx, s)) {
    for (size_t d = 0; d < s.size(); ++d) src[d] = flipped[d] ? s[d] - 1 - idx[d] : idx[d];
    o[i] = a[offset(src, stride)];
  }
}

// cat: operand k lands in the output shifted along `axis` by the sizes of operands 0..k-1.
template <class T>
void cat(std::span<const Tensor> xs, int64_t axis, Tensor& out) {
  Shape ostride = contiguous_strides(out.shape());
  T* o = mut<T>(out);
  int64_t shift = 0;
  for (const Tensor& x : xs) {
    const Shape& s = x.shape();
    const T* a = ptr<T>(x);
    Shape idx(s.size(), 0);
    for (int64_t i = 0, n = x.numel(); i < n; ++i, next_index(idx, s)) {
      Shape pos = idx;
      pos[axis] += shift;
      o[offset(pos, ostride)] = a[i];
    }
    shift += s[axis];
  }
}

}  // namespace

void shape(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  if (p == Prim::reshape) return reshape(in[0], out);
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (p) {
      case Prim::expand: return expand<T>(in[0], out);
      case Prim::permute: return permute<T>(in[0], std::get<AxesParams>(params).axes, out);
      case Prim::pad: return pad<T>(in[0], std::get<PadParams>(params), out);
      case Prim::slice: return slice<T>(in[0], std::get<SliceParams>(params), out);
      case Prim::flip: return flip<T>(in[0], std::get<AxesParams>(params).axes, out);
      case Prim::cat: return cat<T>(in, std::get<AxisParams>(params).axis, out);
      default: fail(name(p), "reference backend: not a shape primitive");
    }
  });
}

}  // namespace slope::reference
