// Data-movement kernels: expand, permute, pad, slice, flip, cat. All are one strided copy
// between two views of the same shape: adjacent dims that stay contiguous in both views are
// merged first, so most copies become memcpy of long runs; a broadcast inner dim becomes a fill;
// a transpose (source contiguous along a dim the destination is not) is copied in cache tiles.
// No values are computed, so elements move as raw 1/2/4/8-byte words.
#include <algorithm>
#include <cstring>

#include "backends/cpu/eager.h"
#include "backends/cpu/parallel.h"

namespace slope::cpu {

namespace {

struct Dim {
  int64_t n, ss, ds;  // size, source stride, destination stride (elements)
};
using Dims = SmallVector<Dim, 8>;

// Multi-index of flat `row` over dims[0:k) -> source and destination offsets.
inline void offsets_of(const Dims& d, size_t k, int64_t row, int64_t& so, int64_t& dof) {
  so = dof = 0;
  for (size_t i = k; i-- > 0;) {
    int64_t ix = row % d[i].n;
    row /= d[i].n;
    so += ix * d[i].ss;
    dof += ix * d[i].ds;
  }
}

// Calls inner(src_offset, dst_offset) for every index of dims[0:k), rows split across threads.
template <class Inner>
void for_rows(const Dims& d, size_t k, int64_t row_cost, Inner inner) {
  int64_t rows = 1;
  for (size_t i = 0; i < k; ++i) rows *= d[i].n;
  parallel_for(rows, rows_grain(row_cost), [&](int64_t b, int64_t e) {
    SmallVector<int64_t, 8> idx(k, 0);
    int64_t so, dof, r = b;
    offsets_of(d, k, b, so, dof);
    for (size_t i = k; i-- > 0;) {
      idx[i] = r % d[i].n;
      r /= d[i].n;
    }
    for (int64_t row = b; row < e; ++row) {
      inner(so, dof);
      for (size_t i = k; i-- > 0;) {  // odometer step, last dim fastest
        if (++idx[i] < d[i].n) {
          so += d[i].ss;
          dof += d[i].ds;
          break;
        }
        so -= (d[i].n - 1) * d[i].ss;
        dof -= (d[i].n - 1) * d[i].ds;
        idx[i] = 0;
      }
    }
  });
}

// Transpose tiles span one 64-byte line of the contiguous side (at least 16 elements): with the
// power-of-two strides typical of tensors, larger tiles collide in the same L1 sets.
template <class E>
inline constexpr int64_t kTile = sizeof(E) >= 4 ? 16 : 64 / sizeof(E);

template <class E>
void copy_typed(Dims d, const E* src, E* dst) {
  if (d.empty()) {
    *dst = *src;
    return;
  }
  const Dim in = d.back();
  // A transpose: the destination runs along the last dim while the source runs along dim p.
  size_t p = d.size();
  if (in.ds == 1 && in.ss != 1 && in.ss != 0 && in.n >= 8) {
    for (size_t i = 0; i + 1 < d.size(); ++i)
      if (d[i].ss == 1 && d[i].n >= 8) p = i;
  }
  if (p < d.size()) {
    Dims outer;
    for (size_t i = 0; i + 1 < d.size(); ++i)
      if (i != p) outer.push_back(d[i]);
    const Dim tp = d[p];
    int64_t blocks = (tp.n + kTile<E> - 1) / kTile<E>;
    int64_t outer_rows = 1;
    for (const Dim& o : outer) outer_rows *= o.n;
    // One unit of work = kTile source-contiguous rows of one outer index, all of the last dim.
    parallel_for(outer_rows * blocks, rows_grain(kTile<E> * in.n), [&](int64_t b, int64_t e) {
      for (int64_t u = b; u < e; ++u) {
        int64_t so, dof;
        offsets_of(outer, outer.size(), u / blocks, so, dof);
        int64_t i0 = (u % blocks) * kTile<E>, i1 = std::min(tp.n, i0 + kTile<E>);
        for (int64_t j0 = 0; j0 < in.n; j0 += kTile<E>) {
          int64_t j1 = std::min(in.n, j0 + kTile<E>);
          for (int64_t i = i0; i < i1; ++i) {
            const E* s = src + so + i;  // tp.ss == 1
            E* o = dst + dof + i * tp.ds;
            for (int64_t j = j0; j < j1; ++j) o[j] = s[j * in.ss];
          }
        }
      }
    });
    return;
  }
  size_t k = d.size() - 1;
  if (k == 0 && in.ss == 1 && in.ds == 1) {
    // One contiguous run (a slice of leading rows, a reshape's copy): split the run itself, as
    // one thread's memcpy reaches only about half of the memory bandwidth.
    parallel_for(in.n, kParallelGrain, [&](int64_t b, int64_t e) { std::memcpy(dst + b, src + b, (e - b) * sizeof(E)); });
  } else if (in.ss == 1 && in.ds == 1) {
    for_rows(d, k, in.n, [&](int64_t so, int64_t dof) { std::memcpy(dst + dof, src + so, in.n * sizeof(E)); });
  } else if (in.ss == 0 && in.ds == 1) {
    for_rows(d, k, in.n, [&](int64_t so, int64_t dof) { std::fill(dst + dof, dst + dof + in.n, src[so]); });
  } else {
    for_rows(d, k, in.n, [&](int64_t so, int64_t dof) {
      const E* s = src + so;
      E* o = dst + dof;
      for (int64_t j = 0; j < in.n; ++j) o[j * in.ds] = s[j * in.ss];
    });
  }
}

}  // namespace

void strided_copy(size_t elem, const Shape& shape, const void* src, const Shape& src_strides, void* dst,
                  const Shape& dst_strides) {
  Dims d;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return;
    if (shape[i] == 1) continue;
    Dim cur{shape[i], src_strides[i], dst_strides[i]};
    // Merge into the previous (outer) dim when the pair is one contiguous run in both views.
    if (!d.empty() && d.back().ss == cur.ss * cur.n && d.back().ds == cur.ds * cur.n) {
      d.back() = Dim{d.back().n * cur.n, cur.ss, cur.ds};
    } else {
      d.push_back(cur);
    }
  }
  switch (elem) {
    case 1: return copy_typed(d, static_cast<const uint8_t*>(src), static_cast<uint8_t*>(dst));
    case 2: return copy_typed(d, static_cast<const uint16_t*>(src), static_cast<uint16_t*>(dst));
    case 4: return copy_typed(d, static_cast<const uint32_t*>(src), static_cast<uint32_t*>(dst));
    case 8: return copy_typed(d, static_cast<const uint64_t*>(src), static_cast<uint64_t*>(dst));
    default: fail("cpu", "strided_copy: unsupported element size ", elem);
  }
}

