"""Gradients against torch autograd: the cotangents and torch's vector-Jacobian product recorded for every
differentiable case, the ops without one (and why), and the gradient's tolerance."""
import math

import torch

from .tensors import NAME, S, stable_seed
from .tolerances import GRAD_CONDITIONING, TOL, U, loosest, resolve_tol

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
    **{n: "creation op: no tensor inputs" for n in ["zeros_ints", "ones_ints"]},
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


# Ops whose gradient w.r.t. a broadcast operand is a sum over the broadcast dims (broadcast_sum_tol).
BROADCASTING = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "floor_divide", "where",
                "expand", "expand_ints", "broadcast_to",
                "iadd", "isub", "imul", "idiv",
                "atan2", "hypot", "logaddexp")


def grad_conditioning(op, f, inputs, kw, wrt, cts, outs, gs):
    """The gradient's tolerance from conditioning (GRAD_CONDITIONING, and the broadcast sums)."""
    t, note = GRAD_CONDITIONING[op](f, inputs, kw, wrt, cts, outs, gs) if op in GRAD_CONDITIONING else (None, None)
    if op in BROADCASTING and all(U.get(NAME[inputs[i].dtype]) for i in wrt):
        t = loosest(t, broadcast_sum_tol(f, inputs, wrt, cts, outs)[0])
    return t, note

