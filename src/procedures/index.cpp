// Indexing: x[...] (ints, slices, newaxis, ellipsis, integer and boolean tensors), and the
// torch-style gather family (gather, take_along_dim, index_select, scatter_add, one_hot).
//
// Everything is written with primitives only. Basic indexing is one flip (for negative steps),
// one slice and one reshape. Advanced indexing folds the indexed dims into one dim and gathers
// along it with a linear index (sum of idx_k * stride_k), so a single `gather` primitive serves
// every case and its transpose (scatter_add) gives the gradient.
//
// Semantics follow PyTorch (which differs from NumPy in one corner): integer indices are applied
// first, as a select, so they do not take part in advanced indexing. For x of shape [2, 3, 4],
// x[0, :, idx] is [3, len(idx)] as in PyTorch (NumPy would give [len(idx), 3]).
// Negative entries of index tensors count from the end (where(idx < 0, idx + n, idx)). In eager
// mode out-of-range entries are reported with the dim and size; under a transformation the
// values are unknown, and the gather primitive's own checks apply when the program runs.
// Boolean masks select with a data-dependent shape, so they are supported on concrete masks
// only (eager mode); under a transformation they raise an error suggesting where().
#include <algorithm>
#include <numeric>

#include "slope/interpreter.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {

namespace {

Tensor full_i64(const Shape& s, int64_t v) { return prims::full(s, Scalar(v), i64); }

Tensor iota_i64(int64_t n) { return prims::arange(n, Scalar(int64_t{0}), Scalar(int64_t{1}), i64); }

void check_defined(const char* op, const Tensor& t, const char* what) {
  check(t.defined(), op, what, " is an empty Tensor handle");
}

// Eager-only check, for a message naming the dim; traced values are checked when they run.
void check_index_values(const char* op, const Tensor& idx, int64_t n, int64_t dim) {
  if (!idx.is_concrete()) return;
  for (int64_t v : idx.to_vector<int64_t>())
    if (v < -n || v >= n) fail(op, "index ", v, " is out of bounds for dim ", dim, " of size ", n);
}

// Integer tensor -> i64 with negative entries wrapped by n. Traced indices that feed a *linear*
// position (several dims folded into one) would escape the gather primitive's bounds check (a
// column index of 5 in a 4x5 matrix is still a valid linear position), so unless the caller
// gathers along this very axis (`direct`), they pass through a gather of zeros of size n: its
// run-time check reports the bad index, and adding the zeros keeps it in the data flow.
Tensor wrap_index(const Tensor& idx, int64_t n, bool direct = false) {
  Tensor t = idx.dtype() == i64 ? idx : prims::cast(idx, i64);
  const Shape& s = t.shape();
  if (is_signed(idx.dtype()))  // unsigned entries are never negative
    t = prims::where(prims::less(t, full_i64(s, 0)), prims::add(t, full_i64(s, n)), t);
  if (direct || idx.is_concrete()) return t;  // concrete: check_index_values has reported it
  return prims::add(t, prims::gather(full_i64({n}, 0), t, 0));
}

// NumPy broadcasting of t to `shape` (rank may grow on the left).
Tensor broadcast_to_shape(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  Shape padded(shape.size() - t.shape().size(), 1);
  for (int64_t d : t.shape()) padded.push_back(d);
  Tensor r = padded == t.shape() ? t : prims::reshape(t, padded);
  return padded == shape ? r : prims::expand(r, shape);
}

// Linear positions into a tensor with `strides` for every element of an index tensor of
// shape `ishape`: dim `axis` takes the (wrapped) index values, every other dim its own coordinate.
Tensor linear_positions(const Shape& ishape, const Shape& strides, int64_t axis, const Tensor& idx) {
  Tensor lin = prims::mul(idx, full_i64(ishape, strides[axis]));
  for (int64_t d = 0; d < static_cast<int64_t>(ishape.size()); ++d) {
    if (d == axis) continue;
    Shape s(ishape.size(), 1);
    s[d] = ishape[d];
    Tensor coord = prims::expand(prims::reshape(iota_i64(ishape[d]), s), ishape);
    lin = prims::add(lin, prims::mul(coord, full_i64(ishape, strides[d])));
  }
  return lin;
}

// Python slice semantics for a dim of size n: returns (start, count, step) with the walk
// start, start+step, ... (count elements); step may be negative.
struct SliceWalk {
  int64_t start, count, step;
};
SliceWalk resolve_slice(const Slice& s, int64_t n) {
  int64_t step = s.step.value_or(1);
  check(step != 0, "index", "slice step cannot be zero");
  check(step != INT64_MIN, "index", "slice step ", step, " is out of range");
  auto norm = [&](int64_t v, int64_t lo, int64_t hi) {  // negative counts from the end, then clamp
    if (v < 0) v = v < -n ? lo : v + n;  // avoids overflow on INT64_MIN
    return std::clamp(v, lo, hi);
  };
  if (step > 0) {
    int64_t start = s.start ? norm(*s.start, 0, n) : 0;
    int64_t stop = s.stop ? norm(*s.stop, 0, n) : n;
    int64_t count = stop > start ? (stop - start - 1) / step + 1 : 0;
    return {start, count, step};
  }
  // Negative step: start defaults to the last element, stop to "before the first" (-1).
  int64_t start = s.start ? norm(*s.start, -1, n - 1) : n - 1;
  int64_t stop = s.stop ? norm(*s.stop, -1, n - 1) : -1;
  int64_t count = start > stop ? (start - stop - 1) / -step + 1 : 0;
  return {start, count, step};
}

// An advanced index bound to a dim of the basic-indexed result.
struct Advanced {
  int64_t pos;     // dim in the result of basic indexing
  int64_t xdim;    // dim of x it indexes (for messages)
  int64_t size;    // size of that dim
  Tensor idx;      // integer tensor
};

// Host-side nonzero of a concrete bool mask: one i64 tensor of coordinates per mask dim.
std::vector<Tensor> mask_coordinates(const Tensor& mask) {
  std::vector<bool> v = mask.to_vector<bool>();
  const Shape& s = mask.shape();
  Shape strides = contiguous_strides(s);
  std::vector<std::vector<int64_t>> coords(s.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i]) continue;
    int64_t rem = static_cast<int64_t>(i);
    for (size_t d = 0; d < s.size(); ++d) {
      coords[d].push_back(rem / strides[d]);
      rem %= strides[d];
    }
  }
  std::vector<Tensor> out;
  for (auto& c : coords) out.push_back(tensor(c, Shape{static_cast<int64_t>(c.size())}, i64));
  return out;
}

}  // namespace