namespace {

const char* bytes(const Tensor& t) { return static_cast<const char*>(t.data()); }
char* bytes_mut(Tensor& t) { return static_cast<char*>(t.impl()->buffer->data()); }

void fill_value(Tensor& out, const Scalar& value) {
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = value.template to<T>();
    T* o = mut<T>(out);
    parallel_for(out.numel(), kParallelGrain, [&](int64_t b, int64_t e) { std::fill(o + b, o + e, v); });
  });
}

}  // namespace

void movement(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out) {
  const Tensor& x = in[0];
  const size_t elem = itemsize(x.dtype());
  const Shape& xs = x.shape();
  const Shape& os = out.shape();
  const Shape x_str = contiguous_strides(xs);
  const Shape o_str = contiguous_strides(os);
  const size_t r = xs.size();
  switch (p) {
    case Prim::expand: {
      Shape ss = x_str;
      for (size_t i = 0; i < r; ++i)
        if (xs[i] == 1) ss[i] = 0;
      return strided_copy(elem, os, bytes(x), ss, bytes_mut(out), o_str);
    }
    case Prim::permute: {
      const Axes& perm = std::get<AxesParams>(params).axes;
      Shape ss;
      for (size_t i = 0; i < r; ++i) ss.push_back(x_str[perm[i]]);
      return strided_copy(elem, os, bytes(x), ss, bytes_mut(out), o_str);
    }
    case Prim::slice: {
      const auto& sp = std::get<SliceParams>(params);
      if (numel(os) == 0) return;
      Shape ss;
      int64_t base = 0;
      for (size_t i = 0; i < r; ++i) {
        base += sp.start[i] * x_str[i];
        ss.push_back(x_str[i] * sp.step[i]);
      }
      return strided_copy(elem, os, bytes(x) + base * elem, ss, bytes_mut(out), o_str);
    }
    case Prim::flip: {
      if (numel(os) == 0) return;
      Shape ss = x_str;
      int64_t base = 0;
      for (int64_t a : std::get<AxesParams>(params).axes) {
        base += (xs[a] - 1) * x_str[a];
        ss[a] = -x_str[a];
      }
      return strided_copy(elem, os, bytes(x) + base * elem, ss, bytes_mut(out), o_str);
    }
    case Prim::pad: {
      const auto& pp = std::get<PadParams>(params);
      bool padded = false;
      for (size_t i = 0; i < r; ++i) padded = padded || pp.lo[i] || pp.hi[i] || (pp.interior[i] && xs[i] > 1);
      if (padded) fill_value(out, pp.value);
      if (numel(xs) == 0) return;
      Shape ds;
      int64_t base = 0;
      for (size_t i = 0; i < r; ++i) {
        base += pp.lo[i] * o_str[i];
        ds.push_back(o_str[i] * (pp.interior[i] + 1));
      }
      return strided_copy(elem, xs, bytes(x), x_str, bytes_mut(out) + base * elem, ds);
    }
    case Prim::cat: {
      int64_t axis = std::get<AxisParams>(params).axis;
      int64_t at = 0;
      for (const Tensor& t : in) {
        strided_copy(elem, t.shape(), bytes(t), contiguous_strides(t.shape()), bytes_mut(out) + at * o_str[axis] * elem,
                     o_str);
        at += t.shape()[axis];
      }
      return;
    }
    default: fail(name(p), "cpu backend: not a data-movement primitive");
  }
}

}  // namespace slope::cpu
