"""Tolerances: the dtype's unit roundoff times a small factor (elementwise, accumulated, exact ops), and
the rules that compute a case's tolerance from its own inputs where an op amplifies rounding."""
import math

import torch

from .tensors import FLOATS, NAME

# Tolerances come from the dtype's unit roundoff u (half an ulp at 1: 2^-24 f32, 2^-53 f64, 2^-11 f16,
# 2^-8 bf16) times a small factor, never from what happened to pass. A relative tolerance r is r/(2u)
# ulps: 1e-5 in f32 is ~84 ulps (not "a few"), 1e-6 is ~8.
U = {"f32": 2.0**-24, "f64": 2.0**-53, "f16": 2.0**-11, "bf16": 2.0**-8}  # unit roundoff by dtype
# Elementwise results: slope computes through scalar.h (libm), torch through SLEEF/vectorised kernels,
# each within ~1-2 ulps, and slope's procedures chain a few roundings: 16 u = 8 ulps, relative and absolute
# (f32 9.5e-7, f64 1.8e-15). Half results are computed in f32 and rounded once by both, so they differ by
# at most one half-ulp step where the f32 values straddle a rounding boundary: 4 u (f16 2e-3, bf16 1.6e-2).
ELEM_U = {"f32": 16, "f64": 16, "f16": 4, "bf16": 4}
TOL = {dt: (ELEM_U[dt] * U[dt], ELEM_U[dt] * U[dt]) for dt in FLOATS}
# Sums, matmuls, convs and normalisations accumulate in a different order than torch (blocked, pairwise,
# tree scans): 168 u of the accumulator (f32 1e-5, f64 1.9e-14; half types accumulate in f32, then TOL's
# rounding applies). tol=acc(k) scales it for k times more terms than the cases' usual few dozen.
ACC_U = 168


def acc(k=1):
    """tol= for a result accumulated in another order than torch's (resolved by the output dtype)."""
    return ("acc", k)


ACC_TOL = acc()


def resolve_tol(tol, dt):
    """A case's tol: (rtol, atol), or acc(k) -> k ACC_U u of the accumulator (f64 for f64, else f32)."""
    if tol and tol[0] == "acc":
        t = tol[1] * ACC_U * U["f64" if dt == "f64" else "f32"]
        return (t, t)
    return tol


# Exact operations: selections, data movement, comparisons, rounding to integers, sign flips. Their
# results are inputs' values (or exactly representable), so they compare EXACTLY (rtol = atol = 0, NaN
# equal to NaN), whatever tol a case passes; integer and bool outputs are always exact.
EXACT = {"T", "abs", "argmax", "argmin", "argsort", "broadcast_tensors", "broadcast_to", "cat", "ceil", "chunk",
         "clip", "clone", "diag", "expand", "expand_ints", "eye", "flatten", "flip", "floor", "full", "full_like",
         "gather", "hardtanh", "index", "index_int", "index_select", "max", "max_dim", "max_pool", "maximum", "min",
         "min_dim", "minimum", "neg", "one_hot", "ones", "ones_ints", "ones_like", "pad", "permute", "permute_ints",
         "relu", "repeat", "repeat_ints", "reshape", "reshape_ints", "roll", "round", "sign", "slice", "sort",
         "sort_values", "split", "squeeze", "squeeze_dim", "stack", "stop_gradient", "take_along_dim", "tile", "topk",
         "topk_values", "transpose", "tril", "triu", "trunc", "unsqueeze", "where", "where_method",
         "where_method_scalar", "zeros", "zeros_ints", "zeros_like", "cast"}
ACC = "accumulation order differs from torch (blocked / pairwise sums)"