Tensor index(const Tensor& x, const std::vector<Index>& items) {
  OpScope scope("index");
  const char* op = "index";
  check_defined(op, x, "the indexed tensor");
  const int64_t nd = x.ndim();

  // How many dims of x the items consume; the ellipsis takes the rest.
  int64_t consumed = 0, ellipses = 0;
  for (const Index& it : items) {
    switch (it.kind()) {
      case Index::Kind::Int:
      case Index::Kind::Slice: ++consumed; break;
      case Index::Kind::Tensor: {
        const Tensor& t = it.tensor();
        check_defined(op, t, "an index tensor");
        if (t.dtype() == bool_) {
          check(t.ndim() >= 1, op, "a 0-d boolean index is not supported");
          consumed += t.ndim();
        } else {
          check(is_integral(t.dtype()), op, "index tensors must be integer or bool, got ", name(t.dtype()));
          ++consumed;
        }
        break;
      }
      case Index::Kind::Ellipsis: ++ellipses; break;
      case Index::Kind::NewAxis: break;
    }
  }
  check(ellipses <= 1, op, "an index can only have a single ellipsis, got ", ellipses);
  check(consumed <= nd, op, "too many indices for a ", nd, "-d tensor of shape ", to_string(x.shape()), ": ",
        consumed, " dims indexed");

  // Walk the items: per dim of x a slice (flipped coordinates for negative steps); the
  // result shape after dropping int-indexed dims and inserting new axes; the advanced indices.
  const Shape& xs = x.shape();
  Shape start(nd, 0), stop = xs, step(nd, 1), out_shape;
  Axes flips;
  std::vector<Advanced> adv;
  int64_t d = 0;  // next dim of x
  auto keep_dim = [&](int64_t dim) { out_shape.push_back(stop[dim] - start[dim] == 0 ? 0 : (stop[dim] - start[dim] - 1) / step[dim] + 1); };
  for (const Index& it : items) {
    switch (it.kind()) {
      case Index::Kind::Int: {
        int64_t i = it.integer(), n = xs[d];
        check(i >= -n && i < n, op, "index ", i, " is out of bounds for dim ", d, " of size ", n);
        if (i < 0) i += n;
        start[d] = i;
        stop[d] = i + 1;
        ++d;  // dropped from the result
        break;
      }
      case Index::Kind::Slice: {
        int64_t n = xs[d];
        SliceWalk w = resolve_slice(it.slice(), n);
        int64_t first = w.start, st = w.step;
        if (w.step < 0) {  // walk the flipped dim forwards: position i becomes n - 1 - i
          flips.push_back(d);
          first = n - 1 - w.start;
          st = -w.step;
        }
        if (w.count == 0) {
          start[d] = stop[d] = 0;
        } else {
          start[d] = first;
          stop[d] = first + (w.count - 1) * st + 1;
          step[d] = st;
        }
        keep_dim(d);
        ++d;
        break;
      }
      case Index::Kind::NewAxis: out_shape.push_back(1); break;
      case Index::Kind::Ellipsis: {
        for (int64_t k = 0; k < nd - consumed; ++k, ++d) keep_dim(d);
        break;
      }
      case Index::Kind::Tensor: {
        const Tensor& t = it.tensor();
        if (t.dtype() == bool_) {
          for (int64_t k = 0; k < t.ndim(); ++k)
            check(t.shape()[k] == xs[d + k], op, "boolean mask of shape ", to_string(t.shape()),
                  " does not match the indexed dims of ", to_string(xs), " starting at dim ", d);
          check(t.is_concrete(), op,
                "boolean mask indexing has a data-dependent shape and is only supported in eager mode; "
                "use where(mask, x, 0) under a transformation");
          std::vector<Tensor> coords = mask_coordinates(t);
          for (int64_t k = 0; k < t.ndim(); ++k, ++d) {
            adv.push_back({static_cast<int64_t>(out_shape.size()), d, xs[d], coords[k]});
            keep_dim(d);
          }
        } else {
          check_index_values(op, t, xs[d], d);
          adv.push_back({static_cast<int64_t>(out_shape.size()), d, xs[d], t});
          keep_dim(d);
          ++d;
        }
        break;
      }
    }
  }
  for (; d < nd; ++d) keep_dim(d);  // unindexed trailing dims

  Tensor y = x;
  if (!flips.empty()) y = prims::flip(y, flips);
  if (start != Shape(nd, 0) || stop != xs || step != Shape(nd, 1)) y = prims::slice(y, start, stop, step);
  if (y.shape() != out_shape) y = prims::reshape(y, out_shape);
  if (adv.empty()) return y;

  // Advanced indexing. Broadcast the index tensors together; their dims replace the indexed
  // dims in place if those are adjacent, else they go first (NumPy/PyTorch rule).
  Shape bshape;
  for (const Advanced& a : adv) bshape = broadcast_shapes(op, bshape, a.idx.shape());
  bool adjacent = true;
  for (size_t k = 1; k < adv.size(); ++k) adjacent = adjacent && adv[k].pos == adv[k - 1].pos + 1;
  const int64_t k = static_cast<int64_t>(adv.size());
  const int64_t p0 = adjacent ? adv[0].pos : 0;
  if (!adjacent) {  // move the advanced dims to the front
    Axes perm;
    for (const Advanced& a : adv) perm.push_back(a.pos);
    for (int64_t i = 0; i < y.ndim(); ++i)
      if (std::none_of(adv.begin(), adv.end(), [&](const Advanced& a) { return a.pos == i; })) perm.push_back(i);
    y = prims::permute(y, perm);
  }
  // Fold the k advanced dims into one and gather along it.
  Shape folded(y.shape().begin(), y.shape().begin() + p0);
  int64_t block = 1;
  for (const Advanced& a : adv) block *= a.size;
  folded.push_back(block);
  for (int64_t i = p0 + k; i < y.ndim(); ++i) folded.push_back(y.shape()[i]);
  y = prims::reshape(y, folded);
  Tensor lin;
  int64_t stride = block;
  for (const Advanced& a : adv) {
    stride = a.size == 0 ? 0 : stride / a.size;
    Tensor term = prims::mul(broadcast_to_shape(wrap_index(a.idx, a.size), bshape), full_i64(bshape, stride));
    lin = lin.defined() ? prims::add(lin, term) : term;
  }
  return prims::gather(y, lin, p0);
}

