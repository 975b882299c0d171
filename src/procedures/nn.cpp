// Neural-network functions (torch.nn.functional): activations, the softmax family, linear,
// normalisation, dropout, attention and losses. Every function is a procedure over primitives and
// the ops.h procedures, so gradients, vmap and jit come from the primitives' rules.
// Convolutions and pools live in conv.cpp.
#include <cmath>
#include <limits>
#include <numbers>

#include "with_derivative.h"
#include "slope/nn_functional.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"
#include "slope/random.h"

namespace slope {
namespace nn {

namespace {

void check_floating(const char* op, const Tensor& x) {
  check(is_floating(x.dtype()), op, "needs a floating-point tensor, got ", to_string(x.aval()));
}

// A 0-d constant of x's dtype; where() and the binary ops broadcast it.
Tensor constant(Scalar v, DType d) { return full(Shape{}, v, d); }

// log(1 + exp(z)) without overflow, with the right derivative (sigmoid(z)) everywhere, z = 0
// included. Each branch of the outer where only sees inputs on which it is finite: a where whose
// untaken branch is inf poisons the gradient with 0 * inf = NaN.
Tensor softplus_stable(const Tensor& z) {
  Tensor zero = constant(0, z.dtype());
  Tensor pos = gt(z, zero);
  Tensor zp = where(pos, z, zero);  // z > 0:  z + log1p(exp(-z))
  Tensor zn = where(pos, zero, z);  // z <= 0: log1p(exp(z))
  return where(pos, add(zp, log1p(exp(neg(zp)))), log1p(exp(zn)));
}

// `op` is the loss the user called: 'batchmean' is kl_div's alone (PyTorch rejects it elsewhere).
Tensor reduce_loss(const char* op, const Tensor& l, Reduction r) {
  switch (r) {
    case Reduction::mean: return mean(l);
    case Reduction::sum: return sum(l);
    case Reduction::none: return l;
    case Reduction::batchmean: break;
  }
  fail(op, "reduction must be mean, sum or none (batchmean is for kl_div only)");
}

// The class axis of logits/log-probabilities: 1 for [N, C, d1, ...], 0 for an unbatched [C].
int64_t class_axis(const char* op, const Tensor& x) {
  check(x.ndim() >= 1, op, "input must have a class dimension ([C], [N, C] or [N, C, d1, ...]), got ",
        to_string(x.aval()));
  return x.ndim() >= 2 ? 1 : 0;
}

// -log_probs[target] along the class axis for integer class targets (shape = input without the
// class axis). Checks the targets' values when they are known so the error names this op.
Tensor picked_nll(const char* op, const Tensor& logp, const Tensor& target, int64_t axis) {
  check(is_integral(target.dtype()), op, "class-index targets must be an integer tensor, got ", to_string(target.aval()));
  Shape expect = logp.shape();
  expect.erase(expect.begin() + axis);
  check(target.shape() == expect, op, "class-index target must have shape ", to_string(expect), " for input ",
        to_string(logp.aval()), ", got ", to_string(target.aval()));
  int64_t c = logp.shape()[axis];
  if (target.is_concrete()) {
    for (int64_t t : target.to_vector<int64_t>())
      check(t >= 0 && t < c, op, "target class ", t, " is out of range for ", c, " classes");
  }
  Tensor idx = target.dtype() == i64 ? target : cast(target, i64);
  if (!target.is_concrete()) {
    // gather would wrap a negative class from the end; a traced target passes through a gather
    // of zeros of size c instead, whose run-time check rejects every class outside [0, c).
    Tensor flat = reshape(idx, Shape{idx.numel()});
    idx = add(idx, reshape(prims::gather(prims::full({c}, Scalar(int64_t{0}), i64), flat, 0), idx.shape()));
  }
  return neg(squeeze(gather(logp, axis, unsqueeze(idx, axis)), Axes{axis}));
}

}  // namespace

// ---------------------------------------------------------------- activations

Tensor relu(const Tensor& x) {
  OpScope scope("relu");
  check(x.dtype() != bool_, "relu", "is not defined for bool tensors");
  // where(x <= 0, 0, x) rather than maximum(x, 0): NaN passes through (like PyTorch) and the
  // derivative at 0 is exactly 0 (PyTorch's convention), independent of maximum's tie rule.
  Tensor zero = constant(0, x.dtype());
  return where(le(x, zero), zero, x);
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  OpScope scope("leaky_relu");
  check_floating("leaky_relu", x);
  return where(gt(x, constant(0, x.dtype())), x, x * negative_slope);
}

Tensor elu(const Tensor& x, double alpha) {
  OpScope scope("elu");
  check_floating("elu", x);
  Tensor zero = constant(0, x.dtype());
  Tensor pos = gt(x, zero);
  // expm1 only sees x <= 0, so a large positive x cannot give inf in the untaken branch.
  Tensor neg_part = expm1(where(pos, zero, x)) * alpha;
  return where(pos, x, neg_part);
}

Tensor gelu(const Tensor& x, bool tanh_approx) {
  OpScope scope("gelu");
  check_floating("gelu", x);
  if (tanh_approx) {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    const double k = std::sqrt(2.0 / std::numbers::pi);
    Tensor inner = (x + square(x) * x * 0.044715) * k;
    return x * 0.5 * (tanh(inner) + 1.0);
  }
  // 0.5 x (1 + erf(x / sqrt 2))
  return x * 0.5 * (erf(x * (1.0 / std::numbers::sqrt2)) + 1.0);
}

Tensor silu(const Tensor& x) {
  OpScope scope("silu");
  check_floating("silu", x);
  return mul(x, sigmoid(x));
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  OpScope scope("softplus");
  check_floating("softplus", x);
  check(beta != 0 && std::isfinite(beta), "softplus", "beta must be finite and non-zero, got ", beta);
  // PyTorch: x where beta*x > threshold, else log1p(exp(beta*x)) / beta (computed stably here).
  Tensor bx = x * beta;
  Tensor soft = softplus_stable(bx) / beta;
  return where(bx > threshold, x, soft);
}

Tensor softmax(const Tensor& x, int64_t axis) {
  OpScope scope("softmax");
  check_floating("softmax", x);
  if (x.ndim() == 0) {  // PyTorch treats a 0-d tensor as one element along dim 0 or -1
    normalize_axis("softmax", axis, 1);
    return reshape(softmax(reshape(x, Shape{1}), 0), Shape{});
  }
  int64_t a = normalize_axis("softmax", axis, x.ndim());
  if (x.shape()[a] == 0) return x;  // nothing to normalise (max of an empty axis is undefined)
  // Subtracting the max changes nothing mathematically, so it carries no gradient. A row of all
  // -inf gives NaN, like PyTorch.
  Tensor m = stop_gradient(max(x, Axes{a}, true));
  Tensor e = exp(sub(x, m));
  return div(e, sum(e, Axes{a}, true));
}

Tensor log_softmax(const Tensor& x, int64_t axis) {
  OpScope scope("log_softmax");
  check_floating("log_softmax", x);
  if (x.ndim() == 0) {
    normalize_axis("log_softmax", axis, 1);
    return reshape(log_softmax(reshape(x, Shape{1}), 0), Shape{});
  }
  int64_t a = normalize_axis("log_softmax", axis, x.ndim());
  if (x.shape()[a] == 0) return x;
  Tensor m = stop_gradient(max(x, Axes{a}, true));
  Tensor shifted = sub(x, m);
  return sub(shifted, log(sum(exp(shifted), Axes{a}, true)));
}

Tensor linear(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b) {
  OpScope scope("linear");
  check(w.ndim() == 1 || w.ndim() == 2, "linear", "weight must be [out, in] (or [in]), got ", to_string(w.aval()));
  check(x.ndim() >= 1, "linear", "input must have at least one dim, got ", to_string(x.aval()));
  check(x.shape().back() == w.shape().back(), "linear", "input features ", x.shape().back(),
        " do not match the weight's in-features ", w.shape().back(), ": input ", to_string(x.aval()), ", weight ",
        to_string(w.aval()));
  Tensor y = matmul(x, w.ndim() == 2 ? transpose(w, 0, 1) : w);
  if (b) y = add(y, *b);
  return y;
}

// ---------------------------------------------------------------- normalisation, dropout

Tensor batch_norm(const Tensor& x, const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var,
                  const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, bool training, double eps) {
  OpScope scope("batch_norm");
  check_floating("batch_norm", x);
  check(x.ndim() >= 2, "batch_norm", "input must be [N, C, ...], got ", to_string(x.aval()));
  int64_t c = x.shape()[1];
  Shape stat_shape(x.ndim(), 1);
  stat_shape[1] = c;
  auto per_channel = [&](const std::optional<Tensor>& t, const char* what) {
    check(t->shape() == Shape{c}, "batch_norm", what, " must have shape [", c, "] for input ", to_string(x.aval()),
          ", got ", to_string(t->aval()));
    return reshape(*t, stat_shape);
  };
  Axes axes;
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (i != 1) axes.push_back(i);
  Tensor mu, var;
  if (training) {
    check(x.numel() / std::max<int64_t>(c, 1) > 1, "batch_norm", "expected more than 1 value per channel when training, got input ",
          to_string(x.aval()));
    // Functional: running statistics are not updated here (PyTorch updates them in place);
    // the caller computes new running stats if it keeps them.
    if (running_mean) per_channel(running_mean, "running_mean");
    if (running_var) per_channel(running_var, "running_var");
    mu = mean(x, axes, true);
    var = mean(square(sub(x, mu)), axes, true);  // biased, as PyTorch normalises with
  } else {
    check(running_mean.has_value() && running_var.has_value(), "batch_norm",
          "running_mean and running_var are required when training=false");
    mu = per_channel(running_mean, "running_mean");
    var = per_channel(running_var, "running_var");
  }
  Tensor y = mul(sub(x, mu), rsqrt(var + eps));
  if (weight) y = mul(y, per_channel(weight, "weight"));
  if (bias) y = add(y, per_channel(bias, "bias"));
  return y;
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps) {
  OpScope scope("layer_norm");
  check_floating("layer_norm", x);
  int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool ok = k >= 1 && x.ndim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = x.shape()[x.ndim() - k + i] == normalized_shape[i];
  check(ok, "layer_norm", "normalized_shape ", to_string(normalized_shape),
        " must be non-empty and equal the trailing dims of the input ", to_string(x.aval()));
  Axes axes;
  for (int64_t i = x.ndim() - k; i < x.ndim(); ++i) axes.push_back(i);
  Tensor mu = mean(x, axes, true);
  Tensor xc = sub(x, mu);
  Tensor var = mean(square(xc), axes, true);
  Tensor y = mul(xc, rsqrt(var + eps));
  if (weight) {
    check(weight->shape() == normalized_shape, "layer_norm", "weight must have shape ", to_string(normalized_shape),
          ", got ", to_string(weight->aval()));
    y = mul(y, *weight);
  }
  if (bias) {
    check(bias->shape() == normalized_shape, "layer_norm", "bias must have shape ", to_string(normalized_shape),
          ", got ", to_string(bias->aval()));
    y = add(y, *bias);
  }
  return y;
}

Tensor dropout(const Tensor& x, double p, const Tensor& key, bool training) {
  OpScope scope("dropout");
  check(p >= 0 && p <= 1, "dropout", "probability must be in [0, 1], got ", p);
  if (!training || p == 0) return x;
  check_floating("dropout", x);
  // x * 0 (not zeros): NaN/inf inputs stay NaN, as in PyTorch.
  if (p == 1) return x * 0.0;
  Tensor keep = random::bernoulli(key, 1.0 - p, x.shape());
  // The scale is applied in the taken branch only; the untaken branch is a finite zero.
  return where(keep, x * (1.0 / (1.0 - p)), constant(0, x.dtype()));
}

// ---------------------------------------------------------------- attention

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const std::optional<Tensor>& attn_mask, bool is_causal,
                                    std::optional<double> scale) {
  OpScope scope("scaled_dot_product_attention");
  const char* op = "scaled_dot_product_attention";
  check(q.ndim() >= 2 && k.ndim() >= 2 && v.ndim() >= 2, op, "q, k, v must be [..., L, E], [..., S, E], [..., S, Ev], got ",
        to_string(q.aval()), ", ", to_string(k.aval()), ", ", to_string(v.aval()));
  check(is_floating(q.dtype()) && q.dtype() == k.dtype() && q.dtype() == v.dtype(), op,
        "q, k, v must share one floating dtype, got ", to_string(q.aval()), ", ", to_string(k.aval()), ", ",
        to_string(v.aval()));
  int64_t e = q.shape().back();
  check(k.shape().back() == e, op, "q and k must have the same embedding size, got ", to_string(q.aval()), " and ",
        to_string(k.aval()));
  check(k.shape(-2) == v.shape(-2), op, "k and v must have the same sequence length, got ", to_string(k.aval()),
        " and ", to_string(v.aval()));
  check(!(is_causal && attn_mask), op, "give either attn_mask or is_causal, not both (as PyTorch)");
  double s = scale.value_or(e > 0 ? 1.0 / std::sqrt(static_cast<double>(e)) : 1.0);
  DType dt = q.dtype();
  Tensor scores = matmul(q, transpose(k, -2, -1)) * s;
  // A bool mask (true = attend) becomes an additive 0 / -inf bias built with where, never with
  // multiplication (0 * inf = NaN). Rows with nothing to attend to give NaN, like PyTorch.
  auto bool_bias = [&](const Tensor& keep) {
    return where(keep, constant(0, dt), constant(-std::numeric_limits<double>::infinity(), dt));
  };
  if (is_causal) {
    int64_t l = q.shape(-2), sl = k.shape(-2);
    Tensor rows = reshape(arange(Scalar(int64_t{0}), Scalar(l), Scalar(int64_t{1}), i64), Shape{l, 1});
    Tensor cols = reshape(arange(Scalar(int64_t{0}), Scalar(sl), Scalar(int64_t{1}), i64), Shape{1, sl});
    scores = add(scores, bool_bias(ge(rows, cols)));  // tril: query i sees keys j <= i
  } else if (attn_mask) {
    const Tensor& m = *attn_mask;
    if (m.dtype() == bool_) {
      scores = add(scores, bool_bias(m));
    } else {
      check(m.dtype() == dt, op, "attn_mask must be bool or have the query's dtype ", name(dt), ", got ",
            to_string(m.aval()));
      scores = add(scores, m);
    }
  }
  return matmul(softmax(scores, -1), v);
}

// ---------------------------------------------------------------- losses

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction r) {
  OpScope scope("nll_loss");
  check_floating("nll_loss", log_probs);
  int64_t axis = class_axis("nll_loss", log_probs);
  return reduce_loss("nll_loss", picked_nll("nll_loss", log_probs, target, axis), r);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction r, double label_smoothing) {
  OpScope scope("cross_entropy");
  const char* op = "cross_entropy";
  check_floating(op, logits);
  check(label_smoothing >= 0 && label_smoothing <= 1, op, "label_smoothing must be in [0, 1], got ", label_smoothing);
  int64_t axis = class_axis(op, logits);
  int64_t c = logits.shape()[axis];
  Tensor logp = log_softmax(logits, axis);
  const double eps = label_smoothing;
  if (is_floating(target.dtype())) {
    // Class probabilities: -sum_c t_c log p_c with t smoothed towards uniform.
    check(target.shape() == logits.shape(), op, "probability targets must have the logits' shape ",
          to_string(logits.shape()), ", got ", to_string(target.aval()));
    Tensor t = target;
    if (eps > 0) t = t * (1.0 - eps) + eps / static_cast<double>(c);
    return reduce_loss(op, neg(sum(mul(t, logp), Axes{axis})), r);
  }
  Tensor nll = picked_nll(op, logp, target, axis);
  if (eps > 0) {
    // PyTorch: (1 - eps) * nll + eps * mean over classes of -log p.
    Tensor smooth = neg(sum(logp, Axes{axis})) / static_cast<double>(c);
    nll = nll * (1.0 - eps) + smooth * eps;
  }
  return reduce_loss(op, nll, r);
}

