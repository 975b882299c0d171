// Batching rules. Most move the batch axis to the front and shift the primitive's axis
// parameters by one; elementwise ops broadcast unbatched operands; conv folds the batch into
// its batch or group dimension.
#include "helpers.h"
#include "rules.h"

namespace slope::rules {

namespace {
// x with its batch axis at 0; an unbatched x is broadcast along a new leading axis.
Tensor front(const Tensor& x, int64_t bdim, int64_t size) {
  if (bdim >= 0) return move_axis(x, bdim, 0);
  Shape s1{1}, sb{size};
  for (auto d : x.shape()) {
    s1.push_back(d);
    sb.push_back(d);
  }
  return prims::expand(prims::reshape(x, s1), sb);
}
Axes shift(const Axes& a) {
  Axes r;
  for (auto v : a) r.push_back(v + 1);
  return r;
}
Shape with_front(int64_t b, const Shape& s) {
  Shape r{b};
  for (auto v : s) r.push_back(v);
  return r;
}
Shape prepend(int64_t v, const Shape& s) { return with_front(v, s); }

// Index arithmetic for gather/scatter with batched indices: after moving the batch to the front
// of x and idx, fold (batch, axis) of x into one axis and offset idx by batch * axis_len.
struct Folded {
  Tensor x, idx;
};
Folded fold_batch_into_axis(const Tensor& xb, const Tensor& ib, int64_t axis) {
  // xb [B, pre..., n, post...], ib [B, j...]; want x' [B*n, pre..., post...] with the gathered
  // axis first, so permute x's axis (axis+1) to position 1 then reshape.
  int64_t B = xb.shape()[0], n = xb.shape()[axis + 1];
  Tensor xp = move_axis(xb, axis + 1, 1);  // [B, n, pre..., post...]
  Shape s{B * n};
  for (int64_t i = 2; i < xp.ndim(); ++i) s.push_back(xp.shape()[i]);
  Tensor xf = prims::reshape(xp, s);
  Tensor ids = prims::cast(ib, i64);
  Shape bs(ids.ndim(), 1);
  bs[0] = B;
  Tensor offs = prims::mul(prims::reshape(prims::arange(B, Scalar(0), Scalar(1), i64), bs), prims::full(bs, n, i64));
  Tensor idx = prims::add(ids, prims::expand(offs, ids.shape()));
  return {xf, idx};
}
}  // namespace

void vmap(Prim p, const Params& params, std::span<const Tensor> x, std::span<const int64_t> bdims, int64_t size,
          std::span<Tensor> y, std::span<int64_t> out_bdims) {
  Tensor& out = y[0];
  int64_t& ob = out_bdims[0];
  ob = 0;
  switch (family(p)) {
    case Family::unary: {
      out = bind1(p, {x[0]}, params);
      ob = bdims[0];
      return;
    }
    case Family::binary:
    case Family::ternary: {
      // Same batch axis everywhere already: no movement needed.
      bool same = true;
      for (size_t i = 0; i < x.size(); ++i) same &= bdims[i] == bdims[0];
      if (same) {
        out = bind1(p, x, params);
        ob = bdims[0];
        return;
      }
      std::vector<Tensor> xs;
      for (size_t i = 0; i < x.size(); ++i) xs.push_back(front(x[i], bdims[i], size));
      out = bind1(p, std::span<const Tensor>(xs), params);
      return;
    }
    default: break;
  }
  switch (p) {
    case Prim::sum:
    case Prim::max:
    case Prim::flip:
      out = bind1(p, {front(x[0], bdims[0], size)}, AxesParams{shift(std::get<AxesParams>(params).axes)});
      return;
    case Prim::permute: {
      Axes perm{0};
      for (auto v : std::get<AxesParams>(params).axes) perm.push_back(v + 1);
      out = prims::permute(front(x[0], bdims[0], size), perm);
      return;
    }
    case Prim::reshape:
    case Prim::expand:
      out = bind1(p, {front(x[0], bdims[0], size)}, ShapeParams{with_front(size, std::get<ShapeParams>(params).shape)});
      return;
    case Prim::pad: {
      auto pp = std::get<PadParams>(params);
      out = prims::pad(front(x[0], bdims[0], size), prepend(0, pp.lo), prepend(0, pp.hi), prepend(0, pp.interior), pp.value);
      return;
    }
    case Prim::slice: {
      auto sp = std::get<SliceParams>(params);
      out = prims::slice(front(x[0], bdims[0], size), prepend(0, sp.start), prepend(size, sp.stop), prepend(1, sp.step));
      return;
    }
    case Prim::cat: {
      std::vector<Tensor> xs;
      for (size_t i = 0; i < x.size(); ++i) xs.push_back(front(x[i], bdims[i], size));
      out = prims::cat(xs, std::get<AxisParams>(params).axis + 1);
      return;
    }
    case Prim::matmul: {
      // One side unbatched and a plain matrix: fold the batch into that side's free dimension and
      // do one big matmul instead of broadcasting the matrix `size` times.
      if (bdims[1] < 0 && x[1].ndim() == 2 && x[0].ndim() == 3) {  // [B, m, k] @ [k, n]
        Tensor a = front(x[0], bdims[0], size);
        int64_t m = a.shape()[1], k = a.shape()[2];
        Tensor r = prims::matmul(prims::reshape(a, {size * m, k}), x[1]);
        out = prims::reshape(r, {size, m, x[1].shape()[1]});
        return;
      }
      if (bdims[0] < 0 && x[0].ndim() == 2 && x[1].ndim() == 3) {  // [m, k] @ [B, k, n]
        Tensor b = move_axis(x[1], bdims[1], 1);                  // [k, B, n]
        int64_t k = b.shape()[0], n = b.shape()[2];
        Tensor r = prims::matmul(x[0], prims::reshape(b, {k, size * n}));
        out = prims::reshape(r, {x[0].shape()[0], size, n});
        ob = 1;
        return;
      }
      out = prims::matmul(front(x[0], bdims[0], size), front(x[1], bdims[1], size));
      return;
    }
    case Prim::threefry: {
      // Counts batched alone: hash each row with the one key (threefry is elementwise over pairs
      // only within one call, so rows are processed separately to keep JAX's layout per row).
      std::vector<Tensor> rows;
      Tensor k = front(x[0], bdims[0], size), c = front(x[1], bdims[1], size);
      for (int64_t b = 0; b < size; ++b) {
        auto row = [&](const Tensor& t) {
          Shape start(t.ndim(), 0), stop(t.shape()), step(t.ndim(), 1);
          start[0] = b;
          stop[0] = b + 1;
          Shape rest(t.shape().begin() + 1, t.shape().end());
          return prims::reshape(prims::slice(t, start, stop, step), rest);
        };
        Tensor r = prims::threefry(row(k), row(c));
        rows.push_back(prims::reshape(r, with_front(1, r.shape())));
      }
      out = size ? prims::cat(rows, 0) : prims::full(with_front(0, x[1].shape()), 0, u32);
      return;
    }
    case Prim::conv: {
      const auto& cp = std::get<ConvParams>(params);
      if (bdims[1] < 0) {
        // Fold the batch into N: [B, N, C, S] -> [B*N, C, S].
        Tensor xb = front(x[0], bdims[0], size);
        Shape s{size * xb.shape()[1]};
        for (int64_t i = 2; i < xb.ndim(); ++i) s.push_back(xb.shape()[i]);
        Tensor r = prims::conv(prims::reshape(xb, s), x[1], cp);
        Shape o{size, xb.shape()[1]};
        for (int64_t i = 1; i < r.ndim(); ++i) o.push_back(r.shape()[i]);
        out = prims::reshape(r, o);
        return;
      }
      // Batched weights: fold the batch into the groups. x [N, B*C, S], w [B*O, C/g, K], groups B*g.
      Tensor xb = front(x[0], bdims[0], size);  // [B, N, C, S]
      Tensor wb = front(x[1], bdims[1], size);  // [B, O, C/g, K]
      int64_t N = xb.shape()[1], C = xb.shape()[2], O = wb.shape()[1];
      Shape xs{N, size * C};
      for (int64_t i = 3; i < xb.ndim(); ++i) xs.push_back(xb.shape()[i]);
      Tensor xf = prims::reshape(move_axis(xb, 0, 1), xs);
      Shape ws{size * O};
      for (int64_t i = 2; i < wb.ndim(); ++i) ws.push_back(wb.shape()[i]);
      Tensor wf = prims::reshape(wb, ws);
      ConvParams q = cp;
      q.groups = cp.groups * size;
      Tensor r = prims::conv(xf, wf, q);  // [N, B*O, S']
      Shape o{N, size, O};
      for (int64_t i = 2; i < r.ndim(); ++i) o.push_back(r.shape()[i]);
      out = prims::reshape(r, o);
      ob = 1;
      return;
    }
    case Prim::gather: {
      int64_t axis = std::get<AxisParams>(params).axis;
      if (bdims[1] < 0) {
        out = prims::gather(front(x[0], bdims[0], size), x[1], axis + 1);
        return;
      }
      // Batched indices: fold the batch into the gathered axis; result [B, j..., pre..., post...].
      Folded f = fold_batch_into_axis(front(x[0], bdims[0], size), front(x[1], bdims[1], size), axis);
      Tensor r = prims::gather(f.x, f.idx, 0);
      // Move the pre dims (axis of them) back in front of the index dims.
      int64_t nj = x[1].ndim() - (bdims[1] >= 0 ? 1 : 0);
      Axes perm{0};
      for (int64_t i = 0; i < axis; ++i) perm.push_back(1 + nj + i);
      for (int64_t i = 0; i < nj; ++i) perm.push_back(1 + i);
      for (int64_t i = 1 + nj + axis; i < r.ndim(); ++i) perm.push_back(i);
      out = prims::permute(r, perm);
      return;
    }
    case Prim::argmax:
      out = prims::argmax(front(x[0], bdims[0], size), std::get<AxisParams>(params).axis + 1);
      return;
    case Prim::scatter_add: {
      int64_t axis = std::get<AxisParams>(params).axis;
      Tensor xb = front(x[0], bdims[0], size), ub = front(x[2], bdims[2], size);
      if (bdims[1] < 0) {
        out = prims::scatter_add(xb, x[1], ub, axis + 1);
        return;
      }
      Folded f = fold_batch_into_axis(xb, front(x[1], bdims[1], size), axis);
      // updates [B, pre..., j..., post...] -> [B, j..., pre..., post...] to match the folded layout.
      int64_t nj = x[1].ndim() - 1;
      Axes perm{0};
      for (int64_t i = 0; i < nj; ++i) perm.push_back(1 + axis + i);
      for (int64_t i = 0; i < axis; ++i) perm.push_back(1 + i);
      for (int64_t i = 1 + axis + nj; i < ub.ndim(); ++i) perm.push_back(i);
      Tensor r = prims::scatter_add(f.x, f.idx, prims::permute(ub, perm), 0);  // [B*n, pre..., post...]
      int64_t n = xb.shape()[axis + 1];
      Shape s{size, n};
      for (int64_t i = 1; i < r.ndim(); ++i) s.push_back(r.shape()[i]);
      out = move_axis(prims::reshape(r, s), 1, axis + 1);
      return;
    }
    case Prim::argsort: {  // rows stay where they are: only the sorted axis moves past the batch axis
      SortParams sp = std::get<SortParams>(params);
      if (sp.axis >= bdims[0]) sp.axis += 1;
      out = bind1(p, {x[0]}, sp);
      ob = bdims[0];
      return;
    }
    default:
      fail("vmap", "no batching rule for ", name(p));
  }
}

}  // namespace slope::rules