# ---------------------------------------------------------------- tolerances from conditioning
# Where an op amplifies the rounding of an intermediate, two correct implementations (slope through
# scalar.h and libm, torch through SLEEF and its own kernels) differ by about amplification x unit
# roundoff. These rules compute that bound from a case's actual inputs, so whether a case passes
# never depends on which random numbers it drew. Each returns ((rtol, atol) or None, note or None).
def _pow_amplification(a, b):
    """max |b log a| over the broadcast inputs (where a^b is finite and nonzero)."""
    a, b = torch.broadcast_tensors(a.double(), b.double())
    amp = (b * torch.log(a.abs())).abs()
    amp = amp[torch.isfinite(amp)]
    return float(amp.max()) if amp.numel() else 0.0


def pow_tol(inputs, outs):
    """pow: a^b evaluated as exp(b log a) in working precision carries the rounding of b log a, an
    absolute error of |b log a| u in the exponent, i.e. a relative error of |b log a| u in the result
    (libm's and SLEEF's pow keep it near 1 ulp, but either may lose a few): rtol = 4 (1 + max|b log a|) u,
    with u of the type pow computes in (f32 for f16/bf16, which then round once: TOL covers that)."""
    dt = {"f16": "f32", "bf16": "f32"}.get(NAME[outs[0].dtype], NAME[outs[0].dtype])
    if dt not in U:
        return None, None
    return (4 * (1 + _pow_amplification(*inputs)) * U[dt], 0.0), None


def pow_grad_tol(f, inputs, kw, wrt, cts, outs, gs):
    """pow's gradients carry the value's relative error (pow_tol). For an integer base torch's backward
    takes log(a) of the integer tensor, which torch computes in f32 (the default float), so its gradient
    w.r.t. the exponent is off by one f32 rounding: rtol at least 4 u_f32."""
    (rtol, atol), _ = pow_tol(inputs, outs)
    if inputs[0].is_floating_point() or 1 not in wrt:
        return (rtol, atol), None
    return (max(rtol, 4 * U["f32"]), atol), ("gradient w.r.t. the exponent: torch computes log(base) of an integer "
                                             "base in f32 (rtol 4 u_f32)")


def gelu_grad_tol(f, inputs, kw, wrt, cts, outs, gs):
    """gelu (tanh form): d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) u'(x), t = tanh(u(x)),
    u = c (x + 0.044715 x^3), u' = c (1 + 0.134145 x^2). t carries an absolute error of ~2 units of
    roundoff, which both (1 + t) and (1 - t^2) inherit without cancelling it where t ~ -1 (large
    negative x): each implementation is off by ~2 u (0.5 + |x| u'(x)) absolute, so atol = 4 u max(...)."""
    if not kw.get("tanh_approx"):
        return None, None
    x = inputs[0].double()
    x = x[torch.isfinite(x)]
    if not x.numel():
        return None, None
    c = math.sqrt(2 / math.pi)
    amp = float((0.5 + x.abs() * c * (1 + 0.134145 * x * x)).max())
    return (0.0, 4 * U[NAME[inputs[0].dtype]] * amp), None


def _one_minus_sq_tol(f, inputs, kw, wrt, cts, outs, gs):
    """asin, acos, atanh: torch's derivative takes 1 - x^2 as -x*x + 1, which cancels next to +-1: a
    relative error of ~u x^2 / (1 - x^2) (slope factors it as (1 - x)(1 + x), exact there). The
    derivative's power of (1 - x^2) is 1/2 or 1, so rtol = 4 u max(1 + x^2 / |1 - x^2|)."""
    x = inputs[0].double()
    x = x[torch.isfinite(x) & (x.abs() < 1)]
    dt = NAME[inputs[0].dtype]
    if not x.numel() or dt not in U:
        return None, None
    return (4 * U[dt] * float((1 + x * x / (1 - x * x)).max()), 0.0), None


def _acosh_tol(f, inputs, kw, wrt, cts, outs, gs):
    """acosh: torch's derivative 1 / sqrt(x^2 - 1) cancels next to 1: relative error ~u x^2 / (x^2 - 1)."""
    x = inputs[0].double()
    x = x[torch.isfinite(x * x) & (x > 1)]  # x^2 = inf would make the bound NaN, which max() ignores
    dt = NAME[inputs[0].dtype]
    if not x.numel() or dt not in U:
        return None, None
    return (4 * U[dt] * float((1 + x * x / (x * x - 1)).max()), 0.0), None


