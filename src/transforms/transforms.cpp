// The flat cores of the transformations: lists of tensors in, lists out. The templates in
// transforms.h handle pytrees and call these.
#include "slope/transforms.h"

#include "program/transformations.h"
#include "slope/primitive_ops.h"
#include "traces/tracers.h"

namespace slope::detail {

namespace {
void check_tangent(const char* op, size_t i, const Tensor& p, const Tensor& t) {
  check(t.defined(), op, "tangent ", i, " is an empty Tensor handle");
  check(p.shape() == t.shape() && p.dtype() == t.dtype(), op, "tangent ", i, " must match its primal ",
        to_string(p.aval()), ", got ", to_string(t.aval()));
}
}  // namespace

std::pair<std::vector<Tensor>, std::vector<Tensor>> jvp_flat(const FlatFn& f, const std::vector<Tensor>& primals,
                                                             const std::vector<Tensor>& tangents) {
  check(primals.size() == tangents.size(), "jvp", "got ", primals.size(), " primals and ", tangents.size(), " tangents");
  JvpInterpreter jvp(&current_interpreter());
  std::vector<Tensor> in;
  for (size_t i = 0; i < primals.size(); ++i) {
    check_tangent("jvp", i, primals[i], tangents[i]);
    in.push_back(is_floating(primals[i].dtype()) ? jvp.lift(primals[i], tangents[i]) : primals[i]);
  }
  std::vector<Tensor> raw;
  {
    InterpreterScope scope(jvp);
    raw = f(in);
  }
  std::vector<Tensor> y, ty;
  for (auto& r : raw) {
    auto [p, t] = jvp.unpack(r);
    y.push_back(p);
    ty.push_back(t.defined() ? t : prims::zeros_as(p));
  }
  return {y, ty};
}

Linearized linearize_flat(const FlatFn& f, const std::vector<Tensor>& primals) {
  PartialEvalInterpreter staging(&current_interpreter());
  Linearized lin;
  std::vector<Tensor> raw;
  JvpInterpreter jvp(&staging);
  {
    InterpreterScope s1(staging);
    std::vector<Tensor> in;
    for (auto& p : primals) {
      check(p.defined(), "linearize", "an argument is an empty Tensor handle");
      Tensor t = staging.new_input(p.aval());
      lin.in_avals.push_back(p.aval());
      // Integer and bool inputs have no tangent space: their tangent input is never used.
      in.push_back(is_floating(p.dtype()) ? jvp.lift(p, t) : p);
    }
    InterpreterScope s2(jvp);
    raw = f(in);
  }
  for (auto& r : raw) {
    check(r.defined(), "linearize", "f returned an empty Tensor handle");
    auto [p, t] = jvp.unpack(r);
    lin.outputs.push_back(p);
    lin.out_avals.push_back(p.aval());
    staging.program.outputs.push_back(t.defined() ? staging.atom(t) : Atom{-1, Tensor()});
  }
  lin.linear = std::make_shared<Program>(std::move(staging.program));
  return lin;
}

std::vector<Tensor> apply_linear(const Linearized& l, const std::vector<Tensor>& tangents) {
  check(tangents.size() == l.in_avals.size(), "linearize", "expects ", l.in_avals.size(), " tangents, got ", tangents.size());
  for (size_t i = 0; i < tangents.size(); ++i)
    check(tangents[i].defined() && tangents[i].aval() == l.in_avals[i], "linearize", "tangent ", i, " must be ",
          to_string(l.in_avals[i]), tangents[i].defined() ? ", got " + to_string(tangents[i].aval()) : "");
  // Outputs with a symbolic-zero tangent come back undefined: make them real zeros.
  std::vector<Tensor> res = l.linear->run(tangents);
  for (size_t i = 0; i < res.size(); ++i)
    if (!res[i].defined()) res[i] = prims::full(l.out_avals[i].shape, 0, l.out_avals[i].dtype);
  return res;
}

std::vector<Tensor> apply_transpose(const Linearized& l, const std::vector<Tensor>& cts) {
  check(cts.size() == l.out_avals.size(), "vjp", "expects ", l.out_avals.size(), " cotangents, got ", cts.size());
  for (size_t i = 0; i < cts.size(); ++i)
    check(cts[i].defined() && cts[i].aval() == l.out_avals[i], "vjp", "cotangent ", i, " must be ",
          to_string(l.out_avals[i]), cts[i].defined() ? ", got " + to_string(cts[i].aval()) : "");
  std::vector<Tensor> g = transpose_program(*l.linear, cts);
  for (size_t i = 0; i < g.size(); ++i)
    if (!g[i].defined()) g[i] = prims::full(l.in_avals[i].shape, 0, l.in_avals[i].dtype);
  return g;
}

void check_scalar_output(const char* transform, const Tensor& y) {
  check(y.defined(), transform, "f returned an empty Tensor handle");
  check(y.ndim() == 0, transform, "f must return a scalar (0-d) tensor, got ", to_string(y.aval()),
        " (reduce it, e.g. with .sum(), or use vjp)");
  check(is_floating(y.dtype()), transform, "f must return a floating-point scalar, got ", to_string(y.aval()),
        " (integer and bool outputs have no gradient)");
}

Tensor ones_like_cotangent(const Tensor& y) { return prims::full(y.shape(), 1, y.dtype()); }
Tensor zeros_cotangent(const AVal& a) { return prims::full(a.shape, 0, a.dtype); }

std::vector<Tensor> vmap_flat(const FlatFn& f, const std::vector<Tensor>& args,
                              const std::vector<std::optional<int64_t>>& in_dims,
                              const std::vector<std::optional<int64_t>>& out_dims) {
  check(in_dims.size() == args.size(), "vmap", "in_dims has ", in_dims.size(), " entries for ", args.size(), " tensors");
  int64_t size = -1;
  size_t first = 0;
  std::vector<int64_t> dims(args.size(), -1);
  for (size_t i = 0; i < args.size(); ++i) {
    if (!in_dims[i]) continue;
    check(args[i].defined(), "vmap", "argument leaf ", i, " is an empty Tensor handle");
    check(args[i].ndim() > 0, "vmap", "cannot map over axis ", *in_dims[i], " of a 0-d tensor (leaf ", i, ")");
    int64_t d = normalize_axis("vmap", *in_dims[i], args[i].ndim());
    dims[i] = d;
    int64_t n = args[i].shape()[d];
    if (size < 0) {
      size = n;
      first = i;
    } else {
      check(n == size, "vmap", "inconsistent sizes for the mapped axes: leaf ", first, " has ", size, ", leaf ", i,
            " has ", n, " (", to_string(args[i].aval()), " at axis ", d, ")");
    }
  }
  check(size >= 0, "vmap", "needs at least one mapped argument (every in_dim is std::nullopt)");
  VmapInterpreter vm(&current_interpreter(), size);
  std::vector<Tensor> in;
  for (size_t i = 0; i < args.size(); ++i)
    in.push_back(dims[i] >= 0 ? Tensor(std::make_shared<BatchTracer>(&vm, args[i], dims[i])) : args[i]);
  std::vector<Tensor> raw;
  {
    InterpreterScope scope(vm);
    raw = f(in);
  }
  check(out_dims.size() == 1 || out_dims.size() == raw.size(), "vmap", "out_dims has ", out_dims.size(),
        " entries for ", raw.size(), " outputs");
  std::vector<Tensor> outs;
  for (size_t i = 0; i < raw.size(); ++i) {
    std::optional<int64_t> od = out_dims.size() == 1 ? out_dims[0] : out_dims[i];
    Tensor val;
    int64_t bd;
    if (vm.owns(raw[i])) {
      auto* tr = static_cast<const BatchTracer*>(raw[i].impl().get());
      val = tr->val;
      bd = tr->bdim;
    } else {
      val = raw[i];
      bd = -1;
    }
    if (!od) {
      check(bd < 0, "vmap", "output ", i, " depends on the mapped axis, so its out_dim cannot be std::nullopt");
      outs.push_back(val);
      continue;
    }
    int64_t target = normalize_axis("vmap", *od, val.ndim() + (bd < 0 ? 1 : 0));
    if (bd < 0) {  // unbatched output: broadcast along the new axis
      Shape s1 = val.shape(), sb = val.shape();
      s1.insert(s1.begin() + target, 1);
      sb.insert(sb.begin() + target, size);
      outs.push_back(prims::expand(prims::reshape(val, s1), sb));
    } else {
      Axes perm;
      for (int64_t k = 0; k < val.ndim(); ++k)
        if (k != bd) perm.push_back(k);
      perm.insert(perm.begin() + target, bd);
      outs.push_back(prims::permute(val, perm));
    }
  }
  return outs;
}

}  // namespace slope::detail