// torch.gather: out[i][j][k] = x[i][index[i][j][k]][k] (axis 1); index has x's rank and is no
// larger than x in the other dims. Gathers from the flattened x at linear positions.
Tensor gather(const Tensor& x, int64_t axis, const Tensor& index) {
  OpScope scope("gather");
  const char* op = "gather";
  check_defined(op, x, "the input");
  check_defined(op, index, "the index");
  check(is_integral(index.dtype()), op, "index must be an integer tensor, got ", name(index.dtype()));
  check(index.ndim() == x.ndim(), op, "index must have the input's rank: input ", to_string(x.aval()), ", index ",
        to_string(index.aval()));
  if (x.ndim() == 0) {  // like torch: a 0-d gather reads the single element
    check_index_values(op, index, 1, 0);
    return x;
  }
  axis = normalize_axis(op, axis, x.ndim());
  for (int64_t d = 0; d < x.ndim(); ++d)
    check(d == axis || index.shape()[d] <= x.shape()[d], op, "index ", to_string(index.shape()),
          " is larger than input ", to_string(x.shape()), " in dim ", d);
  check_index_values(op, index, x.shape()[axis], axis);
  Tensor lin = linear_positions(index.shape(), contiguous_strides(x.shape()), axis, wrap_index(index, x.shape()[axis]));
  return prims::gather(prims::reshape(x, {x.numel()}), lin, 0);
}

