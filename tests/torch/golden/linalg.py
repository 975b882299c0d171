"""matmul and linear, diag, trace and outer, and einsum."""
import numpy as np
import torch

from .case import case
from .tensors import rnd
from .tolerances import ACC, ACC_TOL, acc


def matmul_cases():
    for sa, sb in [([3], [3]), ([3], [3, 4]), ([2, 3], [3]), ([2, 3], [3, 4]), ([5, 2, 3], [3, 4]), ([3], [5, 3, 2]),
                   ([2, 1, 2, 3], [4, 3, 2]), ([1, 3], [3, 1]), ([0, 3], [3, 4]), ([2, 0], [0, 3]), ([6, 7], [7, 5])]:
        case("matmul", lambda: [rnd(sa), rnd(sb)], tag="x".join(map(str, sa)) + "_" + "x".join(map(str, sb)),
             tol=ACC_TOL, why=ACC)
    case("matmul", lambda: [rnd([2, 3], "f64"), rnd([3, 2], "f64")], tag="f64")
    case("matmul", lambda: [rnd([2, 3], "i64"), rnd([3, 2], "i64")], tag="i64")
    case("matmul", lambda: [rnd([2, 3], "i32"), rnd([3], "i32")], tag="i32")
    case("matmul", lambda: [rnd([2, 3], "f16"), rnd([3, 2], "f16")], tag="f16", tol=ACC_TOL, why=ACC + " in f16")
    case("matmul", lambda: [rnd([2, 3]), rnd([4, 2])], tag="bad_inner")
    case("matmul", lambda: [rnd([]), rnd([3])], tag="bad_0d")
    case("matmul", lambda: [rnd([2, 2, 3]), rnd([3, 3, 4])], tag="bad_batch")
    case("linear", lambda: [rnd([4, 3]), rnd([5, 3]), rnd([5])], tag="bias", tol=ACC_TOL, why=ACC)
    case("linear", lambda: [rnd([2, 4, 3]), rnd([5, 3])], tag="nobias_3d", tol=ACC_TOL, why=ACC)
    case("linear", lambda: [rnd([3]), rnd([2, 3]), rnd([2])], tag="1d", tol=ACC_TOL, why=ACC)


def _diag_numpy(x, k=0):
    """numpy's diag: torch 1.13 raises "integer multiplication overflow" for an offset beyond a matrix's
    edge, where the diagonal is simply empty."""
    return torch.from_numpy(np.array(np.diag(x.numpy(), k)))


def diag_trace_outer_cases():
    """diag (offsets within and beyond the matrix), trace (square and not), outer."""
    for k in (0, 1, -2, 4):
        case("diag", lambda: [rnd([3])], {"k": k}, tag=f"1d_k{k}".replace("-", "m"))
    for k in (0, 1, -1, 3, -2):
        case("diag", lambda: [rnd([3, 4])], {"k": k}, tag=f"2d_k{k}".replace("-", "m"))
    case("diag", lambda: [rnd([2, 3])], {"k": 5}, tag="2d_beyond", fn=_diag_numpy,
         why="torch 1.13 raises 'integer multiplication overflow' for an offset beyond the matrix; the diagonal is "
             "empty (numpy's answer)")
    case("diag", lambda: [rnd([2, 3])], {"k": -4}, tag="2d_beyond_neg", fn=_diag_numpy,
         why="torch 1.13 raises 'integer multiplication overflow' for an offset beyond the matrix; the diagonal is "
             "empty (numpy's answer)")
    case("diag", lambda: [rnd([4], "i64")], {"k": -1}, tag="i64")
    case("diag", lambda: [rnd([3, 3], "bool")], tag="bool")
    case("diag", lambda: [rnd([0])], {"k": 2}, tag="empty_1d")
    case("diag", lambda: [rnd([1])], tag="size1")
    case("diag", lambda: [rnd([2, 2, 2])], tag="bad_3d")
    case("diag", lambda: [rnd([])], tag="bad_0d")
    for sh in ([3, 4], [4, 4], [4, 2], [0, 0], [1, 5]):
        square = sh[0] == sh[1]
        case("trace", lambda: [rnd(sh)], tag="x".join(map(str, sh)),
             grad_fn=None if square else lambda x: torch.diagonal(x).sum(),
             why=None if square else "gradient: torch 1.13's trace backward for a non-square matrix also marks every "
                                     "(cols + 1)-th element past the diagonal (fixed in later releases); expected: "
                                     "autograd of torch.diagonal(x).sum()")
    case("trace", lambda: [rnd([3, 3], "f64")], tag="f64")
    case("trace", lambda: [rnd([3, 3], "i32")], tag="i32")
    case("trace", lambda: [rnd([3, 3], "f16")], tag="f16")
    case("trace", lambda: [rnd([3])], tag="bad_1d")
    case("outer", lambda: [rnd([3]), rnd([4])], tag="f32")
    case("outer", lambda: [rnd([3], "i64"), rnd([2])], tag="promo")
    case("outer", lambda: [rnd([0]), rnd([2], "f64")], tag="empty")
    case("outer", lambda: [rnd([2], "bool"), rnd([3], "bool")], tag="bool")
    case("outer", lambda: [rnd([2, 2]), rnd([2])], tag="bad_2d")
    case("outer", lambda: [rnd([]), rnd([2])], tag="bad_0d")