def _cumprod_chain(x, axis):
    """cumprod as a chain of multiplications, whose autograd is plain chain rule (no zero special case)."""
    ys = [x.select(axis, 0)]
    for k in range(1, x.shape[axis]):
        ys.append(ys[-1] * x.select(axis, k))
    return torch.stack(ys, axis)


def _cumprod_tol(f, inputs, kw, wrt, cts, outs, gs):
    """cumprod: torch multiplies sequentially (a prefix of k factors carries up to k u of relative error),
    slope in a tree (log2 k u), and the gradient d/dx_i = sum_(k >= i) ct_k y_k / x_i sums those terms:
    atol = 2 n u max_i sum_k |ct_k y_k / x_i| over the scanned length n."""
    x, (ct,), (y,) = inputs[0].double(), cts, outs
    axis, n = kw["axis"], max(inputs[0].shape[kw["axis"]] if inputs[0].dim() else 1, 1)
    dt = NAME[inputs[0].dtype]
    if dt not in U or inputs[0].dim() == 0:
        return None, None
    terms = (ct.double() * y.double()).abs().flip(axis).cumsum(axis).flip(axis) / x.abs()
    terms = terms[torch.isfinite(terms)]
    return ((0.0, 2 * n * U[dt] * float(terms.max())) if terms.numel() else None), None


def _group_norm_tol(f, inputs, kw, wrt, cts, outs, gs):
    """group_norm: d/dx = (w / s) (g - mean(g) - xhat mean(g xhat)) per group (g = ct w, s = the group's
    std): the three terms, each ~|g| / s and each a few roundings (~4 u) deep, cancel to O(eps), so each
    implementation is off by ~12 u max|g| / s absolute, two of them by twice that: atol = 32 u max|ct w| / min s."""
    x = inputs[0].double()
    dt = NAME[inputs[0].dtype]
    if dt not in U or x.numel() == 0:
        return None, None
    g = kw["num_groups"]
    s = (x.reshape(x.shape[0], g, -1).var(-1, unbiased=False) + kw.get("eps", 1e-5)).sqrt()
    w = inputs[1].double().reshape([1, -1] + [1] * (x.dim() - 2)) if len(inputs) > 1 else 1.0
    return (0.0, 32 * U[dt] * float((cts[0].double() * w).abs().max()) / float(s.min())), None


FWD_CONDITIONING = {"pow": pow_tol}
GRAD_CONDITIONING = {"pow": pow_grad_tol, "gelu": gelu_grad_tol, "asin": _one_minus_sq_tol, "acos": _one_minus_sq_tol,
                     "atanh": _one_minus_sq_tol, "acosh": _acosh_tol, "cumprod": _cumprod_tol,
                     "group_norm": _group_norm_tol}


def loosest(*tols):
    tols = [t for t in tols if t]
    return (max(t[0] for t in tols), max(t[1] for t in tols)) if tols else None


def tolerance_table():
    """The tolerance rules as a markdown table (tests/torch/README.md shows it: gen_golden.py --tolerances)."""
    rows = ["| dtype | u | elementwise (rtol = atol) | accumulated, acc(1) (rtol = atol) | exact ops |", "|---|---|---|---|---|"]
    for dt in FLOATS:
        a = resolve_tol(ACC_TOL, dt)
        acc_ = max(a[0], TOL[dt][0])
        rows.append(f"| {dt} | 2^{int(round(math.log2(U[dt])))} | {TOL[dt][0]:.3g} ({ELEM_U[dt]} u) | "
                    f"{acc_:.3g} ({'TOL: rounding dominates' if dt in ('f16', 'bf16') else str(ACC_U) + ' u'}) | 0 |")
    rows.append("| integers, bool | - | 0 | 0 | 0 |")
    return "\n".join(rows)

