"""The cases' tensors: dtypes, random inputs drawn from a generator seeded by the case's name, and the
store that writes every tensor's raw bytes to data.bin (cases.json holds {dtype, shape, offset, nbytes})."""
import hashlib
import math

import torch

torch.set_num_threads(1)  # deterministic reductions, and fast enough for these sizes

DT = {"f32": torch.float32, "f64": torch.float64, "f16": torch.float16, "bf16": torch.bfloat16,
      "i64": torch.int64, "i32": torch.int32, "i8": torch.int8, "u8": torch.uint8, "bool": torch.bool}
NAME = {v: k for k, v in DT.items()}
FLOATS = ("f32", "f64", "f16", "bf16")


# ---------------------------------------------------------------- inputs
# Random inputs are drawn only inside a case's input factory (`case(op, lambda: [rnd(..)], ...)`),
# from a generator that case() seeds from the case's name just before calling the factory. rnd() and
# idx() refuse to draw anywhere else: a tensor drawn outside would come from a stream shared with
# other cases, so adding one case would silently change the inputs (and tolerances) of later ones.
class Draws:
    gen = None  # the current case's generator while its factory runs, else None


def stable_seed(text):
    """A seed from a string that is the same in every process (Python's hash() is salted)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") & (2**63 - 1)


def _gen():
    if Draws.gen is None:
        raise RuntimeError("rnd()/idx() called outside a case's input factory: write case(op, lambda: [rnd(..)], ...) "
                           "so that the inputs depend only on the case's name (tests/torch/README.md)")
    return Draws.gen


def rnd(shape, dtype="f32", kind="normal", lo=None, hi=None):
    """A random tensor. kind: normal | uniform (lo, hi) | pos (0.1..3) | unit (0.02..0.98)."""
    shape = tuple(shape)
    G = _gen()
    if dtype in FLOATS:
        if kind == "normal":
            t = torch.randn(shape, generator=G, dtype=torch.float64)
        else:
            lo, hi = {"pos": (0.1, 3.0), "unit": (0.02, 0.98)}.get(kind, (lo, hi))
            t = lo + (hi - lo) * torch.rand(shape, generator=G, dtype=torch.float64)
        return t.to(DT[dtype])
    if dtype == "bool":
        return torch.randint(0, 2, shape, generator=G).bool()
    if lo is None:
        lo, hi = (0, 10) if dtype == "u8" else (-5, 6)
    return torch.randint(lo, hi, shape, generator=G).to(DT[dtype])


def idx(shape, n, dtype="i64"):
    """Random valid indices in [0, n)."""
    return torch.randint(0, n, tuple(shape), generator=_gen()).to(DT[dtype])


EDGE = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7, 1e-30, 20.0, -20.0]


def edge(dtype="f32"):
    return torch.tensor(EDGE, dtype=DT[dtype])


def T(values, dtype):
    return torch.tensor(values, dtype=DT[dtype])


# ---------------------------------------------------------------- case store
class Store:
    def __init__(self):
        self.cases, self.data, self.names = [], bytearray(), set()

    def tensor(self, t):
        t = t.detach().contiguous()
        if t.dtype not in NAME:
            raise TypeError(f"unsupported dtype {t.dtype}")
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        while len(self.data) % 8:
            self.data.append(0)
        off = len(self.data)
        self.data += raw
        return {"dtype": NAME[t.dtype], "shape": list(t.shape), "offset": off, "nbytes": len(raw)}


S = Store()


def enc(v):
    """kwargs -> JSON: tuples become lists, non-finite floats become strings."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {k: enc(x) for k, x in v.items()}
    return v


def sc(v):
    """A C++ scalar argument, keeping its kind (weak-scalar promotion depends on it)."""
    kind = "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "float"
    return {"kind": kind, "v": v}


def unsc(v):
    return v["v"] if isinstance(v, dict) and "kind" in v else v

