#!/usr/bin/env python3
"""Writes the PyTorch golden files that tests/test_torch_ops.cpp checks slope against.

    /usr/bin/python3 tests/torch/gen_golden.py OUTDIR

OUTDIR/cases.json lists the cases; OUTDIR/data.bin holds every tensor's raw little-endian bytes.
A case is {name, op, inputs: [tensor], kwargs, outputs: [tensor] | error: true, rtol, atol, why?}
where a tensor is {dtype, shape, offset, nbytes}. `op` names an entry of the C++ dispatch table;
kwargs are plain JSON (C++ scalars are {"kind": "int"|"float"|"bool", "v": value}; non-finite floats
are the strings "inf", "-inf", "nan"). A case whose torch call raises records "error": true and the
C++ side expects slope::Error.

Inputs come from one seeded torch.Generator, so the files are identical on every run (CI regenerates
them before the tests; nothing is committed). Expected values are torch's, except where a case says
`why` (a documented slope deviation, or numpy where torch lacks the feature, e.g. negative steps).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)  # deterministic reductions, and fast enough for these sizes
G = torch.Generator().manual_seed(20261125)

DT = {"f32": torch.float32, "f64": torch.float64, "f16": torch.float16, "bf16": torch.bfloat16,
      "i64": torch.int64, "i32": torch.int32, "i8": torch.int8, "u8": torch.uint8, "bool": torch.bool}
NAME = {v: k for k, v in DT.items()}
FLOATS = ("f32", "f64", "f16", "bf16")

# Default tolerances by output dtype. f32/f64 allow a few ULPs: slope computes through scalar.h
# (libm), torch through SLEEF/vectorised kernels. f16/bf16 results are computed in float and rounded
# once, so one rounding step (2^-10, 2^-7 relative) can separate two correct implementations.
TOL = {"f32": (1e-5, 1e-6), "f64": (1e-10, 1e-12), "f16": (2e-3, 1e-3), "bf16": (1.6e-2, 1e-2)}
# Sums, matmuls, convs and normalisations accumulate in a different order than torch.
ACC = "accumulation order differs from torch (blocked / pairwise sums)"


# ---------------------------------------------------------------- inputs
def rnd(shape, dtype="f32", kind="normal", lo=None, hi=None):
    """A random tensor. kind: normal | uniform (lo, hi) | pos (0.1..3) | unit (0.02..0.98)."""
    shape = tuple(shape)
    if dtype in FLOATS:
        if kind == "normal":
            t = torch.randn(shape, generator=G, dtype=torch.float64)
        else:
            lo, hi = {"pos": (0.1, 3.0), "unit": (0.02, 0.98)}.get(kind, (lo, hi))
            t = lo + (hi - lo) * torch.rand(shape, generator=G, dtype=torch.float64)
        return t.to(DT[dtype])
    if dtype == "bool":
        return torch.randint(0, 2, shape, generator=G).bool()
    if lo is None:
        lo, hi = (0, 10) if dtype == "u8" else (-5, 6)
    return torch.randint(lo, hi, shape, generator=G).to(DT[dtype])


def idx(shape, n, dtype="i64"):
    """Random valid indices in [0, n)."""
    return torch.randint(0, n, tuple(shape), generator=G).to(DT[dtype])


EDGE = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7, 1e-30, 20.0, -20.0]


def edge(dtype="f32"):
    return torch.tensor(EDGE, dtype=DT[dtype])


def T(values, dtype):
    return torch.tensor(values, dtype=DT[dtype])


# ---------------------------------------------------------------- case store
class Store:
    def __init__(self):
        self.cases, self.data, self.names = [], bytearray(), set()

    def tensor(self, t):
        t = t.detach().contiguous()
        if t.dtype not in NAME:
            raise TypeError(f"unsupported dtype {t.dtype}")
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        while len(self.data) % 8:
            self.data.append(0)
        off = len(self.data)
        self.data += raw
        return {"dtype": NAME[t.dtype], "shape": list(t.shape), "offset": off, "nbytes": len(raw)}


S = Store()
SKIPPED = []  # cases torch cannot compute (missing kernels), listed when generating


def enc(v):
    """kwargs -> JSON: tuples become lists, non-finite floats become strings."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {k: enc(x) for k, x in v.items()}
    return v


def sc(v):
    """A C++ scalar argument, keeping its kind (weak-scalar promotion depends on it)."""
    kind = "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "float"
    return {"kind": kind, "v": v}


def unsc(v):
    return v["v"] if isinstance(v, dict) and "kind" in v else v


def case(op, inputs, kw=None, fn=None, tag="", tol=None, why=None, out_dtype=None, check=None, accept_error=None,
         signed_zero=False, grad_tol=None, grad_fn=None, grad_wrt=None):
    """Records one case. fn(*inputs, **kw) computes torch's answer (default: TORCH[op]). For the
    gradient: grad_tol loosens its comparison, grad_fn computes it through another torch function
    with slope's documented convention, grad_wrt restricts the differentiated inputs (say why)."""
    kw = kw or {}
    fn = fn or TORCH[op]
    base = f"{op}_{tag}" if tag else op
    base = "".join(c if c.isalnum() else "_" for c in base)
    name, n = base, 1
    while name in S.names:
        n += 1
        name = f"{base}_{n}"
    S.names.add(name)
    c = {"name": name, "op": op, "inputs": [S.tensor(t) for t in inputs], "kwargs": enc(kw)}
    if check:
        c["check"] = check
    if signed_zero:  # IEEE fixes the sign of zero results here (neg(0) = -0, floor(-0.5) = -0): compare it
        c["signed_zero"] = True
    if accept_error:  # torch answers, but slope may refuse (the reason says why); never a wrong value
        c["accept_error"] = accept_error
    try:
        out = fn(*[t.clone() for t in inputs], **kw)
    except (RuntimeError, IndexError, ValueError, TypeError, ZeroDivisionError) as e:
        msg = str(e).split("\n")[0][:200]
        halves = {t.dtype for t in inputs} & {torch.float16, torch.bfloat16}
        if "not implemented for" in msg and halves:
            # torch 1.13 lacks many Half/BFloat16 CPU kernels. slope computes half types in float and
            # rounds once (scalar.h), so torch in f32 rounded to the half type is the same reference.
            h = halves.pop()
            out = fn(*[t.float() if t.dtype == h else t.clone() for t in inputs], **kw)
            out = [o.to(h) if o.dtype == torch.float32 else o for o in (out if isinstance(out, (list, tuple)) else [out])]
            why = (why + "; " if why else "") + "torch 1.13 has no CPU half kernel: computed in f32, rounded"
        elif "not implemented for" in msg:
            # A gap in torch's kernels, not a semantic rule: nothing to compare against.
            S.names.discard(name)
            SKIPPED.append(f"{name}: {msg}")
            return
        else:
            c["error"] = True
            c["torch_error"] = msg
            S.cases.append(c)
            return
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    if out_dtype:  # a documented dtype deviation: same values, slope's dtype
        outs = [o.to(DT[out_dtype]) for o in outs]
    c["outputs"] = [S.tensor(o) for o in outs]
    dt = NAME[outs[0].dtype] if outs else "f32"
    rtol, atol = TOL.get(dt, (0.0, 0.0))
    if tol:
        rtol, atol = max(rtol, tol[0]), max(atol, tol[1])
    c["rtol"], c["atol"] = rtol, atol
    if not why and dt in ("f16", "bf16"):
        why = "half-precision result: slope and torch may round a float intermediate differently by one ulp"
    gwhy = gradients(c, op, grad_fn or fn, inputs, kw, outs, tol, grad_tol, grad_wrt)
    if gwhy:
        why = (why + "; " if why else "") + gwhy
    if why:
        c["why"] = why
    S.cases.append(c)


# ---------------------------------------------------------------- gradients (torch autograd)
# For every differentiable case the generator also records torch's vector-Jacobian product: a fixed
# random cotangent per output (its own generator, so adding gradient cases never moves the inputs
# above) and torch.autograd.grad of sum((out_i * ct_i).sum()) w.r.t. the floating inputs (unused
# inputs: zeros). tests/test_torch_ops.cpp computes the same with slope::vjp of the op's free
# function, integer/bool inputs and kwargs held fixed.
GC = torch.Generator().manual_seed(20261126)
NO_GRAD = {  # op -> why it has no gradient to compare (listed in tests/torch/README.md)
    "dropout": "random: the mask comes from slope's own generator, so torch's values cannot match (the "
               "structure is checked instead)",
    **{n: "creation op: no tensor inputs" for n in ["arange", "linspace", "eye", "full", "zeros", "ones",
                                                    "scalar_tensor"]},
}
GRAD_FN = {  # the same values through a function torch can differentiate
    # torch has no derivative for floor_divide; div(rounding_mode="floor") is the same op with its zero gradient
    "floor_divide": lambda a, b: torch.div(a, b, rounding_mode="floor"),
}
GRAD_NONE = {}  # op -> set of reasons a case had no gradient check (for the README list)
# Ops whose expected value some cases compute with numpy (negative steps): the gradient of a pure
# gather, taken through the same indexing applied to element positions, is what torch would give.
GATHER_LIKE = ("slice", "index")
# torch's output does not depend on the inputs (autograd has no graph): the gradient is zero.
CONSTANT = ("stop_gradient", "zeros_like", "ones_like", "full_like")


def _gather_equiv(fn):
    def g(x, *rest, **kw):
        pos = torch.arange(x.numel()).reshape(x.shape)
        return x.reshape(-1)[fn(pos, *rest, **kw).long()]
    return g


