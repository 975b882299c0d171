"""Random sweeps: broadcast shapes, dtype pairs, reduction axes and permutations drawn by a seeded generator."""
import random

from .case import case
from .tensors import FLOATS, rnd
from .tolerances import ACC, ACC_TOL


def sweep_cases():
    """Random combinations the hand-written cases cannot enumerate: broadcast shapes of rank 0-4 with
    0/1-sized dims, dtype pairs, reduction axes subsets (negative too), permutations."""
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


