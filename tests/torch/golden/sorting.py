"""sort, argsort and topk: dtypes, stable ties, NaN, negative and leading axes, 0-d and empty inputs."""
import math

from .case import case
from .reference import topk_stable
from .tensors import T, edge, rnd


def _topk_stable_values(x, k, axis=-1, largest=True, sorted=True):
    return topk_stable(x, k, axis, largest, sorted)[0]


TIES = "tied values: torch.topk orders ties in no particular way; slope takes the stable sort's first k (expected: " \
       "torch.sort(stable=True) cut to k, and its gradient)"


def _ties():
    """Ties, NaN, signed zeros and infinities in each row."""
    nan, inf = math.nan, math.inf
    return T([[3.0, 1.0, nan, 1.0, -0.0, 0.0, inf, nan, -inf, 3.0], [2.0, 2.0, 2.0, -1.0, 5.0, 5.0, -1.0, 0.0, nan, 2.0]],
             "f32")


def sort_cases():
    """sort / argsort: dtypes, ties (stable), NaN (largest), negative and leading axes, 0-d, size-0/1 dims."""
    ties = _ties()
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


def topk_cases():
    """topk: k from 0 to n, smallest and largest, ties, NaN, 0-d, errors."""
    ties = _ties()
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
            stable = topk_stable if op == "topk" else _topk_stable_values
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
