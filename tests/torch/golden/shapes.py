"""Shape ops (reshape ... slice), indexing (index, gather, scatter_add, one_hot) and creation ops."""
import math

import torch

from .case import case
from .reference import py_slice
from .tensors import T, idx, rnd, sc
from .tolerances import ACC, ACC_TOL


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

