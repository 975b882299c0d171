"""Elementwise ops: unary and binary math, comparisons, logic, casts, clip, where, weak scalars and
type promotion, and the trigonometric, hyperbolic and log-space functions."""
import math

from .case import case
from .tensors import FLOATS, T, edge, rnd, sc


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


def trig_cases():
    """sinh ... atanh, atan2, hypot and logaddexp: domains, edge values, tiny and large magnitudes."""
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
