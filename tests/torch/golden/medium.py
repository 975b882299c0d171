"""Medium sizes: past the cpu backend's vector widths, blocking and threading thresholds."""
from .case import case
from .tensors import FLOATS, idx, rnd, sc
from .tolerances import ACC, ACC_TOL, acc


def medium_cases():
    """Sizes past the cpu backend's vector widths, blocking and threading thresholds (tens to
    thousands of elements), where the other files' tiny cases never reach its fast paths."""
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


