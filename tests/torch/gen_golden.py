#!/usr/bin/env python3
"""Writes the PyTorch golden files that tests/test_torch_ops.cpp checks slope against.

    /usr/bin/python3 tests/torch/gen_golden.py OUTDIR

OUTDIR/cases.json lists the cases; OUTDIR/data.bin holds every tensor's raw little-endian bytes.
A case is {name, op, inputs: [tensor], kwargs, outputs: [tensor] | error: true, rtol, atol, why?}
where a tensor is {dtype, shape, offset, nbytes}. `op` names an entry of the C++ dispatch table;
kwargs are plain JSON (C++ scalars are {"kind": "int"|"float"|"bool", "v": value}; non-finite floats
are the strings "inf", "-inf", "nan"). A case whose torch call raises records "error": true and the
C++ side expects slope::Error.

Each case draws its random inputs (and its gradient's cotangents) from a generator seeded by a stable
hash of the case's own name, so the files are identical on every run (CI regenerates them before the
tests; nothing is committed) and adding, removing or reordering cases never changes another case's
inputs. Expected values are torch's, except where a case says `why` (a documented slope deviation, or
numpy where torch lacks the feature, e.g. negative steps).
"""
import hashlib
import json
import math
import os
import sys
import traceback
import warnings

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)  # deterministic reductions, and fast enough for these sizes

DT = {"f32": torch.float32, "f64": torch.float64, "f16": torch.float16, "bf16": torch.bfloat16,
      "i64": torch.int64, "i32": torch.int32, "i8": torch.int8, "u8": torch.uint8, "bool": torch.bool}
NAME = {v: k for k, v in DT.items()}
FLOATS = ("f32", "f64", "f16", "bf16")

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


# ---------------------------------------------------------------- inputs
# Random inputs are drawn only inside a case's input factory (`case(op, lambda: [rnd(..)], ...)`),
# from a generator that case() seeds from the case's name just before calling the factory. rnd() and
# idx() refuse to draw anywhere else: a tensor drawn outside would come from a stream shared with
# other cases, so adding one case would silently change the inputs (and tolerances) of later ones.
class Draws:
    gen = None  # the current case's generator while its factory runs, else None


def stable_seed(text):
    """A seed from a string that is the same in every process (Python's hash() is salted)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") & (2**63 - 1)


def _gen():
    if Draws.gen is None:
        raise RuntimeError("rnd()/idx() called outside a case's input factory: write case(op, lambda: [rnd(..)], ...) "
                           "so that the inputs depend only on the case's name (tests/torch/README.md)")
    return Draws.gen


def rnd(shape, dtype="f32", kind="normal", lo=None, hi=None):
    """A random tensor. kind: normal | uniform (lo, hi) | pos (0.1..3) | unit (0.02..0.98)."""
    shape = tuple(shape)
    G = _gen()
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
    return torch.randint(0, n, tuple(shape), generator=_gen()).to(DT[dtype])


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
SKIPPED = []  # cases torch cannot compute (missing kernels): each must be listed in EXPECTED_SKIPS
# The only cases the generator may drop, each with the kernel torch 1.13 lacks. A drop not listed here
# (a new torch gap, or a case written wrong) fails the generator instead of silently losing coverage;
# a listed case that torch now computes fails too (remove it from the list).
EXPECTED_SKIPS = {
    "abs_bool": "abs_cpu", "floor_bool": "floor_vml_cpu", "round_bool": "round_vml_cpu",
    "argmax_bool": "argmax_cpu", "argmin_bool": "argmin_cpu", "argmax_med_bool": "argmax_cpu",
    "argmin_med_bool": "argmin_cpu", "max_pool_i32": "max_pool2d", "hypot_i32": "hypot_cpu",
    "logaddexp_i32": "logaddexp_cpu", "mish_i64": "mish_cpu",
}


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


class TorchRule(RuntimeError):
    """A torch error the generator raises itself, where it computes torch's answer another way (numpy for
    negative steps, a loop over dims for torch 1.13's one-dim reductions) and so must state the rule that
    torch applies: the only error raised in this file that may define an error case."""


_TORCH_DIR = os.path.dirname(torch.__file__)
_PY_SEQUENCE_ERROR = ("list index out of range", "tuple index out of range", "list assignment index out of range")


def torch_raised(e):
    """True when exception e is PyTorch refusing the input (a RuntimeError/ValueError/IndexError raised by
    torch's Python code, or by its C++ core, which leaves the calling line of this file as the traceback's
    last frame), False when the generator itself failed: a TypeError from a lambda called with the wrong
    arguments, a Python `raise` or list index in this file (other than TorchRule), a ZeroDivisionError of
    Python arithmetic here. A False answer fails the generator: such a case would test nothing."""
    if isinstance(e, TorchRule):
        return True
    if isinstance(e, TypeError) or not isinstance(e, (RuntimeError, ValueError, IndexError, ZeroDivisionError)):
        return False
    last = traceback.extract_tb(e.__traceback__)[-1]
    if last.filename.startswith(_TORCH_DIR):
        return True  # raised by torch's own Python code (torch.nn.functional and friends)
    if os.path.abspath(last.filename) != os.path.abspath(__file__):
        return False  # numpy or the standard library: not torch's rule
    code = (last.line or "").lstrip()
    return not (code.startswith("raise") or isinstance(e, ZeroDivisionError) or str(e) in _PY_SEQUENCE_ERROR)


def draw(name, inputs):
    """The case's input tensors: the factory's, drawn from a generator seeded by the case name."""
    if not callable(inputs):
        return list(inputs)
    Draws.gen = torch.Generator().manual_seed(stable_seed(name))
    try:
        return list(inputs())
    finally:
        Draws.gen = None


# The op a user calls, for the table entries that name a variant of it (an error case expects slope's
# message to start with "[op]" naming it; default: the entry's own name).
USER_OP = {"min_dim": "min", "max_dim": "max", "sub_scalar": "sub", "topk_values": "topk", "sort_values": "sort",
           "where_method": "where", "squeeze_dim": "squeeze", "sdpa": "scaled_dot_product_attention",
           "reshape_ints": "reshape", "permute_ints": "permute", "expand_ints": "expand", "index_int": "index"}


def case(op, inputs, kw=None, fn=None, tag="", tol=None, why=None, out_dtype=None, check=None, accept_error=None,
         signed_zero=False, grad_tol=None, grad_fn=None, grad_wrt=None, no_grad=None, error_op=None):
    """Records one case. `inputs` is a factory, `lambda: [rnd(..), ..]`, called with the generator
    seeded from the case's name; a plain list is for inputs with no random draws (T(..), edge()).
    fn(*inputs, **kw) computes torch's answer (default: TORCH[op]). For the gradient: grad_tol loosens
    its comparison, grad_fn computes it through another torch function with slope's documented
    convention, grad_wrt restricts the differentiated inputs (say why), no_grad="reason" skips it. error_op
    names the op whose name an error must start with (default USER_OP.get(op, op))."""
    kw = kw or {}
    fn = fn or TORCH[op]
    base = f"{op}_{tag}" if tag else op
    name = "".join(c if c.isalnum() else "_" for c in base)
    # The name seeds the inputs: a duplicate would make them depend on the order of the cases.
    if name in S.names:
        raise ValueError(f"case name {name} is used twice: give one of them a distinct tag")
    S.names.add(name)
    inputs = draw(name, inputs)
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
            if name not in EXPECTED_SKIPS or EXPECTED_SKIPS[name] not in msg:
                raise AssertionError(f"case {name} dropped: torch says '{msg}', and EXPECTED_SKIPS does not list "
                                     "this case with that kernel (add it there only if torch lacks the kernel)")
            S.names.discard(name)
            SKIPPED.append(name)
            return
        else:
            if not torch_raised(e):
                raise AssertionError(f"case {name}: the generator itself raised {type(e).__name__}: {msg} (only "
                                     "torch's own errors, or TorchRule, may define an error case)") from e
            c["error"] = True
            c["error_op"] = error_op or USER_OP.get(op, op)
            c["torch_error"] = msg
            S.cases.append(c)
            return
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    if out_dtype:  # a documented dtype deviation: same values, slope's dtype
        outs = [o.to(DT[out_dtype]) for o in outs]
    c["outputs"] = [S.tensor(o) for o in outs]
    dt = NAME[outs[0].dtype] if outs else "f32"
    rtol, atol = TOL.get(dt, (0.0, 0.0))
    if op in FWD_CONDITIONING:  # the case's own conditioning (see FWD_CONDITIONING)
        cond, _ = FWD_CONDITIONING[op](inputs, outs)
        if cond:
            rtol, atol = max(rtol, cond[0]), max(atol, cond[1])
    ftol = resolve_tol(tol, dt)
    if ftol:
        rtol, atol = max(rtol, ftol[0]), max(atol, ftol[1])
    if op in EXACT:
        rtol, atol = 0.0, 0.0
    c["rtol"], c["atol"] = rtol, atol
    if not why and dt in ("f16", "bf16"):
        why = "half-precision result: slope and torch may round a float intermediate differently by one ulp"
    gwhy = None
    if no_grad:
        GRAD_NONE.setdefault(op, set()).add(no_grad)
    else:
        gwhy = gradients(c, op, grad_fn or fn, inputs, kw, outs, tol, grad_tol, grad_wrt)
    if gwhy:
        why = (why + "; " if why else "") + gwhy
    if why:
        c["why"] = why
    S.cases.append(c)


# ---------------------------------------------------------------- gradients (torch autograd)
# For every differentiable case the generator also records torch's vector-Jacobian product: a fixed
# random cotangent per output (from a generator seeded by the case's name, like its inputs) and torch.autograd.grad of sum((out_i * ct_i).sum()) w.r.t. the floating inputs (unused
# inputs: zeros). tests/test_torch_ops.cpp computes the same with slope::vjp of the op's free
# function, integer/bool inputs and kwargs held fixed.
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
    gc = torch.Generator().manual_seed(stable_seed("cotangents of " + c["name"]))
    cts = [torch.randn(tuple(o.shape), generator=gc, dtype=torch.float64).to(o.dtype) for o in outs]
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
    cond, cnote = grad_conditioning(op, f, inputs, kw, wrt, cts, outs, gs)
    if cnote:
        note = (note + "; " if note else "") + cnote
    gdt = "f64" if all(inputs[i].dtype == torch.float64 for i in wrt) else "f32"
    for t_ in (resolve_tol(tol, gdt), resolve_tol(grad_tol, gdt), cond):
        if t_:
            rtol, atol = max(rtol, t_[0]), max(atol, t_[1])
    c["grad_inputs"] = wrt
    c["cotangents"] = [S.tensor(t) for t in cts]
    c["grads"] = [S.tensor(g) for g in gs]
    c["grad_rtol"], c["grad_atol"] = rtol, atol
    return note


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


def broadcast_sum_tol(f, inputs, wrt, cts, outs):
    """An input broadcast to n output elements gets a gradient that is a sum of n terms, which torch and
    slope accumulate in different orders (pairwise, blocked): they differ by up to ~2 ceil(log2 n) u
    sum|terms| (the pairwise summation bound, for both). sum|terms| comes from the same vjp taken with
    the inputs expanded to the output's shape (one term per element), then |.| summed back."""
    out_shape = outs[0].shape
    bound = 0.0
    for i in wrt:
        n = outs[0].numel() // max(inputs[i].numel(), 1)
        if n <= 1 or inputs[i].shape == out_shape:
            continue
        expanded = [t.expand(out_shape).clone() if k == i else t for k, t in enumerate(inputs)]
        halves = {t.dtype for t in inputs} & {torch.float16, torch.bfloat16}
        half = halves.pop() if halves else None
        try:
            if f(*expanded).dtype != outs[0].dtype:  # expanding a 0-d operand changed the promotion
                continue
            (g,) = _vjp(f, expanded, [i], cts)
        except RuntimeError as e:  # torch 1.13's missing half kernels, as in gradients()
            if "not implemented for" not in str(e) or half is None:
                raise
            (g,) = _vjp(f, expanded, [i], cts, upcast=half)
        s = g.double().abs()
        s = s.sum() if inputs[i].dim() == 0 else s.sum_to_size(inputs[i].shape)
        bound = max(bound, 2 * math.ceil(math.log2(n)) * U[NAME[inputs[i].dtype]] * float(s.max()))
    return ((0.0, bound), None) if bound else (None, None)


BROADCASTING = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "floor_divide", "where",
                "expand", "expand_ints", "broadcast_to",
                "iadd", "isub", "imul", "idiv")
FWD_CONDITIONING = {"pow": pow_tol}
GRAD_CONDITIONING = {"pow": pow_grad_tol, "gelu": gelu_grad_tol}


def loosest(*tols):
    tols = [t for t in tols if t]
    return (max(t[0] for t in tols), max(t[1] for t in tols)) if tols else None


def grad_conditioning(op, f, inputs, kw, wrt, cts, outs, gs):
    """The gradient's tolerance from conditioning (GRAD_CONDITIONING, and the broadcast sums)."""
    t, note = GRAD_CONDITIONING[op](f, inputs, kw, wrt, cts, outs, gs) if op in GRAD_CONDITIONING else (None, None)
    if op in BROADCASTING and all(U.get(NAME[inputs[i].dtype]) for i in wrt):
        t = loosest(t, broadcast_sum_tol(f, inputs, wrt, cts, outs)[0])
    return t, note


# ---------------------------------------------------------------- torch reference functions
def red_dims(x, axes):
    return list(range(x.dim())) if not axes else list(axes)


def multi(f):
    """Torch 1.13 reduces some ops over one dim only: apply over each dim, highest first."""
    def g(x, axes=(), keepdim=False, **kw):
        dims = sorted({d % max(x.dim(), 1) for d in red_dims(x, axes)}, reverse=True)
        if any(not (-max(x.dim(), 1) <= d < max(x.dim(), 1)) for d in red_dims(x, axes)):
            raise TorchRule("dim out of range")
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
    if not -x.dim() <= axis < x.dim():  # torch's rule for a dim (numpy computes the negative steps)
        raise TorchRule(f"Dimension out of range (expected to be in range of [{-x.dim()}, {x.dim() - 1}], but got {axis})")
    if step == 0:
        raise TorchRule("slice step cannot be zero")
    key = [slice(None)] * x.dim()
    key[axis] = slice(start, stop, step)
    return torch.from_numpy(np.array(x.numpy()[tuple(key)]))


def torch_pad(x, pads, value=0.0):
    flat = []
    for lo, hi in reversed(pads):
        flat += [lo, hi]
    return F.pad(x, flat, value=unsc(value))


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