def einsum_cases():
    """einsum: implicit and explicit outputs, ellipses, diagonals, broadcasting, malformed equations."""
    E = lambda eq, xs, tag, **kw: case("einsum", xs, {"equation": eq}, tag=tag, **kw)  # noqa: E731
    E("ij,jk->ik", lambda: [rnd([3, 4]), rnd([4, 5])], "matmul", tol=ACC_TOL, why=ACC)
    E("ij,jk", lambda: [rnd([3, 4]), rnd([4, 5])], "implicit", tol=ACC_TOL, why=ACC)
    E("ij,jk->ki", lambda: [rnd([3, 4]), rnd([4, 5])], "matmul_transposed_out", tol=ACC_TOL, why=ACC)
    E("bij,bjk->bik", lambda: [rnd([2, 3, 4]), rnd([2, 4, 5])], "bmm", tol=ACC_TOL, why=ACC)
    E("bij,bjk->bik", lambda: [rnd([2, 3, 4]), rnd([1, 4, 5])], "bmm_broadcast", tol=ACC_TOL, why=ACC)
    E("bhqd,bhkd->bhqk", lambda: [rnd([2, 3, 4, 8]), rnd([2, 3, 5, 8])], "attention_scores", tol=ACC_TOL, why=ACC)
    E("...ij,...jk->...ik", lambda: [rnd([2, 1, 3, 4]), rnd([5, 4, 2])], "ellipsis_broadcast", tol=ACC_TOL, why=ACC)
    E("...i,...i->...", lambda: [rnd([2, 1, 3]), rnd([5, 3])], "ellipsis_dot")
    E("i...->...", lambda: [rnd([3, 2, 2])], "ellipsis_sum_front")
    E("...i->i", lambda: [rnd([2, 3, 4])], "ellipsis_summed")
    E("a...a->...", lambda: [rnd([2, 3, 2])], "ellipsis_diagonal")
    E("i,j->ij", lambda: [rnd([3]), rnd([4])], "outer")
    E("i,j", lambda: [rnd([3]), rnd([4])], "outer_implicit")
    E("ij,ij->ij", lambda: [rnd([1, 3]), rnd([4, 3])], "hadamard_broadcast")
    E("i,i->", lambda: [rnd([1]), rnd([3])], "dot_broadcast")
    E("i,i", lambda: [rnd([5]), rnd([5])], "dot_implicit")
    E("ii->i", lambda: [rnd([4, 4])], "diagonal")
    E("ii", lambda: [rnd([4, 4])], "trace")
    E("iij->ji", lambda: [rnd([3, 3, 2])], "diagonal_3d")
    E("ijji->ij", lambda: [rnd([2, 3, 3, 2])], "two_diagonals")
    E("ij->", lambda: [rnd([3, 4])], "sum_all")
    E("ij->j", lambda: [rnd([3, 4])], "sum_rows")
    E("ij->ji", lambda: [rnd([3, 4])], "transpose")
    E(" i j -> j i ", lambda: [rnd([3, 4])], "spaces")
    E("IJ,Jk->Ik", lambda: [rnd([2, 3]), rnd([3, 4])], "uppercase", tol=ACC_TOL, why=ACC)
    E("abc,cd,de->abe", lambda: [rnd([2, 3, 4]), rnd([4, 5]), rnd([5, 2])], "three_operands", tol=ACC_TOL, why=ACC)
    E("ij,jk,kl->il", lambda: [rnd([2, 3]), rnd([3, 4]), rnd([4, 2])], "chain", tol=ACC_TOL, why=ACC)
    E("ijk,jil->kl", lambda: [rnd([3, 2, 4]), rnd([2, 3, 5])], "two_contracted", tol=ACC_TOL, why=ACC)
    E("bn,anm,bm->ba", lambda: [rnd([2, 3]), rnd([4, 3, 5]), rnd([2, 5])], "bilinear", tol=ACC_TOL, why=ACC)
    E("ij,jk->ik", lambda: [rnd([3, 4], "f64"), rnd([4, 2], "f64")], "f64", tol=ACC_TOL, why=ACC)
    E("ij,jk->ik", lambda: [rnd([3, 4], "i64"), rnd([4, 2], "i64")], "i64")
    E("ij,j->i", lambda: [rnd([3, 4], "i32"), rnd([4], "i32")], "i32")
    E("ij,jk->ik", lambda: [rnd([2, 0]), rnd([0, 3])], "empty_contraction")
    E("ij,jk->ik", lambda: [rnd([0, 2]), rnd([2, 3])], "empty_rows")
    E("ii->i", lambda: [rnd([0, 0])], "empty_diagonal")
    E("", lambda: [rnd([])], "scalar")
    E("...,...->...", lambda: [rnd([]), rnd([3])], "scalar_times_vector")
    E("ij,jk->ik", lambda: [rnd([60, 70]), rnd([70, 50])], "med", tol=acc(10), why=ACC)
    # malformed equations and mismatched operands: torch raises, so must slope
    for eq, xs, tag in [("ij,jk->ik", lambda: [rnd([2, 3]), rnd([4, 5])], "size_mismatch"),
                        ("ii->i", lambda: [rnd([2, 3])], "diagonal_size_mismatch"),
                        ("ij->k", lambda: [rnd([2, 3])], "unknown_output"), ("ij->ii", lambda: [rnd([2, 3])], "repeated_output"),
                        ("ij", lambda: [rnd([2, 3, 4])], "rank_mismatch"), ("i,j,k->", lambda: [rnd([2]), rnd([3])], "too_few"),
                        ("i", lambda: [rnd([3]), rnd([3])], "too_many"), ("i.j", lambda: [rnd([2, 3])], "lone_dot"),
                        ("i1", lambda: [rnd([2, 3])], "digit"), ("...i...", lambda: [rnd([2, 3])], "two_ellipses"),
                        ("i->->i", lambda: [rnd([2])], "two_arrows")]:
        E(eq, xs, "bad_" + tag)
    E("ij,jk->ik", lambda: [rnd([2, 3]), rnd([3, 4], "f64")], "mixed_dtypes", tol=ACC_TOL,
      fn=lambda a, b, equation: torch.einsum(equation, a.double(), b),
      why="torch requires one dtype; slope promotes the operands like its binary ops (f32 @ f64 -> f64), "
          "expected through f64 (the f32 operand is exact in f64)")
