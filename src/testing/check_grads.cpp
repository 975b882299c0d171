// check_grads: derivatives against calculus (central differences) and against each other
// (the VJP is the adjoint of the JVP).
#include "slope/check_grads.h"

#include <cmath>
#include <sstream>

#include "slope/ops.h"
#include "slope/random.h"
#include "slope/transforms.h"

namespace slope {

namespace {
using detail::FlatFn;

bool differentiable(const Tensor& t) { return is_floating(t.dtype()); }

std::vector<Tensor> random_like(const std::vector<Tensor>& xs, Tensor& key) {
  std::vector<Tensor> out;
  for (auto& x : xs) {
    auto [k1, k2] = random::split(key);
    key = k1;
    out.push_back(differentiable(x) ? random::normal(k2, x.shape(), x.dtype()) : zeros_like(x));
  }
  return out;
}

double inner(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (differentiable(a[i])) s += (a[i].cast(f64) * b[i].cast(f64)).sum().item<double>();
  return s;
}

void compare(const char* what, int order, const std::vector<Tensor>& got, const std::vector<Tensor>& want,
             const CheckGradsOptions& o) {
  for (size_t i = 0; i < got.size(); ++i) {
    if (!differentiable(want[i])) continue;
    auto g = got[i].to_vector<double>(), w = want[i].to_vector<double>();
    for (size_t k = 0; k < g.size(); ++k) {
      double err = std::abs(g[k] - w[k]);
      if (!(err <= o.atol + o.rtol * std::abs(w[k])))
        fail("check_grads", what, " mismatch at order ", order, ", output ", i, " element ", k, ": got ", g[k],
             ", expected ", w[k], " (atol ", o.atol, ", rtol ", o.rtol, ")");
    }
  }
}

std::vector<Tensor> axpy(const std::vector<Tensor>& x, double a, const std::vector<Tensor>& v) {
  std::vector<Tensor> r;
  for (size_t i = 0; i < x.size(); ++i) r.push_back(differentiable(x[i]) ? x[i] + v[i] * a : x[i]);
  return r;
}

void check_jvp(const FlatFn& f, const std::vector<Tensor>& args, int order, Tensor& key, const CheckGradsOptions& o) {
  std::vector<Tensor> v = random_like(args, key);
  auto [y, t] = detail::jvp_flat(f, args, v);
  std::vector<Tensor> hi = f(axpy(args, o.eps, v)), lo = f(axpy(args, -o.eps, v));
  std::vector<Tensor> fd;
  for (size_t i = 0; i < hi.size(); ++i)
    fd.push_back(differentiable(hi[i]) ? (hi[i] - lo[i]) / (2 * o.eps) : hi[i]);
  compare("JVP vs central differences", order, t, fd, o);
}

void check_vjp(const FlatFn& f, const std::vector<Tensor>& args, int order, Tensor& key, const CheckGradsOptions& o) {
  std::vector<Tensor> v_in = random_like(args, key);
  auto lin = detail::linearize_flat(f, args);
  std::vector<Tensor> c = random_like(lin.outputs, key);
  std::vector<Tensor> ct_in = detail::apply_transpose(lin, c);
  // J t: from the JVP when forward mode is checked too, else from central differences, so a
  // reverse-only check (e.g. of a custom_vjp function, which has no JVP) never needs forward mode.
  std::vector<Tensor> t_out;
  if (o.modes != GradModes::reverse) {
    t_out = detail::apply_linear(lin, v_in);
  } else {
    std::vector<Tensor> hi = f(axpy(args, o.eps, v_in)), lo = f(axpy(args, -o.eps, v_in));
    for (size_t i = 0; i < hi.size(); ++i)
      t_out.push_back(differentiable(hi[i]) ? (hi[i] - lo[i]) / (2 * o.eps) : hi[i]);
  }
  double a = inner(t_out, c), b = inner(v_in, ct_in);
  if (!(std::abs(a - b) <= o.atol + o.rtol * std::max(std::abs(a), std::abs(b))))
    fail("check_grads", "VJP is not the adjoint of the JVP at order ", order, ": <c, J t> = ", a, ", <J^T c, t> = ", b);
}

void check_rec(const FlatFn& f, const std::vector<Tensor>& args, int order, Tensor& key, const CheckGradsOptions& o) {
  bool fwd = o.modes != GradModes::reverse, rev = o.modes != GradModes::forward;
  if (fwd) check_jvp(f, args, order, key, o);
  if (rev) check_vjp(f, args, order, key, o);
  if (order <= 1) return;
  if (fwd) {
    std::vector<Tensor> v = random_like(args, key);
    FlatFn df = [f, v](const std::vector<Tensor>& a) { return detail::jvp_flat(f, a, v).second; };
    check_rec(df, args, order - 1, key, o);
  }
  if (rev) {
    std::vector<Tensor> outs = f(args);
    std::vector<Tensor> c = random_like(outs, key);
    FlatFn df = [f, c](const std::vector<Tensor>& a) {
      return detail::apply_transpose(detail::linearize_flat(f, a), c);
    };
    check_rec(df, args, order - 1, key, o);
  }
}
}  // namespace

void check_grads(const TensorFn& f, const std::vector<Tensor>& args, const CheckGradsOptions& o) {
  check(o.order >= 1, "check_grads", "order must be >= 1, got ", o.order);
  std::vector<Tensor> a64;
  for (auto& a : args) {
    check(a.defined(), "check_grads", "an argument is an empty Tensor handle");
    a64.push_back(differentiable(a) ? a.cast(f64) : a);
  }
  // Run in f64 throughout: outputs of f are cast too, so f may build f32 constants internally.
  FlatFn f64fn = [f](const std::vector<Tensor>& a) {
    std::vector<Tensor> out = f(a);
    for (auto& y : out)
      if (differentiable(y) && y.dtype() != f64) y = y.cast(f64);
    return out;
  };
  Tensor key = random::key(o.seed);
  check_rec(f64fn, a64, o.order, key, o);
}

}  // namespace slope