def avg_pool(x, kernel, stride=(), padding=(), ceil_mode=False, count_include_pad=True, divisor_override=None):
    f = [F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][len(kernel) - 1]
    extra = {} if divisor_override is None else {"divisor_override": divisor_override}  # 2d/3d only in torch
    return f(x, tuple(kernel), tuple(stride) or None, tuple(padding) or 0, ceil_mode=ceil_mode,
             count_include_pad=count_include_pad, **extra)


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
            raise TorchRule("dim out of range")
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
        case(op, lambda: [rnd([3, 4], "f32", kind, lo, hi)], tag="f32")
        case(op, lambda: [rnd([2, 3], "f64", kind, lo, hi)], tag="f64")
        case(op, lambda: [rnd([5], "f16", kind, lo, hi)], tag="f16")
        case(op, lambda: [rnd([4], "bf16", kind, lo, hi)], tag="bf16")
        case(op, [edge("f32")], tag="edge_f32", signed_zero=True)
        case(op, lambda: [rnd([], "f32", kind, lo, hi)], tag="0d")
        case(op, lambda: [rnd([0, 3], "f32")], tag="empty")
        case(op, lambda: [rnd([2, 3], "i32", lo=1, hi=9) if k == "pos" else rnd([2, 3], "i32")], tag="i32")
        case(op, lambda: [rnd([4], "i64", lo=1, hi=9) if k == "pos" else rnd([4], "i64")], tag="i64")
        if op in ("neg", "abs", "sign", "square", "exp", "sigmoid", "floor", "round"):
            case(op, lambda: [rnd([6], "bool")], tag="bool")
        if op in ("abs", "neg", "sign", "floor"):
            case(op, lambda: [rnd([5], "u8")], tag="u8")
            case(op, lambda: [rnd([5], "i8")], tag="i8")
    for op in ["isnan", "isinf", "isfinite"]:
        case(op, [edge("f32")], tag="edge")
        case(op, [edge("f64").reshape(1, 17)], tag="f64")
        case(op, lambda: [rnd([3], "i32")], tag="int")
        case(op, lambda: [rnd([0], "f32")], tag="empty")
    case("logical_not", lambda: [rnd([2, 3], "bool")], tag="bool")
    case("logical_not", [edge("f32")], tag="f32")
    case("logical_not", lambda: [rnd([4], "i64")], tag="i64")
    case("stop_gradient", lambda: [rnd([2, 3])])
    # cast: truncation toward zero, nan -> true, round-to-nearest-even into half types
    casts = [("f32", "i32", lambda: rnd([8], "f32", "uniform", -100, 100)), ("f32", "i64", lambda: rnd([2, 3], "f32", "uniform", -9, 9)),
             ("f32", "u8", lambda: rnd([5], "f32", "uniform", 0, 255)), ("f32", "bool", lambda: edge("f32")),
             ("f32", "f16", lambda: rnd([9])), ("f32", "bf16", lambda: rnd([9])), ("f32", "f64", lambda: rnd([3])),
             ("f64", "f32", lambda: rnd([4], "f64")), ("i64", "f32", lambda: rnd([6], "i64")), ("i32", "i8", lambda: rnd([6], "i32")),
             ("bool", "f32", lambda: rnd([5], "bool")), ("bool", "i64", lambda: rnd([5], "bool")), ("i8", "i64", lambda: rnd([5], "i8")),
             ("u8", "i32", lambda: rnd([5], "u8")), ("f16", "f32", lambda: rnd([4], "f16")), ("bf16", "f64", lambda: rnd([4], "bf16")),
             ("i64", "bool", lambda: rnd([7], "i64")), ("f32", "f32", lambda: rnd([0, 2]))]
    for a, b, x in casts:
        case("cast", lambda: [x()], {"dtype": b}, tag=f"{a}_to_{b}")
    # clip with one or both bounds, int bounds on floats, float bound on ints (promotes, like torch)
    case("clip", lambda: [rnd([3, 4])], {"lo": sc(-0.5), "hi": sc(0.5)}, tag="both")
    case("clip", lambda: [rnd([5])], {"lo": sc(0.0)}, tag="lo")
    case("clip", lambda: [rnd([5])], {"hi": sc(0.25)}, tag="hi")
    case("clip", [edge()], {"lo": sc(-1.0), "hi": sc(1.0)}, tag="edge")
    case("clip", lambda: [rnd([6], "i32")], {"lo": sc(-2), "hi": sc(3)}, tag="i32")
    case("clip", lambda: [rnd([6], "i64")], {"lo": sc(-2.5), "hi": sc(3)}, tag="i64_float_bound")
    case("clip", lambda: [rnd([4], "f64")], {"lo": sc(-1), "hi": sc(1)}, tag="f64")
    case("clip", lambda: [rnd([])], {"lo": sc(0.1), "hi": sc(0.2)}, tag="0d")