def _vjp(fn, inputs, wrt, cts, upcast=None, constant=False):
    """torch.autograd.grad of sum((out_i * ct_i).sum()) w.r.t. inputs[wrt]; upcast computes half
    inputs in f32 (torch 1.13 lacks many half CPU kernels) and rounds the gradients back."""
    xs = []
    for i, t in enumerate(inputs):
        t = t.clone()
        if upcast is not None and t.dtype == upcast:
            t = t.float()
        xs.append(t.requires_grad_(i in wrt))
    out = fn(*xs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    terms = [(o * (c.to(o.dtype))).sum() for o, c in zip(outs, cts) if o.requires_grad]
    if terms:
        gs = torch.autograd.grad(sum(terms), [xs[i] for i in wrt], allow_unused=True)
    elif constant:
        gs = [None] * len(wrt)
    else:  # e.g. a value computed outside torch: recording zeros would be a wrong expectation
        raise AssertionError("no output depends on the differentiated inputs")
    return [torch.zeros_like(inputs[i]) if g is None else g.to(inputs[i].dtype) for i, g in zip(wrt, gs)]


def gradients(c, op, fn, inputs, kw, outs, tol, grad_tol, grad_wrt):
    """Records cotangents and torch's gradients in case c; returns a note for the case's why."""
    def none(reason):
        GRAD_NONE.setdefault(op, set()).add(reason)
        return None
    if op in NO_GRAD:
        return none(NO_GRAD[op])
    wrt = [i for i, t in enumerate(inputs) if t.is_floating_point() and (grad_wrt is None or i in grad_wrt)]
    if not wrt:
        return none("no floating input")
    if not outs or not all(o.is_floating_point() for o in outs):
        return none("output is not floating (" + ", ".join(sorted({NAME[o.dtype] for o in outs})) + ")")
    cts = [torch.randn(tuple(o.shape), generator=GC, dtype=torch.float64).to(o.dtype) for o in outs]
    f = (lambda *xs: (GRAD_FN.get(op, fn))(*xs, **kw))
    if op in GATHER_LIKE:
        try:
            _vjp(f, inputs, wrt, cts)
        except (RuntimeError, AssertionError):  # numpy computed the value: no autograd graph
            f = (lambda *xs: _gather_equiv(fn)(*xs, **kw))
    note = None
    try:
        try:
            gs = _vjp(f, inputs, wrt, cts, constant=op in CONSTANT)
        except RuntimeError as e:
            halves = {inputs[i].dtype for i in wrt} & {torch.float16, torch.bfloat16}
            if "not implemented for" not in str(e) or not halves:
                raise
            gs = _vjp(f, inputs, wrt, cts, upcast=halves.pop(), constant=op in CONSTANT)
            note = "gradient: torch 1.13 has no CPU half backward kernel: computed in f32, rounded"
    except RuntimeError as e:
        # Some inputs torch cannot differentiate (running statistics, a target): keep the others.
        ok = []
        for i in wrt:
            try:
                _vjp(f, inputs, [i], cts, constant=op in CONSTANT)
                ok.append(i)
            except RuntimeError:
                pass
        if not ok:
            return none("torch cannot differentiate it: " + str(e).split("\n")[0][:120])
        dropped = [i for i in wrt if i not in ok]
        note = f"gradient w.r.t. inputs {ok} only: torch cannot differentiate inputs {dropped} ({str(e).split(chr(10))[0][:100]})"
        wrt = ok
        gs = _vjp(f, inputs, wrt, cts, constant=op in CONSTANT)
    if op in CONSTANT and any(g.abs().sum() > 0 for g in gs):
        raise AssertionError(f"{c['name']}: a constant op with a nonzero gradient")
    # the loosest of the gradients' dtypes (a mixed f16/f32 case compares both with f16's rule)
    rtol, atol = max(TOL[NAME[inputs[i].dtype]][0] for i in wrt), max(TOL[NAME[inputs[i].dtype]][1] for i in wrt)
    for t_ in (tol, grad_tol):
        if t_:
            rtol, atol = max(rtol, t_[0]), max(atol, t_[1])
    c["grad_inputs"] = wrt
    c["cotangents"] = [S.tensor(t) for t in cts]
    c["grads"] = [S.tensor(g) for g in gs]
    c["grad_rtol"], c["grad_atol"] = rtol, atol
    return note


# ---------------------------------------------------------------- torch reference functions
def red_dims(x, axes):
    return list(range(x.dim())) if not axes else list(axes)


def multi(f):
    """Torch 1.13 reduces some ops over one dim only: apply over each dim, highest first."""
    def g(x, axes=(), keepdim=False, **kw):
        dims = sorted({d % max(x.dim(), 1) for d in red_dims(x, axes)}, reverse=True)
        if any(not (-max(x.dim(), 1) <= d < max(x.dim(), 1)) for d in red_dims(x, axes)):
            raise IndexError("dim out of range")
        if x.dim() == 0:
            return f(x, 0, keepdim, **kw)
        for d in dims:
            x = f(x, d, True, **kw)
        return x if keepdim else x.reshape([s for i, s in enumerate(x.shape) if i not in dims])
    return g


def index_fn(x, *tensors, index):
    key = []
    for it in index:
        if "t" in it:
            key.append(tensors[it["t"]].numpy())
        elif "i" in it:
            key.append(it["i"])
        elif "s" in it:
            key.append(slice(*it["s"]))
        elif "n" in it:
            key.append(None)
        else:
            key.append(Ellipsis)
    if not any(isinstance(k, slice) and k.step is not None and k.step < 0 for k in key):
        # torch's own indexing (it differs from numpy: ints are applied first, so x[0, :, idx] is
        # [3, len(idx)] for x [2, 3, 4], where numpy gives [len(idx), 3])
        tkey = tuple(torch.from_numpy(k) if isinstance(k, np.ndarray) else k for k in key)
        return x[tkey].clone()
    r = x.numpy()[tuple(key)]  # negative steps: numpy (torch has none); no tensors in these cases
    return torch.from_numpy(np.array(r))  # a copy; keeps 0-d results 0-d


def py_slice(x, axis, start, stop, step):
    key = [slice(None)] * x.dim()
    key[axis] = slice(start, stop, step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    return torch.from_numpy(np.array(x.numpy()[tuple(key)]))


def torch_pad(x, pads, value=0.0):
    flat = []
    for lo, hi in reversed(pads):
        flat += [lo, hi]
    return F.pad(x, flat, value=unsc(value))


def max_pool_amax(x, kernel, stride=(), padding=(), dilation=(), ceil_mode=False):
    """1-d max_pool as torch.amax over unfolded windows (no padding/dilation/ceil): amax's tie rule."""
    assert len(kernel) == 1 and not padding and not dilation and not ceil_mode
    k = kernel[0]
    return x.unfold(-1, k, stride[0] if stride else k).amax(-1)


def bce_clamped(x, y, reduction="mean"):
    """bce with its logs clamped at -100, written so that a clamped log has derivative 0 (torch.clamp
    of log(0) would give 0 * inf = NaN)."""
    assert reduction == "none"

    def clog(v):
        m = v > math.exp(-100)
        return torch.where(m, torch.log(torch.where(m, v, torch.ones_like(v))), torch.full_like(v, -100.0))
    return -(y * clog(x) + (1 - y) * clog(1 - x))


def sdpa(q, k, v, mask=None, is_causal=False, scale=None):
    s = scale if scale is not None else 1.0 / math.sqrt(q.shape[-1])
    att = (q @ k.transpose(-2, -1)) * s
    L, Sk = q.shape[-2], k.shape[-2]
    if is_causal:
        att = att.masked_fill(~torch.ones(L, Sk, dtype=torch.bool).tril(), -math.inf)
    if mask is not None:
        att = att.masked_fill(~mask, -math.inf) if mask.dtype == torch.bool else att + mask
    return torch.softmax(att, -1) @ v


def conv(x, w, *b, stride=(), padding=(), dilation=(), groups=1):
    n = x.dim() - 2
    f = [F.conv1d, F.conv2d, F.conv3d][n - 1]
    return f(x, w, b[0] if b else None, stride=tuple(stride) or 1, padding=tuple(padding) or 0,
             dilation=tuple(dilation) or 1, groups=groups)


def conv_t(x, w, *b, stride=(), padding=(), dilation=(), groups=1, output_padding=()):
    n = x.dim() - 2
    f = [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][n - 1]
    return f(x, w, b[0] if b else None, stride=tuple(stride) or 1, padding=tuple(padding) or 0,
             output_padding=tuple(output_padding) or 0, groups=groups, dilation=tuple(dilation) or 1)


def max_pool(x, kernel, stride=(), padding=(), dilation=(), ceil_mode=False):
    f = [F.max_pool1d, F.max_pool2d, F.max_pool3d][len(kernel) - 1]
    return f(x, tuple(kernel), tuple(stride) or None, tuple(padding) or 0, tuple(dilation) or 1, ceil_mode=ceil_mode)


def avg_pool(x, kernel, stride=(), padding=(), ceil_mode=False):
    f = [F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][len(kernel) - 1]
    return f(x, tuple(kernel), tuple(stride) or None, tuple(padding) or 0, ceil_mode=ceil_mode)


def batch_norm(x, *ts, has, training, eps=1e-5):
    it = iter(ts)
    rm, rv, w, b = [next(it) if h else None for h in has]
    return F.batch_norm(x, rm, rv, w, b, training=training, eps=eps)


def layer_norm(x, *ts, normalized_shape, eps=1e-5):
    w = ts[0] if len(ts) > 0 else None
    b = ts[1] if len(ts) > 1 else None
    return F.layer_norm(x, tuple(normalized_shape), w, b, eps)


def var_fn(x, axes=(), correction=1.0, keepdim=False):
    return torch.var(x, dim=red_dims(x, axes) if x.dim() else None, correction=int(correction), keepdim=keepdim) \
        if float(correction).is_integer() else _var_frac(x, axes, correction, keepdim)


def _var_frac(x, axes, correction, keepdim):
    d = red_dims(x, axes)
    n = 1
    for a in d:
        n *= x.shape[a]
    m = x.mean(d, keepdim=True)
    return ((x - m) ** 2).sum(d, keepdim=keepdim) / (n - correction)


def reduce_all(f):
    def g(x, axes=(), keepdim=False):
        if x.dim() == 0:  # a 0-d tensor reduces over "dim 0" in torch
            return f(x, dim=0, keepdim=keepdim)
        return f(x, dim=red_dims(x, axes), keepdim=keepdim)
    return g


def argm(f):
    def g(x, axis=None, keepdim=False):
        return f(x) if axis is None else f(x, dim=axis, keepdim=keepdim)
    return g


def creation(name):
    def g(**kw):
        kw = {k: unsc(v) for k, v in kw.items()}
        dt = DT[kw.pop("dtype")] if kw.get("dtype") else None
        if name == "arange":
            if "start" in kw:
                return torch.arange(kw["start"], kw["stop"], kw.get("step", 1), dtype=dt)
            return torch.arange(kw["stop"], dtype=dt)
        if name == "linspace":
            return torch.linspace(kw["start"], kw["stop"], kw["steps"], dtype=dt or torch.float32)
        if name == "eye":
            return torch.eye(kw["n"], kw.get("m", kw["n"]), dtype=dt or torch.float32)
        if name == "full":
            v = kw["value"]
            if dt is None:  # like slope: the value's kind picks the dtype
                dt = torch.bool if isinstance(v, bool) else torch.int64 if isinstance(v, int) else torch.float32
            return torch.full(tuple(kw["shape"]), v, dtype=dt)
        if name == "zeros":
            return torch.zeros(tuple(kw["shape"]), dtype=dt or torch.float32)
        if name == "ones":
            return torch.ones(tuple(kw["shape"]), dtype=dt or torch.float32)
        if name == "scalar_tensor":
            v = kw["value"]
            return torch.tensor(v, dtype=dt)
        raise KeyError(name)
    return g


def like(f):
    def g(x, dtype=None, value=None):
        dt = DT[dtype] if dtype else None
        return f(x, dtype=dt) if value is None else torch.full_like(x, unsc(value), dtype=dt)
    return g


def scalar_op(py):
    def g(x, s, side="right"):
        v = unsc(s)
        return py(x, v) if side == "right" else py(v, x)
    return g


import operator as O  # noqa: E402

TORCH = {
    # unary
    **{n: getattr(torch, n) for n in ["neg", "exp", "log", "sin", "cos", "tan", "sqrt", "rsqrt", "tanh", "sigmoid",
                                      "erf", "reciprocal", "log2", "exp2", "log1p", "expm1", "abs", "sign", "floor",
                                      "ceil", "trunc", "round", "square", "isnan", "isinf", "isfinite",
                                      "logical_not"]},
    "stop_gradient": lambda x: x.detach().clone(),
    "cast": lambda x, dtype: x.to(DT[dtype]),
    "clip": lambda x, lo=None, hi=None: torch.clamp(x, unsc(lo), unsc(hi)),
    # binary
    **{n: getattr(torch, n) for n in ["add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "maximum",
                                      "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
                                      "logical_xor", "where", "matmul"]},
    "add_scalar": scalar_op(O.add), "sub_scalar": scalar_op(O.sub), "mul_scalar": scalar_op(O.mul),
    "div_scalar": scalar_op(O.truediv), "eq_scalar": scalar_op(O.eq), "ne_scalar": scalar_op(O.ne),
    "lt_scalar": scalar_op(O.lt), "le_scalar": scalar_op(O.le), "gt_scalar": scalar_op(O.gt),
    "ge_scalar": scalar_op(O.ge),
    "iadd": O.add, "isub": O.sub, "imul": O.mul, "idiv": O.truediv,
    # reductions
    "sum": reduce_all(torch.sum), "mean": reduce_all(torch.mean), "max": reduce_all(torch.amax),
    "min": reduce_all(torch.amin), "logsumexp": reduce_all(torch.logsumexp),
    "prod": multi(lambda x, d, k: torch.prod(x, d, keepdim=k)),
    "any": multi(lambda x, d, k: torch.any(x, d, keepdim=k)),
    "all": multi(lambda x, d, k: torch.all(x, d, keepdim=k)),
    "var": var_fn,
    "std": lambda x, **kw: torch.sqrt(var_fn(x, **kw)) if x.is_floating_point() else var_fn(x, **kw),
    "argmax": argm(torch.argmax), "argmin": argm(torch.argmin),
    "cumsum": lambda x, axis: torch.cumsum(x, axis),
    # shape
    "reshape": lambda x, shape: x.reshape(shape),
    "flatten": lambda x, start=0, end=-1: x.flatten(start, end),
    "squeeze": lambda x, axes=(): x.squeeze() if not axes else _squeeze(x, axes),
    "unsqueeze": lambda x, axis: x.unsqueeze(axis),
    "transpose": lambda x, a=-2, b=-1: x.transpose(a, b),
    "T": lambda x: x.permute(tuple(reversed(range(x.dim())))),
    "permute": lambda x, perm: x.permute(perm),
    "expand": lambda x, shape: x.expand(shape),
    "broadcast_to": lambda x, shape: torch.broadcast_to(x, shape),
    "broadcast_tensors": lambda *xs: torch.broadcast_tensors(*xs),
    "stack": lambda *xs, axis=0: torch.stack(xs, axis),
    "cat": lambda *xs, axis=0: torch.cat(xs, axis),
    "split": lambda x, size=None, sizes=None, axis=0: torch.split(x, size if sizes is None else sizes, axis),
    "chunk": lambda x, n, axis=0: torch.chunk(x, n, axis),
    "repeat": lambda x, repeats: x.repeat(repeats),
    "tile": lambda x, reps: torch.tile(x, reps),
    "pad": torch_pad,
    "flip": lambda x, axes: torch.flip(x, axes),
    "roll": lambda x, shifts, axes: torch.roll(x, shifts, axes) if axes else torch.roll(x, shifts),
    "tril": lambda x, k=0: torch.tril(x, k),
    "triu": lambda x, k=0: torch.triu(x, k),
    "slice": py_slice,
    # indexing
    "index": index_fn,
    "index_int": lambda x, i: x[i],
    "gather": lambda x, i, axis: torch.gather(x, axis, i),
    "take_along_dim": lambda x, i, axis: torch.take_along_dim(x, i, axis),
    "index_select": lambda x, i, axis: torch.index_select(x, axis, i),
    # torch reads only the index's extent of src; slicing src to it first keeps the value and gives the
    # gradient w.r.t. src (torch 1.13's own backward fails when src is larger than the index)
    "scatter_add": lambda x, i, s, axis: torch.scatter_add(x, axis, i, s[tuple(slice(0, n) for n in i.shape)]),
    "one_hot": lambda x, num_classes, dtype="i64": F.one_hot(x, num_classes).to(DT[dtype]),
    # creation
    **{n: creation(n) for n in ["arange", "linspace", "eye", "full", "zeros", "ones", "scalar_tensor"]},
    "full_like": like(None), "zeros_like": like(torch.zeros_like), "ones_like": like(torch.ones_like),
    # nn
    "relu": F.relu, "silu": F.silu,
    "leaky_relu": lambda x, negative_slope=0.01: F.leaky_relu(x, negative_slope),
    "elu": lambda x, alpha=1.0: F.elu(x, alpha),
    "gelu": lambda x, tanh_approx=False: F.gelu(x, approximate="tanh" if tanh_approx else "none"),
    "softplus": lambda x, beta=1.0, threshold=20.0: F.softplus(x, beta, threshold),
    "softmax": lambda x, axis=-1: F.softmax(x, axis), "log_softmax": lambda x, axis=-1: F.log_softmax(x, axis),
    "linear": lambda x, w, *b: F.linear(x, w, b[0] if b else None),
    "conv": conv, "conv_transpose": conv_t, "max_pool": max_pool, "avg_pool": avg_pool,
    "batch_norm": batch_norm, "layer_norm": layer_norm,
    "sdpa": lambda q, k, v, *m, is_causal=False, scale=None: sdpa(q, k, v, m[0] if m else None, is_causal, scale),
    "cross_entropy": lambda x, t, reduction="mean", label_smoothing=0.0:
        F.cross_entropy(x, t, reduction=reduction, label_smoothing=label_smoothing),
    "nll_loss": lambda x, t, reduction="mean": F.nll_loss(x, t, reduction=reduction),
    "mse_loss": lambda x, y, reduction="mean": F.mse_loss(x, y, reduction=reduction),
    "bce": lambda x, y, reduction="mean": F.binary_cross_entropy(x, y, reduction=reduction),
    "bce_with_logits": lambda x, y, reduction="mean": F.binary_cross_entropy_with_logits(x, y, reduction=reduction),
    "dropout": lambda x, p, training=True, seed=0: F.dropout(x, p, False),  # validates p; values checked in C++
}


def _squeeze(x, axes):
    nd = max(x.dim(), 1)
    for a in axes:
        if not -nd <= a < nd:
            raise IndexError("dim out of range")
    for a in sorted({a % nd for a in axes}, reverse=True):
        x = x.squeeze(a)
    return x


# ---------------------------------------------------------------- the cases
def unary_cases():
    math_ops = ["neg", "exp", "log", "sin", "cos", "tan", "sqrt", "rsqrt", "tanh", "sigmoid", "erf", "reciprocal",
                "log2", "exp2", "log1p", "expm1", "abs", "sign", "floor", "ceil", "trunc", "round", "square"]
    domain = {"log": "pos", "sqrt": "pos", "rsqrt": "pos", "log2": "pos", "reciprocal": "pos",
              "log1p": ("uniform", -0.9, 3.0)}
    for op in math_ops:
        k = domain.get(op, "normal")
        kind, lo, hi = (k, None, None) if isinstance(k, str) else k
        case(op, [rnd([3, 4], "f32", kind, lo, hi)], tag="f32")
        case(op, [rnd([2, 3], "f64", kind, lo, hi)], tag="f64")
        case(op, [rnd([5], "f16", kind, lo, hi)], tag="f16")
        case(op, [rnd([4], "bf16", kind, lo, hi)], tag="bf16")
        case(op, [edge("f32")], tag="edge_f32", signed_zero=True)
        case(op, [rnd([], "f32", kind, lo, hi)], tag="0d")
        case(op, [rnd([0, 3], "f32")], tag="empty")
        case(op, [rnd([2, 3], "i32", lo=1, hi=9) if k == "pos" else rnd([2, 3], "i32")], tag="i32")
        case(op, [rnd([4], "i64", lo=1, hi=9) if k == "pos" else rnd([4], "i64")], tag="i64")
        if op in ("neg", "abs", "sign", "square", "exp", "sigmoid", "floor", "round"):
            case(op, [rnd([6], "bool")], tag="bool")
        if op in ("abs", "neg", "sign", "floor"):
            case(op, [rnd([5], "u8")], tag="u8")
            case(op, [rnd([5], "i8")], tag="i8")
    for op in ["isnan", "isinf", "isfinite"]:
        case(op, [edge("f32")], tag="edge")
        case(op, [edge("f64").reshape(1, 17)], tag="f64")
        case(op, [rnd([3], "i32")], tag="int")
        case(op, [rnd([0], "f32")], tag="empty")
    case("logical_not", [rnd([2, 3], "bool")], tag="bool")
    case("logical_not", [edge("f32")], tag="f32")
    case("logical_not", [rnd([4], "i64")], tag="i64")
    case("stop_gradient", [rnd([2, 3])])
    # cast: truncation toward zero, nan -> true, round-to-nearest-even into half types
    casts = [("f32", "i32", rnd([8], "f32", "uniform", -100, 100)), ("f32", "i64", rnd([2, 3], "f32", "uniform", -9, 9)),
             ("f32", "u8", rnd([5], "f32", "uniform", 0, 255)), ("f32", "bool", edge("f32")),
             ("f32", "f16", rnd([9])), ("f32", "bf16", rnd([9])), ("f32", "f64", rnd([3])),
             ("f64", "f32", rnd([4], "f64")), ("i64", "f32", rnd([6], "i64")), ("i32", "i8", rnd([6], "i32")),
             ("bool", "f32", rnd([5], "bool")), ("bool", "i64", rnd([5], "bool")), ("i8", "i64", rnd([5], "i8")),
             ("u8", "i32", rnd([5], "u8")), ("f16", "f32", rnd([4], "f16")), ("bf16", "f64", rnd([4], "bf16")),
             ("i64", "bool", rnd([7], "i64")), ("f32", "f32", rnd([0, 2]))]
    for a, b, x in casts:
        case("cast", [x], {"dtype": b}, tag=f"{a}_to_{b}")
    # clip with one or both bounds, int bounds on floats, float bound on ints (promotes, like torch)
    case("clip", [rnd([3, 4])], {"lo": sc(-0.5), "hi": sc(0.5)}, tag="both")
    case("clip", [rnd([5])], {"lo": sc(0.0)}, tag="lo")
    case("clip", [rnd([5])], {"hi": sc(0.25)}, tag="hi")
    case("clip", [edge()], {"lo": sc(-1.0), "hi": sc(1.0)}, tag="edge")
    case("clip", [rnd([6], "i32")], {"lo": sc(-2), "hi": sc(3)}, tag="i32")
    case("clip", [rnd([6], "i64")], {"lo": sc(-2.5), "hi": sc(3)}, tag="i64_float_bound")
    case("clip", [rnd([4], "f64")], {"lo": sc(-1), "hi": sc(1)}, tag="f64")
    case("clip", [rnd([])], {"lo": sc(0.1), "hi": sc(0.2)}, tag="0d")


def binary_cases():
    ops = ["add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "maximum", "minimum",
           "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"]
    shapes = [([3, 4], [3, 4]), ([3, 1], [1, 4]), ([2, 3, 4], [4]), ([4], [2, 3, 4]), ([], [2, 3]), ([2, 1, 3], [5, 1]),
              ([0, 3], [1, 3]), ([1], [])]
    for op in ops:
        for i, (sa, sb) in enumerate(shapes):
            a = rnd(sa)
            b = rnd(sb, "f32", "pos") if op in ("div", "floor_divide", "remainder") else rnd(sb)
            if op == "pow":
                a = rnd(sa, "f32", "pos")
            case(op, [a, b], tag=f"bcast{i}")
        # dtypes
        for dt in ("f64", "f16", "bf16"):
            a, b = rnd([2, 3], dt), rnd([2, 3], dt, "pos")
            if op == "pow":
                a = rnd([2, 3], dt, "pos")
            case(op, [a, b], tag=dt)
        ia, ib = rnd([3, 4], "i32"), rnd([3, 4], "i32", lo=1, hi=5)
        if op == "pow":
            ib = rnd([3, 4], "i32", lo=0, hi=4)
        case(op, [ia, ib], tag="i32")
        case(op, [rnd([6], "i64"), rnd([6], "i64", lo=1, hi=4) if op != "pow" else rnd([6], "i64", lo=0, hi=3)],
             tag="i64")
        if op in ("floor_divide", "remainder"):
            # signs: torch floors, remainder takes the divisor's sign
            case(op, [T([7, -7, 7, -7, 0, 5], "i64"), T([2, 2, -2, -2, 3, -5], "i64")], tag="signs_i64")
            case(op, [T([7.5, -7.5, 7.5, -7.5, 0.0, 5.0], "f32"), T([2.0, 2.0, -2.0, -2.0, 3.0, -5.0], "f32")],
                 tag="signs_f32")
            case(op, [T([3, 4], "i32"), T([0, 1], "i32")], tag="int_div_by_zero")
            case(op, [T([3.0, -3.0, 0.0], "f32"), T([0.0, 0.0, 0.0], "f32")], tag="float_div_by_zero",
                 grad_wrt=[0] if op == "remainder" else None,
                 why="gradient w.r.t. the dividend only: remainder(x, 0) is NaN, and its gradient w.r.t. the divisor "
                     "there is NaN in slope where torch's formula -g * (x // 0) gives +-inf" if op == "remainder" else None)
        if op in ("add", "mul", "maximum", "minimum", "eq", "lt", "logical_and", "logical_or", "logical_xor", "ne"):
            case(op, [rnd([5], "bool"), rnd([5], "bool")], tag="bool")
        if op in ("add", "sub", "mul", "maximum", "eq", "lt"):
            case(op, [rnd([5], "u8"), rnd([5], "u8", lo=0, hi=5)], tag="u8")
            case(op, [rnd([5], "i8"), rnd([5], "i8")], tag="i8")
        # edge values against edge values
        e = edge()
        # signed zeros compared except where the sign is a matter of convention: max/min of -0 and +0, and
        # remainder's zero results (torch keeps the dividend's sign, fmod-style: -1 % 1 = -0; Python gives +0)
        case(op, [e.reshape(17, 1), e.reshape(1, 17)], tag="edge",
             signed_zero=op not in ("maximum", "minimum", "remainder"))
        case(op, [rnd([2, 3]), rnd([3, 2])], tag="bad_shapes")
    # division by integers: true division gives floats
    case("div", [rnd([5], "i64"), rnd([5], "i64", lo=1, hi=4)], tag="int_true")
    case("div", [T([1, -1, 0], "i32"), T([0, 0, 0], "i32")], tag="int_by_zero")
    case("pow", [rnd([4], "f32"), T([0.5, 2.0, 3.0, -1.0], "f32")], tag="neg_base")
    case("pow", [T([0.0, 0.0, -0.0, 2.0], "f32"), T([0.0, -1.0, 3.0, -math.inf], "f32")], tag="zero_base")
    # promotion between tensors
    promo = [("i32", "f32"), ("i64", "f16"), ("bool", "i32"), ("bool", "f32"), ("u8", "i64"), ("i8", "i32"),
             ("f16", "f32"), ("f32", "f64"), ("i32", "i64"), ("bf16", "f16"), ("i32", "bf16"), ("bool", "u8")]
    for a, b in promo:
        for op in ("add", "mul", "maximum", "lt", "div"):
            case(op, [rnd([2, 3], a), rnd([3], b, "pos") if b in FLOATS else rnd([3], b, lo=1, hi=4)
                      if b != "bool" else rnd([3], b)], tag=f"promo_{a}_{b}")
    # a 0-d tensor only lifts the category, like a scalar (torch's "dimensionless" rule)
    for a, b in [("i32", "i64"), ("i32", "f64"), ("f16", "f32"), ("u8", "i64"), ("bool", "i64"), ("f32", "f64"),
                 ("i8", "f32")]:
        for op in ("add", "mul", "maximum"):
            case(op, [rnd([3], a), rnd([], b)], tag=f"promo0d_{a}_{b}")
            case(op, [rnd([], b), rnd([3], a)], tag=f"promo0d_{b}_{a}")
    case("add", [rnd([], "i32"), rnd([], "f16")], tag="promo0d_both")
    for op in ("add", "mul", "sub"):
        case(op, [rnd([4], "u8"), rnd([4], "i8")], tag="promo_u8_i8", out_dtype="i32",
             why="torch gives i16; slope has no i16 and promotes u8+i8 to i32 (docs/dtypes.md), values identical")
    # where
    for i, (sc_, sa, sb) in enumerate([([3, 4], [3, 4], [3, 4]), ([3, 1], [1, 4], []), ([4], [2, 4], [2, 1]),
                                       ([], [2], [2]), ([0, 2], [2], [1])]):
        case("where", [rnd(sc_, "bool"), rnd(sa), rnd(sb)], tag=f"bcast{i}")
    case("where", [rnd([4], "bool"), rnd([4], "i32"), rnd([4], "f32")], tag="promo")
    case("where", [rnd([4], "bool"), rnd([4], "i64"), rnd([4], "i64")], tag="i64")
    case("where", [rnd([4], "bool"), edge()[:4], edge()[4:8]], tag="edge")
    case("where", [rnd([3], "bool"), rnd([2]), rnd([3])], tag="bad_shapes")
    # weak C++ scalars: the tensor's dtype wins within a category
    for op in ("add", "sub", "mul", "div", "lt", "le", "gt", "ge", "eq", "ne"):
        o = op + "_scalar"
        case(o, [rnd([2, 3])], {"s": sc(2.5)}, tag="f32_float")
        case(o, [rnd([2, 3], "f16")], {"s": sc(2.5)}, tag="f16_float")
        case(o, [rnd([2, 3], "i32")], {"s": sc(2.5)}, tag="i32_float")
        case(o, [rnd([2, 3], "i32")], {"s": sc(3)}, tag="i32_int")
        case(o, [rnd([4], "u8")], {"s": sc(2)}, tag="u8_int")
        case(o, [rnd([2, 3], "f64")], {"s": sc(3)}, tag="f64_int")
        case(o, [rnd([3], "bool")], {"s": sc(2)}, tag="bool_int")
        case(o, [rnd([3], "bool")], {"s": sc(1.5)}, tag="bool_float")
        case(o, [rnd([], "f32")], {"s": sc(-1.0)}, tag="0d")
        case(o, [rnd([2, 3], "f32", "pos")], {"s": sc(2.0), "side": "left"}, tag="left")
        case(o, [rnd([2, 3], "i64", lo=1, hi=5)], {"s": sc(7), "side": "left"}, tag="left_int")
    for op in ("iadd", "isub", "imul", "idiv"):
        case(op, [rnd([2, 3]), rnd([3], "f32", "pos")], tag="f32")


def reduction_cases():
    x = rnd([2, 3, 4])
    for op in ("sum", "mean", "max", "min", "prod", "logsumexp", "any", "all"):
        for axes in ([], [0], [1], [-1], [0, 2], [-1, 0], [0, 1, 2]):
            for keep in (False, True):
                inp = rnd([2, 3, 4], "bool") if op in ("any", "all") and axes == [1] else rnd([2, 3, 4])
                case(op, [inp], {"axes": axes, "keepdim": keep},
                     tag=f"ax{'_'.join(str(a).replace('-', 'm') for a in axes)}_k{int(keep)}", tol=(1e-5, 1e-5), why=ACC)
        case(op, [rnd([])], {"axes": []}, tag="0d")
        case(op, [rnd([3, 1])], {"axes": [1]}, tag="size1")
        case(op, [rnd([0, 3])], {"axes": [1]}, tag="empty_keep_axis")
        case(op, [rnd([0, 3])], {"axes": [0]}, tag="empty_axis")
        case(op, [rnd([2, 3])], {"axes": [2]}, tag="bad_axis")
        case(op, [rnd([2, 3])], {"axes": [-3]}, tag="bad_neg_axis")
        case(op, [rnd([3, 4], "f64")], {"axes": [1]}, tag="f64")
        case(op, [rnd([3, 4], "f16")], {"axes": [0]}, tag="f16", tol=(4e-3, 4e-3), why=ACC + " in f16 steps")
        case(op, [rnd([3, 4], "i32")], {"axes": [1]}, tag="i32")
        case(op, [rnd([3, 4], "i64")], {"axes": [], "keepdim": True}, tag="i64_all_keep")
        case(op, [rnd([5], "bool")], {"axes": [0]}, tag="bool")
        case(op, [edge().reshape(1, 17)], {"axes": [1]}, tag="edge")
    case("max", [T([[1.0, math.nan, 3.0], [2.0, 1.0, 0.0]], "f32")], {"axes": [1]}, tag="nan_propagates")
    case("min", [T([[-math.inf, math.nan], [math.inf, 5.0]], "f32")], {"axes": [0]}, tag="nan_inf")
    case("sum", [rnd([4, 3], "u8")], {"axes": [0]}, tag="u8")
    case("mean", [rnd([4, 4], "bf16")], {"axes": [0, 1]}, tag="bf16_all", tol=(2e-2, 2e-2), why=ACC + " in bf16")
    case("logsumexp", [T([[-math.inf, -math.inf], [1000.0, 1000.0]], "f32")], {"axes": [1]}, tag="stable",
         grad_tol=(1e-4, 1e-5), why="gradient exp(x - lse): one f32 ulp of lse = 1000.69 (6e-5) is a 6e-5 relative "
                                    "change of the gradient, and slope's lse may round differently from torch's")
    for op in ("var", "std"):
        for axes, corr, keep in [([], 1, False), ([1], 1, False), ([0, 2], 0, True), ([-1], 2, False),
                                 ([1], 0.5, False), ([0], 1, True)]:
            case(op, [rnd([3, 4, 5])], {"axes": axes, "correction": corr, "keepdim": keep},
                 tag=f"c{str(corr).replace('.', 'p')}", tol=(1e-5, 1e-5), why=ACC)
        case(op, [rnd([1, 4])], {"axes": [0], "correction": 1}, tag="dof0")
        case(op, [rnd([4, 3], "f64")], {"axes": [0], "correction": 1}, tag="f64")
        case(op, [rnd([])], {"axes": [], "correction": 0}, tag="0d")
        case(op, [rnd([4], "i64")], {"axes": [0], "correction": 1}, tag="int")
    for op in ("argmax", "argmin"):
        for axis, keep in [(None, False), (0, False), (1, True), (-1, False), (-3, True)]:
            case(op, [rnd([2, 3, 4])], {"axis": axis, "keepdim": keep}, tag=f"ax{axis}_k{int(keep)}".replace("-", "m"))
        case(op, [T([[1, 3, 3], [2, 2, 0]], "i64")], {"axis": 1}, tag="ties_first")
        case(op, [T([3.0, math.nan, 1.0, math.nan], "f32")], {"axis": 0}, tag="nan")
        case(op, [rnd([5], "i32")], {"axis": 0}, tag="i32")
        case(op, [rnd([5], "bool")], {"axis": 0}, tag="bool")
        case(op, [rnd([])], {"axis": None}, tag="0d")
        case(op, [rnd([0, 3])], {"axis": 0}, tag="empty")
        case(op, [rnd([2, 3])], {"axis": 2}, tag="bad_axis")
    for axis in (0, 1, -1):
        case("cumsum", [rnd([3, 4])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"), tol=(1e-5, 1e-5), why=ACC)
    case("cumsum", [rnd([4], "i32")], {"axis": 0}, tag="i32")
    case("cumsum", [rnd([4], "bool")], {"axis": 0}, tag="bool")
    case("cumsum", [rnd([5], "f64")], {"axis": 0}, tag="f64")
    case("cumsum", [rnd([0, 2])], {"axis": 0}, tag="empty")
    case("cumsum", [rnd([])], {"axis": 0}, tag="0d")
    case("cumsum", [rnd([2])], {"axis": 1}, tag="bad_axis")


def shape_cases():
    x = rnd([2, 3, 4])
    for s in ([6, 4], [-1], [4, -1, 2], [24], [2, 3, 4, 1], [1, 24, 1]):
        case("reshape", [x], {"shape": s}, tag="_".join(map(str, s)).replace("-", "m"))
    case("reshape", [rnd([])], {"shape": [1, 1]}, tag="0d")
    case("reshape", [rnd([0, 3])], {"shape": [3, 0]}, tag="empty")
    case("reshape", [rnd([0, 3])], {"shape": [-1, 3]}, tag="empty_infer")
    case("reshape", [x], {"shape": [5, -1]}, tag="bad")
    case("reshape", [x], {"shape": [-1, -1]}, tag="two_infer")
    case("reshape", [rnd([4], "i64")], {"shape": [2, 2]}, tag="i64")
    for s, e in [(0, -1), (1, 2), (0, 1), (-2, -1), (2, 2)]:
        case("flatten", [x], {"start": s, "end": e}, tag=f"{s}_{e}".replace("-", "m"))
    case("flatten", [rnd([])], {}, tag="0d")
    case("flatten", [x], {"start": 2, "end": 1}, tag="bad")
    y = rnd([1, 3, 1, 2])
    for axes in ([], [0], [2], [-2], [0, 2], [1]):
        case("squeeze", [y], {"axes": axes}, tag="_".join(map(str, axes)).replace("-", "m") or "all")
    case("squeeze", [rnd([])], {"axes": []}, tag="0d")
    case("squeeze", [y], {"axes": [4]}, tag="bad")
    for a in (0, 1, 3, -1, -4):
        case("unsqueeze", [x], {"axis": a}, tag=str(a).replace("-", "m"))
    case("unsqueeze", [rnd([])], {"axis": 0}, tag="0d")
    case("unsqueeze", [x], {"axis": 5}, tag="bad")
    for a, b in [(-2, -1), (0, 2), (1, 1), (-3, 1)]:
        case("transpose", [x], {"a": a, "b": b}, tag=f"{a}_{b}".replace("-", "m"))
    case("transpose", [x], {"a": 0, "b": 3}, tag="bad")
    case("T", [rnd([2, 3])], tag="2d")
    case("T", [x], tag="3d")
    case("T", [rnd([])], tag="0d")
    for p in ([2, 0, 1], [0, 1, 2], [-1, 0, 1]):
        case("permute", [x], {"perm": p}, tag="_".join(map(str, p)).replace("-", "m"))
    case("permute", [x], {"perm": [0, 0, 1]}, tag="dup")
    case("permute", [x], {"perm": [0, 1]}, tag="short")
    for op in ("expand", "broadcast_to"):
        case(op, [rnd([3, 1])], {"shape": [3, 4]}, tag="basic")
        case(op, [rnd([3, 1])], {"shape": [2, 3, 5]}, tag="new_dims")
        case(op, [rnd([])], {"shape": [2, 2]}, tag="0d")
        case(op, [rnd([1, 2])], {"shape": [0, 2]}, tag="to_empty")
        case(op, [rnd([3, 2])], {"shape": [3, 4]}, tag="bad")
        case(op, [rnd([3, 1], "i32")], {"shape": [3, 3]}, tag="i32")
    case("expand", [rnd([3, 1])], {"shape": [-1, 4]}, tag="keep")
    case("broadcast_tensors", [rnd([3, 1]), rnd([4]), rnd([])], tag="three")
    case("broadcast_tensors", [rnd([2]), rnd([3])], tag="bad")
    for axis in (0, 1, -1, 2):
        case("stack", [rnd([2, 3]), rnd([2, 3]), rnd([2, 3])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("stack", [rnd([]), rnd([])], {"axis": 0}, tag="0d")
    case("stack", [rnd([2, 3]), rnd([3, 2])], {"axis": 0}, tag="bad")
    case("stack", [rnd([2]), rnd([2])], {"axis": 3}, tag="bad_axis")
    for axis in (0, 1, -1):
        case("cat", [rnd([2, 3]), rnd([2, 3]), rnd([2, 3])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("cat", [rnd([1, 3]), rnd([0, 3]), rnd([4, 3])], {"axis": 0}, tag="uneven_empty")
    case("cat", [rnd([2, 3], "i32"), rnd([1, 3], "i32")], {"axis": 0}, tag="i32")
    case("cat", [rnd([2, 3]), rnd([2, 4])], {"axis": 0}, tag="bad")
    case("cat", [rnd([2]), rnd([2])], {"axis": 1}, tag="bad_axis")
    case("cat", [rnd([2, 3]), rnd([1, 3], "f64")], {"axis": 0}, tag="promo")
    case("cat", [rnd([]), rnd([])], {"axis": 0}, tag="0d")
    z = rnd([7, 4])
    case("split", [z], {"size": 3}, tag="size")
    case("split", [z], {"size": 2, "axis": 1}, tag="size_ax1")
    case("split", [z], {"sizes": [2, 0, 5]}, tag="sizes")
    case("split", [z], {"sizes": [1, 3], "axis": -1}, tag="sizes_neg_ax")
    case("split", [z], {"sizes": [2, 2]}, tag="bad_sizes")
    case("split", [z], {"size": 10}, tag="size_bigger")
    for n, axis in [(3, 0), (2, 1), (4, 0), (7, 0), (10, 0)]:
        case("chunk", [z], {"n": n, "axis": axis}, tag=f"{n}_ax{axis}")
    case("chunk", [rnd([6, 1])], {"n": 4}, tag="6by4")
    case("chunk", [z], {"n": 0}, tag="bad")
    for r in ([2, 1], [1, 3], [2, 2, 1], [0, 2]):
        case("repeat", [rnd([2, 3])], {"repeats": r}, tag="_".join(map(str, r)))
    case("repeat", [rnd([2, 3])], {"repeats": [2]}, tag="bad")
    for r in ([2], [2, 1], [3, 1, 2], [1, 0]):
        case("tile", [rnd([2, 3])], {"reps": r}, tag="_".join(map(str, r)))
    for pads, v in [([(1, 2)], 0.0), ([(0, 0), (2, 1)], -1.5), ([(1, 0), (0, 0), (0, 3)], 0.0), ([(1, 1), (1, 1)], 7),
                    ([(-1, 0), (0, -2)], 0.0)]:
        inp = rnd([3]) if len(pads) == 1 else rnd([3, 4]) if len(pads) == 2 else rnd([2, 3, 2])
        case("pad", [inp], {"pads": pads, "value": sc(v)}, tag=f"{len(pads)}d")
    case("pad", [rnd([3], "i64")], {"pads": [(2, 2)], "value": sc(5)}, tag="i64")
    case("pad", [rnd([3], "i32")], {"pads": [(2, 2), (1, 1)], "value": sc(0)}, tag="too_many")
    for axes in ([0], [1, 2], [-1], [0, 1, 2]):
        case("flip", [x], {"axes": axes}, tag="_".join(map(str, axes)).replace("-", "m"))
    case("flip", [x], {"axes": [0, 0]}, tag="dup")
    case("flip", [rnd([])], {"axes": []}, tag="0d")
    for shifts, axes in [([1], [0]), ([-2], [1]), ([5], [-1]), ([1, 2], [0, 2]), ([3], [])]:
        case("roll", [x], {"shifts": shifts, "axes": axes}, tag="_".join(map(str, shifts)).replace("-", "m"))
    case("roll", [rnd([0, 3])], {"shifts": [2], "axes": [0]}, tag="empty")
    case("roll", [x], {"shifts": [1, 2], "axes": [0]}, tag="bad")
    for op in ("tril", "triu"):
        for k in (0, 1, -1, 5, -5):
            case(op, [rnd([3, 4])], {"k": k}, tag=f"k{k}".replace("-", "m"))
        case(op, [rnd([2, 3, 3], "i32")], {"k": 0}, tag="batch_i32")
        case(op, [rnd([3, 3], "bool")], {"k": 0}, tag="bool")
        case(op, [rnd([3])], {"k": 0}, tag="bad_1d")
    for axis, st, sp, step in [(0, 0, 2, 1), (1, -2, None, 1), (2, None, None, 2), (2, None, None, -1),
                               (2, 3, 0, -2), (1, 5, 10, 1), (-1, -1, -5, -1), (0, 1, 1, 1), (2, -100, 100, 3)]:
        case("slice", [x], {"axis": axis, "start": st, "stop": sp, "step": step},
             fn=lambda t, axis, start, stop, step: py_slice(t, axis, start, stop, step),
             tag=f"{axis}_{st}_{sp}_{step}".replace("-", "m"),
             why="numpy's slicing: torch has no negative steps" if step < 0 else None)
    case("slice", [x], {"axis": 0, "start": 0, "stop": 2, "step": 0}, tag="step0")
    case("slice", [x], {"axis": 3, "start": 0, "stop": 2, "step": 1}, tag="bad_axis")


def index_cases():
    x = rnd([3, 4, 5])

    def I(i): return {"i": i}

    def Sl(a=None, b=None, c=None): return {"s": [a, b, c]}
    N, E = {"n": 1}, {"e": 1}
    specs = [("int", [I(1)]), ("negint", [I(-1)]), ("two_ints", [I(0), I(-2)]), ("all_ints", [I(2), I(3), I(4)]),
             ("slice", [Sl(1, 3)]), ("slice_step", [Sl(None, None, 2), Sl(1, None, 2)]),
             ("neg_step", [Sl(None, None, -1)]), ("neg_step2", [I(0), Sl(3, 0, -2)]),
             ("neg_bounds", [Sl(-2, None), Sl(None, -1)]), ("out_of_range_slice", [Sl(2, 100)]),
             ("empty_slice", [Sl(2, 1)]), ("newaxis", [N, I(1)]), ("newaxis_mid", [Sl(), N, Sl(None, 2)]),
             ("ellipsis", [E, I(0)]), ("ellipsis_mid", [I(1), E, Sl(1, 3)]), ("ellipsis_newaxis", [E, N]),
             ("ellipsis_only", [E]), ("bad_int", [I(3)]), ("bad_negint", [I(-4)]),
             ("too_many", [I(0), I(0), I(0), I(0)]), ("two_ellipsis", [E, E])]
    for tag, spec in specs:
        if tag == "two_ellipsis":  # torch 1.13 accepts x[..., ...]; Python and numpy reject it, and so does slope
            case("index", [x], {"index": spec}, tag=tag, fn=lambda t, index: t.numpy()[..., ...])
            continue
        case("index", [x], {"index": spec}, tag=tag,
             why="numpy's indexing: torch has no negative steps" if "neg_step" in tag else None)
    # integer tensors: one, several (broadcast together), separated by a slice (moves to front), with ellipsis
    t1, t2 = T([2, 0, -1], "i64"), T([[0], [3]], "i64")
    case("index", [x, t1], {"index": [{"t": 0}]}, tag="tensor")
    case("index", [x, t1.to(torch.int32)], {"index": [Sl(), {"t": 0}]}, tag="tensor_i32_second",
         fn=lambda t, i, index: t[:, i.long()], why="torch 1.13 takes only int64 index tensors (2.x takes int32)")
    case("index", [x, t1, t2], {"index": [{"t": 0}, {"t": 1}]}, tag="tensor_bcast")
    case("index", [x, t1, T([4, 0, 1], "i64")], {"index": [{"t": 0}, Sl(), {"t": 1}]}, tag="tensor_separated")
    case("index", [x, t2], {"index": [E, {"t": 0}]}, tag="tensor_ellipsis")
    case("index", [x, t1], {"index": [I(0), Sl(), {"t": 0}]}, tag="int_slice_tensor")
    case("index", [x, t1], {"index": [{"t": 0}, I(1)]}, tag="tensor_int")
    case("index", [x, t1, t2], {"index": [{"t": 0}, I(-1), {"t": 1}]}, tag="tensor_int_tensor")
    case("index", [x, t2], {"index": [I(2), {"t": 0}, Sl(None, None, 2)]}, tag="int_tensor_slice")
    case("index", [x, T(2, "i64")], {"index": [{"t": 0}, I(1)]}, tag="tensor_0d")
    case("index", [x, T([], "i64")], {"index": [{"t": 0}]}, tag="tensor_empty")
    case("index", [x, T([0, 3], "i64")], {"index": [{"t": 0}]}, tag="tensor_oob")
    case("index", [rnd([])], {"index": [N]}, tag="0d_newaxis")
    case("index", [rnd([])], {"index": [E]}, tag="0d_ellipsis")
    case("index", [rnd([4], "i64")], {"index": [Sl(None, None, -2)]}, tag="i64",
         why="numpy's indexing: torch has no negative steps")
    case("index_int", [x], {"i": -2}, tag="neg")
    case("index_int", [x], {"i": 3}, tag="bad")
    # gather / take_along_dim / index_select / scatter_add / one_hot
    for axis in (0, 1, -1):
        ish = [3, 4, 5]
        ish[axis] = 2
        case("gather", [x, idx(ish, x.shape[axis])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("gather", [x, idx([2, 2, 2], 3)], {"axis": 0}, tag="smaller_index")
    case("gather", [x, T([[[3]]], "i64")], {"axis": 0}, tag="oob")
    case("gather", [rnd([4], "i32"), T([3, 3, 0], "i64")], {"axis": 0}, tag="i32_1d")
    for axis in (0, 2, -2):
        ish = [3, 4, 5]
        ish[axis] = 2
        case("take_along_dim", [x, idx(ish, x.shape[axis])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("take_along_dim", [x, idx([1, 4, 2], 5)], {"axis": 2}, tag="bcast")
    for axis in (0, 1, -1):
        case("index_select", [x, idx([6], x.shape[axis])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("index_select", [x, T([], "i64")], {"axis": 1}, tag="empty")
    case("index_select", [x, T([0, 4], "i64")], {"axis": 1}, tag="oob")
    case("index_select", [x, idx([3], 3, "i32")], {"axis": 0}, tag="i32_index")
    for axis in (0, 1, -1):
        ish = [3, 4, 5]
        ish[axis] = 6
        i = idx(ish, x.shape[axis])
        case("scatter_add", [x, i, rnd(ish)], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"), tol=(1e-5, 1e-5),
             why=ACC + " (duplicate indices)")
    case("scatter_add", [x, idx([2, 2, 2], 3), rnd([3, 4, 5])], {"axis": 0}, tag="small_index")
    case("scatter_add", [rnd([4], "i64"), T([0, 0, 3], "i64"), rnd([3], "i64")], {"axis": 0}, tag="i64")
    case("scatter_add", [rnd([4]), T([0, 4], "i64"), rnd([2])], {"axis": 0}, tag="oob")
    case("one_hot", [T([0, 2, 1, 2], "i64")], {"num_classes": 3}, tag="basic")
    case("one_hot", [T([[0, 3], [1, 1]], "i64")], {"num_classes": 5, "dtype": "f32"}, tag="2d_f32")
    case("one_hot", [T([], "i64")], {"num_classes": 2}, tag="empty")
    case("one_hot", [T(1, "i64")], {"num_classes": 2}, tag="0d")
    case("one_hot", [T([0, 3], "i64")], {"num_classes": 3}, tag="oob")
    case("one_hot", [T([0, -1], "i64")], {"num_classes": 3}, tag="negative")


def matmul_cases():
    for sa, sb in [([3], [3]), ([3], [3, 4]), ([2, 3], [3]), ([2, 3], [3, 4]), ([5, 2, 3], [3, 4]), ([3], [5, 3, 2]),
                   ([2, 1, 2, 3], [4, 3, 2]), ([1, 3], [3, 1]), ([0, 3], [3, 4]), ([2, 0], [0, 3]), ([6, 7], [7, 5])]:
        case("matmul", [rnd(sa), rnd(sb)], tag="x".join(map(str, sa)) + "_" + "x".join(map(str, sb)),
             tol=(1e-5, 1e-5), why=ACC)
    case("matmul", [rnd([2, 3], "f64"), rnd([3, 2], "f64")], tag="f64")
    case("matmul", [rnd([2, 3], "i64"), rnd([3, 2], "i64")], tag="i64")
    case("matmul", [rnd([2, 3], "i32"), rnd([3], "i32")], tag="i32")
    case("matmul", [rnd([2, 3], "f16"), rnd([3, 2], "f16")], tag="f16", tol=(4e-3, 4e-3), why=ACC + " in f16")
    case("matmul", [rnd([2, 3]), rnd([4, 2])], tag="bad_inner")
    case("matmul", [rnd([]), rnd([3])], tag="bad_0d")
    case("matmul", [rnd([2, 2, 3]), rnd([3, 3, 4])], tag="bad_batch")
    case("linear", [rnd([4, 3]), rnd([5, 3]), rnd([5])], tag="bias", tol=(1e-5, 1e-5), why=ACC)
    case("linear", [rnd([2, 4, 3]), rnd([5, 3])], tag="nobias_3d", tol=(1e-5, 1e-5), why=ACC)
    case("linear", [rnd([3]), rnd([2, 3]), rnd([2])], tag="1d", tol=(1e-5, 1e-5), why=ACC)


def creation_cases():
    for kw, tag in [({"stop": sc(5)}, "int"), ({"stop": sc(4.5)}, "float"), ({"start": sc(2), "stop": sc(9), "step": sc(3)}, "int_step"),
                    ({"start": sc(0.0), "stop": sc(1.0), "step": sc(0.25)}, "float_step"),
                    ({"start": sc(0), "stop": sc(1), "step": sc(0.3)}, "frac_step"),
                    ({"start": sc(5), "stop": sc(-2), "step": sc(-2)}, "neg_step"),
                    ({"start": sc(1.0), "stop": sc(-1.0), "step": sc(-0.5)}, "neg_float_step"),
                    ({"stop": sc(0)}, "empty"), ({"stop": sc(5), "dtype": "f64"}, "dtype_f64"),
                    ({"start": sc(0), "stop": sc(6), "step": sc(2), "dtype": "i32"}, "dtype_i32"),
                    ({"start": sc(0), "stop": sc(1), "step": sc(0)}, "step0"),
                    ({"start": sc(0), "stop": sc(5), "step": sc(-1)}, "wrong_sign"),
                    ({"start": sc(5.0), "stop": sc(0.0)}, "wrong_sign_float"), ({"start": sc(3), "stop": sc(3)}, "start_eq_stop"),
                    ({"start": sc(3), "stop": sc(3), "step": sc(-1)}, "start_eq_stop_neg")]:
        case("arange", [], kw, tag=tag)
    for kw, tag in [({"start": 0.0, "stop": 1.0, "steps": 5}, "basic"), ({"start": -3.0, "stop": 7.0, "steps": 11}, "wide"),
                    ({"start": 1.0, "stop": 0.0, "steps": 4}, "down"), ({"start": 2.0, "stop": 3.0, "steps": 1}, "one"),
                    ({"start": 0.0, "stop": 1.0, "steps": 0}, "zero"), ({"start": 0.0, "stop": 1.0, "steps": 7, "dtype": "f64"}, "f64"),
                    ({"start": 0.1, "stop": 0.9, "steps": 9}, "ninths"), ({"start": 0.0, "stop": 1.0, "steps": -1}, "bad")]:
        case("linspace", [], kw, tag=tag)
    for kw, tag in [({"n": 3}, "square"), ({"n": 2, "m": 4}, "wide"), ({"n": 4, "m": 2, "dtype": "i64"}, "tall_i64"),
                    ({"n": 0}, "empty"), ({"n": 3, "dtype": "bool"}, "bool"), ({"n": -1}, "bad")]:
        case("eye", [], kw, tag=tag)
    for kw, tag in [({"shape": [2, 3], "value": sc(1.5)}, "float"), ({"shape": [2], "value": sc(3)}, "int"),
                    ({"shape": [], "value": sc(True)}, "bool_0d"), ({"shape": [2, 0], "value": sc(1.0)}, "empty"),
                    ({"shape": [3], "value": sc(2.7), "dtype": "i32"}, "f_to_i32"),
                    ({"shape": [2], "value": sc(math.inf)}, "inf"), ({"shape": [2], "value": sc(1), "dtype": "f16"}, "f16"),
                    ({"shape": [-1], "value": sc(1)}, "bad")]:
        case("full", [], kw, tag=tag)
    for op in ("zeros", "ones"):
        case(op, [], {"shape": [2, 3]}, tag="default")
        case(op, [], {"shape": [], "dtype": "i32"}, tag="0d_i32")
        case(op, [], {"shape": [3], "dtype": "bool"}, tag="bool")
        case(op, [], {"shape": [0, 2], "dtype": "f64"}, tag="empty")
    for op in ("zeros_like", "ones_like"):
        case(op, [rnd([2, 3], "i32")], tag="i32")
        case(op, [rnd([2])], {"dtype": "f64"}, tag="dtype")
    case("full_like", [rnd([2, 2])], {"value": sc(3)}, tag="int_value")
    case("full_like", [rnd([3], "i64")], {"value": sc(2), "dtype": "f16"}, tag="dtype")
    for v, dt, tag in [(3.5, None, "float"), (3, None, "int"), (True, None, "bool"), (2.5, "f64", "f64"), (7, "u8", "u8")]:
        kw = {"value": sc(v)}
        if dt:
            kw["dtype"] = dt
        case("scalar_tensor", [], kw, tag=tag)


def nn_cases():
    for op, kws in [("relu", [{}]), ("silu", [{}]), ("leaky_relu", [{}, {"negative_slope": 0.2}]),
                    ("elu", [{}, {"alpha": 0.5}]), ("gelu", [{}, {"tanh_approx": True}]),
                    ("softplus", [{}, {"beta": 2.0, "threshold": 1.0}])]:
        for kw in kws:
            t = "_".join(str(v) for v in kw.values()).replace(".", "p") or "default"
            case(op, [rnd([3, 5], "f32", "uniform", -5, 5)], kw, tag=t)
            case(op, [edge()], kw, tag=t + "_edge")
            case(op, [rnd([4], "f64")], kw, tag=t + "_f64")
        case(op, [rnd([6], "f16")], tag="f16")
        case(op, [rnd([])], tag="0d")
        case(op, [rnd([0, 2])], tag="empty")
    case("relu", [rnd([5], "i32")], tag="i32")
    for op in ("softmax", "log_softmax"):
        for axis in (-1, 0, 1):
            case(op, [rnd([3, 4, 2])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
        case(op, [rnd([4], "f64")], {"axis": 0}, tag="f64")
        case(op, [rnd([4], "f16")], {"axis": 0}, tag="f16")
        case(op, [T([1000.0, 1000.0, -1000.0], "f32")], {"axis": 0}, tag="stable")
        case(op, [T([0.0, -math.inf, 1.0], "f32")], {"axis": 0}, tag="neg_inf")
        case(op, [rnd([])], {"axis": 0}, tag="0d")
        case(op, [rnd([2, 0])], {"axis": 1}, tag="empty")
        case(op, [rnd([2, 3])], {"axis": 2}, tag="bad_axis")
    # convolutions: 1-3 spatial dims, stride, padding, dilation, groups, with and without bias
    A = (1e-5, 1e-5)
    conv_specs = [
        ([2, 3, 9], [4, 3, 3], True, {}), ([1, 2, 10], [3, 2, 4], False, {"stride": [2], "padding": [1]}),
        ([1, 4, 11], [4, 2, 3], True, {"dilation": [2], "groups": 2}),
        ([2, 2, 6, 7], [3, 2, 3, 3], True, {}), ([1, 3, 8, 8], [2, 3, 3, 2], False, {"stride": [2, 1], "padding": [1, 2]}),
        ([1, 4, 7, 7], [6, 2, 3, 3], True, {"dilation": [2, 1], "groups": 2, "stride": [1, 2]}),
        ([1, 3, 5, 5], [3, 1, 3, 3], False, {"groups": 3, "padding": [1, 1]}),
        ([1, 2, 4, 5, 6], [2, 2, 2, 3, 2], True, {}), ([1, 2, 5, 5, 5], [4, 1, 3, 3, 3], False,
                                                       {"stride": [2, 2, 1], "padding": [1, 0, 1], "groups": 2}),
        ([1, 2, 3, 3], [1, 2, 3, 3], False, {"stride": [5]}), ([2, 1, 1], [1, 1, 1], True, {}),
    ]
    for xs, ws, bias, kw in conv_specs:
        ins = [rnd(xs), rnd(ws)] + ([rnd([ws[0]])] if bias else [])
        case("conv", ins, kw, tag=f"{len(xs) - 2}d", tol=A, why=ACC)
    case("conv", [rnd([1, 2, 3, 3], "f64"), rnd([2, 2, 2, 2], "f64")], {}, tag="f64")
    case("conv", [rnd([1, 3, 5]), rnd([2, 2, 3])], {}, tag="bad_channels")
    case("conv", [rnd([1, 2, 2]), rnd([2, 2, 3])], {}, tag="kernel_too_big")
    case("conv", [rnd([1, 4, 5]), rnd([3, 2, 3])], {"groups": 2}, tag="bad_groups")
    tspecs = [([1, 2, 5], [2, 3, 3], True, {}), ([2, 2, 4], [2, 1, 3], False, {"stride": [2], "padding": [1], "output_padding": [1]}),
              ([1, 4, 3, 4], [4, 2, 3, 2], True, {"stride": [2, 1], "groups": 2}),
              ([1, 2, 3, 3], [2, 2, 2, 2], False, {"dilation": [2, 1], "padding": [1, 0]}),
              ([1, 1, 2, 3, 2], [1, 2, 2, 2, 2], True, {"stride": [1, 2, 1]})]
    for xs, ws, bias, kw in tspecs:
        ins = [rnd(xs), rnd(ws)] + ([rnd([ws[1] * kw.get("groups", 1)])] if bias else [])
        case("conv_transpose", ins, kw, tag=f"{len(xs) - 2}d", tol=A, why=ACC)
    case("conv_transpose", [rnd([1, 2, 5]), rnd([2, 3, 3])], {"stride": [2], "output_padding": [2]}, tag="bad_outpad")
    # pooling
    for xs, kw in [([1, 2, 9], {"kernel": [3]}), ([2, 1, 7], {"kernel": [2], "stride": [1], "padding": [1]}),
                   ([1, 2, 6, 7], {"kernel": [2, 3]}), ([1, 1, 7, 7], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]}),
                   ([1, 1, 8, 8], {"kernel": [2, 2], "dilation": [2, 2]}), ([1, 1, 7, 5], {"kernel": [2, 2], "ceil_mode": True}),
                   ([1, 2, 4, 4, 4], {"kernel": [2, 2, 2]}), ([3, 6, 6], {"kernel": [2, 2]})]:
        case("max_pool", [rnd(xs)], kw, tag=f"{len(kw['kernel'])}d")
        if "dilation" not in kw:
            case("avg_pool", [rnd(xs)], kw, tag=f"{len(kw['kernel'])}d", tol=A, why=ACC)
    case("max_pool", [edge().reshape(1, 1, 17)], {"kernel": [2]}, tag="edge", grad_fn=max_pool_amax,
         why="gradient: slope's max_pool is a max reduction over windows, so like torch.amax it splits the gradient "
             "evenly between tied maxima (here 0 and -0) and a window holding NaN gives NaN; torch's max_pool routes "
             "it all to the first maximum (or the NaN). Expected: torch.amax over the unfolded windows")
    case("max_pool", [rnd([1, 1, 4, 4], "i32")], {"kernel": [2, 2]}, tag="i32")
    case("max_pool", [rnd([1, 1, 2, 2])], {"kernel": [3, 3]}, tag="kernel_too_big")
    case("avg_pool", [rnd([1, 1, 4, 4], "f64")], {"kernel": [2, 2]}, tag="f64")
    # normalisation
    for xs in ([4, 3], [2, 3, 5], [2, 3, 2, 2]):
        C = xs[1]
        for has, training in [([True, True, True, True], False), ([True, True, False, False], False),
                              ([False, False, True, True], True), ([False, False, False, False], True),
                              ([True, True, True, True], True)]:
            ins = [rnd(xs)]
            for h, kind in zip(has, ["normal", "pos", "normal", "normal"]):
                if h:
                    ins.append(rnd([C], "f32", kind))
            case("batch_norm", ins, {"has": has, "training": training}, tag=f"{len(xs)}d_t{int(training)}",
                 tol=(1e-5, 1e-5), why=ACC)
    case("batch_norm", [rnd([2, 3]), rnd([3])], {"has": [False, False, False, True], "training": True, "eps": 0.1},
         tag="eps")
    case("batch_norm", [rnd([2, 3]), rnd([4]), rnd([4], "f32", "pos")], {"has": [True, True, False, False],
                                                                           "training": False}, tag="bad_stats")
    for xs, ns, nw in [([2, 5], [5], 2), ([2, 3, 4], [4], 2), ([2, 3, 4], [3, 4], 1), ([2, 3, 4], [3, 4], 0),
                       ([3, 4], [4], 0)]:
        ins = [rnd(xs)] + [rnd(ns) for _ in range(nw)]
        case("layer_norm", ins, {"normalized_shape": ns}, tag=f"{len(ns)}d_w{nw}", tol=(1e-5, 1e-5), why=ACC)
    case("layer_norm", [rnd([2, 3]), rnd([3]), rnd([3])], {"normalized_shape": [3], "eps": 0.5}, tag="eps")
    case("layer_norm", [rnd([2, 3])], {"normalized_shape": [4]}, tag="bad_shape")
    # attention
    q, k, v = rnd([2, 3, 4]), rnd([2, 5, 4]), rnd([2, 5, 6])
    case("sdpa", [q, k, v], tag="plain", tol=A, why=ACC)
    case("sdpa", [q, k, v], {"scale": 0.3}, tag="scale", tol=A, why=ACC)
    bm = rnd([3, 5], "bool")
    bm[:, 0] = True  # no fully masked rows: their result is NaN in torch 2 and a matter of taste
    case("sdpa", [q, k, v, bm], tag="bool_mask", tol=A, why=ACC)
    case("sdpa", [q, k, v, rnd([2, 3, 5])], tag="float_mask", tol=A, why=ACC)
    qs, ks, vs = rnd([1, 2, 4, 3]), rnd([1, 2, 4, 3]), rnd([1, 2, 4, 3])
    case("sdpa", [qs, ks, vs], {"is_causal": True}, tag="causal", tol=A, why=ACC)
    case("sdpa", [rnd([3, 4]), rnd([6, 4]), rnd([6, 2])], {"is_causal": True}, tag="causal_rect_2d", tol=A, why=ACC)
    case("sdpa", [rnd([2, 3, 4]), rnd([2, 5, 3]), rnd([2, 5, 6])], tag="bad_dims")
    # losses
    N, C = 4, 5
    logits, tgt, probs = rnd([N, C]), idx([N], C), torch.softmax(rnd([N, C]), -1)
    for red in ("mean", "sum", "none"):
        case("cross_entropy", [logits, tgt], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("cross_entropy", [logits, tgt], {"reduction": red, "label_smoothing": 0.1}, tag=red + "_ls", tol=A, why=ACC)
        case("cross_entropy", [logits, probs], {"reduction": red}, tag=red + "_probs", tol=A, why=ACC)
        case("cross_entropy", [logits, probs], {"reduction": red, "label_smoothing": 0.2}, tag=red + "_probs_ls",
             tol=A, why=ACC)
        case("nll_loss", [torch.log_softmax(logits, -1), tgt], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("mse_loss", [rnd([3, 4]), rnd([3, 4])], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("bce", [rnd([3, 4], "f32", "unit"), rnd([3, 4], "f32", "unit")], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("bce_with_logits", [rnd([3, 4]), rnd([3, 4], "f32", "unit")], {"reduction": red}, tag=red, tol=A, why=ACC)
    case("cross_entropy", [rnd([3, 4], "f64"), idx([3], 4)], tag="f64")
    case("cross_entropy", [logits, T([0, 5, 1, 2], "i64")], tag="oob")
    case("cross_entropy", [T([[1000.0, 0.0], [-1000.0, 1000.0]], "f32"), T([1, 0], "i64")], {"reduction": "none"},
         tag="extreme")
    case("nll_loss", [logits, T([0, 1], "i64")], tag="bad_batch")
    case("bce", [T([0.0, 1.0, 0.5], "f32"), T([1.0, 0.0, 1.0], "f32")], {"reduction": "none"}, tag="clamped_log",
         grad_fn=bce_clamped,
         why="gradient: slope differentiates the function it computes, whose logs are clamped at -100 (derivative 0 "
             "where log(x) or log(1-x) is clamped, and +-100 w.r.t. the target); torch's bce backward uses "
             "(x - y) / max(x (1 - x), 1e-12) and log(1 - x) - log(x) unclamped (-3e11, inf). Expected: torch "
             "autograd through the clamped formula")
    case("bce_with_logits", [T([100.0, -100.0, 0.0], "f32"), T([0.0, 1.0, 0.5], "f32")], {"reduction": "none"},
         tag="extreme")
    # dropout: only structure (every element 0 or x/(1-p)) and the rate, checked in C++
    for p, training in [(0.3, True), (0.0, True), (0.5, False), (1.0, True), (0.9, True)]:
        case("dropout", [rnd([40, 50], "f32", "pos")], {"p": p, "training": training, "seed": 7},
             tag=f"p{str(p).replace('.', 'p')}_t{int(training)}", check="dropout")
    case("dropout", [rnd([4])], {"p": 1.5, "training": True, "seed": 7}, tag="bad_p")


def medium_cases():
    """Sizes past the cpu backend's vector widths, blocking and threading thresholds (tens to
    thousands of elements), where the tiny cases above never reach its fast paths."""
    A = (1e-5, 1e-5)
    for dt in ("f32", "f64", "i32", "i64", "u8", "bool", "f16"):
        x = rnd([37, 65], dt)
        for axes in ([0], [1], [], [0, 1]):
            for op in ("sum", "max", "min", "any") if dt != "f16" else ("sum", "max"):
                tol = (4e-3, 4e-2) if dt == "f16" else A
                u8_any = op == "any" and dt == "u8"
                case(op, [x], {"axes": axes}, tag=f"med_{dt}_{'_'.join(map(str, axes)) or 'all'}", tol=tol,
                     why="torch's any() keeps uint8 (a legacy quirk); slope's any is always bool" if u8_any else ACC,
                     out_dtype="bool" if u8_any else None)
        case("cumsum", [rnd([5, 300], dt)], {"axis": 1}, tag=f"med_{dt}", tol=(4e-3, 0.5) if dt == "f16" else (1e-5, 1e-4),
             why=ACC + " over 300 terms")
        case("argmax", [rnd([40, 70], dt)], {"axis": 1}, tag=f"med_{dt}")
        case("argmin", [rnd([40, 70], dt)], {"axis": 0}, tag=f"med_{dt}")
    for op in ("mean", "prod", "logsumexp", "var", "std", "all"):
        x = rnd([3, 130, 7], "f32", "uniform", 0.9, 1.1) if op == "prod" else rnd([3, 130, 7])
        for axes in ([1], [0, 2], [-1]):
            case(op, [x], {"axes": axes}, tag=f"med_{'_'.join(map(str, axes))}".replace("-", "m"), tol=A, why=ACC)
    for op in ("add", "mul", "sub", "div", "maximum", "lt", "eq", "pow", "remainder", "floor_divide", "logical_and"):
        for dt in ("f32", "i32", "i64", "f64", "u8"):
            a = rnd([64, 65], dt, "pos") if op == "pow" else rnd([64, 65], dt)
            b = rnd([65], dt, "pos") if dt in FLOATS else rnd([65], dt, lo=1, hi=4)
            case(op, [a, b], tag=f"med_{dt}")
            case(op, [rnd([130, 1], dt), rnd([1, 33], dt, "pos") if dt in FLOATS else rnd([1, 33], dt, lo=1, hi=3)],
                 tag=f"med_outer_{dt}")
    case("add", [rnd([2000], "i32"), rnd([2000], "f32")], tag="med_promo")
    case("where", [rnd([70, 70], "bool"), rnd([70, 70]), rnd([70])], tag="med")
    for op in ("exp", "log", "sin", "tanh", "sigmoid", "sqrt", "abs", "neg", "floor", "round", "erf", "expm1", "square"):
        for dt in ("f32", "f64"):
            kind = "pos" if op in ("log", "sqrt") else "normal"
            case(op, [rnd([33, 61], dt, kind)], tag=f"med_{dt}")
        if op in ("abs", "neg", "square"):
            case(op, [rnd([1000], "i32")], tag="med_i32")
    case("cast", [rnd([3001], "f32", "uniform", -100, 100)], {"dtype": "i32"}, tag="med_f32_i32")
    case("cast", [rnd([3001], "f32")], {"dtype": "f16"}, tag="med_f32_f16")
    case("cast", [rnd([3001], "i64")], {"dtype": "f64"}, tag="med_i64_f64")
    for sa, sb in [([33, 65], [65, 17]), ([4, 70, 30], [30, 50]), ([130], [130, 9]), ([2, 1, 40, 40], [3, 40, 40])]:
        case("matmul", [rnd(sa), rnd(sb)], tag="med_" + "x".join(map(str, sa)), tol=(1e-4, 1e-4),
             why=ACC + " (BLAS blocking over up to 130 terms)")
    case("matmul", [rnd([40, 50], "f64"), rnd([50, 30], "f64")], tag="med_f64", tol=(1e-12, 1e-12), why=ACC)
    case("matmul", [rnd([20, 30], "i64"), rnd([30, 20], "i64")], tag="med_i64")
    case("matmul", [rnd([20, 30], "i32"), rnd([30, 20], "i32")], tag="med_i32")
    for p in ([1, 0], [0, 2, 1], [2, 1, 0]):
        x = rnd([70, 90]) if len(p) == 2 else rnd([20, 30, 40])
        case("permute", [x], {"perm": p}, tag="med_" + "_".join(map(str, p)))
    case("transpose", [rnd([3, 129, 65], "i64")], {"a": 1, "b": 2}, tag="med_i64")
    case("flip", [rnd([30, 70])], {"axes": [1]}, tag="med")
    case("pad", [rnd([30, 70])], {"pads": [(3, 2), (5, 7)], "value": sc(1.0)}, tag="med")
    case("cat", [rnd([30, 70]), rnd([30, 5]), rnd([30, 64])], {"axis": 1}, tag="med")
    case("expand", [rnd([1, 70, 1])], {"shape": [40, 70, 9]}, tag="med")
    case("slice", [rnd([50, 80])], {"axis": 1, "start": 3, "stop": 77, "step": 3}, tag="med")
    case("repeat", [rnd([20, 30])], {"repeats": [3, 4]}, tag="med")
    case("gather", [rnd([40, 60]), idx([40, 90], 60)], {"axis": 1}, tag="med")
    case("index_select", [rnd([60, 70]), idx([100], 60)], {"axis": 0}, tag="med")
    case("scatter_add", [rnd([40, 60]), idx([40, 90], 60), rnd([40, 90])], {"axis": 1}, tag="med", tol=A, why=ACC)
    case("scatter_add", [rnd([60], "i32"), idx([500], 60), rnd([500], "i32")], {"axis": 0}, tag="med_i32")
    case("one_hot", [idx([300], 17)], {"num_classes": 17}, tag="med")
    case("tril", [rnd([3, 70, 65])], {"k": -3}, tag="med")
    case("index", [rnd([20, 30, 40]), idx([50], 30)], {"index": [{"s": [None, None, 2]}, {"t": 0}]}, tag="med")
    for op in ("softmax", "log_softmax"):
        case(op, [rnd([17, 130])], {"axis": -1}, tag="med")
        case(op, [rnd([130, 17])], {"axis": 0}, tag="med_ax0")
    case("conv", [rnd([2, 8, 20, 20]), rnd([16, 8, 3, 3]), rnd([16])], {"padding": [1, 1]}, tag="med2d",
         tol=(1e-4, 1e-4), why=ACC + " (im2col + GEMM over 72 terms)")
    case("conv", [rnd([2, 8, 40]), rnd([8, 2, 5])], {"stride": [2], "groups": 4, "dilation": [2]}, tag="med1d",
         tol=(1e-4, 1e-4), why=ACC)
    case("conv_transpose", [rnd([2, 8, 10, 10]), rnd([8, 4, 3, 3])], {"stride": [2, 2], "padding": [1, 1]},
         tag="med2d", tol=(1e-4, 1e-4), why=ACC)
    case("max_pool", [rnd([2, 8, 20, 20])], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]}, tag="med")
    case("avg_pool", [rnd([2, 8, 20, 20])], {"kernel": [2, 2]}, tag="med", tol=A, why=ACC)
    case("batch_norm", [rnd([16, 8, 6, 6])], {"has": [False] * 4, "training": True}, tag="med", tol=(1e-4, 1e-4),
         why=ACC)
    case("layer_norm", [rnd([16, 130]), rnd([130]), rnd([130])], {"normalized_shape": [130]}, tag="med",
         tol=(1e-4, 1e-4), why=ACC)
    case("sdpa", [rnd([2, 4, 33, 16]), rnd([2, 4, 40, 16]), rnd([2, 4, 40, 16])], tag="med", tol=(1e-4, 1e-5), why=ACC)
    case("cross_entropy", [rnd([64, 100]), idx([64], 100)], tag="med", tol=A, why=ACC)


def sweep_cases():
    """Random combinations the hand-written cases cannot enumerate: broadcast shapes of rank 0-4 with
    0/1-sized dims, dtype pairs, reduction axes subsets (negative too), permutations."""
    import random
    R = random.Random(7)
    dts = ["f32", "f64", "i32", "i64", "u8", "i8", "bool", "f16"]

    def shape(nd):
        return [R.choice([0, 1, 1, 2, 3, 4]) if R.random() < 0.15 else R.choice([1, 2, 3, 4]) for _ in range(nd)]

    def bshapes():
        out = shape(R.randint(0, 4))
        a = [d if R.random() < 0.6 else 1 for d in out]
        b = [d if R.random() < 0.6 else 1 for d in out][R.randint(0, len(out)):]
        return (a, b) if R.random() < 0.5 else (b, a)

    bin_ops = ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "ne", "lt", "ge", "logical_or", "pow",
               "remainder", "floor_divide"]
    for i in range(160):
        op = R.choice(bin_ops)
        da, db = R.choice(dts), R.choice(dts)
        if "bool" in (da, db) and op in ("sub", "pow", "remainder", "floor_divide", "div"):
            continue
        if "u8" in (da, db) and "i8" in (da, db):
            continue  # torch's i16 (see promo_u8_i8)
        sa, sb = bshapes()
        a = rnd(sa, da, "pos") if op == "pow" and da in FLOATS else rnd(sa, da, lo=0, hi=4) if op == "pow" else rnd(sa, da)
        if op in ("remainder", "floor_divide", "div", "pow"):
            b = rnd(sb, db, "pos") if db in FLOATS else rnd(sb, db, lo=1, hi=4)
        else:
            b = rnd(sb, db)
        case(op, [a, b], tag=f"sweep{i}_{da}_{db}")
    red_ops = ["sum", "mean", "max", "min", "prod", "any", "all", "logsumexp"]
    for i in range(120):
        op = R.choice(red_ops)
        dt = R.choice(["f32", "f64", "i32", "i64", "bool"] if op not in ("mean", "logsumexp") else ["f32", "f64"])
        x = rnd(shape(R.randint(1, 4)), dt)
        nd = x.dim()
        ax = sorted(R.sample(range(nd), R.randint(1, nd)))
        ax = [a - nd if R.random() < 0.3 else a for a in ax]
        case(op, [x], {"axes": ax, "keepdim": R.random() < 0.5}, tag=f"sweep{i}_{dt}", tol=(1e-5, 1e-5), why=ACC)
    un_ops = ["neg", "abs", "exp", "log1p", "sqrt", "sin", "tanh", "sigmoid", "floor", "round", "sign", "square",
              "isnan", "logical_not", "reciprocal", "erf"]
    for i in range(80):
        op, dt = R.choice(un_ops), R.choice(dts + ["bf16"])
        if dt == "bool" and op in ("neg", "abs", "floor", "round", "sign", "square"):
            continue
        pos = op in ("log1p", "sqrt", "reciprocal")
        x = rnd(shape(R.randint(0, 3)), dt, "pos") if pos and dt in FLOATS + ("bf16",) else \
            rnd(shape(R.randint(0, 3)), dt, lo=1, hi=9) if pos and dt not in ("bool",) else rnd(shape(R.randint(0, 3)), dt)
        case(op, [x], tag=f"sweep{i}_{dt}")
    for i in range(30):
        x = rnd(shape(R.randint(1, 5)), R.choice(dts))
        perm = list(range(x.dim()))
        R.shuffle(perm)
        case("permute", [x], {"perm": perm}, tag=f"sweep{i}")
        case("flip", [x], {"axes": sorted(R.sample(range(x.dim()), R.randint(0, x.dim())))}, tag=f"sweep{i}")


def extra_edge_cases():
    """Corners where a plausible implementation gives a silent wrong answer."""
    case("pow", [T([2, 1, -1, -1, 3, -2], "i64"), T([-1, -2, -3, -2, 0, 3], "i64")], tag="int_neg_exponent")
    for op in ("floor_divide", "remainder"):  # torch works from an exact fmod: 1 // 0.1 == 9, not floor(1 / 0.1) == 10
        for dt in ("f32", "f64"):
            case(op, [T([1.0, -1.0, 0.7, 5.0, -0.3], dt), T([0.1, 0.1, 0.1, 0.5, 0.1], dt)], tag=f"inexact_{dt}")
    case("clip", [rnd([5])], {"lo": sc(1.0), "hi": sc(-1.0)}, tag="lo_above_hi")
    case("clip", [T([1, 5, 9], "u8")], {"lo": sc(2), "hi": sc(7)}, tag="u8")
    for op in ("softmax", "log_softmax"):
        case(op, [T([[-math.inf, -math.inf], [0.0, -math.inf]], "f32")], {"axis": 1}, tag="all_neg_inf_row")
        case(op, [T([math.nan, 1.0], "f32")], {"axis": 0}, tag="nan")
    wrap = ("torch rejects negative entries here; slope wraps them from the end like every index tensor "
            "(src/procedures/index.cpp), so the expected value uses the wrapped index")
    case("gather", [rnd([2, 3]), T([[-1]], "i64")], {"axis": 1}, tag="negative_index", why=wrap,
         fn=lambda x, i, axis: torch.gather(x, axis, i % x.shape[axis]))
    case("index_select", [rnd([2, 3]), T([-1, -3], "i64")], {"axis": 1}, tag="negative_index", why=wrap,
         fn=lambda x, i, axis: torch.index_select(x, axis, i % x.shape[axis]))
    case("scatter_add", [rnd([3]), T([-1, 0], "i64"), rnd([2])], {"axis": 0}, tag="negative_index", why=wrap,
         fn=lambda x, i, s, axis: torch.scatter_add(x, axis, i % x.shape[axis], s))
    case("gather", [rnd([2, 3]), T([[-4]], "i64")], {"axis": 1}, tag="negative_oob")
    case("take_along_dim", [rnd([2, 3]), T([[3]], "i64")], {"axis": 1}, tag="oob")
    case("split", [rnd([2, 3])], {"size": 0}, tag="size0")
    case("expand", [rnd([3])], {"shape": [-1, 3]}, tag="minus1_new_dim")
    case("reshape", [rnd([2, 3])], {"shape": [-2, 3]}, tag="bad_negative")
    # A bool tensor as an index is a mask in torch (a data-dependent shape). slope may refuse it, but
    # must never read the mask's 0/1 as integer positions.
    case("index", [rnd([4, 2]), T([True, False, True, True], "bool")], {"index": [{"t": 0}]}, tag="bool_mask",
         accept_error="a boolean mask gives a data-dependent shape; refusing it with slope::Error is fine")
    case("max_pool", [rnd([1, 1, 5, 5])], {"kernel": [2, 2], "padding": [2, 2]}, tag="pad_over_half_kernel")
    case("avg_pool", [rnd([1, 1, 5, 5])], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True},
         tag="ceil_pad", tol=(1e-5, 1e-5), why=ACC)
    case("conv", [rnd([1, 2, 5]), rnd([2, 2, 3])], {"stride": [0]}, tag="stride0")
    case("conv", [rnd([1, 2, 5]), rnd([2, 2, 3])], {"padding": [-1]}, tag="negative_padding")
    case("cross_entropy", [rnd([3, 4]), torch.softmax(rnd([3, 5]), -1)], tag="probs_wrong_classes")
    # half precision through the nn stack: slope may accumulate in the half type, torch in float
    H = (2e-2, 2e-2)
    HW = "half-precision inputs; sums of up to 24 terms may accumulate in the half type (one ulp ~ 1e-3 per term)"
    case("conv", [rnd([1, 2, 6, 6], "f16"), rnd([3, 2, 3, 3], "f16")], tag="f16", tol=H, why=HW)
    case("matmul", [rnd([4, 8], "bf16"), rnd([8, 3], "bf16")], tag="bf16", tol=(5e-2, 5e-2), why=HW)
    case("layer_norm", [rnd([3, 8], "f16")], {"normalized_shape": [8]}, tag="f16", tol=H, why=HW)
    case("softmax", [rnd([3, 8], "bf16")], {"axis": -1}, tag="bf16", tol=(2e-2, 1e-2), why=HW)
    case("gelu", [rnd([8], "bf16")], {"tanh_approx": True}, tag="bf16")
    case("cross_entropy", [rnd([4, 6], "f16"), idx([4], 6)], tag="f16", tol=H, why=HW)
    case("sum", [rnd([40], "bf16")], {"axes": [0]}, tag="bf16_40", tol=(5e-2, 5e-2), why=HW)
    case("one_hot", [T([0, 1], "i32")], {"num_classes": 3}, tag="i32_labels",
         fn=lambda x, num_classes: F.one_hot(x.long(), num_classes),
         why="torch takes only int64 labels; slope takes any integer dtype")


# ---------------------------------------------------------------- PyTorch spellings (api helper)
# Ops spelled the way a PyTorch user types them: Tensor.where(condition, other), sizes and dims as
# separate integers, torch.max(x, dim) with indices, clone, isclose/allclose, narrow-integer
# reductions. The C++ table's "api" block gives each its spellings.
def _max_dim(f):
    def g(x, dim, keepdim=False):
        r = f(x, dim, keepdim=keepdim)
        return [r.values, r.indices]
    return g


TORCH.update({
    "where_method": lambda x, c, o: x.where(c, o),
    # torch 1.13's Tensor.where takes no Python number; a 0-d tensor promotes like one (what C++'s
    # x.where(c, 0) passes: Tensor(0), a 0-d i64)
    "where_method_scalar": lambda x, c, other: x.where(c, torch.tensor(unsc(other))),
    "reshape_ints": lambda x, shape: x.reshape(*shape),
    "permute_ints": lambda x, perm: x.permute(*perm),
    "expand_ints": lambda x, shape: x.expand(*shape),
    "repeat_ints": lambda x, repeats: x.repeat(*repeats),
    "squeeze_dim": lambda x, dim: x.squeeze(dim),
    "zeros_ints": lambda shape: torch.zeros(*shape),
    "ones_ints": lambda shape: torch.ones(*shape),
    "clone": lambda x: x.clone(),
    "isclose": lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False: torch.isclose(a, b, rtol, atol, equal_nan),
    "allclose": lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False:
        torch.tensor(torch.allclose(a, b, rtol, atol, equal_nan)),
    "max_dim": _max_dim(torch.max), "min_dim": _max_dim(torch.min),
    "reduce_dim": lambda x, op, dim, keepdim=False: getattr(x, op)(dim, keepdim=keepdim),
})
NO_GRAD.update({n: "creation op: no tensor inputs" for n in ["zeros_ints", "ones_ints"]})


def api_cases():
    x = rnd([3, 4])
    case("where_method", [x, x > 0, rnd([4])], tag="bcast")
    case("where_method", [rnd([2, 3], "i32"), rnd([2, 3], "bool"), rnd([3], "i64")], tag="promo")
    case("where_method", [rnd([3]), rnd([3], "bool"), rnd([3])], tag="f32")
    case("where_method", [rnd([3]), rnd([3], "f32"), rnd([3])], tag="cond_not_bool")
    case("where_method_scalar", [x, x > 0], {"other": sc(0)}, tag="relu_like")
    case("where_method_scalar", [rnd([5], "i32"), rnd([5], "bool")], {"other": sc(-1)}, tag="i32")
    case("where_method_scalar", [rnd([2, 2], "f16"), rnd([2, 2], "bool")], {"other": sc(0.5)}, tag="f16")
    for shape in ([12], [4, 3], [2, -1], [2, 3, 2], [1, 2, 3, 2]):
        case("reshape_ints", [rnd([2, 6])], {"shape": shape})
    case("reshape_ints", [rnd([2, 6])], {"shape": [5, 2]}, tag="bad")
    case("reshape_ints", [rnd([], "i64")], {"shape": [1, 1]}, tag="scalar")
    for perm in ([1, 0, 2], [2, 0, 1], [-1, 0, 1]):
        case("permute_ints", [rnd([2, 3, 4])], {"perm": perm})
    case("permute_ints", [rnd([2, 3])], {"perm": [0, 0]}, tag="bad")
    case("expand_ints", [rnd([3, 1])], {"shape": [3, 4]})
    case("expand_ints", [rnd([3, 1], "i32")], {"shape": [2, -1, 5]}, tag="new_dim")
    case("expand_ints", [rnd([3, 2])], {"shape": [3, 4]}, tag="bad")
    case("repeat_ints", [rnd([2, 3])], {"repeats": [2, 1]})
    case("repeat_ints", [rnd([2], "u8")], {"repeats": [3, 2]}, tag="new_dim")
    case("squeeze_dim", [rnd([1, 3, 1])], {"dim": 0})
    case("squeeze_dim", [rnd([1, 3, 1])], {"dim": -1}, tag="neg")
    case("squeeze_dim", [rnd([1, 3, 1])], {"dim": 1}, tag="not_one")
    case("squeeze_dim", [rnd([1, 3])], {"dim": 2}, tag="bad")
    for shape in ([2, 5], [3], [2, 0, 3], [1, 2, 3, 4]):
        case("zeros_ints", [], {"shape": shape})
        case("ones_ints", [], {"shape": shape})
    for dt in ("f32", "i64", "bool", "f16"):
        case("clone", [rnd([2, 3], dt)], tag=dt)
    a = edge()
    b = a.clone()
    b[5:8] += torch.tensor([1e-6, 1e-3, 1.0])
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 1e-2}, {"atol": 1.0, "rtol": 0.0}):
        case("isclose", [a, b], kw, tag="edge")
        case("allclose", [a, b], kw, tag="edge", check="eager_only")
    case("isclose", [rnd([3, 1]), rnd([4])], tag="bcast")
    case("isclose", [rnd([4], "i32"), rnd([4], "i32")], {"atol": 2.0}, tag="i32")
    case("isclose", [rnd([4], "u8", lo=0, hi=255), rnd([4], "u8", lo=0, hi=255)], {"atol": 3.0}, tag="u8")
    case("isclose", [rnd([4], "bool"), rnd([4], "bool")], tag="bool")
    case("isclose", [rnd([4], "f16"), rnd([4], "f16")], {"rtol": 0.5}, tag="f16")
    case("isclose", [rnd([4]), rnd([4], "f64")], tag="dtypes_differ")
    case("isclose", [rnd([4]), rnd([4])], {"rtol": -1.0}, tag="negative_rtol")
    # allclose returns a C++ bool: eager only (check="eager_only" keeps it out of the jit suite)
    case("allclose", [rnd([3, 1]), rnd([4])], tag="bcast", check="eager_only")
    case("allclose", [x, x + 1e-7], tag="near", check="eager_only")
    case("allclose", [rnd([4]), rnd([4], "f64")], tag="dtypes_differ", check="eager_only")
    for op in ("max_dim", "min_dim"):
        case(op, [rnd([3, 5])], {"dim": 1})
        case(op, [rnd([3, 5])], {"dim": 0, "keepdim": True}, tag="keepdim")
        case(op, [rnd([2, 3, 4], "i32")], {"dim": -1}, tag="i32")
        case(op, [rnd([2, 6], "u8")], {"dim": 1}, tag="u8")
        case(op, [T([[1.0, math.nan, 3.0, math.nan], [2.0, 2.0, 0.0, 2.0]], "f32")], {"dim": 1}, tag="nan_ties")
        case(op, [rnd([4], "bool")], {"dim": 0}, tag="bool")
        case(op, [rnd([], "f32")], {"dim": 0}, tag="scalar")
        case(op, [rnd([3, 0])], {"dim": 1}, tag="empty")
        case(op, [rnd([3, 2])], {"dim": 2}, tag="bad_dim")
    for op in ("sum", "mean", "prod", "logsumexp", "any", "all", "var", "std"):
        case("reduce_dim", [rnd([3, 4])], {"op": op, "dim": 1}, tag=op)
        case("reduce_dim", [rnd([3, 4])], {"op": op, "dim": -2, "keepdim": True}, tag=op + "_keepdim")


def kink_cases():
    """Points where derivative conventions differ between implementations (ties, zeros, bounds): the
    gradient check (see README) must find PyTorch's convention there."""
    ties = T([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0], [-1.0, -1.0, -1.0]], "f32")
    for op in ("max", "min"):
        case(op, [ties], {"axes": [1]}, tag="ties")
        case(op, [ties], {"axes": []}, tag="ties_all")
        case(op, [ties], {"axes": [0], "keepdim": True}, tag="ties_ax0")
    for op in ("maximum", "minimum"):
        case(op, [T([1.0, 2.0, -3.0, 0.0, -0.0], "f32"), T([1.0, 0.0, -3.0, -0.0, 5.0], "f32")], tag="ties")
        case(op, [T([[1.0], [2.0]], "f32"), T([1.0, 2.0, 3.0], "f32")], tag="ties_bcast")
    case("pow", [T([0.0, 0.0, 0.0, 0.0, -0.0, 1.0], "f32"), T([0.5, 1.0, 2.0, 3.0, 1.0, 0.0], "f32")], tag="zero_base_kinks")
    case("clip", [T([-1.0, -0.5, 0.5, 1.0, 2.0], "f32")], {"lo": sc(-0.5), "hi": sc(0.5)}, tag="at_bounds")
    case("clip", [T([-1.0, 0.0, 1.0], "f32")], {"lo": sc(0.0)}, tag="at_lo")
    case("prod", [T([[1.0, 0.0, 3.0], [0.0, 0.0, 2.0], [2.0, 3.0, 4.0]], "f32")], {"axes": [1]}, tag="zeros")
    case("prod", [T([[1.0, 0.0, 3.0], [2.0, 5.0, 4.0]], "f32")], {"axes": []}, tag="zero_all")
    for op in ("std", "var"):
        case(op, [T([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]], "f32")], {"axes": [1], "correction": 1}, tag="constant_row")
    case("sqrt", [T([0.0, 4.0], "f32")], tag="at_zero")
    case("relu", [T([0.0, -0.0, 1.0, -1.0], "f32")], tag="at_zero")
    case("leaky_relu", [T([0.0, -0.0, 1.0, -1.0], "f32")], {"negative_slope": 0.2}, tag="at_zero")
    case("elu", [T([0.0, -0.0, 1.0, -1.0], "f32")], tag="at_zero")
    case("abs", [T([0.0, -0.0, 2.0, -2.0], "f64")], tag="at_zero")
    case("max_pool", [T([[[1.0, 3.0, 2.0, 2.0, 5.0]]], "f32")], {"kernel": [3], "stride": [1]}, tag="overlap")
    case("softmax", [T([[0.0, 0.0, 0.0], [1.0, 1.0, -math.inf]], "f32")], {"axis": 1}, tag="uniform")
    case("logsumexp", [T([[0.0, 0.0], [-math.inf, 1.0]], "f32")], {"axes": [1]}, tag="neg_inf_one")
    case("cumsum", [T([0.0, 0.0, 1.0], "f32")], {"axis": 0}, tag="zeros")
    case("div", [T([1.0, 0.0, -1.0], "f32"), T([0.0, 2.0, 0.0], "f32")], tag="by_zero")
    case("layer_norm", [T([[1.0, 1.0, 1.0, 1.0]], "f32")], {"normalized_shape": [4]}, tag="constant")


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for f in (unary_cases, binary_cases, reduction_cases, shape_cases, index_cases, matmul_cases, creation_cases,
              nn_cases, medium_cases, sweep_cases, extra_edge_cases, kink_cases,
              api_cases):
        f()
    with open(os.path.join(out, "data.bin"), "wb") as fh:
        fh.write(S.data)
    meta = {"torch_version": torch.__version__, "cases": S.cases}
    tmp = os.path.join(out, "cases.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(meta, fh, indent=0, allow_nan=False)
    os.replace(tmp, os.path.join(out, "cases.json"))  # the C++ side never sees a half-written file
    ops = {c["op"] for c in S.cases}
    for sk in SKIPPED:
        print("gen_golden: skipped (torch has no kernel)", sk)
    print(f"gen_golden: {len(S.cases)} cases over {len(ops)} ops ({sum('error' in c for c in S.cases)} error cases)"
          f" -> {out}")
    gops = {c["op"] for c in S.cases if "grads" in c}
    print(f"gen_golden: torch gradients for {sum('grads' in c for c in S.cases)} cases over {len(gops)} ops")
    for op in sorted(set(TORCH) - gops):
        print(f"gen_golden: no gradient check for {op}: {'; '.join(sorted(GRAD_NONE.get(op, {'no case'})))}")


if __name__ == "__main__":
    main()
