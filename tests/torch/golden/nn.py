"""Neural-network ops: activations, softmax, convolutions, pooling, normalisation, attention, losses,
dropout and interpolate."""
import math
import warnings

import torch

from .case import case
from .reference import TorchRule, bce_clamped, torch_interpolate
from .tensors import T, edge, idx, rnd
from .tolerances import ACC, ACC_TOL, acc


# torch warns about broadcast loss targets and kl_div's 'mean': the cases mean both (slope matches torch).
warnings.filterwarnings("ignore", category=UserWarning, message="(Using a target size|reduction: 'mean')")


def nn_cases():
    for op, kws in [("relu", [{}]), ("silu", [{}]), ("leaky_relu", [{}, {"negative_slope": 0.2}]),
                    ("elu", [{}, {"alpha": 0.5}]), ("gelu", [{}, {"tanh_approx": True}]),
                    ("softplus", [{}, {"beta": 2.0, "threshold": 1.0}])]:
        for kw in kws:
            t = "_".join(str(v) for v in kw.values()).replace(".", "p") or "default"
            case(op, lambda: [rnd([3, 5], "f32", "uniform", -5, 5)], kw, tag=t)
            case(op, [edge()], kw, tag=t + "_edge")
            case(op, lambda: [rnd([4], "f64")], kw, tag=t + "_f64")
        case(op, lambda: [rnd([6], "f16")], tag="f16")
        case(op, lambda: [rnd([])], tag="0d")
        case(op, lambda: [rnd([0, 2])], tag="empty")
    case("relu", lambda: [rnd([5], "i32")], tag="i32")
    for op in ("softmax", "log_softmax"):
        for axis in (-1, 0, 1):
            case(op, lambda: [rnd([3, 4, 2])], {"axis": axis}, tag=f"ax{axis}".replace("-", "m"))
        case(op, lambda: [rnd([4], "f64")], {"axis": 0}, tag="f64")
        case(op, lambda: [rnd([4], "f16")], {"axis": 0}, tag="f16")
        case(op, [T([1000.0, 1000.0, -1000.0], "f32")], {"axis": 0}, tag="stable")
        case(op, [T([0.0, -math.inf, 1.0], "f32")], {"axis": 0}, tag="neg_inf")
        case(op, lambda: [rnd([])], {"axis": 0}, tag="0d")
        case(op, lambda: [rnd([2, 0])], {"axis": 1}, tag="empty")
        case(op, lambda: [rnd([2, 3])], {"axis": 2}, tag="bad_axis")
    # convolutions: 1-3 spatial dims, stride, padding, dilation, groups, with and without bias
    A = ACC_TOL
    conv_specs = [
        ([2, 3, 9], [4, 3, 3], True, {}), ([1, 2, 10], [3, 2, 4], False, {"stride": [2], "padding": [1]}),
        ([1, 4, 11], [4, 2, 3], True, {"dilation": [2], "groups": 2}),
        ([2, 2, 6, 7], [3, 2, 3, 3], True, {}), ([1, 3, 8, 8], [2, 3, 3, 2], False, {"stride": [2, 1], "padding": [1, 2]}),
        ([1, 4, 7, 7], [6, 2, 3, 3], True, {"dilation": [2, 1], "groups": 2, "stride": [1, 2]}),
        ([1, 3, 5, 5], [3, 1, 3, 3], False, {"groups": 3, "padding": [1, 1]}),
        ([1, 2, 4, 5, 6], [2, 2, 2, 3, 2], True, {}), ([1, 2, 5, 5, 5], [4, 1, 3, 3, 3], False,
                                                       {"stride": [2, 2, 1], "padding": [1, 0, 1], "groups": 2}),
        ([1, 2, 3, 3], [1, 2, 3, 3], False, {"stride": [5]}), ([2, 1, 1], [1, 1, 1], True, {}),
    ]
    for k, (xs, ws, bias, kw) in enumerate(conv_specs):
        case("conv", lambda: [rnd(xs), rnd(ws)] + ([rnd([ws[0]])] if bias else []), kw, tag=f"{len(xs) - 2}d_{k}",
             tol=A, why=ACC)
    case("conv", lambda: [rnd([1, 2, 3, 3], "f64"), rnd([2, 2, 2, 2], "f64")], {}, tag="f64")
    case("conv", lambda: [rnd([1, 3, 5]), rnd([2, 2, 3])], {}, tag="bad_channels")
    case("conv", lambda: [rnd([1, 2, 2]), rnd([2, 2, 3])], {}, tag="kernel_too_big")
    case("conv", lambda: [rnd([1, 4, 5]), rnd([3, 2, 3])], {"groups": 2}, tag="bad_groups")
    tspecs = [([1, 2, 5], [2, 3, 3], True, {}), ([2, 2, 4], [2, 1, 3], False, {"stride": [2], "padding": [1], "output_padding": [1]}),
              ([1, 4, 3, 4], [4, 2, 3, 2], True, {"stride": [2, 1], "groups": 2}),
              ([1, 2, 3, 3], [2, 2, 2, 2], False, {"dilation": [2, 1], "padding": [1, 0]}),
              ([1, 1, 2, 3, 2], [1, 2, 2, 2, 2], True, {"stride": [1, 2, 1]})]
    for k, (xs, ws, bias, kw) in enumerate(tspecs):
        case("conv_transpose", lambda: [rnd(xs), rnd(ws)] + ([rnd([ws[1] * kw.get("groups", 1)])] if bias else []), kw,
             tag=f"{len(xs) - 2}d_{k}", tol=A, why=ACC)
    case("conv_transpose", lambda: [rnd([1, 2, 5]), rnd([2, 3, 3])], {"stride": [2], "output_padding": [2]}, tag="bad_outpad")
    # pooling
    for k, (xs, kw) in enumerate([([1, 2, 9], {"kernel": [3]}), ([2, 1, 7], {"kernel": [2], "stride": [1], "padding": [1]}),
                   ([1, 2, 6, 7], {"kernel": [2, 3]}), ([1, 1, 7, 7], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]}),
                   ([1, 1, 8, 8], {"kernel": [2, 2], "dilation": [2, 2]}), ([1, 1, 7, 5], {"kernel": [2, 2], "ceil_mode": True}),
                   ([1, 2, 4, 4, 4], {"kernel": [2, 2, 2]}), ([3, 6, 6], {"kernel": [2, 2]})]):
        case("max_pool", lambda: [rnd(xs)], kw, tag=f"{len(kw['kernel'])}d_{k}")
        if "dilation" not in kw:
            case("avg_pool", lambda: [rnd(xs)], kw, tag=f"{len(kw['kernel'])}d_{k}", tol=A, why=ACC)
    case("max_pool", [edge().reshape(1, 1, 17)], {"kernel": [2]}, tag="edge")
    case("max_pool", lambda: [rnd([1, 1, 4, 4], "i32")], {"kernel": [2, 2]}, tag="i32")
    case("max_pool", lambda: [rnd([1, 1, 2, 2])], {"kernel": [3, 3]}, tag="kernel_too_big")
    case("avg_pool", lambda: [rnd([1, 1, 4, 4], "f64")], {"kernel": [2, 2]}, tag="f64")
    # normalisation
    for xs in ([4, 3], [2, 3, 5], [2, 3, 2, 2]):
        C = xs[1]
        for has, training in [([True, True, True, True], False), ([True, True, False, False], False),
                              ([False, False, True, True], True), ([False, False, False, False], True),
                              ([True, True, True, True], True)]:
            def ins():
                return [rnd(xs)] + [rnd([C], "f32", kind) for h, kind in zip(has, ["normal", "pos", "normal", "normal"])
                                    if h]
            case("batch_norm", ins, {"has": has, "training": training},
                 tag=f"{len(xs)}d_t{int(training)}_" + "".join(str(int(h)) for h in has), tol=ACC_TOL, why=ACC)
    case("batch_norm", lambda: [rnd([2, 3]), rnd([3])], {"has": [False, False, False, True], "training": True, "eps": 0.1},
         tag="eps")
    case("batch_norm", lambda: [rnd([2, 3]), rnd([4]), rnd([4], "f32", "pos")], {"has": [True, True, False, False],
                                                                           "training": False}, tag="bad_stats")
    for xs, ns, nw in [([2, 5], [5], 2), ([2, 3, 4], [4], 2), ([2, 3, 4], [3, 4], 1), ([2, 3, 4], [3, 4], 0),
                       ([3, 4], [4], 0)]:
        case("layer_norm", lambda: [rnd(xs)] + [rnd(ns) for _ in range(nw)], {"normalized_shape": ns},
             tag=f"{len(ns)}d_w{nw}_x{len(xs)}d", tol=ACC_TOL, why=ACC)
    case("layer_norm", lambda: [rnd([2, 3]), rnd([3]), rnd([3])], {"normalized_shape": [3], "eps": 0.5}, tag="eps")
    case("layer_norm", lambda: [rnd([2, 3])], {"normalized_shape": [4]}, tag="bad_shape")
    # attention
    def qkv(): return [rnd([2, 3, 4]), rnd([2, 5, 4]), rnd([2, 5, 6])]

    def bool_mask():
        bm = rnd([3, 5], "bool")
        bm[:, 0] = True  # no fully masked rows: their result is NaN in torch 2 and a matter of taste
        return bm
    case("sdpa", qkv, tag="plain", tol=A, why=ACC)
    case("sdpa", qkv, {"scale": 0.3}, tag="scale", tol=A, why=ACC)
    case("sdpa", lambda: qkv() + [bool_mask()], tag="bool_mask", tol=A, why=ACC)
    case("sdpa", lambda: qkv() + [rnd([2, 3, 5])], tag="float_mask", tol=A, why=ACC)
    case("sdpa", lambda: [rnd([1, 2, 4, 3]), rnd([1, 2, 4, 3]), rnd([1, 2, 4, 3])], {"is_causal": True}, tag="causal",
         tol=A, why=ACC)
    case("sdpa", lambda: [rnd([3, 4]), rnd([6, 4]), rnd([6, 2])], {"is_causal": True}, tag="causal_rect_2d", tol=A, why=ACC)
    case("sdpa", lambda: [rnd([2, 3, 4]), rnd([2, 5, 3]), rnd([2, 5, 6])], tag="bad_dims")
    # losses
    N, C = 4, 5
    def logits(): return rnd([N, C])
    def tgt(): return idx([N], C)
    def probs(): return torch.softmax(rnd([N, C]), -1)
    for red in ("mean", "sum", "none"):
        case("cross_entropy", lambda: [logits(), tgt()], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("cross_entropy", lambda: [logits(), tgt()], {"reduction": red, "label_smoothing": 0.1}, tag=red + "_ls",
             tol=A, why=ACC)
        case("cross_entropy", lambda: [logits(), probs()], {"reduction": red}, tag=red + "_probs", tol=A, why=ACC)
        case("cross_entropy", lambda: [logits(), probs()], {"reduction": red, "label_smoothing": 0.2},
             tag=red + "_probs_ls", tol=A, why=ACC)
        case("nll_loss", lambda: [torch.log_softmax(logits(), -1), tgt()], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("mse_loss", lambda: [rnd([3, 4]), rnd([3, 4])], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("bce", lambda: [rnd([3, 4], "f32", "unit"), rnd([3, 4], "f32", "unit")], {"reduction": red}, tag=red, tol=A, why=ACC)
        case("bce_with_logits", lambda: [rnd([3, 4]), rnd([3, 4], "f32", "unit")], {"reduction": red}, tag=red, tol=A, why=ACC)
    case("cross_entropy", lambda: [rnd([3, 4], "f64"), idx([3], 4)], tag="f64")
    case("cross_entropy", lambda: [logits(), T([0, 5, 1, 2], "i64")], tag="oob")
    case("cross_entropy", [T([[1000.0, 0.0], [-1000.0, 1000.0]], "f32"), T([1, 0], "i64")], {"reduction": "none"},
         tag="extreme")
    case("nll_loss", lambda: [logits(), T([0, 1], "i64")], tag="bad_batch")
    case("bce", [T([0.0, 1.0, 0.5], "f32"), T([1.0, 0.0, 1.0], "f32")], {"reduction": "none"}, tag="clamped_log",
         grad_fn=bce_clamped,
         why="gradient: slope differentiates the function it computes, whose logs are clamped at -100 (derivative 0 "
             "where log(x) or log(1-x) is clamped, and +-100 w.r.t. the target); torch's bce backward uses "
             "(x - y) / max(x (1 - x), 1e-12) and log(1 - x) - log(x) unclamped (-3e11, inf). Expected: torch "
             "autograd through the clamped formula")
    case("bce_with_logits", [T([100.0, -100.0, 0.0], "f32"), T([0.0, 1.0, 0.5], "f32")], {"reduction": "none"},
         tag="extreme")
    # dropout: only structure (every element 0 or x/(1-p)) and the rate, checked in C++
    for p, training in [(0.3, True), (0.0, True), (0.5, False), (1.0, True), (0.9, True)]:
        case("dropout", lambda: [rnd([40, 50], "f32", "pos")], {"p": p, "training": training, "seed": 7},
             tag=f"p{str(p).replace('.', 'p')}_t{int(training)}", check="dropout")
    case("dropout", lambda: [rnd([4])], {"p": 1.5, "training": True, "seed": 7}, tag="bad_p")


def activation_cases():
    """log_sigmoid, mish and hardtanh: ranges, edge values, large magnitudes, dtypes."""
    for op, kws in [("log_sigmoid", [{}]), ("mish", [{}]),
                    ("hardtanh", [{}, {"min_val": -0.5, "max_val": 2.0}, {"min_val": 1.0, "max_val": -1.0}])]:
        for kw in kws:
            t = "_".join(str(v) for v in kw.values()).replace(".", "p").replace("-", "m") or "default"
            case(op, lambda: [rnd([3, 5], "f32", "uniform", -5, 5)], kw, tag=t)
            case(op, [edge()], kw, tag=t + "_edge")
            case(op, lambda: [rnd([4], "f64")], kw, tag=t + "_f64")
        case(op, lambda: [rnd([6], "f16")], tag="f16")
        case(op, lambda: [rnd([6], "bf16")], tag="bf16")
        case(op, lambda: [rnd([])], tag="0d")
        case(op, lambda: [rnd([0, 2])], tag="empty")
        case(op, [T([100.0, -100.0, 1000.0, -1000.0, 30.0, -30.0], "f32")], tag="large")
        case(op, [T([100.0, -100.0, 1000.0, -1000.0, 30.0, -30.0], "f64")], tag="large_f64")
    case("hardtanh", [T([-1.0, 1.0, -2.0, 2.0, 0.5, -0.0], "f32")], tag="at_bounds")
    case("hardtanh", lambda: [rnd([6], "i64")], tag="i64")
    case("hardtanh", lambda: [rnd([6], "bool")], tag="bool")
    case("mish", lambda: [rnd([6], "i64")], tag="i64")


def loss_cases():
    """l1, smooth_l1, huber and kl_div: reductions, broadcasting, kinks, bad arguments."""
    for red in ("mean", "sum", "none"):
        case("l1_loss", lambda: [rnd([3, 4]), rnd([3, 4])], {"reduction": red}, tag=red, tol=ACC_TOL, why=ACC)
        for beta in (1.0, 0.5, 0.0):
            case("smooth_l1_loss", lambda: [rnd([3, 4]) * 2, rnd([3, 4])], {"reduction": red, "beta": beta},
                 tag=f"{red}_b{beta}".replace(".", "p"), tol=ACC_TOL, why=ACC)
        for delta in (1.0, 2.5):
            case("huber_loss", lambda: [rnd([3, 4]) * 2, rnd([3, 4])], {"reduction": red, "delta": delta},
                 tag=f"{red}_d{delta}".replace(".", "p"), tol=ACC_TOL, why=ACC)
    for red in ("mean", "sum", "none", "batchmean"):
        for lt in (False, True):
            case("kl_div", lambda: [torch.log_softmax(rnd([4, 5]), -1),
                                    torch.log_softmax(rnd([4, 5]), -1) if lt else torch.softmax(rnd([4, 5]), -1)],
                 {"reduction": red, "log_target": lt}, tag=f"{red}_lt{int(lt)}", tol=ACC_TOL, why=ACC)
    case("kl_div", [T([[-1.0, -2.0, -0.5]], "f32"), T([[0.0, 0.7, 0.3]], "f32")], {"reduction": "sum"},
         tag="target_zero", grad_wrt=[0],
         why="gradient w.r.t. the input only: where target = 0 slope's derivative w.r.t. the target is 0 (target log "
             "target is taken as 0 there, a constant); torch's xlogy backward gives 0/0 = NaN")
    case("kl_div", lambda: [torch.log_softmax(rnd([3, 4]), -1), torch.softmax(rnd([4]), -1)], {"reduction": "batchmean"},
         tag="bcast")
    case("kl_div", lambda: [rnd([]), rnd([], "f32", "unit")], {"reduction": "batchmean"}, tag="0d_batchmean")
    case("kl_div", lambda: [rnd([2, 3], "f64"), rnd([2, 3], "f64", "unit")], tag="f64")
    case("kl_div", lambda: [rnd([3], "i64"), rnd([3], "i64")], tag="int")
    case("kl_div", lambda: [rnd([3]), rnd([4], "f32", "unit")], tag="bad_shapes")
    for op in ("l1_loss", "smooth_l1_loss", "huber_loss"):
        case(op, lambda: [rnd([3, 4]), rnd([4])], tag="bcast", tol=ACC_TOL, why=ACC)
        case(op, lambda: [rnd([2, 3], "f64"), rnd([2, 3], "f64")], tag="f64")
        case(op, lambda: [rnd([]), rnd([])], {"reduction": "none"}, tag="0d")
        case(op, lambda: [rnd([0, 3]), rnd([0, 3])], {"reduction": "sum"}, tag="empty_sum")
        case(op, lambda: [rnd([3]), rnd([4])], tag="bad_shapes")
        case(op, lambda: [rnd([3]), rnd([3])], {"reduction": "batchmean"}, tag="batchmean")
        case(op, [T([1.0, 2.0, -1.0, 0.5], "f32"), T([1.0, 0.0, 0.0, 1.5], "f32")], {"reduction": "none"}, tag="kinks")
    case("l1_loss", lambda: [rnd([3], "i64"), rnd([3], "i64")], tag="int")
    case("smooth_l1_loss", lambda: [rnd([3]), rnd([3])], {"beta": -1.0}, tag="neg_beta")
    case("huber_loss", lambda: [rnd([3]), rnd([3])], {"delta": 0.0}, tag="zero_delta")
    case("smooth_l1_loss", [T([1.0, 2.0, -1.0, 0.5], "f32"), T([0.5, 0.0, 0.0, 1.5], "f32")],
         {"reduction": "none", "beta": 0.5}, tag="at_beta")
    case("huber_loss", [T([1.0, 2.0, -1.0, 0.5], "f32"), T([0.5, 0.0, 0.0, 1.5], "f32")],
         {"reduction": "none", "delta": 0.5}, tag="at_delta")


def group_norm_cases():
    """group_norm: groups, affine weights, dtypes, constant groups, bad arguments."""
    for xs, g, affine in [([2, 6, 3], 3, 2), ([2, 6, 3], 1, 0), ([2, 6, 3], 6, 1), ([2, 4], 2, 2), ([2, 4, 2, 3], 2, 2),
                          ([1, 6, 5], 2, 0)]:
        c = xs[1]
        case("group_norm", lambda: [rnd(xs)] + [rnd([c]) for _ in range(affine)], {"num_groups": g},
             tag=f"{len(xs)}d_g{g}_w{affine}", tol=ACC_TOL, why=ACC)
    case("group_norm", lambda: [rnd([2, 4, 3], "f64"), rnd([4], "f64"), rnd([4], "f64")], {"num_groups": 2}, tag="f64")
    case("group_norm", lambda: [rnd([2, 4, 3], "bf16")], {"num_groups": 2}, tag="bf16", tol=ACC_TOL,
         why=ACC + " in bf16")
    case("group_norm", lambda: [rnd([2, 4, 3], "f16")], {"num_groups": 2}, tag="f16", tol=ACC_TOL,
         why=ACC + " in f16")
    case("group_norm", lambda: [rnd([2, 4, 3])], {"num_groups": 2, "eps": 0.5}, tag="eps")
    case("group_norm", lambda: [rnd([16, 32, 8]), rnd([32]), rnd([32])], {"num_groups": 8}, tag="med",
         tol=acc(10), why=ACC)
    case("group_norm", [T([[[1.0, 1.0], [1.0, 1.0]]], "f32")], {"num_groups": 1}, tag="constant")
    case("group_norm", lambda: [rnd([2, 6, 3])], {"num_groups": 4}, tag="bad_groups")
    case("group_norm", lambda: [rnd([2, 6, 3])], {"num_groups": 0}, tag="zero_groups")
    case("group_norm", lambda: [rnd([2, 6, 3]), rnd([5])], {"num_groups": 3}, tag="bad_weight")
    case("group_norm", lambda: [rnd([6])], {"num_groups": 3}, tag="bad_1d")


def _nearest_as_gather(x, **kw):
    """nearest interpolation as a gather of x at the positions torch's forward reads (found by interpolating
    the positions themselves): its autograd is the exact transpose of the forward."""
    # positions of x's own shape and dtype: torch 1.13 picks its kernel (and so its index rule) by them
    pos = torch.arange(x[0, 0].numel(), dtype=x.dtype).reshape(1, 1, *x.shape[2:]).expand(x.shape).contiguous()
    pos = torch_interpolate(pos, **kw)[0, 0].long()
    out = x.flatten(2)[:, :, pos.flatten()].reshape(*x.shape[:2], *pos.shape)
    assert torch.equal(out.detach(), torch_interpolate(x.detach(), **kw))
    return out


def interpolate_cases():
    """interpolate: nearest (floor rule) and bilinear with and without align_corners, 1-3 spatial dims."""
    I = lambda xs, kw, tag, **o: case("interpolate", xs, kw, tag=tag, **o)  # noqa: E731
    def x4():
        return rnd([2, 3, 4, 5])

    for mode in ("nearest", "bilinear"):
        acs = [None] if mode == "nearest" else [False, True]
        for ac in acs:
            m = {"mode": mode} if ac is None else {"mode": mode, "align_corners": ac}
            t = mode + ("" if ac is None else f"_ac{int(ac)}")
            I(lambda: [x4()], {"size": [3, 7], **m}, t + "_size")
            I(lambda: [x4()], {"size": [8, 10], **m}, t + "_up2")
            I(lambda: [x4()], {"size": [2, 2], **m}, t + "_down")
            I(lambda: [x4()], {"size": [4, 5], **m}, t + "_same")
            I(lambda: [x4()], {"size": [1, 1], **m}, t + "_to1")
            I(lambda: [rnd([1, 2, 1, 3])], {"size": [3, 4], **m}, t + "_from1")
            I(lambda: [x4()], {"scale_factor": [2.0], **m}, t + "_scale2")
            I(lambda: [x4()], {"scale_factor": [1.5], **m}, t + "_scale1p5")
            I(lambda: [x4()], {"scale_factor": [1.7, 0.6], **m}, t + "_scale_per_dim")
            I(lambda: [x4()], {"scale_factor": [1.2], **m}, t + "_scale_same_size",
              **({"grad_fn": _nearest_as_gather,
                  "why": "gradient: torch 1.13's nearest backward treats a dim whose size is unchanged as a copy "
                         "although its forward (here) reads floor(i / 1.2); expected: the transpose of that "
                         "forward (a gather)"}
                 if mode == "nearest" else {}))
            I(lambda: [x4()], {"scale_factor": [1.5], "recompute_scale_factor": True, **m}, t + "_recompute")
            I(lambda: [rnd([1, 1, 3, 3], "f64")], {"size": [5, 7], **m}, t + "_f64")
            I(lambda: [rnd([1, 2, 3, 4], "f16")], {"size": [5, 6], **m}, t + "_f16")
            I(lambda: [rnd([1, 1, 30, 40])], {"size": [47, 13], **m}, t + "_med")
    I(lambda: [rnd([2, 3, 5])], {"size": [8]}, "nearest_1d")
    I(lambda: [rnd([2, 3, 5])], {"size": [8], "mode": "linear"}, "linear_1d")
    I(lambda: [rnd([2, 3, 5])], {"scale_factor": [0.5], "mode": "linear", "align_corners": True}, "linear_1d_ac")
    I(lambda: [rnd([1, 2, 3, 4, 2])], {"size": [4, 3, 5]}, "nearest_3d")
    I(lambda: [rnd([1, 2, 3, 4, 2])], {"size": [4, 3, 5], "mode": "trilinear"}, "trilinear")
    I(lambda: [rnd([1, 1, 4, 4], "i64")], {"size": [6, 3]}, "nearest_i64",
      fn=lambda x, **kw: torch_interpolate(x.double(), **kw).long(),
      why="torch 1.13 has no integer nearest kernel: expected through f64 (nearest only copies values)")
    for kw, tag in [({"size": [3, 7], "align_corners": True}, "align_corners_nearest"),
                    ({"size": [3, 7], "scale_factor": [2.0]}, "size_and_scale"), ({}, "neither"),
                    ({"size": [3, 4, 5]}, "size_count"), ({"scale_factor": [1.0, 2.0, 3.0]}, "scale_count"),
                    ({"size": [0, 3]}, "size0"), ({"scale_factor": [0.1]}, "scale_to_0"),
                    ({"size": [3, 7], "mode": "linear"}, "linear_on_4d")]:
        I(lambda: [x4()], kw, "bad_" + tag)
    I(lambda: [rnd([4, 5])], {"size": [3]}, "bad_2d_input")
    I(lambda: [rnd([1, 1, 4, 4], "i64")], {"size": [3, 3], "mode": "bilinear"}, "bad_int_bilinear",
      fn=lambda x, **kw: (_ for _ in ()).throw(TorchRule("bilinear needs a floating-point input")),
      why="torch 1.13 has no integer kernel either; slope refuses integers for the linear modes")


def pool_option_cases():
    """max_pool with tied maxima, NaN and padding; avg_pool's count_include_pad and divisor_override."""
    nan, inf = math.nan, math.inf
    # max_pool with tied maxima: the whole gradient goes to the first maximum (row-major window order),
    # to the last NaN of a window holding NaN, never to padding (all -inf windows: the first element inside)
    case("max_pool", lambda: [T([[[1.0, 3.0, 3.0, 2.0, 2.0, 2.0, 0.0, 0.0]]], "f32")], {"kernel": [3], "stride": [1]}, tag="ties_1d")
    case("max_pool", lambda: [T([[[1.0, 3.0, 3.0, 2.0, 2.0, 2.0, 0.0, 0.0]]], "f32")], {"kernel": [2]}, tag="ties_1d_s2")
    case("max_pool", lambda: [T([[[nan, 1.0, nan, nan, 2.0, nan, 0.0, -0.0]]], "f32")], {"kernel": [3], "stride": [1]},
         tag="nans_1d")
    case("max_pool", lambda: [T([[[-inf, -inf, -inf, -inf, 1.0]]], "f32")], {"kernel": [3], "stride": [1], "padding": [1]},
         tag="neg_inf_padding")
    case("max_pool", lambda: [torch.ones(1, 2, 4, 4)], {"kernel": [2, 2]}, tag="ties_2d_constant")
    case("max_pool", lambda: [torch.ones(1, 1, 5, 5)], {"kernel": [3, 3], "stride": [1, 1], "padding": [1, 1]},
         tag="ties_2d_overlap_pad")
    case("max_pool", lambda: [rnd([2, 3, 7, 6], "f32", "uniform", 0, 3).floor()], {"kernel": [3, 2], "stride": [2, 1],
                                                                          "padding": [1, 1], "ceil_mode": True},
         tag="ties_2d_ceil")
    case("max_pool", lambda: [rnd([1, 2, 6, 6], "f64", "uniform", 0, 2).floor()], {"kernel": [2, 3], "dilation": [2, 1]},
         tag="ties_2d_dilation_f64")
    case("max_pool", lambda: [torch.full((1, 1, 2, 4, 4), 5.0)], {"kernel": [2, 2, 2]}, tag="ties_3d_constant")
    case("max_pool", lambda: [rnd([1, 2, 5, 4, 6], "f32", "uniform", 0, 2).floor()],
         {"kernel": [2, 3, 2], "stride": [1, 2, 2], "padding": [1, 1, 0]}, tag="ties_3d_pad")
    case("max_pool", lambda: [rnd([2, 3, 8, 8], "f32", "uniform", 0, 4).floor()], {"kernel": [3, 3], "stride": [1, 1]},
         tag="ties_med")
    case("max_pool", lambda: [rnd([3, 6, 6], "f32", "uniform", 0, 3).floor().half()], {"kernel": [2, 2]}, tag="ties_f16_unbatched")
    # avg_pool: count_include_pad = False and divisor_override, with padding and ceil_mode
    A = ACC_TOL
    for k, (xs, kw) in enumerate([([1, 2, 9], {"kernel": [3], "stride": [2], "padding": [1]}),
                   ([2, 1, 7], {"kernel": [4], "stride": [3], "padding": [2], "ceil_mode": True}),
                   ([1, 2, 7, 6], {"kernel": [3, 2], "stride": [2, 2], "padding": [1, 1]}),
                   ([1, 1, 7, 5], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True}),
                   ([1, 2, 5, 4, 6], {"kernel": [2, 3, 2], "stride": [2, 1, 2], "padding": [1, 1, 1]})]):
        d = f"{len(kw['kernel'])}d_{k}"
        case("avg_pool", lambda: [rnd(xs)], {**kw, "count_include_pad": False}, tag=f"exclude_pad_{d}", tol=A, why=ACC)
        if len(xs) > 3:
            case("avg_pool", lambda: [rnd(xs)], {**kw, "divisor_override": 3}, tag=f"divisor_{d}", tol=A, why=ACC)
            case("avg_pool", lambda: [rnd(xs)], {**kw, "divisor_override": 2, "count_include_pad": False},
                 tag=f"divisor_exclude_pad_{d}", tol=A, why=ACC)
    case("avg_pool", lambda: [rnd([1, 1, 6, 6], "f64")], {"kernel": [3, 3], "padding": [1, 1], "count_include_pad": False},
         tag="exclude_pad_f64")
    case("avg_pool", lambda: [rnd([1, 1, 4, 4])], {"kernel": [2, 2], "divisor_override": 0}, tag="divisor_zero")


