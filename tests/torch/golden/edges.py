"""Edge cases where a plausible implementation gives a silent wrong answer, and the kinks where
derivative conventions differ."""
import math

import torch
import torch.nn.functional as F

from .case import case
from .tensors import T, idx, rnd, sc
from .tolerances import ACC, ACC_TOL


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