namespace slope {

namespace {
Shape cat_shapes(const Shape& a, const Shape& b) {
  Shape r = a;
  for (auto d : b) r.push_back(d);
  return r;
}
// The identity matrix of size n reshaped to [n, *shape]: the standard basis of a space of that
// shape (i == j of two broadcast aranges; built from primitives, as transforms sit below ops.h).
Tensor basis_of(const Shape& shape, DType dtype) {
  int64_t n = numel(shape);
  Tensor i = prims::arange(n, 0, 1, i64);
  Tensor rows = prims::expand(prims::reshape(i, Shape{n, 1}), Shape{n, n});
  Tensor cols = prims::expand(prims::reshape(i, Shape{1, n}), Shape{n, n});
  return prims::reshape(prims::cast(prims::equal(rows, cols), dtype), cat_shapes(Shape{n}, shape));
}
}  // namespace

Tensor jacfwd_flat(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  check(is_floating(x.dtype()), "jacfwd", "needs a floating-point input, got ", to_string(x.aval()));
  detail::FlatFn flat = [&](const std::vector<Tensor>& a) { return std::vector<Tensor>{f(a[0])}; };
  Shape out_shape;
  // One jvp per basis vector, batched: columns [n, *out].
  Tensor cols = vmap([&](const Tensor& t) {
    auto r = detail::jvp_flat(flat, {x}, {t});
    out_shape = r.first[0].shape();
    return r.second[0];
  })(basis_of(x.shape(), x.dtype()));
  Axes perm;
  for (int64_t i = 1; i < cols.ndim(); ++i) perm.push_back(i);
  perm.push_back(0);
  return prims::reshape(prims::permute(cols, perm), cat_shapes(out_shape, x.shape()));
}

Tensor jacrev_flat(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  check(is_floating(x.dtype()), "jacrev", "needs a floating-point input, got ", to_string(x.aval()));
  detail::FlatFn flat = [&](const std::vector<Tensor>& a) { return std::vector<Tensor>{f(a[0])}; };
  auto lin = detail::linearize_flat(flat, {x});
  const Tensor& y = lin.outputs[0];
  check(is_floating(y.dtype()), "jacrev", "f must return a floating-point tensor, got ", to_string(y.aval()));
  // One pullback per output basis vector, batched: rows [m, *in].
  Tensor rows = vmap([&](const Tensor& ct) { return detail::apply_transpose(lin, {ct})[0]; })(basis_of(y.shape(), y.dtype()));
  return prims::reshape(rows, cat_shapes(y.shape(), x.shape()));
}

}  // namespace slope
