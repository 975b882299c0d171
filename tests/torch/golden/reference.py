"""How torch computes each op: TORCH maps every entry of the C++ table (tests/torch_table.cpp) to a
function of the case's input tensors and kwargs that returns torch's answer."""
import math
import operator as O

import numpy as np
import torch
import torch.nn.functional as F

from .tensors import DT, unsc


class TorchRule(RuntimeError):
    """A torch error the generator raises itself, where it computes torch's answer another way (numpy for
    negative steps, a loop over dims for torch 1.13's one-dim reductions) and so must state the rule that
    torch applies: the only error raised by the generator that may define an error case."""


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


# ---------------------------------------------------------------- math, norms, diagonals, losses, group_norm
def _torch_norm(x, p=2.0, axes=(), keepdim=False):
    return torch.norm(x, p, dim=tuple(axes) if axes else None, keepdim=keepdim)


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


# ---------------------------------------------------------------- sorting, einsum, interpolate
def _sort(x, axis=-1, descending=False):
    return torch.sort(x, dim=axis, descending=descending, stable=True)


def topk_stable(x, k, axis=-1, largest=True, sorted=True):
    """topk as the first k of the stable sort: slope's order for tied values (torch.topk's is unspecified)."""
    v, i = _sort(x, axis, largest)
    return v.narrow(axis, 0, k), i.narrow(axis, 0, k)


def torch_interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=False):
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
    "interpolate": torch_interpolate,
})