Tensor mse_loss(const Tensor& x, const Tensor& y, Reduction r) {
  OpScope scope("mse_loss");
  check(is_floating(promote_types(x.dtype(), y.dtype())), "mse_loss", "needs floating-point operands, got ",
        to_string(x.aval()), " and ", to_string(y.aval()));
  return reduce_loss("mse_loss", square(sub(x, y)), r);
}

Tensor binary_cross_entropy(const Tensor& p, const Tensor& y, Reduction r) {
  OpScope scope("binary_cross_entropy");
  const char* op = "binary_cross_entropy";
  check_floating(op, p);
  check(p.shape() == y.shape(), op, "input and target must have the same shape, got ", to_string(p.aval()), " and ",
        to_string(y.aval()));
  // PyTorch clamps each log at -100 so p in {0, 1} gives a finite loss. The log only sees
  // positive inputs, so the gradient at p = 0 or 1 is finite too (no 0 * inf).
  auto clamped_log = [&](const Tensor& q) {
    Tensor positive = gt(q, constant(0, q.dtype()));
    Tensor l = log(where(positive, q, constant(1, q.dtype())));
    Tensor floor_v = constant(-100, q.dtype());
    return where(positive, maximum(l, floor_v), floor_v);
  };
  Tensor one_minus_p = 1.0 - p;
  Tensor loss = neg(add(mul(y, clamped_log(p)), mul(1.0 - y, clamped_log(one_minus_p))));
  return reduce_loss(op, loss, r);
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& y, Reduction r) {
  OpScope scope("binary_cross_entropy_with_logits");
  const char* op = "binary_cross_entropy_with_logits";
  check_floating(op, logits);
  check(logits.shape() == y.shape(), op, "input and target must have the same shape, got ", to_string(logits.aval()),
        " and ", to_string(y.aval()));
  // -(y log s(x) + (1-y) log(1-s(x))) = (1-y) x + softplus(-x) = max(x,0) - x y + log1p(exp(-|x|)),
  // written with the stable softplus so the derivative at x = 0 is exact.
  Tensor loss = add(mul(1.0 - y, logits), softplus_stable(neg(logits)));
  return reduce_loss(op, loss, r);
}

}  // namespace nn

}  // namespace slope

