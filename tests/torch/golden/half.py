"""Half precision: bf16 and f16 cases for the reductions, scans, convolutions and the nn ops, with gradients."""
import torch

from .case import case
from .reference import conv_t
from .tensors import DT, idx, rnd
from .tolerances import ACC, ACC_TOL


def half_cases():
    """bf16 for max/min/prod/cumsum/conv and the nn ops; f16 for pools, attention, batch_norm and the losses.
    Where torch 1.13 has no half CPU kernel, case() computes torch's answer in f32 and rounds once (the
    case's why says so); slope computes half types in f32 and rounds once as well, so TOL applies."""
    for dt in ("bf16", "f16"):
        for op in ("max", "min", "prod", "sum", "mean"):
            case(op, lambda: [rnd([4, 5], dt, "uniform", 0.5, 1.5) if op == "prod" else rnd([4, 5], dt)],
                 {"axes": [1]}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("cumsum", lambda: [rnd([3, 40], dt)], {"axis": 1}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("cumprod", lambda: [rnd([3, 8], dt, "uniform", 0.5, 1.5)], {"axis": 1}, tag=f"half_{dt}", tol=ACC_TOL,
             why=ACC)
        case("conv", lambda: [rnd([1, 2, 6, 6], dt), rnd([3, 2, 3, 3], dt), rnd([3], dt)], {"padding": [1, 1]},
             tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        bf16_t = dt == "bf16"  # torch 1.13's bf16 conv_transpose1d wrongly raises a channel-count error
        case("conv_transpose", lambda: [rnd([1, 2, 4], dt), rnd([2, 3, 3], dt)], {"stride": [2]}, tag=f"half_{dt}",
             tol=ACC_TOL, fn=(lambda x, w, **kw: conv_t(x.float(), w.float(), **kw).bfloat16()) if bf16_t else None,
             why=ACC + ("; torch 1.13's bf16 conv_transpose1d raises 'expected input to have 3 channels' (a torch "
                        "bug): computed in f32, rounded once" if bf16_t else ""))
        case("linear", lambda: [rnd([4, 3], dt), rnd([5, 3], dt), rnd([5], dt)], tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        for op in ("relu", "gelu", "silu", "elu", "leaky_relu", "sigmoid", "tanh", "softplus", "mish", "log_sigmoid"):
            case(op, lambda: [rnd([7], dt)], tag=f"half_{dt}")
        for op in ("softmax", "log_softmax"):
            case(op, lambda: [rnd([3, 6], dt)], {"axis": -1}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("max_pool", lambda: [rnd([1, 2, 6, 6], dt)], {"kernel": [2, 2]}, tag=f"half_{dt}")
        case("avg_pool", lambda: [rnd([1, 2, 6, 6], dt)], {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]},
             tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("sdpa", lambda: [rnd([1, 2, 4, 8], dt), rnd([1, 2, 5, 8], dt), rnd([1, 2, 5, 8], dt)], tag=f"half_{dt}",
             tol=ACC_TOL, why=ACC)
        case("batch_norm", lambda: [rnd([4, 3, 5], dt), rnd([3], dt), rnd([3], dt)],
             {"has": [False, False, True, True], "training": True}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("layer_norm", lambda: [rnd([3, 8], dt), rnd([8], dt), rnd([8], dt)], {"normalized_shape": [8]},
             tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("cross_entropy", lambda: [rnd([4, 6], dt), idx([4], 6)], tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("nll_loss", lambda: [torch.log_softmax(rnd([4, 6]), -1).to(DT[dt]), idx([4], 6)], tag=f"half_{dt}",
             tol=ACC_TOL, why=ACC)
        for op in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
            case(op, lambda: [rnd([3, 4], dt), rnd([3, 4], dt)], tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("bce", lambda: [rnd([3, 4], dt, "unit"), rnd([3, 4], dt, "unit")], tag=f"half_{dt}", tol=ACC_TOL, why=ACC)
        case("bce_with_logits", lambda: [rnd([3, 4], dt), rnd([3, 4], dt, "unit")], tag=f"half_{dt}", tol=ACC_TOL,
             why=ACC)
        case("kl_div", lambda: [torch.log_softmax(rnd([3, 4]), -1).to(DT[dt]), torch.softmax(rnd([3, 4]), -1).to(DT[dt])],
             {"reduction": "sum"}, tag=f"half_{dt}", tol=ACC_TOL, why=ACC)


