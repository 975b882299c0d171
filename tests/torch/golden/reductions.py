"""Reductions and scans: sum ... logsumexp, var/std, argmax/argmin, cumsum and cumprod, and the norms."""
import math

import torch

from .case import case
from .tensors import T, edge, rnd
from .tolerances import ACC, ACC_TOL, acc


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


def _cumprod_chain(x, axis):
    """cumprod as a chain of multiplications, whose autograd is plain chain rule (no zero special case)."""
    ys = [x.select(axis, 0)]
    for k in range(1, x.shape[axis]):
        ys.append(ys[-1] * x.select(axis, k))
    return torch.stack(ys, axis)


def cumprod_cases():
    """cumprod: axes, zeros in the input (the gradient must not divide by them), dtypes."""
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


def norm_cases():
    """vector_norm and norm: every ord, axes subsets, keepdim, zeros (the subgradient at a zero norm)."""
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