// torch.take_along_dim: x and index broadcast against each other except along `axis`.
Tensor take_along_dim(const Tensor& x, const Tensor& index, int64_t axis) {
  OpScope scope("take_along_dim");
  const char* op = "take_along_dim";
  check_defined(op, x, "the input");
  check_defined(op, index, "the index");
  check(index.ndim() == x.ndim(), op, "input and index must have the same rank, got ", to_string(x.aval()), " and ",
        to_string(index.aval()));
  check(is_integral(index.dtype()), op, "index must be an integer tensor, got ", name(index.dtype()));
  if (x.ndim() == 0) return gather(x, 0, index);
  axis = normalize_axis(op, axis, x.ndim());
  Shape xshape = x.shape(), ishape = index.shape();
  for (int64_t d = 0; d < x.ndim(); ++d) {
    if (d == axis) continue;
    int64_t a = xshape[d], b = ishape[d];
    check(a == b || a == 1 || b == 1, op, "input ", to_string(x.shape()), " and index ", to_string(index.shape()),
          " cannot be broadcast in dim ", d);
    xshape[d] = ishape[d] = a == 1 ? b : a;
  }
  Tensor xe = xshape == x.shape() ? x : prims::expand(x, xshape);
  Tensor ie = ishape == index.shape() ? index : prims::expand(index, ishape);
  return gather(xe, axis, ie);
}

// torch.index_select: a 1-d (or 0-d) index picks whole slices along `axis`.
Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index) {
  OpScope scope("index_select");
  const char* op = "index_select";
  check_defined(op, x, "the input");
  check_defined(op, index, "the index");
  check(is_integral(index.dtype()), op, "index must be an integer tensor, got ", name(index.dtype()));
  check(index.ndim() <= 1, op, "index must be 0-d or 1-d, got ", to_string(index.aval()));
  check(x.ndim() >= 1, op, "input must have at least one dim, got ", to_string(x.aval()));
  axis = normalize_axis(op, axis, x.ndim());
  check_index_values(op, index, x.shape()[axis], axis);
  Tensor idx = index.ndim() == 0 ? prims::reshape(index, {1}) : index;
  return prims::gather(x, wrap_index(idx, x.shape()[axis], /*direct=*/true), axis);
}

