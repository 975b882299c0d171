"""PyTorch spellings: the ops written the way a PyTorch user types them (tests/test_pytorch_spellings.cpp)."""
import math

import torch

from .case import case
from .tensors import T, edge, rnd, sc


def api_cases():
    """Ops spelled the way a PyTorch user types them: Tensor.where(condition, other), sizes and dims as
    separate integers, torch.max(x, dim) with indices, clone, isclose/allclose, narrow-integer
    reductions. The C++ table's "api" block gives each its spellings."""
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