// ---------------------------------------------------------------- log_sigmoid, hardtanh, mish,
// ---------------------------------------------------------------- group_norm, l1/smooth_l1/huber/kl_div

namespace slope {
namespace nn {

namespace {
// f evaluated in f64 for the types up to f32 and rounded once (a formula's few roundings in f16 would
// add up to more than the one PyTorch's f32 kernels give).
Tensor in_f64(const Tensor& x, Tensor (*f)(const Tensor&)) {
  return x.dtype() == f64 ? f(x) : cast(f(cast(x, f64)), x.dtype());
}
Tensor log_sigmoid_f(const Tensor& x) {
  // min(x, 0) - log1p(exp(-|x|)): exp never overflows, and each tail keeps its relative accuracy.
  Tensor zero = constant(0, x.dtype());
  Tensor negative = lt(x, zero);
  return sub(where(negative, x, zero), log1p(exp(where(negative, x, neg(x)))));
}
Tensor mish_f(const Tensor& x) { return mul(x, tanh(softplus_stable(x))); }

// Floating operands that broadcast together (checked here so that errors name the loss, not sub).
void check_loss_operands(const char* op, const Tensor& x, const Tensor& y) {
  check(is_floating(x.dtype()) || is_floating(y.dtype()), op, "needs floating-point operands, got ", to_string(x.aval()),
        " and ", to_string(y.aval()));
  broadcast_shapes(op, x.shape(), y.shape());
}
}  // namespace

Tensor log_sigmoid(const Tensor& x) {
  check_floating("log_sigmoid", x);
  // PyTorch's derivative, sigmoid(-x) = 1 - sigmoid(x).
  return detail::unary_with_derivative("log_sigmoid", x, [](const Tensor& v) { return in_f64(v, log_sigmoid_f); },
                                       [](const Tensor& v, const Tensor&) { return sigmoid(neg(v)); });
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  check(x.dtype() != bool_, "hardtanh", "is not defined for bool tensors");
  // Bounds take x's dtype (truncated for integers, like PyTorch's kernel). Clamping at the lower bound
  // first and the upper one second gives max_val everywhere when min_val > max_val (torch.clamp's
  // rule). The derivative is 1 strictly inside (lo, hi) and 0 elsewhere, at the bounds and at NaN
  // included: PyTorch's hardtanh convention (clip's is 1 at the bounds).
  Tensor lo = constant(min_val, x.dtype()), hi = constant(max_val, x.dtype());
  Tensor clamped = where(le(x, lo), lo, x);
  clamped = where(ge(clamped, hi), hi, clamped);
  return where(logical_and(gt(x, lo), lt(x, hi)), x, stop_gradient(clamped));
}

Tensor mish(const Tensor& x) {
  check_floating("mish", x);
  // PyTorch's derivative: t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x)).
  return detail::unary_with_derivative("mish", x, [](const Tensor& v) { return in_f64(v, mish_f); },
                                       [](const Tensor& v, const Tensor&) {
                                         Tensor t = tanh(softplus_stable(v));
                                         return add(t, mul(mul(v, sigmoid(v)), 1.0 - square(t)));
                                       });
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps) {
  const char* op = "group_norm";
  check_floating(op, x);
  check(x.ndim() >= 2, op, "input must be [N, C, ...], got ", to_string(x.aval()));
  int64_t n = x.shape()[0], c = x.shape()[1];
  check(num_groups > 0 && c % num_groups == 0, op, "num_groups must be positive and divide the ", c,
        " channels of input ", to_string(x.aval()), ", got ", num_groups);
  Shape per_channel(x.ndim(), 1);
  per_channel[1] = c;
  auto affine = [&](const std::optional<Tensor>& t, const char* what) {
    check(t->shape() == Shape{c}, op, what, " must have shape [", c, "] for input ", to_string(x.aval()), ", got ",
          to_string(t->aval()));
    return reshape(*t, per_channel);
  };
  int64_t group_size = x.numel() / std::max<int64_t>(n * num_groups, 1);
  Tensor g = reshape(x, Shape{n, num_groups, group_size});
  Tensor mu = mean(g, Axes{2}, true);
  Tensor gc = sub(g, mu);
  Tensor var = mean(square(gc), Axes{2}, true);  // biased, as PyTorch normalises with
  Tensor y = reshape(mul(gc, rsqrt(var + eps)), x.shape());
  if (weight) y = mul(y, affine(weight, "weight"));
  if (bias) y = add(y, affine(bias, "bias"));
  return y;
}

Tensor l1_loss(const Tensor& x, const Tensor& y, Reduction r) {
  check_loss_operands("l1_loss", x, y);
  return reduce_loss("l1_loss", abs(sub(x, y)), r);
}

Tensor smooth_l1_loss(const Tensor& x, const Tensor& y, Reduction r, double beta) {
  const char* op = "smooth_l1_loss";
  check_loss_operands(op, x, y);
  check(beta >= 0, op, "beta must be non-negative, got ", beta);
  Tensor d = sub(x, y), ad = abs(d);
  if (beta == 0) return reduce_loss(op, ad, r);  // the quadratic branch would divide by 0
  return reduce_loss(op, where(ad < beta, square(d) * (0.5 / beta), ad - 0.5 * beta), r);
}

Tensor huber_loss(const Tensor& x, const Tensor& y, Reduction r, double delta) {
  const char* op = "huber_loss";
  check_loss_operands(op, x, y);
  check(delta > 0, op, "delta must be positive, got ", delta);
  Tensor d = sub(x, y), ad = abs(d);
  return reduce_loss(op, where(ad < delta, square(d) * 0.5, (ad - 0.5 * delta) * delta), r);
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction r, bool log_target) {
  const char* op = "kl_div";
  check(is_floating(input.dtype()) && is_floating(target.dtype()), op, "needs floating-point input and target, got ",
        to_string(input.aval()), " and ", to_string(target.aval()));
  broadcast_shapes(op, input.shape(), target.shape());
  Tensor l;
  if (log_target) {
    l = mul(exp(target), sub(target, input));
  } else {
    // target log(target) is 0 at target = 0 (its limit; PyTorch's xlogy), with derivative 0 there.
    Tensor zero = constant(0, target.dtype());
    Tensor is0 = eq(target, zero);
    Tensor safe = where(is0, constant(1, target.dtype()), target);
    l = where(is0, zero, mul(target, sub(log(safe), input)));
  }
  if (r != Reduction::batchmean) return reduce_loss(op, l, r);
  // PyTorch divides by the input's first dim (a 0-d input: no division).
  return input.ndim() == 0 ? sum(l) : sum(l) / static_cast<double>(input.shape()[0]);
}

}  // namespace nn

Tensor log_sigmoid(const Tensor& x) { return nn::log_sigmoid(x); }
Tensor hardtanh(const Tensor& x, double min_val, double max_val) { return nn::hardtanh(x, min_val, max_val); }
Tensor mish(const Tensor& x) { return nn::mish(x); }

}  // namespace slope