// torch.scatter_add: out = x; out[i][index[i][j][k]][k] += src[i][j][k] (axis 1). index is no
// larger than src in any dim and no larger than x outside `axis`; only src's leading part
// (index's shape) is used.
Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src) {
  OpScope scope("scatter_add");
  const char* op = "scatter_add";
  check_defined(op, x, "the input");
  check_defined(op, index, "the index");
  check_defined(op, src, "the source");
  check(is_integral(index.dtype()), op, "index must be an integer tensor, got ", name(index.dtype()));
  check(src.dtype() == x.dtype(), op, "source dtype ", name(src.dtype()), " must equal the input dtype ",
        name(x.dtype()));
  check(index.ndim() == x.ndim() && src.ndim() == x.ndim(), op, "input, index and source must have one rank, got ",
        to_string(x.aval()), ", ", to_string(index.aval()), ", ", to_string(src.aval()));
  if (x.ndim() == 0) {
    check_index_values(op, index, 1, 0);
    return prims::add(x, src);
  }
  axis = normalize_axis(op, axis, x.ndim());
  for (int64_t d = 0; d < x.ndim(); ++d) {
    check(index.shape()[d] <= src.shape()[d], op, "index ", to_string(index.shape()), " is larger than source ",
          to_string(src.shape()), " in dim ", d);
    check(d == axis || index.shape()[d] <= x.shape()[d], op, "index ", to_string(index.shape()),
          " is larger than input ", to_string(x.shape()), " in dim ", d);
  }
  check_index_values(op, index, x.shape()[axis], axis);
  const int64_t m = index.numel();
  Tensor lin = linear_positions(index.shape(), contiguous_strides(x.shape()), axis, wrap_index(index, x.shape()[axis]));
  Tensor s = src;
  if (src.shape() != index.shape()) s = prims::slice(src, Shape(src.ndim(), 0), index.shape(), Shape(src.ndim(), 1));
  Tensor flat = prims::scatter_add(prims::reshape(x, {x.numel()}), prims::reshape(lin, {m}), prims::reshape(s, {m}), 0);
  return prims::reshape(flat, x.shape());
}

// labels [...] (integers in [0, num_classes)) -> [..., num_classes]. num_classes = -1 infers
// max(labels) + 1 from concrete labels, like torch.nn.functional.one_hot.
Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype) {
  OpScope scope("one_hot");
  const char* op = "one_hot";
  check_dtype(op, dtype);
  check_defined(op, labels, "the labels");
  check(is_integral(labels.dtype()), op, "labels must be an integer tensor, got ", name(labels.dtype()));
  check(num_classes >= -1, op, "num_classes must be >= 0 (or -1 to infer), got ", num_classes);
  if (num_classes == -1) {
    check(labels.is_concrete(), op, "num_classes = -1 needs concrete labels (it depends on their values)");
    num_classes = 0;
    for (int64_t v : labels.to_vector<int64_t>()) num_classes = std::max(num_classes, v + 1);
  }
  if (labels.is_concrete())
    for (int64_t v : labels.to_vector<int64_t>())
      check(v >= 0 && v < num_classes, op, "label ", v, " is out of range for ", num_classes, " classes");
  Shape out = labels.shape(), col(labels.ndim(), 1), lab = labels.shape();
  out.push_back(num_classes);
  col.push_back(num_classes);
  lab.push_back(1);
  Tensor l = prims::expand(prims::reshape(prims::cast(labels, i64), lab), out);
  Tensor c = prims::expand(prims::reshape(iota_i64(num_classes), col), out);
  if (labels.is_concrete()) return prims::cast(prims::equal(l, c), dtype);
  // Under a transformation (jit above all) the labels' values are unknown here. Gathering zeros
  // with them lets the gather primitive's run-time bounds check (interpreter and compiled code)
  // report an out-of-range label, where the comparison alone would give a silent all-zero row.
  Tensor zero = prims::gather(prims::full({num_classes}, 0, dtype), prims::cast(labels, i64), 0);
  return prims::where(prims::equal(l, c), prims::full(out, 1, dtype), prims::expand(prims::reshape(zero, lab), out));
}

}  // namespace slope