def binary_cases():
    ops = ["add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "maximum", "minimum",
           "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"]
    shapes = [([3, 4], [3, 4]), ([3, 1], [1, 4]), ([2, 3, 4], [4]), ([4], [2, 3, 4]), ([], [2, 3]), ([2, 1, 3], [5, 1]),
              ([0, 3], [1, 3]), ([1], [])]
    for op in ops:
        for i, (sa, sb) in enumerate(shapes):
            def ab():
                a = rnd(sa, "f32", "pos") if op == "pow" else rnd(sa)
                b = rnd(sb, "f32", "pos") if op in ("div", "floor_divide", "remainder") else rnd(sb)
                return [a, b]
            case(op, ab, tag=f"bcast{i}")
        # dtypes
        for dt in ("f64", "f16", "bf16"):
            case(op, lambda: [rnd([2, 3], dt, "pos" if op == "pow" else "normal"), rnd([2, 3], dt, "pos")], tag=dt)
        case(op, lambda: [rnd([3, 4], "i32"), rnd([3, 4], "i32", lo=0, hi=4) if op == "pow" else rnd([3, 4], "i32", lo=1, hi=5)],
             tag="i32")
        case(op, lambda: [rnd([6], "i64"), rnd([6], "i64", lo=1, hi=4) if op != "pow" else rnd([6], "i64", lo=0, hi=3)],
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
            case(op, lambda: [rnd([5], "bool"), rnd([5], "bool")], tag="bool")
        if op in ("add", "sub", "mul", "maximum", "eq", "lt"):
            case(op, lambda: [rnd([5], "u8"), rnd([5], "u8", lo=0, hi=5)], tag="u8")
            case(op, lambda: [rnd([5], "i8"), rnd([5], "i8")], tag="i8")
        # edge values against edge values
        e = edge()
        # signed zeros compared except where the sign is a matter of convention: max/min of -0 and +0, and
        # remainder's zero results (torch keeps the dividend's sign, fmod-style: -1 % 1 = -0; Python gives +0)
        case(op, [e.reshape(17, 1), e.reshape(1, 17)], tag="edge",
             signed_zero=op not in ("maximum", "minimum", "remainder"))
        case(op, lambda: [rnd([2, 3]), rnd([3, 2])], tag="bad_shapes")
    # division by integers: true division gives floats
    case("div", lambda: [rnd([5], "i64"), rnd([5], "i64", lo=1, hi=4)], tag="int_true")
    case("div", [T([1, -1, 0], "i32"), T([0, 0, 0], "i32")], tag="int_by_zero")
    case("pow", lambda: [rnd([4], "f32"), T([0.5, 2.0, 3.0, -1.0], "f32")], tag="neg_base")
    case("pow", [T([0.0, 0.0, -0.0, 2.0], "f32"), T([0.0, -1.0, 3.0, -math.inf], "f32")], tag="zero_base")
    # promotion between tensors
    promo = [("i32", "f32"), ("i64", "f16"), ("bool", "i32"), ("bool", "f32"), ("u8", "i64"), ("i8", "i32"),
             ("f16", "f32"), ("f32", "f64"), ("i32", "i64"), ("bf16", "f16"), ("i32", "bf16"), ("bool", "u8")]
    for a, b in promo:
        for op in ("add", "mul", "maximum", "lt", "div"):
            case(op, lambda: [rnd([2, 3], a), rnd([3], b, "pos") if b in FLOATS else rnd([3], b, lo=1, hi=4)
                      if b != "bool" else rnd([3], b)], tag=f"promo_{a}_{b}")
    # a 0-d tensor only lifts the category, like a scalar (torch's "dimensionless" rule)
    for a, b in [("i32", "i64"), ("i32", "f64"), ("f16", "f32"), ("u8", "i64"), ("bool", "i64"), ("f32", "f64"),
                 ("i8", "f32")]:
        for op in ("add", "mul", "maximum"):
            case(op, lambda: [rnd([3], a), rnd([], b)], tag=f"promo0d_{a}_{b}")
            case(op, lambda: [rnd([], b), rnd([3], a)], tag=f"promo0d_{b}_{a}")
    case("add", lambda: [rnd([], "i32"), rnd([], "f16")], tag="promo0d_both")
    for op in ("add", "mul", "sub"):
        case(op, lambda: [rnd([4], "u8"), rnd([4], "i8")], tag="promo_u8_i8", out_dtype="i32",
             why="torch gives i16; slope has no i16 and promotes u8+i8 to i32 (docs/dtypes.md), values identical")
    # where
    for i, (sc_, sa, sb) in enumerate([([3, 4], [3, 4], [3, 4]), ([3, 1], [1, 4], []), ([4], [2, 4], [2, 1]),
                                       ([], [2], [2]), ([0, 2], [2], [1])]):
        case("where", lambda: [rnd(sc_, "bool"), rnd(sa), rnd(sb)], tag=f"bcast{i}")
    case("where", lambda: [rnd([4], "bool"), rnd([4], "i32"), rnd([4], "f32")], tag="promo")
    case("where", lambda: [rnd([4], "bool"), rnd([4], "i64"), rnd([4], "i64")], tag="i64")
    case("where", lambda: [rnd([4], "bool"), edge()[:4], edge()[4:8]], tag="edge")
    case("where", lambda: [rnd([3], "bool"), rnd([2]), rnd([3])], tag="bad_shapes")
    # weak C++ scalars: the tensor's dtype wins within a category
    for op in ("add", "sub", "mul", "div", "lt", "le", "gt", "ge", "eq", "ne"):
        o = op + "_scalar"
        case(o, lambda: [rnd([2, 3])], {"s": sc(2.5)}, tag="f32_float")
        case(o, lambda: [rnd([2, 3], "f16")], {"s": sc(2.5)}, tag="f16_float")
        case(o, lambda: [rnd([2, 3], "i32")], {"s": sc(2.5)}, tag="i32_float")
        case(o, lambda: [rnd([2, 3], "i32")], {"s": sc(3)}, tag="i32_int")
        case(o, lambda: [rnd([4], "u8")], {"s": sc(2)}, tag="u8_int")
        case(o, lambda: [rnd([2, 3], "f64")], {"s": sc(3)}, tag="f64_int")
        case(o, lambda: [rnd([3], "bool")], {"s": sc(2)}, tag="bool_int")
        case(o, lambda: [rnd([3], "bool")], {"s": sc(1.5)}, tag="bool_float")
        case(o, lambda: [rnd([], "f32")], {"s": sc(-1.0)}, tag="0d")
        case(o, lambda: [rnd([2, 3], "f32", "pos")], {"s": sc(2.0), "side": "left"}, tag="left")
        case(o, lambda: [rnd([2, 3], "i64", lo=1, hi=5)], {"s": sc(7), "side": "left"}, tag="left_int")
    for op in ("iadd", "isub", "imul", "idiv"):
        case(op, lambda: [rnd([2, 3]), rnd([3], "f32", "pos")], tag="f32")


def reduction_cases():
    for op in ("sum", "mean", "max", "min", "prod", "logsumexp", "any", "all"):
        for axes in ([], [0], [1], [-1], [0, 2], [-1, 0], [0, 1, 2]):
            for keep in (False, True):
                dt = "bool" if op in ("any", "all") and axes == [1] else "f32"
                case(op, lambda: [rnd([2, 3, 4], dt)], {"axes": axes, "keepdim": keep},
                     tag=f"ax{'_'.join(str(a).replace('-', 'm') for a in axes)}_k{int(keep)}", tol=ACC_TOL, why=ACC)
        case(op, lambda: [rnd([])], {"axes": []}, tag="0d")
        case(op, lambda: [rnd([3, 1])], {"axes": [1]}, tag="size1")
        case(op, lambda: [rnd([0, 3])], {"axes": [1]}, tag="empty_keep_axis")
        case(op, lambda: [rnd([0, 3])], {"axes": [0]}, tag="empty_axis")
        case(op, lambda: [rnd([2, 3])], {"axes": [2]}, tag="bad_axis")
        case(op, lambda: [rnd([2, 3])], {"axes": [-3]}, tag="bad_neg_axis")
        case(op, lambda: [rnd([3, 4], "f64")], {"axes": [1]}, tag="f64")
        case(op, lambda: [rnd([3, 4], "f16")], {"axes": [0]}, tag="f16", tol=ACC_TOL, why=ACC + " in f16 steps")
        case(op, lambda: [rnd([3, 4], "i32")], {"axes": [1]}, tag="i32")
        case(op, lambda: [rnd([3, 4], "i64")], {"axes": [], "keepdim": True}, tag="i64_all_keep")
        case(op, lambda: [rnd([5], "bool")], {"axes": [0]}, tag="bool")
        case(op, [edge().reshape(1, 17)], {"axes": [1]}, tag="edge")
    case("max", [T([[1.0, math.nan, 3.0], [2.0, 1.0, 0.0]], "f32")], {"axes": [1]}, tag="nan_propagates")
    case("min", [T([[-math.inf, math.nan], [math.inf, 5.0]], "f32")], {"axes": [0]}, tag="nan_inf")
    case("sum", lambda: [rnd([4, 3], "u8")], {"axes": [0]}, tag="u8")
    case("mean", lambda: [rnd([4, 4], "bf16")], {"axes": [0, 1]}, tag="bf16_all", tol=ACC_TOL, why=ACC + " in bf16")
    case("logsumexp", [T([[-math.inf, -math.inf], [1000.0, 1000.0]], "f32")], {"axes": [1]}, tag="stable",
         grad_tol=(1e-4, 1e-5), why="gradient exp(x - lse): one f32 ulp of lse = 1000.69 (6e-5) is a 6e-5 relative "
                                    "change of the gradient, and slope's lse may round differently from torch's")
    for op in ("var", "std"):
        for axes, corr, keep in [([], 1, False), ([1], 1, False), ([0, 2], 0, True), ([-1], 2, False),
                                 ([1], 0.5, False), ([0], 1, True)]:
            case(op, lambda: [rnd([3, 4, 5])], {"axes": axes, "correction": corr, "keepdim": keep},
                 tag=f"c{str(corr).replace('.', 'p')}_ax{'_'.join(map(str, axes))}_k{int(keep)}".replace("-", "m"),
                 tol=ACC_TOL, why=ACC)
        case(op, lambda: [rnd([1, 4])], {"axes": [0], "correction": 1}, tag="dof0")
        case(op, lambda: [rnd([4, 3], "f64")], {"axes": [0], "correction": 1}, tag="f64")
        case(op, lambda: [rnd([])], {"axes": [], "correction": 0}, tag="0d")
        case(op, lambda: [rnd([4], "i64")], {"axes": [0], "correction": 1}, tag="int")
    for op in ("argmax", "argmin"):
        for axis, keep in [(None, False), (0, False), (1, True), (-1, False), (-3, True)]:
            case(op, lambda: [rnd([2, 3, 4])], {"axis": axis, "keepdim": keep}, tag=f"ax{axis}_k{int(keep)}".replace("-", "m"))
        case(op, [T([[1, 3, 3], [2, 2, 0]], "i64")], {"axis": 1}, tag="ties_first")
        case(op, [T([3.0, math.nan, 1.0, math.nan], "f32")], {"axis": 0}, tag="nan")
        case(op, lambda: [rnd([5], "i32")], {"axis": 0}, tag="i32")
        case(op, lambda: [rnd([5], "bool")], {"axis": 0}, tag="bool")
        case(op, lambda: [rnd([])], {"axis": None}, tag="0d")
        case(op, lambda: [rnd([0, 3])], {"axis": 0}, tag="empty")
        case(op, lambda: [rnd([2, 3])], {"axis": 2}, tag="bad_axis")
    for axis in (0, 1, -1):
        case("cumsum", lambda: [rnd([3, 4])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"), tol=ACC_TOL, why=ACC)
    case("cumsum", lambda: [rnd([4], "i32")], {"axis": 0}, tag="i32")
    case("cumsum", lambda: [rnd([4], "bool")], {"axis": 0}, tag="bool")
    case("cumsum", lambda: [rnd([5], "f64")], {"axis": 0}, tag="f64")
    case("cumsum", lambda: [rnd([0, 2])], {"axis": 0}, tag="empty")
    case("cumsum", lambda: [rnd([])], {"axis": 0}, tag="0d")
    case("cumsum", lambda: [rnd([2])], {"axis": 1}, tag="bad_axis")


def shape_cases():
    def x(): return rnd([2, 3, 4])
    for s in ([6, 4], [-1], [4, -1, 2], [24], [2, 3, 4, 1], [1, 24, 1]):
        case("reshape", lambda: [x()], {"shape": s}, tag="_".join(map(str, s)).replace("-", "m"))
    case("reshape", lambda: [rnd([])], {"shape": [1, 1]}, tag="0d")
    case("reshape", lambda: [rnd([0, 3])], {"shape": [3, 0]}, tag="empty")
    case("reshape", lambda: [rnd([0, 3])], {"shape": [-1, 3]}, tag="empty_infer")
    case("reshape", lambda: [x()], {"shape": [5, -1]}, tag="bad")
    case("reshape", lambda: [x()], {"shape": [-1, -1]}, tag="two_infer")
    case("reshape", lambda: [rnd([4], "i64")], {"shape": [2, 2]}, tag="i64")
    for s, e in [(0, -1), (1, 2), (0, 1), (-2, -1), (2, 2)]:
        case("flatten", lambda: [x()], {"start": s, "end": e}, tag=f"{s}_{e}".replace("-", "m"))
    case("flatten", lambda: [rnd([])], {}, tag="0d")
    case("flatten", lambda: [x()], {"start": 2, "end": 1}, tag="bad")
    def y(): return rnd([1, 3, 1, 2])
    for axes in ([], [0], [2], [-2], [0, 2], [1]):
        case("squeeze", lambda: [y()], {"axes": axes}, tag="_".join(map(str, axes)).replace("-", "m") or "all")
    case("squeeze", lambda: [rnd([])], {"axes": []}, tag="0d")
    case("squeeze", lambda: [y()], {"axes": [4]}, tag="bad")
    for a in (0, 1, 3, -1, -4):
        case("unsqueeze", lambda: [x()], {"axis": a}, tag=str(a).replace("-", "m"))
    case("unsqueeze", lambda: [rnd([])], {"axis": 0}, tag="0d")
    case("unsqueeze", lambda: [x()], {"axis": 5}, tag="bad")
    for a, b in [(-2, -1), (0, 2), (1, 1), (-3, 1)]:
        case("transpose", lambda: [x()], {"a": a, "b": b}, tag=f"{a}_{b}".replace("-", "m"))
    case("transpose", lambda: [x()], {"a": 0, "b": 3}, tag="bad")
    case("T", lambda: [rnd([2, 3])], tag="2d")
    case("T", lambda: [x()], tag="3d")
    case("T", lambda: [rnd([])], tag="0d")
    for p in ([2, 0, 1], [0, 1, 2], [-1, 0, 1]):
        case("permute", lambda: [x()], {"perm": p}, tag="_".join(map(str, p)).replace("-", "m"))
    case("permute", lambda: [x()], {"perm": [0, 0, 1]}, tag="dup")
    case("permute", lambda: [x()], {"perm": [0, 1]}, tag="short")
    for op in ("expand", "broadcast_to"):
        case(op, lambda: [rnd([3, 1])], {"shape": [3, 4]}, tag="basic")
        case(op, lambda: [rnd([3, 1])], {"shape": [2, 3, 5]}, tag="new_dims")
        case(op, lambda: [rnd([])], {"shape": [2, 2]}, tag="0d")
        case(op, lambda: [rnd([1, 2])], {"shape": [0, 2]}, tag="to_empty")
        case(op, lambda: [rnd([3, 2])], {"shape": [3, 4]}, tag="bad")
        case(op, lambda: [rnd([3, 1], "i32")], {"shape": [3, 3]}, tag="i32")
    case("expand", lambda: [rnd([3, 1])], {"shape": [-1, 4]}, tag="keep")
    case("broadcast_tensors", lambda: [rnd([3, 1]), rnd([4]), rnd([])], tag="three")
    case("broadcast_tensors", lambda: [rnd([2]), rnd([3])], tag="bad")
    for axis in (0, 1, -1, 2):
        case("stack", lambda: [rnd([2, 3]), rnd([2, 3]), rnd([2, 3])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("stack", lambda: [rnd([]), rnd([])], {"axis": 0}, tag="0d")
    case("stack", lambda: [rnd([2, 3]), rnd([3, 2])], {"axis": 0}, tag="bad")
    case("stack", lambda: [rnd([2]), rnd([2])], {"axis": 3}, tag="bad_axis")
    for axis in (0, 1, -1):
        case("cat", lambda: [rnd([2, 3]), rnd([2, 3]), rnd([2, 3])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("cat", lambda: [rnd([1, 3]), rnd([0, 3]), rnd([4, 3])], {"axis": 0}, tag="uneven_empty")
    case("cat", lambda: [rnd([2, 3], "i32"), rnd([1, 3], "i32")], {"axis": 0}, tag="i32")
    case("cat", lambda: [rnd([2, 3]), rnd([2, 4])], {"axis": 0}, tag="bad")
    case("cat", lambda: [rnd([2]), rnd([2])], {"axis": 1}, tag="bad_axis")
    case("cat", lambda: [rnd([2, 3]), rnd([1, 3], "f64")], {"axis": 0}, tag="promo")
    case("cat", lambda: [rnd([]), rnd([])], {"axis": 0}, tag="0d")
    def z(): return rnd([7, 4])
    case("split", lambda: [z()], {"size": 3}, tag="size")
    case("split", lambda: [z()], {"size": 2, "axis": 1}, tag="size_ax1")
    case("split", lambda: [z()], {"sizes": [2, 0, 5]}, tag="sizes")
    case("split", lambda: [z()], {"sizes": [1, 3], "axis": -1}, tag="sizes_neg_ax")
    case("split", lambda: [z()], {"sizes": [2, 2]}, tag="bad_sizes")
    case("split", lambda: [z()], {"size": 10}, tag="size_bigger")
    for n, axis in [(3, 0), (2, 1), (4, 0), (7, 0), (10, 0)]:
        case("chunk", lambda: [z()], {"n": n, "axis": axis}, tag=f"{n}_ax{axis}")
    case("chunk", lambda: [rnd([6, 1])], {"n": 4}, tag="6by4")
    case("chunk", lambda: [z()], {"n": 0}, tag="bad")
    for r in ([2, 1], [1, 3], [2, 2, 1], [0, 2]):
        case("repeat", lambda: [rnd([2, 3])], {"repeats": r}, tag="_".join(map(str, r)))
    case("repeat", lambda: [rnd([2, 3])], {"repeats": [2]}, tag="bad")
    for r in ([2], [2, 1], [3, 1, 2], [1, 0]):
        case("tile", lambda: [rnd([2, 3])], {"reps": r}, tag="_".join(map(str, r)))
    for pads, v in [([(1, 2)], 0.0), ([(0, 0), (2, 1)], -1.5), ([(1, 0), (0, 0), (0, 3)], 0.0), ([(1, 1), (1, 1)], 7),
                    ([(-1, 0), (0, -2)], 0.0)]:
        shape = [3] if len(pads) == 1 else [3, 4] if len(pads) == 2 else [2, 3, 2]
        case("pad", lambda: [rnd(shape)], {"pads": pads, "value": sc(v)},
             tag=f"{len(pads)}d_" + "_".join(f"{lo}_{hi}" for lo, hi in pads).replace("-", "m"))
    case("pad", lambda: [rnd([3], "i64")], {"pads": [(2, 2)], "value": sc(5)}, tag="i64")
    case("pad", lambda: [rnd([3], "i32")], {"pads": [(2, 2), (1, 1)], "value": sc(0)}, tag="too_many")
    for axes in ([0], [1, 2], [-1], [0, 1, 2]):
        case("flip", lambda: [x()], {"axes": axes}, tag="_".join(map(str, axes)).replace("-", "m"))
    case("flip", lambda: [x()], {"axes": [0, 0]}, tag="dup")
    case("flip", lambda: [rnd([])], {"axes": []}, tag="0d")
    for shifts, axes in [([1], [0]), ([-2], [1]), ([5], [-1]), ([1, 2], [0, 2]), ([3], [])]:
        case("roll", lambda: [x()], {"shifts": shifts, "axes": axes}, tag="_".join(map(str, shifts)).replace("-", "m"))
    case("roll", lambda: [rnd([0, 3])], {"shifts": [2], "axes": [0]}, tag="empty")
    case("roll", lambda: [x()], {"shifts": [1, 2], "axes": [0]}, tag="bad")
    for op in ("tril", "triu"):
        for k in (0, 1, -1, 5, -5):
            case(op, lambda: [rnd([3, 4])], {"k": k}, tag=f"k{k}".replace("-", "m"))
        case(op, lambda: [rnd([2, 3, 3], "i32")], {"k": 0}, tag="batch_i32")
        case(op, lambda: [rnd([3, 3], "bool")], {"k": 0}, tag="bool")
        case(op, lambda: [rnd([3])], {"k": 0}, tag="bad_1d")
    for axis, st, sp, step in [(0, 0, 2, 1), (1, -2, None, 1), (2, None, None, 2), (2, None, None, -1),
                               (2, 3, 0, -2), (1, 5, 10, 1), (-1, -1, -5, -1), (0, 1, 1, 1), (2, -100, 100, 3)]:
        case("slice", lambda: [x()], {"axis": axis, "start": st, "stop": sp, "step": step},
             fn=lambda t, axis, start, stop, step: py_slice(t, axis, start, stop, step),
             tag=f"{axis}_{st}_{sp}_{step}".replace("-", "m"),
             why="numpy's slicing: torch has no negative steps" if step < 0 else None)
    case("slice", lambda: [x()], {"axis": 0, "start": 0, "stop": 2, "step": 0}, tag="step0")
    case("slice", lambda: [x()], {"axis": 3, "start": 0, "stop": 2, "step": 1}, tag="bad_axis")


def index_cases():
    def x(): return rnd([3, 4, 5])

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
            case("index", lambda: [x()], {"index": spec}, tag=tag, fn=lambda t, index: t.numpy()[..., ...])
            continue
        case("index", lambda: [x()], {"index": spec}, tag=tag,
             why="numpy's indexing: torch has no negative steps" if "neg_step" in tag else None)
    # integer tensors: one, several (broadcast together), separated by a slice (moves to front), with ellipsis
    t1, t2 = T([2, 0, -1], "i64"), T([[0], [3]], "i64")
    case("index", lambda: [x(), t1], {"index": [{"t": 0}]}, tag="tensor")
    case("index", lambda: [x(), t1.to(torch.int32)], {"index": [Sl(), {"t": 0}]}, tag="tensor_i32_second",
         fn=lambda t, i, index: t[:, i.long()], why="torch 1.13 takes only int64 index tensors (2.x takes int32)")
    case("index", lambda: [x(), t1, t2], {"index": [{"t": 0}, {"t": 1}]}, tag="tensor_bcast")
    case("index", lambda: [x(), t1, T([4, 0, 1], "i64")], {"index": [{"t": 0}, Sl(), {"t": 1}]}, tag="tensor_separated")
    case("index", lambda: [x(), t2], {"index": [E, {"t": 0}]}, tag="tensor_ellipsis")
    case("index", lambda: [x(), t1], {"index": [I(0), Sl(), {"t": 0}]}, tag="int_slice_tensor")
    case("index", lambda: [x(), t1], {"index": [{"t": 0}, I(1)]}, tag="tensor_int")
    case("index", lambda: [x(), t1, t2], {"index": [{"t": 0}, I(-1), {"t": 1}]}, tag="tensor_int_tensor")
    case("index", lambda: [x(), t2], {"index": [I(2), {"t": 0}, Sl(None, None, 2)]}, tag="int_tensor_slice")
    case("index", lambda: [x(), T(2, "i64")], {"index": [{"t": 0}, I(1)]}, tag="tensor_0d")
    case("index", lambda: [x(), T([], "i64")], {"index": [{"t": 0}]}, tag="tensor_empty")
    case("index", lambda: [x(), T([0, 3], "i64")], {"index": [{"t": 0}]}, tag="tensor_oob")
    case("index", lambda: [rnd([])], {"index": [N]}, tag="0d_newaxis")
    case("index", lambda: [rnd([])], {"index": [E]}, tag="0d_ellipsis")
    case("index", lambda: [rnd([4], "i64")], {"index": [Sl(None, None, -2)]}, tag="i64",
         why="numpy's indexing: torch has no negative steps")
    case("index_int", lambda: [x()], {"i": -2}, tag="neg")
    case("index_int", lambda: [x()], {"i": 3}, tag="bad")
    # gather / take_along_dim / index_select / scatter_add / one_hot
    for axis in (0, 1, -1):
        ish = [3, 4, 5]
        ish[axis] = 2
        case("gather", lambda: [x(), idx(ish, [3, 4, 5][axis])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("gather", lambda: [x(), idx([2, 2, 2], 3)], {"axis": 0}, tag="smaller_index")
    case("gather", lambda: [x(), T([[[3]]], "i64")], {"axis": 0}, tag="oob")
    case("gather", lambda: [rnd([4], "i32"), T([3, 3, 0], "i64")], {"axis": 0}, tag="i32_1d")
    for axis in (0, 2, -2):
        ish = [3, 4, 5]
        ish[axis] = 2
        case("take_along_dim", lambda: [x(), idx(ish, [3, 4, 5][axis])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("take_along_dim", lambda: [x(), idx([1, 4, 2], 5)], {"axis": 2}, tag="bcast")
    for axis in (0, 1, -1):
        case("index_select", lambda: [x(), idx([6], [3, 4, 5][axis])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
    case("index_select", lambda: [x(), T([], "i64")], {"axis": 1}, tag="empty")
    case("index_select", lambda: [x(), T([0, 4], "i64")], {"axis": 1}, tag="oob")
    case("index_select", lambda: [x(), idx([3], 3, "i32")], {"axis": 0}, tag="i32_index")
    for axis in (0, 1, -1):
        ish = [3, 4, 5]
        ish[axis] = 6
        case("scatter_add", lambda: [x(), idx(ish, [3, 4, 5][axis]), rnd(ish)], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"), tol=ACC_TOL,
             why=ACC + " (duplicate indices)")
    case("scatter_add", lambda: [x(), idx([2, 2, 2], 3), rnd([3, 4, 5])], {"axis": 0}, tag="small_index")
    case("scatter_add", lambda: [rnd([4], "i64"), T([0, 0, 3], "i64"), rnd([3], "i64")], {"axis": 0}, tag="i64")
    case("scatter_add", lambda: [rnd([4]), T([0, 4], "i64"), rnd([2])], {"axis": 0}, tag="oob")
    case("one_hot", [T([0, 2, 1, 2], "i64")], {"num_classes": 3}, tag="basic")
    case("one_hot", [T([[0, 3], [1, 1]], "i64")], {"num_classes": 5, "dtype": "f32"}, tag="2d_f32")
    case("one_hot", [T([], "i64")], {"num_classes": 2}, tag="empty")
    case("one_hot", [T(1, "i64")], {"num_classes": 2}, tag="0d")
    case("one_hot", [T([0, 3], "i64")], {"num_classes": 3}, tag="oob")
    case("one_hot", [T([0, -1], "i64")], {"num_classes": 3}, tag="negative")


def matmul_cases():
    for sa, sb in [([3], [3]), ([3], [3, 4]), ([2, 3], [3]), ([2, 3], [3, 4]), ([5, 2, 3], [3, 4]), ([3], [5, 3, 2]),
                   ([2, 1, 2, 3], [4, 3, 2]), ([1, 3], [3, 1]), ([0, 3], [3, 4]), ([2, 0], [0, 3]), ([6, 7], [7, 5])]:
        case("matmul", lambda: [rnd(sa), rnd(sb)], tag="x".join(map(str, sa)) + "_" + "x".join(map(str, sb)),
             tol=ACC_TOL, why=ACC)
    case("matmul", lambda: [rnd([2, 3], "f64"), rnd([3, 2], "f64")], tag="f64")
    case("matmul", lambda: [rnd([2, 3], "i64"), rnd([3, 2], "i64")], tag="i64")
    case("matmul", lambda: [rnd([2, 3], "i32"), rnd([3], "i32")], tag="i32")
    case("matmul", lambda: [rnd([2, 3], "f16"), rnd([3, 2], "f16")], tag="f16", tol=ACC_TOL, why=ACC + " in f16")
    case("matmul", lambda: [rnd([2, 3]), rnd([4, 2])], tag="bad_inner")
    case("matmul", lambda: [rnd([]), rnd([3])], tag="bad_0d")
    case("matmul", lambda: [rnd([2, 2, 3]), rnd([3, 3, 4])], tag="bad_batch")
    case("linear", lambda: [rnd([4, 3]), rnd([5, 3]), rnd([5])], tag="bias", tol=ACC_TOL, why=ACC)
    case("linear", lambda: [rnd([2, 4, 3]), rnd([5, 3])], tag="nobias_3d", tol=ACC_TOL, why=ACC)
    case("linear", lambda: [rnd([3]), rnd([2, 3]), rnd([2])], tag="1d", tol=ACC_TOL, why=ACC)


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
        case(op, lambda: [rnd([2, 3], "i32")], tag="i32")
        case(op, lambda: [rnd([2])], {"dtype": "f64"}, tag="dtype")
    case("full_like", lambda: [rnd([2, 2])], {"value": sc(3)}, tag="int_value")
    case("full_like", lambda: [rnd([3], "i64")], {"value": sc(2), "dtype": "f16"}, tag="dtype")
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
            case(op, lambda: [rnd([3, 5], "f32", "uniform", -5, 5)], kw, tag=t)
            case(op, [edge()], kw, tag=t + "_edge")
            case(op, lambda: [rnd([4], "f64")], kw, tag=t + "_f64")
        case(op, lambda: [rnd([6], "f16")], tag="f16")
        case(op, lambda: [rnd([])], tag="0d")
        case(op, lambda: [rnd([0, 2])], tag="empty")
    case("relu", lambda: [rnd([5], "i32")], tag="i32")
    for op in ("softmax", "log_softmax"):
        for axis in (-1, 0, 1):
            case(op, lambda: [rnd([3, 4, 2])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
        case(op, lambda: [rnd([4], "f64")], {"axis": 0}, tag="f64")
        case(op, lambda: [rnd([4], "f16")], {"axis": 0}, tag="f16")
        case(op, [T([1000.0, 1000.0, -1000.0], "f32")], {"axis": 0}, tag="stable")
        case(op, [T([0.0, -math.inf, 1.0], "f32")], {"axis": 0}, tag="neg_inf")
        case(op, lambda: [rnd([])], {"axis": 0}, tag="0d")
        case(op, lambda: [rnd([2, 0])], {"axis": 1}, tag="empty")
        case(op, lambda: [rnd([2, 3])], {"axis": 2}, tag="bad_axis")
    # convolutions: 1-3 spatial dims, stride, padding, dilation, groups, with and without bias
    A = ACC_TOL
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
    for k, (xs, ws, bias, kw) in enumerate(conv_specs):
        case("conv", lambda: [rnd(xs), rnd(ws)] + ([rnd([ws[0]])] if bias else []), kw, tag=f"{len(xs) - 2}d_{k}",
             tol=A, why=ACC)
    case("conv", lambda: [rnd([1, 2, 3, 3], "f64"), rnd([2, 2, 2, 2], "f64")], {}, tag="f64")
    case("conv", lambda: [rnd([1, 3, 5]), rnd([2, 2, 3])], {}, tag="bad_channels")
    case("conv", lambda: [rnd([1, 2, 2]), rnd([2, 2, 3])], {}, tag="kernel_too_big")
    case("conv", lambda: [rnd([1, 4, 5]), rnd([3, 2, 3])], {"groups": 2}, tag="bad_groups")
    tspecs = [([1, 2, 5], [2, 3, 3], True, {}), ([2, 2, 4], [2, 1, 3], False, {"stride": [2], "padding": [1], "output_padding": [1]}),
              ([1, 4, 3, 4], [4, 2, 3, 2], True, {"stride": [2, 1], "groups": 2}),
              ([1, 2, 3, 3], [2, 2, 2, 2], False, {"dilation": [2, 1], "padding": [1, 0]}),
              ([1, 1, 2, 3, 2], [1, 2, 2, 2, 2], True, {"stride": [1, 2, 1]})]
    for k, (xs, ws, bias, kw) in enumerate(tspecs):
        case("conv_transpose", lambda: [rnd(xs), rnd(ws)] + ([rnd([ws[1] * kw.get("groups", 1)])] if bias else []), kw,
             tag=f"{len(xs) - 2}d_{k}", tol=A, why=ACC)
    case("conv_transpose", lambda: [rnd([1, 2, 5]), rnd([2, 3, 3])], {"stride": [2], "output_padding": [2]}, tag="bad_outpad")
    # pooling
    for k, (xs, kw) in enumerate([([1, 2, 9], {"kernel": [3]}), ([2, 1, 7], {"kernel": [2], "stride": [1], "padding": [1]}),
                   ([1, 2, 6, 7], {"kernel": [2, 3]}), ([1, 1, 7, 7], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]}),
                   ([1, 1, 8, 8], {"kernel": [2, 2], "dilation": [2, 2]}), ([1, 1, 7, 5], {"kernel": [2, 2], "ceil_mode": True}),
                   ([1, 2, 4, 4, 4], {"kernel": [2, 2, 2]}), ([3, 6, 6], {"kernel": [2, 2]})]):
        case("max_pool", lambda: [rnd(xs)], kw, tag=f"{len(kw['kernel'])}d_{k}")
        if "dilation" not in kw:
            case("avg_pool", lambda: [rnd(xs)], kw, tag=f"{len(kw['kernel'])}d_{k}", tol=A, why=ACC)
    case("max_pool", [edge().reshape(1, 1, 17)], {"kernel": [2]}, tag="edge")
    case("max_pool", lambda: [rnd([1, 1, 4, 4], "i32")], {"kernel": [2, 2]}, tag="i32")
    case("max_pool", lambda: [rnd([1, 1, 2, 2])], {"kernel": [3, 3]}, tag="kernel_too_big")
    case("avg_pool", lambda: [rnd([1, 1, 4, 4], "f64")], {"kernel": [2, 2]}, tag="f64")
    # normalisation
    for xs in ([4, 3], [2, 3, 5], [2, 3, 2, 2]):
        C = xs[1]
        for has, training in [([True, True, True, True], False), ([True, True, False, False], False),
                              ([False, False, True, True], True), ([False, False, False, False], True),
                              ([True, True, True, True], True)]:
            def ins():
                return [rnd(xs)] + [rnd([C], "f32", kind) for h, kind in zip(has, ["normal", "pos", "normal", "normal"])
                                    if h]
            case("batch_norm", ins, {"has": has, "training": training},
                 tag=f"{len(xs)}d_t{int(training)}_" + "".join(str(int(h)) for h in has), tol=ACC_TOL, why=ACC)
    case("batch_norm", lambda: [rnd([2, 3]), rnd([3])], {"has": [False, False, False, True], "training": True, "eps": 0.1},
         tag="eps")
    case("batch_norm", lambda: [rnd([2, 3]), rnd([4]), rnd([4], "f32", "pos")], {"has": [True, True, False, False],
                                                                           "training": False}, tag="bad_stats")
    for xs, ns, nw in [([2, 5], [5], 2), ([2, 3, 4], [4], 2), ([2, 3, 4], [3, 4], 1), ([2, 3, 4], [3, 4], 0),
                       ([3, 4], [4], 0)]:
        case("layer_norm", lambda: [rnd(xs)] + [rnd(ns) for _ in range(nw)], {"normalized_shape": ns},
             tag=f"{len(ns)}d_w{nw}_x{len(xs)}d", tol=ACC_TOL, why=ACC)
    case("layer_norm", lambda: [rnd([2, 3]), rnd([3]), rnd([3])], {"normalized_shape": [3], "eps": 0.5}, tag="eps")
    case("layer_norm", lambda: [rnd([2, 3])], {"normalized_shape": [4]}, tag="bad_shape")
    # attention
    def qkv(): return [rnd([2, 3, 4]), rnd([2, 5, 4]), rnd([2, 5, 6])]

    def bool_mask():
        bm = rnd([3, 5], "bool")
        bm[:, 0] = True  # no fully masked rows: their result is NaN in torch 2 and a matter of taste
        return bm
    case("sdpa", qkv, tag="plain", tol=A, why=ACC)
    case("sdpa", qkv, {"scale": 0.3}, tag="scale", tol=A, why=ACC)
    case("sdpa", lambda: qkv() + [bool_mask()], tag="bool_mask", tol=A, why=ACC)
    case("sdpa", lambda: qkv() + [rnd([2, 3, 5])], tag="float_mask", tol=A, why=ACC)
    case("sdpa", lambda: [rnd([1, 2, 4, 3]), rnd([1, 2, 4, 3]), rnd([1, 2, 4, 3])], {"is_causal": True}, tag="causal",
         tol=A, why=ACC)
    case("sdpa", lambda: [rnd([3, 4]), rnd([6, 4]), rnd([6, 2])], {"is_causal": True}, tag="causal_rect_2d", tol=A, why=ACC)
    case("sdpa", lambda: [rnd([2, 3, 4]), rnd([2, 5, 3]), rnd([2, 5, 6])], tag="bad_dims")
    # losses
    N, C = 4, 5
    def logits(): return rnd([N, C])
    def tgt(): return idx([N], C)
    def probs(): return torch.softmax(rnd([N, C]), -1)
    for red in ("mean", "sum", "none"):
        case("cross_entropy", lambda: [logits(), tgt()], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("cross_entropy", lambda: [logits(), tgt()], {"reduction": red, "label_smoothing": 0.1}, tag=red + "_ls",
             tol=A, why=ACC)
        case("cross_entropy", lambda: [logits(), probs()], {"reduction": red}, tag=red + "_probs", tol=A, why=ACC)
        case("cross_entropy", lambda: [logits(), probs()], {"reduction": red, "label_smoothing": 0.2},
             tag=red + "_probs_ls", tol=A, why=ACC)
        case("nll_loss", lambda: [torch.log_softmax(logits(), -1), tgt()], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("mse_loss", lambda: [rnd([3, 4]), rnd([3, 4])], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("bce", lambda: [rnd([3, 4], "f32", "unit"), rnd([3, 4], "f32", "unit")], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("bce_with_logits", lambda: [rnd([3, 4]), rnd([3, 4], "f32", "unit")], {"reduction": red}, tag=red, tol=A, why=ACC)
    case("cross_entropy", lambda: [rnd([3, 4], "f64"), idx([3], 4)], tag="f64")
    case("cross_entropy", lambda: [logits(), T([0, 5, 1, 2], "i64")], tag="oob")
    case("cross_entropy", [T([[1000.0, 0.0], [-1000.0, 1000.0]], "f32"), T([1, 0], "i64")], {"reduction": "none"},
         tag="extreme")
    case("nll_loss", lambda: [logits(), T([0, 1], "i64")], tag="bad_batch")
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
        case("dropout", lambda: [rnd([40, 50], "f32", "pos")], {"p": p, "training": training, "seed": 7},
             tag=f"p{str(p).replace('.', 'p')}_t{int(training)}", check="dropout")
    case("dropout", lambda: [rnd([4])], {"p": 1.5, "training": True, "seed": 7}, tag="bad_p")


def medium_cases():
    """Sizes past the cpu backend's vector widths, blocking and threading thresholds (tens to
    thousands of elements), where the tiny cases above never reach its fast paths."""
    A = ACC_TOL
    for dt in ("f32", "f64", "i32", "i64", "u8", "bool", "f16"):
        for axes in ([0], [1], [], [0, 1]):
            for op in ("sum", "max", "min", "any") if dt != "f16" else ("sum", "max"):
                tol = A
                u8_any = op == "any" and dt == "u8"
                case(op, lambda: [rnd([37, 65], dt)], {"axes": axes}, tag=f"med_{dt}_{'_'.join(map(str, axes)) or 'all'}", tol=tol,
                     why="torch's any() keeps uint8 (a legacy quirk); slope's any is always bool" if u8_any else ACC,
                     out_dtype="bool" if u8_any else None)
        case("cumsum", lambda: [rnd([5, 300], dt)], {"axis": 1}, tag=f"med_{dt}", tol=ACC_TOL if dt == "f16" else acc(10),
             why=ACC + " over 300 terms")
        case("argmax", lambda: [rnd([40, 70], dt)], {"axis": 1}, tag=f"med_{dt}")
        case("argmin", lambda: [rnd([40, 70], dt)], {"axis": 0}, tag=f"med_{dt}")
    for op in ("mean", "prod", "logsumexp", "var", "std", "all"):
        for axes in ([1], [0, 2], [-1]):
            x = (lambda: rnd([3, 130, 7], "f32", "uniform", 0.9, 1.1)) if op == "prod" else (lambda: rnd([3, 130, 7]))
            case(op, lambda: [x()], {"axes": axes}, tag=f"med_{'_'.join(map(str, axes))}".replace("-", "m"), tol=A, why=ACC)
    for op in ("add", "mul", "sub", "div", "maximum", "lt", "eq", "pow", "remainder", "floor_divide", "logical_and"):
        for dt in ("f32", "i32", "i64", "f64", "u8"):
            case(op, lambda: [rnd([64, 65], dt, "pos") if op == "pow" else rnd([64, 65], dt),
                              rnd([65], dt, "pos") if dt in FLOATS else rnd([65], dt, lo=1, hi=4)], tag=f"med_{dt}")
            case(op, lambda: [rnd([130, 1], dt), rnd([1, 33], dt, "pos") if dt in FLOATS else rnd([1, 33], dt, lo=1, hi=3)],
                 tag=f"med_outer_{dt}")
    case("add", lambda: [rnd([2000], "i32"), rnd([2000], "f32")], tag="med_promo")
    case("where", lambda: [rnd([70, 70], "bool"), rnd([70, 70]), rnd([70])], tag="med")
    for op in ("exp", "log", "sin", "tanh", "sigmoid", "sqrt", "abs", "neg", "floor", "round", "erf", "expm1", "square"):
        for dt in ("f32", "f64"):
            kind = "pos" if op in ("log", "sqrt") else "normal"
            case(op, lambda: [rnd([33, 61], dt, kind)], tag=f"med_{dt}")
        if op in ("abs", "neg", "square"):
            case(op, lambda: [rnd([1000], "i32")], tag="med_i32")
    case("cast", lambda: [rnd([3001], "f32", "uniform", -100, 100)], {"dtype": "i32"}, tag="med_f32_i32")
    case("cast", lambda: [rnd([3001], "f32")], {"dtype": "f16"}, tag="med_f32_f16")
    case("cast", lambda: [rnd([3001], "i64")], {"dtype": "f64"}, tag="med_i64_f64")
    for sa, sb in [([33, 65], [65, 17]), ([4, 70, 30], [30, 50]), ([130], [130, 9]), ([2, 1, 40, 40], [3, 40, 40])]:
        case("matmul", lambda: [rnd(sa), rnd(sb)], tag="med_" + "x".join(map(str, sa)), tol=acc(10),
             why=ACC + " (BLAS blocking over up to 130 terms)")
    case("matmul", lambda: [rnd([40, 50], "f64"), rnd([50, 30], "f64")], tag="med_f64", tol=ACC_TOL, why=ACC)
    case("matmul", lambda: [rnd([20, 30], "i64"), rnd([30, 20], "i64")], tag="med_i64")
    case("matmul", lambda: [rnd([20, 30], "i32"), rnd([30, 20], "i32")], tag="med_i32")
    for p in ([1, 0], [0, 2, 1], [2, 1, 0]):
        case("permute", lambda: [rnd([70, 90]) if len(p) == 2 else rnd([20, 30, 40])], {"perm": p}, tag="med_" + "_".join(map(str, p)))
    case("transpose", lambda: [rnd([3, 129, 65], "i64")], {"a": 1, "b": 2}, tag="med_i64")
    case("flip", lambda: [rnd([30, 70])], {"axes": [1]}, tag="med")
    case("pad", lambda: [rnd([30, 70])], {"pads": [(3, 2), (5, 7)], "value": sc(1.0)}, tag="med")
    case("cat", lambda: [rnd([30, 70]), rnd([30, 5]), rnd([30, 64])], {"axis": 1}, tag="med")
    case("expand", lambda: [rnd([1, 70, 1])], {"shape": [40, 70, 9]}, tag="med")
    case("slice", lambda: [rnd([50, 80])], {"axis": 1, "start": 3, "stop": 77, "step": 3}, tag="med")
    case("repeat", lambda: [rnd([20, 30])], {"repeats": [3, 4]}, tag="med")
    case("gather", lambda: [rnd([40, 60]), idx([40, 90], 60)], {"axis": 1}, tag="med")
    case("index_select", lambda: [rnd([60, 70]), idx([100], 60)], {"axis": 0}, tag="med")
    case("scatter_add", lambda: [rnd([40, 60]), idx([40, 90], 60), rnd([40, 90])], {"axis": 1}, tag="med", tol=A, why=ACC)
    case("scatter_add", lambda: [rnd([60], "i32"), idx([500], 60), rnd([500], "i32")], {"axis": 0}, tag="med_i32")
    case("one_hot", lambda: [idx([300], 17)], {"num_classes": 17}, tag="med")
    case("tril", lambda: [rnd([3, 70, 65])], {"k": -3}, tag="med")
    case("index", lambda: [rnd([20, 30, 40]), idx([50], 30)], {"index": [{"s": [None, None, 2]}, {"t": 0}]}, tag="med")
    for op in ("softmax", "log_softmax"):
        case(op, lambda: [rnd([17, 130])], {"axis": -1}, tag="med")
        case(op, lambda: [rnd([130, 17])], {"axis": 0}, tag="med_ax0")
    case("conv", lambda: [rnd([2, 8, 20, 20]), rnd([16, 8, 3, 3]), rnd([16])], {"padding": [1, 1]}, tag="med2d",
         tol=acc(10), why=ACC + " (im2col + GEMM over 72 terms)")
    case("conv", lambda: [rnd([2, 8, 40]), rnd([8, 2, 5])], {"stride": [2], "groups": 4, "dilation": [2]}, tag="med1d",
         tol=acc(10), why=ACC)
    case("conv_transpose", lambda: [rnd([2, 8, 10, 10]), rnd([8, 4, 3, 3])], {"stride": [2, 2], "padding": [1, 1]},
         tag="med2d", tol=acc(10), why=ACC)
    case("max_pool", lambda: [rnd([2, 8, 20, 20])], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]}, tag="med")
    case("avg_pool", lambda: [rnd([2, 8, 20, 20])], {"kernel": [2, 2]}, tag="med", tol=A, why=ACC)
    case("batch_norm", lambda: [rnd([16, 8, 6, 6])], {"has": [False] * 4, "training": True}, tag="med", tol=acc(10),
         why=ACC)
    case("layer_norm", lambda: [rnd([16, 130]), rnd([130]), rnd([130])], {"normalized_shape": [130]}, tag="med",
         tol=acc(10), why=ACC)
    case("sdpa", lambda: [rnd([2, 4, 33, 16]), rnd([2, 4, 40, 16]), rnd([2, 4, 40, 16])], tag="med", tol=acc(10), why=ACC)
    case("cross_entropy", lambda: [rnd([64, 100]), idx([64], 100)], tag="med", tol=A, why=ACC)


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
        def ab():
            a = rnd(sa, da, "pos") if op == "pow" and da in FLOATS else rnd(sa, da, lo=0, hi=4) if op == "pow" else rnd(sa, da)
            if op in ("remainder", "floor_divide", "div", "pow"):
                return [a, rnd(sb, db, "pos") if db in FLOATS else rnd(sb, db, lo=1, hi=4)]
            return [a, rnd(sb, db)]
        case(op, ab, tag=f"sweep{i}_{da}_{db}")
    red_ops = ["sum", "mean", "max", "min", "prod", "any", "all", "logsumexp"]
    for i in range(120):
        op = R.choice(red_ops)
        dt = R.choice(["f32", "f64", "i32", "i64", "bool"] if op not in ("mean", "logsumexp") else ["f32", "f64"])
        xs = shape(R.randint(1, 4))
        nd = len(xs)
        ax = sorted(R.sample(range(nd), R.randint(1, nd)))
        ax = [a - nd if R.random() < 0.3 else a for a in ax]
        case(op, lambda: [rnd(xs, dt)], {"axes": ax, "keepdim": R.random() < 0.5}, tag=f"sweep{i}_{dt}", tol=ACC_TOL, why=ACC)
    un_ops = ["neg", "abs", "exp", "log1p", "sqrt", "sin", "tanh", "sigmoid", "floor", "round", "sign", "square",
              "isnan", "logical_not", "reciprocal", "erf"]
    for i in range(80):
        op, dt = R.choice(un_ops), R.choice(dts + ["bf16"])
        if dt == "bool" and op in ("neg", "abs", "floor", "round", "sign", "square"):
            continue
        pos = op in ("log1p", "sqrt", "reciprocal")
        xs = shape(R.randint(0, 3))
        case(op, lambda: [rnd(xs, dt, "pos") if pos and dt in FLOATS else
                          rnd(xs, dt, lo=1, hi=9) if pos and dt != "bool" else rnd(xs, dt)], tag=f"sweep{i}_{dt}")
    for i in range(30):
        xs, dt = shape(R.randint(1, 5)), R.choice(dts)
        perm = list(range(len(xs)))
        R.shuffle(perm)
        case("permute", lambda: [rnd(xs, dt)], {"perm": perm}, tag=f"sweep{i}")
        case("flip", lambda: [rnd(xs, dt)], {"axes": sorted(R.sample(range(len(xs)), R.randint(0, len(xs))))},
             tag=f"sweep{i}")


def extra_edge_cases():
    """Corners where a plausible implementation gives a silent wrong answer."""
    case("pow", [T([2, 1, -1, -1, 3, -2], "i64"), T([-1, -2, -3, -2, 0, 3], "i64")], tag="int_neg_exponent")
    for op in ("floor_divide", "remainder"):  # torch works from an exact fmod: 1 // 0.1 == 9, not floor(1 / 0.1) == 10
        for dt in ("f32", "f64"):
            case(op, [T([1.0, -1.0, 0.7, 5.0, -0.3], dt), T([0.1, 0.1, 0.1, 0.5, 0.1], dt)], tag=f"inexact_{dt}")
    case("clip", lambda: [rnd([5])], {"lo": sc(1.0), "hi": sc(-1.0)}, tag="lo_above_hi")
    case("clip", [T([1, 5, 9], "u8")], {"lo": sc(2), "hi": sc(7)}, tag="u8")
    for op in ("softmax", "log_softmax"):
        case(op, [T([[-math.inf, -math.inf], [0.0, -math.inf]], "f32")], {"axis": 1}, tag="all_neg_inf_row")
        case(op, [T([math.nan, 1.0], "f32")], {"axis": 0}, tag="nan")
    wrap = ("torch rejects negative entries here; slope wraps them from the end like every index tensor "
            "(src/procedures/index.cpp), so the expected value uses the wrapped index")
    case("gather", lambda: [rnd([2, 3]), T([[-1]], "i64")], {"axis": 1}, tag="negative_index", why=wrap,
         fn=lambda x, i, axis: torch.gather(x, axis, i % x.shape[axis]))
    case("index_select", lambda: [rnd([2, 3]), T([-1, -3], "i64")], {"axis": 1}, tag="negative_index", why=wrap,
         fn=lambda x, i, axis: torch.index_select(x, axis, i % x.shape[axis]))
    case("scatter_add", lambda: [rnd([3]), T([-1, 0], "i64"), rnd([2])], {"axis": 0}, tag="negative_index", why=wrap,
         fn=lambda x, i, s, axis: torch.scatter_add(x, axis, i % x.shape[axis], s))
    case("gather", lambda: [rnd([2, 3]), T([[-4]], "i64")], {"axis": 1}, tag="negative_oob")
    case("take_along_dim", lambda: [rnd([2, 3]), T([[3]], "i64")], {"axis": 1}, tag="oob")
    case("split", lambda: [rnd([2, 3])], {"size": 0}, tag="size0")
    case("expand", lambda: [rnd([3])], {"shape": [-1, 3]}, tag="minus1_new_dim")
    case("reshape", lambda: [rnd([2, 3])], {"shape": [-2, 3]}, tag="bad_negative")
    # A bool tensor as an index is a mask in torch (a data-dependent shape). slope may refuse it, but
    # must never read the mask's 0/1 as integer positions.
    case("index", lambda: [rnd([4, 2]), T([True, False, True, True], "bool")], {"index": [{"t": 0}]}, tag="bool_mask",
         accept_error="a boolean mask gives a data-dependent shape; refusing it with slope::Error is fine")
    case("max_pool", lambda: [rnd([1, 1, 5, 5])], {"kernel": [2, 2], "padding": [2, 2]}, tag="pad_over_half_kernel")
    case("avg_pool", lambda: [rnd([1, 1, 5, 5])], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True},
         tag="ceil_pad", tol=ACC_TOL, why=ACC)
    case("conv", lambda: [rnd([1, 2, 5]), rnd([2, 2, 3])], {"stride": [0]}, tag="stride0")
    case("conv", lambda: [rnd([1, 2, 5]), rnd([2, 2, 3])], {"padding": [-1]}, tag="negative_padding")
    case("cross_entropy", lambda: [rnd([3, 4]), torch.softmax(rnd([3, 5]), -1)], tag="probs_wrong_classes")
    # half precision through the nn stack: slope may accumulate in the half type, torch in float
    H = ACC_TOL
    HW = ACC + " (half-precision inputs, accumulated in f32 and rounded once)"
    case("conv", lambda: [rnd([1, 2, 6, 6], "f16"), rnd([3, 2, 3, 3], "f16")], tag="f16", tol=H, why=HW)
    case("matmul", lambda: [rnd([4, 8], "bf16"), rnd([8, 3], "bf16")], tag="bf16", tol=ACC_TOL, why=HW)
    case("layer_norm", lambda: [rnd([3, 8], "f16")], {"normalized_shape": [8]}, tag="f16", tol=H, why=HW)
    case("softmax", lambda: [rnd([3, 8], "bf16")], {"axis": -1}, tag="bf16", tol=ACC_TOL, why=HW)
    case("gelu", lambda: [rnd([8], "bf16")], {"tanh_approx": True}, tag="bf16")
    case("cross_entropy", lambda: [rnd([4, 6], "f16"), idx([4], 6)], tag="f16", tol=H, why=HW)
    case("sum", lambda: [rnd([40], "bf16")], {"axes": [0]}, tag="bf16_40", tol=ACC_TOL, why=HW)
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
    def x_and_positive(*rest):
        x = rnd([3, 4])
        return [x, x > 0, *rest]

    case("where_method", lambda: x_and_positive(rnd([4])), tag="bcast")
    case("where_method", lambda: [rnd([2, 3], "i32"), rnd([2, 3], "bool"), rnd([3], "i64")], tag="promo")
    case("where_method", lambda: [rnd([3]), rnd([3], "bool"), rnd([3])], tag="f32")
    case("where_method", lambda: [rnd([3]), rnd([3], "f32"), rnd([3])], tag="cond_not_bool")
    case("where_method_scalar", lambda: x_and_positive(), {"other": sc(0)}, tag="relu_like")
    case("where_method_scalar", lambda: [rnd([5], "i32"), rnd([5], "bool")], {"other": sc(-1)}, tag="i32")
    case("where_method_scalar", lambda: [rnd([2, 2], "f16"), rnd([2, 2], "bool")], {"other": sc(0.5)}, tag="f16")
    for shape in ([12], [4, 3], [2, -1], [2, 3, 2], [1, 2, 3, 2]):
        case("reshape_ints", lambda: [rnd([2, 6])], {"shape": shape}, tag="_".join(map(str, shape)))
    case("reshape_ints", lambda: [rnd([2, 6])], {"shape": [5, 2]}, tag="bad")
    case("reshape_ints", lambda: [rnd([], "i64")], {"shape": [1, 1]}, tag="scalar")
    for perm in ([1, 0, 2], [2, 0, 1], [-1, 0, 1]):
        case("permute_ints", lambda: [rnd([2, 3, 4])], {"perm": perm}, tag="_".join(map(str, perm)))
    case("permute_ints", lambda: [rnd([2, 3])], {"perm": [0, 0]}, tag="bad")
    case("expand_ints", lambda: [rnd([3, 1])], {"shape": [3, 4]})
    case("expand_ints", lambda: [rnd([3, 1], "i32")], {"shape": [2, -1, 5]}, tag="new_dim")
    case("expand_ints", lambda: [rnd([3, 2])], {"shape": [3, 4]}, tag="bad")
    case("repeat_ints", lambda: [rnd([2, 3])], {"repeats": [2, 1]})
    case("repeat_ints", lambda: [rnd([2], "u8")], {"repeats": [3, 2]}, tag="new_dim")
    case("squeeze_dim", lambda: [rnd([1, 3, 1])], {"dim": 0})
    case("squeeze_dim", lambda: [rnd([1, 3, 1])], {"dim": -1}, tag="neg")
    case("squeeze_dim", lambda: [rnd([1, 3, 1])], {"dim": 1}, tag="not_one")
    case("squeeze_dim", lambda: [rnd([1, 3])], {"dim": 2}, tag="bad")
    for shape in ([2, 5], [3], [2, 0, 3], [1, 2, 3, 4]):
        case("zeros_ints", [], {"shape": shape}, tag="_".join(map(str, shape)))
        case("ones_ints", [], {"shape": shape}, tag="_".join(map(str, shape)))
    for dt in ("f32", "i64", "bool", "f16"):
        case("clone", lambda: [rnd([2, 3], dt)], tag=dt)
    a = edge()
    b = a.clone()
    b[5:8] += torch.tensor([1e-6, 1e-3, 1.0])
    for k, kw in enumerate(({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 1e-2}, {"atol": 1.0, "rtol": 0.0})):
        case("isclose", [a, b], kw, tag=f"edge{k}")
        case("allclose", [a, b], kw, tag=f"edge{k}", check="eager_only")
    case("isclose", lambda: [rnd([3, 1]), rnd([4])], tag="bcast")
    case("isclose", lambda: [rnd([4], "i32"), rnd([4], "i32")], {"atol": 2.0}, tag="i32")
    case("isclose", lambda: [rnd([4], "u8", lo=0, hi=255), rnd([4], "u8", lo=0, hi=255)], {"atol": 3.0}, tag="u8")
    case("isclose", lambda: [rnd([4], "bool"), rnd([4], "bool")], tag="bool")
    case("isclose", lambda: [rnd([4], "f16"), rnd([4], "f16")], {"rtol": 0.5}, tag="f16")
    case("isclose", lambda: [rnd([4]), rnd([4], "f64")], tag="dtypes_differ")
    case("isclose", lambda: [rnd([4]), rnd([4])], {"rtol": -1.0}, tag="negative_rtol")
    # allclose returns a C++ bool: eager only (check="eager_only" keeps it out of the jit suite)
    case("allclose", lambda: [rnd([3, 1]), rnd([4])], tag="bcast", check="eager_only")
    case("allclose", lambda: (lambda x: [x, x + 1e-7])(rnd([3, 4])), tag="near", check="eager_only")
    case("allclose", lambda: [rnd([4]), rnd([4], "f64")], tag="dtypes_differ", check="eager_only")
    for op in ("max_dim", "min_dim"):
        case(op, lambda: [rnd([3, 5])], {"dim": 1}, tag="dim1")
        case(op, lambda: [rnd([3, 5])], {"dim": 0, "keepdim": True}, tag="keepdim")
        case(op, lambda: [rnd([2, 3, 4], "i32")], {"dim": -1}, tag="i32")
        case(op, lambda: [rnd([2, 6], "u8")], {"dim": 1}, tag="u8")
        case(op, [T([[1.0, math.nan, 3.0, math.nan], [2.0, 2.0, 0.0, 2.0]], "f32")], {"dim": 1}, tag="nan_ties")
        case(op, lambda: [rnd([4], "bool")], {"dim": 0}, tag="bool")
        case(op, lambda: [rnd([], "f32")], {"dim": 0}, tag="scalar")
        case(op, lambda: [rnd([3, 0])], {"dim": 1}, tag="empty")
        case(op, lambda: [rnd([3, 2])], {"dim": 2}, tag="bad_dim")
    for op in ("sum", "mean", "prod", "logsumexp", "any", "all", "var", "std"):
        case("reduce_dim", lambda: [rnd([3, 4])], {"op": op, "dim": 1}, tag=op)
        case("reduce_dim", lambda: [rnd([3, 4])], {"op": op, "dim": -2, "keepdim": True}, tag=op + "_keepdim")


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


# ---------------------------------------------------------------- trigonometric / hyperbolic / log-space
# ---------------------------------------------------------------- math, norms, diagonals, losses, group_norm
# torch warns about broadcast loss targets and kl_div's 'mean': the cases mean both (slope matches torch).
warnings.filterwarnings("ignore", category=UserWarning, message="(Using a target size|reduction: 'mean')")


def _torch_norm(x, p=2.0, axes=(), keepdim=False):
    return torch.norm(x, p, dim=tuple(axes) if axes else None, keepdim=keepdim)


def _diag_numpy(x, k=0):
    """numpy's diag: torch 1.13 raises "integer multiplication overflow" for an offset beyond a matrix's
    edge, where the diagonal is simply empty."""
    return torch.from_numpy(np.array(np.diag(x.numpy(), k)))


TORCH.update({
    **{n: getattr(torch, n) for n in ["sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "atan2",
                                      "hypot", "logaddexp", "trace", "outer"]},
    "log_sigmoid": F.logsigmoid, "mish": F.mish,
    "hardtanh": lambda x, min_val=-1.0, max_val=1.0: F.hardtanh(x, min_val, max_val),
    "cumprod": lambda x, axis: torch.cumprod(x, axis),
    "vector_norm": lambda x, ord=2.0, axes=(), keepdim=False:
        torch.linalg.vector_norm(x, ord, dim=tuple(axes) if axes else None, keepdim=keepdim),
    "norm": _torch_norm,
    "diag": lambda x, k=0: torch.diag(x, k),
    "l1_loss": lambda x, y, reduction="mean": F.l1_loss(x, y, reduction=reduction),
    "smooth_l1_loss": lambda x, y, reduction="mean", beta=1.0: F.smooth_l1_loss(x, y, reduction=reduction, beta=beta),
    "huber_loss": lambda x, y, reduction="mean", delta=1.0: F.huber_loss(x, y, reduction=reduction, delta=delta),
    "kl_div": lambda x, y, reduction="mean", log_target=False: F.kl_div(x, y, reduction=reduction, log_target=log_target),
    "group_norm": lambda x, *ts, num_groups, eps=1e-5:
        F.group_norm(x, num_groups, ts[0] if ts else None, ts[1] if len(ts) > 1 else None, eps),
})
BROADCASTING += ("atan2", "hypot", "logaddexp")


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


GRAD_CONDITIONING.update({"asin": _one_minus_sq_tol, "acos": _one_minus_sq_tol, "atanh": _one_minus_sq_tol,
                          "acosh": _acosh_tol, "cumprod": _cumprod_tol, "group_norm": _group_norm_tol})


def math_ops_cases():
    """sinh ... logaddexp, the activations, cumprod, norms, diag/trace/outer, the new losses, group_norm."""
    tiny = [0.0, -0.0, 1e-30, -1e-20, 1e-10, -1e-5, 3e-3, -0.1]
    domain = {"asin": ("uniform", -0.99, 0.99), "acos": ("uniform", -0.99, 0.99), "atanh": ("uniform", -0.99, 0.99),
              "acosh": ("uniform", 1.0, 5.0), "sinh": ("uniform", -4.0, 4.0), "cosh": ("uniform", -4.0, 4.0)}
    # sinh(710) = 1.1e308 is finite; torch's f64 sinh/cosh overflow from exp(710) (SLEEF's range), so
    # that corner is checked against libm in tests/test_math_functions.cpp instead.
    large = {"sinh": [30.0, -50.0, 88.0, -89.0, 700.0, 709.0, -709.0, 1e10, -1e300],
             "cosh": [30.0, -50.0, 88.0, -89.0, 700.0, 709.0, -709.0, 1e10, -1e300],
             "asinh": [1e3, -1e8, 3e8, 1e10, -1e20, 1e300, 3e38],
             "acosh": [1.0, 1.0 + 1e-7, 1.0 + 1e-12, 2.0, 1e3, 3e8, 1e20, 1e300, 0.5, -2.0, -1e10],
             "atanh": [1.0, -1.0, 1.0 - 1e-7, -(1.0 - 1e-12), 0.999, 1.5, -2.0],
             "asin": [1.0, -1.0, 1.0 - 1e-7, -(1.0 - 1e-12), 0.999, 1.5, -2.0],
             "acos": [1.0, -1.0, 1.0 - 1e-7, -(1.0 - 1e-12), 0.999, 1.5, -2.0],
             "atan": [1e3, -1e8, 1e20, -1e300, 3e38]}
    for op in ["sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh"]:
        kind, lo, hi = domain.get(op, ("normal", None, None))
        case(op, lambda: [rnd([3, 4], "f32", kind, lo, hi)], tag="f32")
        case(op, lambda: [rnd([2, 3], "f64", kind, lo, hi)], tag="f64")
        case(op, lambda: [rnd([5], "f16", kind, lo, hi)], tag="f16")
        case(op, lambda: [rnd([4], "bf16", kind, lo, hi)], tag="bf16")
        case(op, lambda: [rnd([33, 61], "f32", kind, lo, hi)], tag="med_f32")
        case(op, [edge("f32")], tag="edge_f32", signed_zero=True)
        case(op, [edge("f64")], tag="edge_f64", signed_zero=True)
        case(op, [T(tiny, "f32")], tag="tiny_f32", signed_zero=True)
        case(op, [T(tiny, "f64")], tag="tiny_f64", signed_zero=True)
        if op in large:
            case(op, [T(large[op], "f64")], tag="large_f64")
            case(op, [T([v for v in large[op] if abs(v) < 3.4e38], "f32")], tag="large_f32")
        case(op, lambda: [rnd([], "f32", kind, lo, hi)], tag="0d")
        case(op, lambda: [rnd([0, 3])], tag="empty")
        case(op, lambda: [rnd([2, 3], "i32", lo=1, hi=4) if op == "acosh" else rnd([2, 3], "i32", lo=-1, hi=2)],
             tag="i32")
        case(op, lambda: [rnd([4], "i64", lo=1, hi=3) if op == "acosh" else rnd([4], "i64", lo=-1, hi=2)], tag="i64")
        case(op, lambda: [rnd([5], "bool")], tag="bool")
    shapes = [([3, 4], [3, 4]), ([3, 1], [1, 4]), ([2, 3, 4], [4]), ([], [2, 3]), ([0, 3], [1, 3]), ([1], [])]
    for op in ["atan2", "hypot", "logaddexp"]:
        for i, (sa, sb) in enumerate(shapes):
            case(op, lambda: [rnd(sa), rnd(sb)], tag=f"bcast{i}")
        for dt in ("f64", "f16", "bf16"):
            case(op, lambda: [rnd([2, 3], dt), rnd([2, 3], dt)], tag=dt)
        case(op, lambda: [rnd([64, 65]), rnd([65])], tag="med_f32")
        case(op, lambda: [rnd([3, 4], "i32"), rnd([3, 4], "i32")], tag="i32")
        case(op, lambda: [rnd([4], "i64"), rnd([], "f64")], tag="promo0d_i64_f64")
        case(op, lambda: [rnd([4], "f16"), rnd([4], "f32")], tag="promo_f16_f32")
        e = edge()
        case(op, [e.reshape(17, 1), e.reshape(1, 17)], tag="edge", signed_zero=op == "atan2")
        case(op, [e.double().reshape(17, 1), e.double().reshape(1, 17)], tag="edge_f64", signed_zero=op == "atan2")
        case(op, lambda: [rnd([2, 3]), rnd([3, 2])], tag="bad_shapes")
    big = [1e200, -3e300, 1e-200, 5e-324, 0.0, 1.0]
    extreme = ("values only: at overflowing and subnormal magnitudes torch's backward, grad * a / h, overflows "
               "(inf / inf) or rounds a / h differently where slope divides first")
    case("hypot", [T(big, "f64").reshape(6, 1), T(big, "f64").reshape(1, 6)], tag="extreme_f64", no_grad=extreme)
    case("hypot", [T([3e38, 1e-38, 1e-45, 0.0, -2e38], "f32").reshape(5, 1),
                   T([3e38, 1e-38, 1e-45, 0.0, -2e38], "f32").reshape(1, 5)], tag="extreme_f32", no_grad=extreme)
    case("logaddexp", [T([1000.0, -1000.0, 88.0, -1e30, 0.0], "f32").reshape(5, 1),
                       T([1000.0, -1000.0, 88.0, -1e30, 1e-30], "f32").reshape(1, 5)], tag="extreme")
    # activations
    for op, kws in [("log_sigmoid", [{}]), ("mish", [{}]),
                    ("hardtanh", [{}, {"min_val": -0.5, "max_val": 2.0}, {"min_val": 1.0, "max_val": -1.0}])]:
        for kw in kws:
            t = "_".join(str(v) for v in kw.values()).replace(".", "p").replace("-", "m") or "default"
            case(op, lambda: [rnd([3, 5], "f32", "uniform", -5, 5)], kw, tag=t)
            case(op, [edge()], kw, tag=t + "_edge")
            case(op, lambda: [rnd([4], "f64")], kw, tag=t + "_f64")
        case(op, lambda: [rnd([6], "f16")], tag="f16")
        case(op, lambda: [rnd([6], "bf16")], tag="bf16")
        case(op, lambda: [rnd([])], tag="0d")
        case(op, lambda: [rnd([0, 2])], tag="empty")
        case(op, [T([100.0, -100.0, 1000.0, -1000.0, 30.0, -30.0], "f32")], tag="large")
        case(op, [T([100.0, -100.0, 1000.0, -1000.0, 30.0, -30.0], "f64")], tag="large_f64")
    case("hardtanh", [T([-1.0, 1.0, -2.0, 2.0, 0.5, -0.0], "f32")], tag="at_bounds")
    case("hardtanh", lambda: [rnd([6], "i64")], tag="i64")
    case("hardtanh", lambda: [rnd([6], "bool")], tag="bool")
    case("mish", lambda: [rnd([6], "i64")], tag="i64")
    # cumprod: zeros in the input (the gradient must not divide by them)
    for axis in (0, 1, -1):
        case("cumprod", lambda: [rnd([3, 4])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"), tol=ACC_TOL,
             why=ACC + " (products in tree order)")
    case("cumprod", [T([[1.0, 0.0, 2.0, 3.0], [0.0, 0.0, 1.0, 2.0], [2.0, 3.0, 4.0, 0.0]], "f32")], {"axis": 1},
         tag="zeros")
    case("cumprod", [T([0.0, 2.0, 0.5, math.inf, -1.0, math.nan, 3.0], "f32")], {"axis": 0}, tag="edge",
         grad_fn=_cumprod_chain,
         why="gradient: slope differentiates its chain of products, so a product holding both a zero and an "
             "infinity (or a NaN) gives NaN; torch's cumprod backward special-cases zeros and returns 0 after the first "
             "zero. Expected: autograd through y_k = y_(k-1) * x_k")
    case("cumprod", lambda: [rnd([5, 100], "f32", "uniform", 0.9, 1.1)], {"axis": 1}, tag="med", tol=acc(2),
         why=ACC + " (products of 100 terms in tree order)")
    case("cumprod", lambda: [rnd([6], "f64")], {"axis": 0}, tag="f64")
    case("cumprod", lambda: [rnd([5], "f16", "uniform", 0.5, 1.5)], {"axis": 0}, tag="f16", tol=ACC_TOL,
         why=ACC + " in f16 steps")
    case("cumprod", lambda: [rnd([5], "i32", lo=-3, hi=4)], {"axis": 0}, tag="i32")
    case("cumprod", lambda: [rnd([5], "bool")], {"axis": 0}, tag="bool")
    case("cumprod", lambda: [rnd([0, 2])], {"axis": 0}, tag="empty")
    case("cumprod", lambda: [rnd([])], {"axis": 0}, tag="0d")
    case("cumprod", lambda: [rnd([2])], {"axis": 1}, tag="bad_axis")
    # norms: every ord, axes subsets, keepdim, zeros (the subgradient at a zero norm)
    inf = math.inf
    for op, key in (("vector_norm", "ord"), ("norm", "p")):
        for o in (2.0, 1.0, inf, -inf, 0.0, 3.0, 0.5, -1.5):
            for axes, keep in (([], False), ([1], False), ([0, 2], True), ([-1], True)):
                case(op, lambda: [rnd([2, 3, 4])], {key: o, "axes": axes, "keepdim": keep},
                     tag=f"{o}_ax{'_'.join(map(str, axes))}_k{int(keep)}".replace("-", "m").replace(".", "p"),
                     tol=ACC_TOL, why=ACC)
            zeros = T([[0.0, 0.0, 0.0], [3.0, -4.0, 0.0], [0.0, 1.0, -1.0]], "f32")
            case(op, [zeros], {key: o, "axes": [1]}, tag=f"zeros_{o}".replace("-", "m").replace(".", "p"))
        case(op, lambda: [rnd([4, 3], "f64")], {key: 2.0, "axes": [0]}, tag="f64")
        case(op, lambda: [rnd([4, 3], "f16")], {key: 2.0, "axes": [1]}, tag="f16", tol=ACC_TOL, why=ACC + " in f16")
        case(op, lambda: [rnd([4, 3], "bf16")], {key: 1.0}, tag="bf16", tol=ACC_TOL, why=ACC + " in bf16")
        case(op, lambda: [rnd([])], {key: 2.0}, tag="0d")
        case(op, lambda: [rnd([])], {key: inf, "axes": [0]}, tag="0d_ax0")
        case(op, lambda: [rnd([0, 3])], {key: 2.0}, tag="empty")
        case(op, lambda: [rnd([0, 3])], {key: inf, "axes": [1]}, tag="empty_kept_inf")
        case(op, lambda: [rnd([0, 3])], {key: inf}, tag="empty_inf")
        case(op, lambda: [rnd([3], "i64")], {key: 2.0}, tag="int")
        case(op, lambda: [rnd([2, 3])], {key: 2.0, "axes": [2]}, tag="bad_axis")
        case(op, lambda: [rnd([2, 3])], {key: 2.0, "axes": [0, 0]}, tag="dup_axes")
        case(op, [T([1e30, 3e30, -2e30], "f64")], {key: 2.0}, tag="large_f64")
        case(op, lambda: [rnd([64, 65])], {key: 2.0, "axes": [1]}, tag="med", tol=ACC_TOL, why=ACC)
    # diag, trace, outer
    for k in (0, 1, -2, 4):
        case("diag", lambda: [rnd([3])], {"k": k}, tag=f"1d_k{k}".replace("-", "m"))
    for k in (0, 1, -1, 3, -2):
        case("diag", lambda: [rnd([3, 4])], {"k": k}, tag=f"2d_k{k}".replace("-", "m"))
    case("diag", lambda: [rnd([2, 3])], {"k": 5}, tag="2d_beyond", fn=_diag_numpy,
         why="torch 1.13 raises 'integer multiplication overflow' for an offset beyond the matrix; the diagonal is "
             "empty (numpy's answer)")
    case("diag", lambda: [rnd([2, 3])], {"k": -4}, tag="2d_beyond_neg", fn=_diag_numpy,
         why="torch 1.13 raises 'integer multiplication overflow' for an offset beyond the matrix; the diagonal is "
             "empty (numpy's answer)")
    case("diag", lambda: [rnd([4], "i64")], {"k": -1}, tag="i64")
    case("diag", lambda: [rnd([3, 3], "bool")], tag="bool")
    case("diag", lambda: [rnd([0])], {"k": 2}, tag="empty_1d")
    case("diag", lambda: [rnd([1])], tag="size1")
    case("diag", lambda: [rnd([2, 2, 2])], tag="bad_3d")
    case("diag", lambda: [rnd([])], tag="bad_0d")
    for sh in ([3, 4], [4, 4], [4, 2], [0, 0], [1, 5]):
        square = sh[0] == sh[1]
        case("trace", lambda: [rnd(sh)], tag="x".join(map(str, sh)),
             grad_fn=None if square else lambda x: torch.diagonal(x).sum(),
             why=None if square else "gradient: torch 1.13's trace backward for a non-square matrix also marks every "
                                     "(cols + 1)-th element past the diagonal (fixed in later releases); expected: "
                                     "autograd of torch.diagonal(x).sum()")
    case("trace", lambda: [rnd([3, 3], "f64")], tag="f64")
    case("trace", lambda: [rnd([3, 3], "i32")], tag="i32")
    case("trace", lambda: [rnd([3, 3], "f16")], tag="f16")
    case("trace", lambda: [rnd([3])], tag="bad_1d")
    case("outer", lambda: [rnd([3]), rnd([4])], tag="f32")
    case("outer", lambda: [rnd([3], "i64"), rnd([2])], tag="promo")
    case("outer", lambda: [rnd([0]), rnd([2], "f64")], tag="empty")
    case("outer", lambda: [rnd([2], "bool"), rnd([3], "bool")], tag="bool")
    case("outer", lambda: [rnd([2, 2]), rnd([2])], tag="bad_2d")
    case("outer", lambda: [rnd([]), rnd([2])], tag="bad_0d")
    # losses
    for red in ("mean", "sum", "none"):
        case("l1_loss", lambda: [rnd([3, 4]), rnd([3, 4])], {"reduction": red}, tag=red, tol=ACC_TOL, why=ACC)
        for beta in (1.0, 0.5, 0.0):
            case("smooth_l1_loss", lambda: [rnd([3, 4]) * 2, rnd([3, 4])], {"reduction": red, "beta": beta},
                 tag=f"{red}_b{beta}".replace(".", "p"), tol=ACC_TOL, why=ACC)
        for delta in (1.0, 2.5):
            case("huber_loss", lambda: [rnd([3, 4]) * 2, rnd([3, 4])], {"reduction": red, "delta": delta},
                 tag=f"{red}_d{delta}".replace(".", "p"), tol=ACC_TOL, why=ACC)
    for red in ("mean", "sum", "none", "batchmean"):
        for lt in (False, True):
            case("kl_div", lambda: [torch.log_softmax(rnd([4, 5]), -1),
                                    torch.log_softmax(rnd([4, 5]), -1) if lt else torch.softmax(rnd([4, 5]), -1)],
                 {"reduction": red, "log_target": lt}, tag=f"{red}_lt{int(lt)}", tol=ACC_TOL, why=ACC)
    case("kl_div", [T([[-1.0, -2.0, -0.5]], "f32"), T([[0.0, 0.7, 0.3]], "f32")], {"reduction": "sum"},
         tag="target_zero", grad_wrt=[0],
         why="gradient w.r.t. the input only: where target = 0 slope's derivative w.r.t. the target is 0 (target log "
             "target is taken as 0 there, a constant); torch's xlogy backward gives 0/0 = NaN")
    case("kl_div", lambda: [torch.log_softmax(rnd([3, 4]), -1), torch.softmax(rnd([4]), -1)], {"reduction": "batchmean"},
         tag="bcast")
    case("kl_div", lambda: [rnd([]), rnd([], "f32", "unit")], {"reduction": "batchmean"}, tag="0d_batchmean")
    case("kl_div", lambda: [rnd([2, 3], "f64"), rnd([2, 3], "f64", "unit")], tag="f64")
    case("kl_div", lambda: [rnd([3], "i64"), rnd([3], "i64")], tag="int")
    case("kl_div", lambda: [rnd([3]), rnd([4], "f32", "unit")], tag="bad_shapes")
    for op in ("l1_loss", "smooth_l1_loss", "huber_loss"):
        case(op, lambda: [rnd([3, 4]), rnd([4])], tag="bcast", tol=ACC_TOL, why=ACC)
        case(op, lambda: [rnd([2, 3], "f64"), rnd([2, 3], "f64")], tag="f64")
        case(op, lambda: [rnd([]), rnd([])], {"reduction": "none"}, tag="0d")
        case(op, lambda: [rnd([0, 3]), rnd([0, 3])], {"reduction": "sum"}, tag="empty_sum")
        case(op, lambda: [rnd([3]), rnd([4])], tag="bad_shapes")
        case(op, lambda: [rnd([3]), rnd([3])], {"reduction": "batchmean"}, tag="batchmean")
        case(op, [T([1.0, 2.0, -1.0, 0.5], "f32"), T([1.0, 0.0, 0.0, 1.5], "f32")], {"reduction": "none"}, tag="kinks")
    case("l1_loss", lambda: [rnd([3], "i64"), rnd([3], "i64")], tag="int")
    case("smooth_l1_loss", lambda: [rnd([3]), rnd([3])], {"beta": -1.0}, tag="neg_beta")
    case("huber_loss", lambda: [rnd([3]), rnd([3])], {"delta": 0.0}, tag="zero_delta")
    case("smooth_l1_loss", [T([1.0, 2.0, -1.0, 0.5], "f32"), T([0.5, 0.0, 0.0, 1.5], "f32")],
         {"reduction": "none", "beta": 0.5}, tag="at_beta")
    case("huber_loss", [T([1.0, 2.0, -1.0, 0.5], "f32"), T([0.5, 0.0, 0.0, 1.5], "f32")],
         {"reduction": "none", "delta": 0.5}, tag="at_delta")
    # group_norm
    for xs, g, affine in [([2, 6, 3], 3, 2), ([2, 6, 3], 1, 0), ([2, 6, 3], 6, 1), ([2, 4], 2, 2), ([2, 4, 2, 3], 2, 2),
                          ([1, 6, 5], 2, 0)]:
        c = xs[1]
        case("group_norm", lambda: [rnd(xs)] + [rnd([c]) for _ in range(affine)], {"num_groups": g},
             tag=f"{len(xs)}d_g{g}_w{affine}", tol=ACC_TOL, why=ACC)
    case("group_norm", lambda: [rnd([2, 4, 3], "f64"), rnd([4], "f64"), rnd([4], "f64")], {"num_groups": 2}, tag="f64")
    case("group_norm", lambda: [rnd([2, 4, 3], "bf16")], {"num_groups": 2}, tag="bf16", tol=ACC_TOL,
         why=ACC + " in bf16")
    case("group_norm", lambda: [rnd([2, 4, 3], "f16")], {"num_groups": 2}, tag="f16", tol=ACC_TOL,
         why=ACC + " in f16")
    case("group_norm", lambda: [rnd([2, 4, 3])], {"num_groups": 2, "eps": 0.5}, tag="eps")
    case("group_norm", lambda: [rnd([16, 32, 8]), rnd([32]), rnd([32])], {"num_groups": 8}, tag="med",
         tol=acc(10), why=ACC)
    case("group_norm", [T([[[1.0, 1.0], [1.0, 1.0]]], "f32")], {"num_groups": 1}, tag="constant")
    case("group_norm", lambda: [rnd([2, 6, 3])], {"num_groups": 4}, tag="bad_groups")
    case("group_norm", lambda: [rnd([2, 6, 3])], {"num_groups": 0}, tag="zero_groups")
    case("group_norm", lambda: [rnd([2, 6, 3]), rnd([5])], {"num_groups": 3}, tag="bad_weight")
    case("group_norm", lambda: [rnd([6])], {"num_groups": 3}, tag="bad_1d")
# ---------------------------------------------------------------- sorting, einsum, interpolate, pools (ops2)
def _sort(x, axis=-1, descending=False):
    return torch.sort(x, dim=axis, descending=descending, stable=True)


def _topk_stable(x, k, axis=-1, largest=True, sorted=True):
    """topk as the first k of the stable sort: slope's order for tied values (torch.topk's is unspecified)."""
    v, i = _sort(x, axis, largest)
    return v.narrow(axis, 0, k), i.narrow(axis, 0, k)


def _interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=False):
    one = lambda v: v[0] if v is not None and len(v) == 1 else (tuple(v) if v is not None else None)  # noqa: E731
    return F.interpolate(x, size=one(size), scale_factor=one(scale_factor), mode=mode, align_corners=align_corners,
                         recompute_scale_factor=recompute_scale_factor or None)


TORCH.update({
    "sort": lambda x, axis=-1, descending=False: tuple(_sort(x, axis, descending)),
    "sort_values": lambda x, axis=-1, descending=False: _sort(x, axis, descending).values,
    "argsort": lambda x, axis=-1, descending=False: _sort(x, axis, descending).indices,
    "topk": lambda x, k, axis=-1, largest=True, sorted=True: tuple(torch.topk(x, k, axis, largest, sorted)),
    "topk_values": lambda x, k, axis=-1, largest=True, sorted=True: torch.topk(x, k, axis, largest, sorted).values,
    "einsum": lambda *xs, equation: torch.einsum(equation, *xs),
    "interpolate": _interpolate,
})

def _nearest_as_gather(x, **kw):
    """nearest interpolation as a gather of x at the positions torch's forward reads (found by interpolating
    the positions themselves): its autograd is the exact transpose of the forward."""
    # positions of x's own shape and dtype: torch 1.13 picks its kernel (and so its index rule) by them
    pos = torch.arange(x[0, 0].numel(), dtype=x.dtype).reshape(1, 1, *x.shape[2:]).expand(x.shape).contiguous()
    pos = _interpolate(pos, **kw)[0, 0].long()
    out = x.flatten(2)[:, :, pos.flatten()].reshape(*x.shape[:2], *pos.shape)
    assert torch.equal(out.detach(), _interpolate(x.detach(), **kw))
    return out


def _topk_stable_values(x, k, axis=-1, largest=True, sorted=True):
    return _topk_stable(x, k, axis, largest, sorted)[0]


TIES = "tied values: torch.topk orders ties in no particular way; slope takes the stable sort's first k (expected: " \
       "torch.sort(stable=True) cut to k, and its gradient)"


def ops2_cases():
    nan, inf = math.nan, math.inf
    ties = T([[3.0, 1.0, nan, 1.0, -0.0, 0.0, inf, nan, -inf, 3.0], [2.0, 2.0, 2.0, -1.0, 5.0, 5.0, -1.0, 0.0, nan, 2.0]],
             "f32")
    # sort / argsort: dtypes, ties (stable), NaN (largest), negative and leading axes, 0-d, size-0/1 dims
    for op in ("sort", "sort_values", "argsort"):
        for desc in (False, True):
            d = {"descending": desc}
            t = "desc" if desc else "asc"
            case(op, lambda: [rnd([3, 5])], {"axis": -1, **d}, tag=t)
            case(op, lambda: [rnd([4, 3, 2])], {"axis": 1, **d}, tag=t + "_ax1")
            case(op, lambda: [rnd([4, 3, 2])], {"axis": -3, **d}, tag=t + "_ax_m3")
            case(op, lambda: [ties], {"axis": 1, **d}, tag=t + "_ties_nan")
            case(op, lambda: [ties.t().contiguous()], {"axis": 0, **d}, tag=t + "_ties_nan_ax0")
            case(op, lambda: [rnd([40, 37], "f32", "uniform", -3, 3).round()], {"axis": 1, **d}, tag=t + "_many_ties")
            case(op, lambda: [rnd([3, 70], "f64")], {"axis": 1, **d}, tag=t + "_f64_long")
            case(op, lambda: [rnd([6], "f16")], d, tag=t + "_f16")
            case(op, lambda: [rnd([6], "bf16")], d, tag=t + "_bf16")
            for dt in ("i32", "i64", "u8", "i8"):
                case(op, lambda: [rnd([2, 9], dt)], d, tag=f"{t}_{dt}")
            case(op, lambda: [rnd([7], "bool")], d, tag=t + "_bool")
            case(op, lambda: [rnd([])], {"axis": 0, **d}, tag=t + "_0d")
            case(op, lambda: [rnd([2, 0, 3])], {"axis": 1, **d}, tag=t + "_empty_axis")
            case(op, lambda: [rnd([0, 3])], {"axis": 1, **d}, tag=t + "_empty_rows")
            case(op, lambda: [rnd([3, 1])], {"axis": 1, **d}, tag=t + "_size1")
        case(op, lambda: [rnd([2, 3])], {"axis": 2}, tag="bad_axis")
        case(op, lambda: [rnd([])], {"axis": 1}, tag="bad_axis_0d")
    case("sort", lambda: [edge()], {}, tag="edge")
    case("sort_values", lambda: [edge()], {"descending": True}, tag="edge_desc")
    case("sort_values", lambda: [rnd([300, 50])], {"axis": 0}, tag="med_ax0")
    case("argsort", lambda: [rnd([5000])], {}, tag="med_long")
    # topk: k from 0 to n, smallest and largest, ties, NaN, 0-d, errors
    for op in ("topk", "topk_values"):
        for largest in (True, False):
            t = "largest" if largest else "smallest"
            kw = {"largest": largest}
            case(op, lambda: [rnd([4, 7])], {"k": 3, **kw}, tag=t)
            case(op, lambda: [rnd([4, 7])], {"k": 7, **kw}, tag=t + "_all")
            case(op, lambda: [rnd([4, 7])], {"k": 0, **kw}, tag=t + "_k0")
            case(op, lambda: [rnd([5, 4, 3])], {"k": 2, "axis": 0, **kw}, tag=t + "_ax0")
            case(op, lambda: [rnd([5, 4, 3])], {"k": 2, "axis": -2, **kw}, tag=t + "_ax_m2")
            case(op, lambda: [rnd([8], "f64")], {"k": 4, **kw}, tag=t + "_f64")
            stable = _topk_stable if op == "topk" else _topk_stable_values
            case(op, lambda: [rnd([9], "i64")], {"k": 4, **kw}, tag=t + "_i64", fn=stable, why=TIES)
            case(op, lambda: [ties], {"k": 4, **kw}, tag=t + "_ties_nan", fn=stable, why=TIES)
            case(op, lambda: [rnd([4, 7])], {"k": 3, "sorted": False, **kw}, tag=t + "_unsorted", fn=stable,
                 why="sorted=False leaves torch's order unspecified; slope always returns the sorted top k")
            case(op, lambda: [rnd([])], {"k": 1, **kw}, tag=t + "_0d")
            case(op, lambda: [rnd([])], {"k": 0, **kw}, tag=t + "_0d_k0")
            case(op, lambda: [rnd([2, 0])], {"k": 0, **kw}, tag=t + "_empty")
        case(op, lambda: [rnd([4, 3])], {"k": 4}, tag="k_too_big")
        case(op, lambda: [rnd([4, 3])], {"k": -1}, tag="k_negative")
        case(op, lambda: [rnd([4, 3])], {"k": 1, "axis": 2}, tag="bad_axis")
    # einsum
    E = lambda eq, xs, tag, **kw: case("einsum", xs, {"equation": eq}, tag=tag, **kw)  # noqa: E731
    E("ij,jk->ik", lambda: [rnd([3, 4]), rnd([4, 5])], "matmul", tol=ACC_TOL, why=ACC)
    E("ij,jk", lambda: [rnd([3, 4]), rnd([4, 5])], "implicit", tol=ACC_TOL, why=ACC)
    E("ij,jk->ki", lambda: [rnd([3, 4]), rnd([4, 5])], "matmul_transposed_out", tol=ACC_TOL, why=ACC)
    E("bij,bjk->bik", lambda: [rnd([2, 3, 4]), rnd([2, 4, 5])], "bmm", tol=ACC_TOL, why=ACC)
    E("bij,bjk->bik", lambda: [rnd([2, 3, 4]), rnd([1, 4, 5])], "bmm_broadcast", tol=ACC_TOL, why=ACC)
    E("bhqd,bhkd->bhqk", lambda: [rnd([2, 3, 4, 8]), rnd([2, 3, 5, 8])], "attention_scores", tol=ACC_TOL, why=ACC)
    E("...ij,...jk->...ik", lambda: [rnd([2, 1, 3, 4]), rnd([5, 4, 2])], "ellipsis_broadcast", tol=ACC_TOL, why=ACC)
    E("...i,...i->...", lambda: [rnd([2, 1, 3]), rnd([5, 3])], "ellipsis_dot")
    E("i...->...", lambda: [rnd([3, 2, 2])], "ellipsis_sum_front")
    E("...i->i", lambda: [rnd([2, 3, 4])], "ellipsis_summed")
    E("a...a->...", lambda: [rnd([2, 3, 2])], "ellipsis_diagonal")
    E("i,j->ij", lambda: [rnd([3]), rnd([4])], "outer")
    E("i,j", lambda: [rnd([3]), rnd([4])], "outer_implicit")
    E("ij,ij->ij", lambda: [rnd([1, 3]), rnd([4, 3])], "hadamard_broadcast")
    E("i,i->", lambda: [rnd([1]), rnd([3])], "dot_broadcast")
    E("i,i", lambda: [rnd([5]), rnd([5])], "dot_implicit")
    E("ii->i", lambda: [rnd([4, 4])], "diagonal")
    E("ii", lambda: [rnd([4, 4])], "trace")
    E("iij->ji", lambda: [rnd([3, 3, 2])], "diagonal_3d")
    E("ijji->ij", lambda: [rnd([2, 3, 3, 2])], "two_diagonals")
    E("ij->", lambda: [rnd([3, 4])], "sum_all")
    E("ij->j", lambda: [rnd([3, 4])], "sum_rows")
    E("ij->ji", lambda: [rnd([3, 4])], "transpose")
    E(" i j -> j i ", lambda: [rnd([3, 4])], "spaces")
    E("IJ,Jk->Ik", lambda: [rnd([2, 3]), rnd([3, 4])], "uppercase", tol=ACC_TOL, why=ACC)
    E("abc,cd,de->abe", lambda: [rnd([2, 3, 4]), rnd([4, 5]), rnd([5, 2])], "three_operands", tol=ACC_TOL, why=ACC)
    E("ij,jk,kl->il", lambda: [rnd([2, 3]), rnd([3, 4]), rnd([4, 2])], "chain", tol=ACC_TOL, why=ACC)
    E("ijk,jil->kl", lambda: [rnd([3, 2, 4]), rnd([2, 3, 5])], "two_contracted", tol=ACC_TOL, why=ACC)
    E("bn,anm,bm->ba", lambda: [rnd([2, 3]), rnd([4, 3, 5]), rnd([2, 5])], "bilinear", tol=ACC_TOL, why=ACC)
    E("ij,jk->ik", lambda: [rnd([3, 4], "f64"), rnd([4, 2], "f64")], "f64", tol=ACC_TOL, why=ACC)
    E("ij,jk->ik", lambda: [rnd([3, 4], "i64"), rnd([4, 2], "i64")], "i64")
    E("ij,j->i", lambda: [rnd([3, 4], "i32"), rnd([4], "i32")], "i32")
    E("ij,jk->ik", lambda: [rnd([2, 0]), rnd([0, 3])], "empty_contraction")
    E("ij,jk->ik", lambda: [rnd([0, 2]), rnd([2, 3])], "empty_rows")
    E("ii->i", lambda: [rnd([0, 0])], "empty_diagonal")
    E("", lambda: [rnd([])], "scalar")
    E("...,...->...", lambda: [rnd([]), rnd([3])], "scalar_times_vector")
    E("ij,jk->ik", lambda: [rnd([60, 70]), rnd([70, 50])], "med", tol=acc(10), why=ACC)
    # malformed equations and mismatched operands: torch raises, so must slope
    for eq, xs, tag in [("ij,jk->ik", lambda: [rnd([2, 3]), rnd([4, 5])], "size_mismatch"),
                        ("ii->i", lambda: [rnd([2, 3])], "diagonal_size_mismatch"),
                        ("ij->k", lambda: [rnd([2, 3])], "unknown_output"), ("ij->ii", lambda: [rnd([2, 3])], "repeated_output"),
                        ("ij", lambda: [rnd([2, 3, 4])], "rank_mismatch"), ("i,j,k->", lambda: [rnd([2]), rnd([3])], "too_few"),
                        ("i", lambda: [rnd([3]), rnd([3])], "too_many"), ("i.j", lambda: [rnd([2, 3])], "lone_dot"),
                        ("i1", lambda: [rnd([2, 3])], "digit"), ("...i...", lambda: [rnd([2, 3])], "two_ellipses"),
                        ("i->->i", lambda: [rnd([2])], "two_arrows")]:
        E(eq, xs, "bad_" + tag)
    E("ij,jk->ik", lambda: [rnd([2, 3]), rnd([3, 4], "f64")], "mixed_dtypes", tol=ACC_TOL,
      fn=lambda a, b, equation: torch.einsum(equation, a.double(), b),
      why="torch requires one dtype; slope promotes the operands like its binary ops (f32 @ f64 -> f64), "
          "expected through f64 (the f32 operand is exact in f64)")
    # interpolate: nearest (floor rule) and bilinear with and without align_corners, 1-3 spatial dims
    I = lambda xs, kw, tag, **o: case("interpolate", xs, kw, tag=tag, **o)  # noqa: E731
    def x4():
        return rnd([2, 3, 4, 5])

    for mode in ("nearest", "bilinear"):
        acs = [None] if mode == "nearest" else [False, True]
        for ac in acs:
            m = {"mode": mode} if ac is None else {"mode": mode, "align_corners": ac}
            t = mode + ("" if ac is None else f"_ac{int(ac)}")
            I(lambda: [x4()], {"size": [3, 7], **m}, t + "_size")
            I(lambda: [x4()], {"size": [8, 10], **m}, t + "_up2")
            I(lambda: [x4()], {"size": [2, 2], **m}, t + "_down")
            I(lambda: [x4()], {"size": [4, 5], **m}, t + "_same")
            I(lambda: [x4()], {"size": [1, 1], **m}, t + "_to1")
            I(lambda: [rnd([1, 2, 1, 3])], {"size": [3, 4], **m}, t + "_from1")
            I(lambda: [x4()], {"scale_factor": [2.0], **m}, t + "_scale2")
            I(lambda: [x4()], {"scale_factor": [1.5], **m}, t + "_scale1p5")
            I(lambda: [x4()], {"scale_factor": [1.7, 0.6], **m}, t + "_scale_per_dim")
            I(lambda: [x4()], {"scale_factor": [1.2], **m}, t + "_scale_same_size",
              **({"grad_fn": _nearest_as_gather,
                  "why": "gradient: torch 1.13's nearest backward treats a dim whose size is unchanged as a copy "
                         "although its forward (here) reads floor(i / 1.2); expected: the transpose of that "
                         "forward (a gather)"}
                 if mode == "nearest" else {}))
            I(lambda: [x4()], {"scale_factor": [1.5], "recompute_scale_factor": True, **m}, t + "_recompute")
            I(lambda: [rnd([1, 1, 3, 3], "f64")], {"size": [5, 7], **m}, t + "_f64")
            I(lambda: [rnd([1, 2, 3, 4], "f16")], {"size": [5, 6], **m}, t + "_f16")
            I(lambda: [rnd([1, 1, 30, 40])], {"size": [47, 13], **m}, t + "_med")
    I(lambda: [rnd([2, 3, 5])], {"size": [8]}, "nearest_1d")
    I(lambda: [rnd([2, 3, 5])], {"size": [8], "mode": "linear"}, "linear_1d")
    I(lambda: [rnd([2, 3, 5])], {"scale_factor": [0.5], "mode": "linear", "align_corners": True}, "linear_1d_ac")
    I(lambda: [rnd([1, 2, 3, 4, 2])], {"size": [4, 3, 5]}, "nearest_3d")
    I(lambda: [rnd([1, 2, 3, 4, 2])], {"size": [4, 3, 5], "mode": "trilinear"}, "trilinear")
    I(lambda: [rnd([1, 1, 4, 4], "i64")], {"size": [6, 3]}, "nearest_i64", fn=lambda x, **kw: _interpolate(x.double(), **kw).long(),
      why="torch 1.13 has no integer nearest kernel: expected through f64 (nearest only copies values)")
    for kw, tag in [({"size": [3, 7], "align_corners": True}, "align_corners_nearest"),
                    ({"size": [3, 7], "scale_factor": [2.0]}, "size_and_scale"), ({}, "neither"),
                    ({"size": [3, 4, 5]}, "size_count"), ({"scale_factor": [1.0, 2.0, 3.0]}, "scale_count"),
                    ({"size": [0, 3]}, "size0"), ({"scale_factor": [0.1]}, "scale_to_0"),
                    ({"size": [3, 7], "mode": "linear"}, "linear_on_4d")]:
        I(lambda: [x4()], kw, "bad_" + tag)
    I(lambda: [rnd([4, 5])], {"size": [3]}, "bad_2d_input")
    I(lambda: [rnd([1, 1, 4, 4], "i64")], {"size": [3, 3], "mode": "bilinear"}, "bad_int_bilinear",
      fn=lambda x, **kw: (_ for _ in ()).throw(TorchRule("bilinear needs a floating-point input")),
      why="torch 1.13 has no integer kernel either; slope refuses integers for the linear modes")
    # max_pool with tied maxima: the whole gradient goes to the first maximum (row-major window order),
    # to the last NaN of a window holding NaN, never to padding (all -inf windows: the first element inside)
    case("max_pool", lambda: [T([[[1.0, 3.0, 3.0, 2.0, 2.0, 2.0, 0.0, 0.0]]], "f32")], {"kernel": [3], "stride": [1]}, tag="ties_1d")
    case("max_pool", lambda: [T([[[1.0, 3.0, 3.0, 2.0, 2.0, 2.0, 0.0, 0.0]]], "f32")], {"kernel": [2]}, tag="ties_1d_s2")
    case("max_pool", lambda: [T([[[nan, 1.0, nan, nan, 2.0, nan, 0.0, -0.0]]], "f32")], {"kernel": [3], "stride": [1]},
         tag="nans_1d")
    case("max_pool", lambda: [T([[[-inf, -inf, -inf, -inf, 1.0]]], "f32")], {"kernel": [3], "stride": [1], "padding": [1]},
         tag="neg_inf_padding")
    case("max_pool", lambda: [torch.ones(1, 2, 4, 4)], {"kernel": [2, 2]}, tag="ties_2d_constant")
    case("max_pool", lambda: [torch.ones(1, 1, 5, 5)], {"kernel": [3, 3], "stride": [1, 1], "padding": [1, 1]},
         tag="ties_2d_overlap_pad")
    case("max_pool", lambda: [rnd([2, 3, 7, 6], "f32", "uniform", 0, 3).floor()], {"kernel": [3, 2], "stride": [2, 1],
                                                                          "padding": [1, 1], "ceil_mode": True},
         tag="ties_2d_ceil")
    case("max_pool", lambda: [rnd([1, 2, 6, 6], "f64", "uniform", 0, 2).floor()], {"kernel": [2, 3], "dilation": [2, 1]},
         tag="ties_2d_dilation_f64")
    case("max_pool", lambda: [torch.full((1, 1, 2, 4, 4), 5.0)], {"kernel": [2, 2, 2]}, tag="ties_3d_constant")
    case("max_pool", lambda: [rnd([1, 2, 5, 4, 6], "f32", "uniform", 0, 2).floor()],
         {"kernel": [2, 3, 2], "stride": [1, 2, 2], "padding": [1, 1, 0]}, tag="ties_3d_pad")
    case("max_pool", lambda: [rnd([2, 3, 8, 8], "f32", "uniform", 0, 4).floor()], {"kernel": [3, 3], "stride": [1, 1]},
         tag="ties_med")
    case("max_pool", lambda: [rnd([3, 6, 6], "f32", "uniform", 0, 3).floor().half()], {"kernel": [2, 2]}, tag="ties_f16_unbatched")
    # avg_pool: count_include_pad = False and divisor_override, with padding and ceil_mode
    A = ACC_TOL
    for k, (xs, kw) in enumerate([([1, 2, 9], {"kernel": [3], "stride": [2], "padding": [1]}),
                   ([2, 1, 7], {"kernel": [4], "stride": [3], "padding": [2], "ceil_mode": True}),
                   ([1, 2, 7, 6], {"kernel": [3, 2], "stride": [2, 2], "padding": [1, 1]}),
                   ([1, 1, 7, 5], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True}),
                   ([1, 2, 5, 4, 6], {"kernel": [2, 3, 2], "stride": [2, 1, 2], "padding": [1, 1, 1]})]):
        d = f"{len(kw['kernel'])}d_{k}"
        case("avg_pool", lambda: [rnd(xs)], {**kw, "count_include_pad": False}, tag=f"exclude_pad_{d}", tol=A, why=ACC)
        if len(xs) > 3:
            case("avg_pool", lambda: [rnd(xs)], {**kw, "divisor_override": 3}, tag=f"divisor_{d}", tol=A, why=ACC)
            case("avg_pool", lambda: [rnd(xs)], {**kw, "divisor_override": 2, "count_include_pad": False},
                 tag=f"divisor_exclude_pad_{d}", tol=A, why=ACC)
    case("avg_pool", lambda: [rnd([1, 1, 6, 6], "f64")], {"kernel": [3, 3], "padding": [1, 1], "count_include_pad": False},
         tag="exclude_pad_f64")
    case("avg_pool", lambda: [rnd([1, 1, 4, 4])], {"kernel": [2, 2], "divisor_override": 0}, tag="divisor_zero")


def half_cases():
    """bf16 for max/min/prod/cumsum/conv and the nn ops; f16 for pools, attention, batch_norm and the losses.
    Where torch 1.13 has no half CPU kernel, case() computes torch's answer in f32 and rounds once (the
    case's why says so); slope computes half types in f32 and rounds once as well, so TOL applies."""
    for dt in ("bf16", "f16"):
        for op in ("max", "min", "prod", "sum", "mean"):
            case(op, lambda: [rnd([4, 5], dt, "uniform", 0.5, 1.5) if op == "prod" else rnd([4, 5], dt)],
                 {"axes": [1]}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("cumsum", lambda: [rnd([3, 40], dt)], {"axis": 1}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("cumprod", lambda: [rnd([3, 8], dt, "uniform", 0.5, 1.5)], {"axis": 1}, tag=f"half_{dt}", tol=ACC_TOL,
             why=ACC)
        case("conv", lambda: [rnd([1, 2, 6, 6], dt), rnd([3, 2, 3, 3], dt), rnd([3], dt)], {"padding": [1, 1]},
             tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        bf16_t = dt == "bf16"  # torch 1.13's bf16 conv_transpose1d wrongly raises a channel-count error
        case("conv_transpose", lambda: [rnd([1, 2, 4], dt), rnd([2, 3, 3], dt)], {"stride": [2]}, tag=f"half_{dt}",
             tol=ACC_TOL, fn=(lambda x, w, **kw: conv_t(x.float(), w.float(), **kw).bfloat16()) if bf16_t else None,
             why=ACC + ("; torch 1.13's bf16 conv_transpose1d raises 'expected input to have 3 channels' (a torch "
                        "bug): computed in f32, rounded once" if bf16_t else ""))
        case("linear", lambda: [rnd([4, 3], dt), rnd([5, 3], dt), rnd([5], dt)], tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        for op in ("relu", "gelu", "silu", "elu", "leaky_relu", "sigmoid", "tanh", "softplus", "mish", "log_sigmoid"):
            case(op, lambda: [rnd([7], dt)], tag=f"half_{dt}")
        for op in ("softmax", "log_softmax"):
            case(op, lambda: [rnd([3, 6], dt)], {"axis": -1}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("max_pool", lambda: [rnd([1, 2, 6, 6], dt)], {"kernel": [2, 2]}, tag=f"half_{dt}")
        case("avg_pool", lambda: [rnd([1, 2, 6, 6], dt)], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]},
             tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("sdpa", lambda: [rnd([1, 2, 4, 8], dt), rnd([1, 2, 5, 8], dt), rnd([1, 2, 5, 8], dt)], tag=f"half_{dt}",
             tol=ACC_TOL, why=ACC)
        case("batch_norm", lambda: [rnd([4, 3, 5], dt), rnd([3], dt), rnd([3], dt)],
             {"has": [False, False, True, True], "training": True}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("layer_norm", lambda: [rnd([3, 8], dt), rnd([8], dt), rnd([8], dt)], {"normalized_shape": [8]},
             tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("cross_entropy", lambda: [rnd([4, 6], dt), idx([4], 6)], tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("nll_loss", lambda: [torch.log_softmax(rnd([4, 6]), -1).to(DT[dt]), idx([4], 6)], tag=f"half_{dt}",
             tol=ACC_TOL, why=ACC)
        for op in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
            case(op, lambda: [rnd([3, 4], dt), rnd([3, 4], dt)], tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("bce", lambda: [rnd([3, 4], dt, "unit"), rnd([3, 4], dt, "unit")], tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("bce_with_logits", lambda: [rnd([3, 4], dt), rnd([3, 4], dt, "unit")], tag=f"half_{dt}", tol=ACC_TOL,
             why=ACC)
        case("kl_div", lambda: [torch.log_softmax(rnd([3, 4]), -1).to(DT[dt]), torch.softmax(rnd([3, 4]), -1).to(DT[dt])],
             {"reduction": "sum"}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)


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


def main():
    if sys.argv[1:] == ["--tolerances"]:
        print(tolerance_table())
        print("\nexact ops: " + " ".join(sorted(EXACT)))
        return
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for f in (unary_cases, binary_cases, reduction_cases, shape_cases, index_cases, matmul_cases, creation_cases,
              nn_cases, medium_cases, sweep_cases, extra_edge_cases, kink_cases, math_ops_cases, ops2_cases,
              api_cases, half_cases):
        f()
    stale = sorted(set(EXPECTED_SKIPS) - set(SKIPPED))
    if stale:
        sys.exit(f"gen_golden: EXPECTED_SKIPS lists cases that were not dropped (remove them): {stale}")
    with open(os.path.join(out, "data.bin"), "wb") as fh:
        fh.write(S.data)
    meta = {"torch_version": torch.__version__, "cases": S.cases}
    tmp = os.path.join(out, "cases.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(meta, fh, indent=0, allow_nan=False)
    os.replace(tmp, os.path.join(out, "cases.json"))  # the C++ side never sees a half-written file
    ops = {c["op"] for c in S.cases}
    print(f"gen_golden: {len(SKIPPED)} listed cases skipped (torch 1.13 has no kernel): {' '.join(SKIPPED)}")
    print(f"gen_golden: {len(S.cases)} cases over {len(ops)} ops ({sum('error' in c for c in S.cases)} error cases)"
          f" -> {out}")
    gops = {c["op"] for c in S.cases if "grads" in c}
    print(f"gen_golden: torch gradients for {sum('grads' in c for c in S.cases)} cases over {len(gops)} ops")
    for op in sorted(set(TORCH) - gops):
        print(f"gen_golden: no gradient check for {op}: {'; '.join(sorted(GRAD_NONE.get(op, {'no case'})))}")


if __name__ == "__main__":
    main()
