#!/usr/bin/env python3
"""Writes the PyTorch expectations for slope's modules, optimizers and schedules.

    /usr/bin/python3 tests/torch/gen_nn.py OUTDIR

OUTDIR/nn.json describes the cases; OUTDIR/nn.bin holds every tensor's raw little-endian bytes (a
tensor is {dtype, shape, offset, nbytes}). The C++ tests (tests/test_nn_layers.cpp,
tests/test_nn_models.cpp, tests/test_optim.cpp) rebuild each layer or model in slope, load torch's
weights BY NAME (so the state_dict names are checked too) and compare:

  layers:  outputs and gradients (inputs and parameters) per mode; BatchNorm's new running stats
  models:  state_dict keys in order, printed form, eval output, train loss and gradients, and
           (convnet) the whole state after 3 SGD steps in train mode
  optim:   parameters after each of 10 steps with a fixed gradient sequence, and the lr used
  clip:    clip_grad_norm_'s total norm and clipped gradients
  init:    fans and gains; statistics of torch's default layer init and of torch.nn.init functions

Everything is drawn from seeded generators, so the files are identical on every run; ctest
regenerates them (fixture `golden_nn`), nothing is committed.
"""
import json
import math
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
# SequentialLR calls step(0) on the scheduler it switches to; torch warns about its own call.
warnings.filterwarnings("ignore", message="The epoch parameter")
torch.manual_seed(20261126)
NAME = {torch.float32: "f32", torch.float64: "f64", torch.int64: "i64", torch.bool: "bool"}


class Store:
    def __init__(self):
        self.data = bytearray()

    def put(self, t):
        t = t.detach().contiguous()
        raw = t.numpy().tobytes()
        while len(self.data) % 8:
            self.data.append(0)
        off = len(self.data)
        self.data += raw
        return {"dtype": NAME[t.dtype], "shape": list(t.shape), "offset": off, "nbytes": len(raw)}

    def named(self, d):
        return {k: self.put(v) for k, v in d.items()}


S = Store()


def randomize(module):
    """Non-trivial values for parameters and float buffers (BatchNorm's defaults are ones/zeros)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.randn(p.shape) * 0.5 + (1.0 if name.endswith("weight") and p.dim() == 1 else 0.0))
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape) * 0.3)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape) + 0.5)
            elif name.endswith("num_batches_tracked"):
                b.fill_(3)


# ---------------------------------------------------------------- layers
def layer_case(name, layer, config, module, inputs, aux=None, kw=None, modes=("eval",), randomized=True):
    """inputs: differentiable float tensors; aux: other call arguments by name (indices, masks)."""
    aux = aux or {}
    kw = kw or {}
    if randomized:
        randomize(module)
    state = {k: v.clone() for k, v in module.state_dict().items()}
    case = {"name": name, "layer": layer, "config": config, "kw": kw, "params": S.named(state),
            "inputs": [S.put(x) for x in inputs], "aux": S.named(aux), "modes": {}}
    for mode in modes:
        module.load_state_dict(state)
        module.train(mode == "train")
        xs = [x.clone().requires_grad_(True) for x in inputs]
        outs = call(layer, module, xs, aux, kw)
        cts = [torch.randn(o.shape) for o in outs]
        params = [p for _, p in module.named_parameters()]
        total = sum((o * c).sum() for o, c in zip(outs, cts))
        grads = torch.autograd.grad(total, xs + params, allow_unused=True)
        m = {"outputs": [S.put(o) for o in outs], "cotangents": [S.put(c) for c in cts],
             "grad_inputs": [S.put(g if g is not None else torch.zeros_like(x)) for g, x in zip(grads, xs)],
             "grad_params": {n: S.put(g if g is not None else torch.zeros_like(p))
                             for (n, p), g in zip(module.named_parameters(), grads[len(xs):])},
             "state_after": S.named({k: v for k, v in module.state_dict().items() if k not in dict(module.named_parameters())})}
        case["modes"][mode] = m
    LAYERS.append(case)


def call(layer, module, xs, aux, kw):
    if layer == "MultiheadAttention":
        q, k, v = (xs + xs + xs)[:3] if kw.get("self_attention") else xs
        mask = aux.get("attn_mask")
        if kw.get("is_causal"):  # torch 1.13's module has no is_causal: the equivalent bool mask
            mask = torch.ones(q.shape[1 if kw["batch_first"] else 0], k.shape[1 if kw["batch_first"] else 0],
                              dtype=torch.bool).triu(1)
        out, w = module(q, k, v, key_padding_mask=aux.get("key_padding_mask"), attn_mask=mask,
                        need_weights=kw.get("need_weights", True), average_attn_weights=kw.get("average", True))
        return [out] + ([w] if w is not None else [])
    if layer == "Embedding":
        return [module(aux["indices"])]
    return [module(xs[0])]


LAYERS = []


def layer_cases():
    r = torch.randn
    layer_case("linear", "Linear", {"in": 5, "out": 3}, nn.Linear(5, 3), [r(4, 5)])
    layer_case("linear_batched_nobias", "Linear", {"in": 5, "out": 3, "bias": False}, nn.Linear(5, 3, bias=False),
               [r(2, 3, 5)])
    layer_case("conv1d", "Conv1d", {"in": 3, "out": 4, "k": [3], "stride": [2], "padding": [1]},
               nn.Conv1d(3, 4, 3, stride=2, padding=1), [r(2, 3, 9)])
    layer_case("conv1d_unbatched", "Conv1d", {"in": 2, "out": 3, "k": [2], "dilation": [2]},
               nn.Conv1d(2, 3, 2, dilation=2), [r(2, 7)])
    layer_case("conv2d_groups", "Conv2d",
               {"in": 3, "out": 6, "k": [3, 2], "stride": [2, 1], "padding": [1, 0], "dilation": [1, 2], "groups": 3},
               nn.Conv2d(3, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=3), [r(2, 3, 7, 6)])
    layer_case("conv2d_nobias", "Conv2d", {"in": 2, "out": 4, "k": [3, 3], "padding": [1, 1], "bias": False},
               nn.Conv2d(2, 4, 3, padding=1, bias=False), [r(1, 2, 5, 5)])
    layer_case("conv_transpose2d", "ConvTranspose2d",
               {"in": 4, "out": 6, "k": [3, 3], "stride": [2, 2], "padding": [1, 1], "output_padding": [1, 1], "groups": 2},
               nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), [r(2, 4, 4, 3)])
    layer_case("conv_transpose2d_plain", "ConvTranspose2d", {"in": 3, "out": 2, "k": [2, 3]},
               nn.ConvTranspose2d(3, 2, (2, 3)), [r(2, 3, 3, 4)])
    layer_case("maxpool2d", "MaxPool2d", {"k": [2, 2]}, nn.MaxPool2d(2), [r(2, 3, 6, 7)])
    layer_case("maxpool2d_pad_ceil", "MaxPool2d", {"k": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True},
               nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [r(2, 2, 7, 8)])
    layer_case("avgpool2d", "AvgPool2d", {"k": [2, 2]}, nn.AvgPool2d(2), [r(2, 3, 6, 7)])
    layer_case("avgpool2d_pad", "AvgPool2d", {"k": [3, 3], "stride": [2, 2], "padding": [1, 1]},
               nn.AvgPool2d(3, stride=2, padding=1), [r(2, 2, 7, 8)])
    both = ("train", "eval")
    layer_case("batchnorm1d", "BatchNorm1d", {"n": 4}, nn.BatchNorm1d(4), [r(8, 4) * 2 + 1], modes=both)
    layer_case("batchnorm1d_3d", "BatchNorm1d", {"n": 3, "momentum": 0.3}, nn.BatchNorm1d(3, momentum=0.3),
               [r(4, 3, 5)], modes=both)
    layer_case("batchnorm1d_cumulative", "BatchNorm1d", {"n": 3, "momentum": None}, nn.BatchNorm1d(3, momentum=None),
               [r(5, 3)], modes=both)
    layer_case("batchnorm1d_noaffine", "BatchNorm1d", {"n": 3, "affine": False}, nn.BatchNorm1d(3, affine=False),
               [r(6, 3)], modes=both)
    layer_case("batchnorm1d_untracked", "BatchNorm1d", {"n": 3, "track": False},
               nn.BatchNorm1d(3, track_running_stats=False), [r(6, 3)], modes=both)
    layer_case("batchnorm2d", "BatchNorm2d", {"n": 3, "eps": 1e-3}, nn.BatchNorm2d(3, eps=1e-3), [r(4, 3, 5, 5)],
               modes=both)
    layer_case("layernorm", "LayerNorm", {"shape": [6]}, nn.LayerNorm(6), [r(3, 4, 6)])
    layer_case("layernorm_2d", "LayerNorm", {"shape": [4, 6], "eps": 1e-6}, nn.LayerNorm((4, 6), eps=1e-6),
               [r(3, 4, 6)])
    layer_case("layernorm_noaffine", "LayerNorm", {"shape": [5], "affine": False},
               nn.LayerNorm(5, elementwise_affine=False), [r(2, 5)])
    idx = torch.tensor([[1, 2, 0, 9, 2], [3, 3, 7, 2, 5], [8, 0, 1, 4, 6]])
    layer_case("embedding", "Embedding", {"num": 10, "dim": 4}, nn.Embedding(10, 4), [], aux={"indices": idx})
    emb = nn.Embedding(10, 4, padding_idx=2)
    layer_case("embedding_padding", "Embedding", {"num": 10, "dim": 4, "padding_idx": 2}, emb, [], aux={"indices": idx})
    layer_case("dropout_eval", "Dropout", {"p": 0.3}, nn.Dropout(0.3), [r(3, 4)])
    for name, mod, cfg in [("relu", nn.ReLU(), {}), ("leaky_relu", nn.LeakyReLU(0.2), {"slope": 0.2}),
                           ("elu", nn.ELU(1.5), {"alpha": 1.5}), ("gelu", nn.GELU(), {"approximate": "none"}),
                           ("gelu_tanh", nn.GELU("tanh"), {"approximate": "tanh"}), ("silu", nn.SiLU(), {}),
                           ("tanh", nn.Tanh(), {}), ("sigmoid", nn.Sigmoid(), {}),
                           ("softplus", nn.Softplus(2.0, 3.0), {"beta": 2.0, "threshold": 3.0}),
                           ("softmax", nn.Softmax(1), {"dim": 1}), ("log_softmax", nn.LogSoftmax(-1), {"dim": -1}),
                           ("identity", nn.Identity(), {}), ("flatten", nn.Flatten(), {"start": 1, "end": -1}),
                           ("flatten_01", nn.Flatten(0, 1), {"start": 0, "end": 1})]:
        layer = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "elu": "ELU", "gelu": "GELU", "gelu_tanh": "GELU",
                 "silu": "SiLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "softplus": "Softplus", "softmax": "Softmax",
                 "log_softmax": "LogSoftmax", "identity": "Identity", "flatten": "Flatten", "flatten_01": "Flatten"}[name]
        layer_case(name, layer, cfg, mod, [r(2, 3, 4) * 2])
    mha_cases()


def mha_cases():
    r = torch.randn
    e, h = 8, 2
    m = nn.MultiheadAttention(e, h, batch_first=True)
    pad = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
    layer_case("mha_self_padding", "MultiheadAttention", {"e": e, "h": h, "batch_first": True}, m, [r(2, 5, e)],
               aux={"key_padding_mask": pad}, kw={"self_attention": True, "batch_first": True}, modes=("train", "eval"))
    m = nn.MultiheadAttention(e, h, batch_first=True)
    layer_case("mha_causal", "MultiheadAttention", {"e": e, "h": h, "batch_first": True}, m, [r(2, 4, e)],
               kw={"self_attention": True, "batch_first": True, "is_causal": True})
    m = nn.MultiheadAttention(e, 4, batch_first=True)
    float_mask = r(3, 6) * 0.5
    layer_case("mha_cross_float_mask", "MultiheadAttention", {"e": e, "h": 4, "batch_first": True}, m,
               [r(2, 3, e), r(2, 6, e), r(2, 6, e)], aux={"attn_mask": float_mask},
               kw={"batch_first": True, "average": False})
    layer_case("mha_seq_first_nobias", "MultiheadAttention", {"e": e, "h": h, "batch_first": False, "bias": False},
               nn.MultiheadAttention(e, h, bias=False), [r(4, 3, e), r(5, 3, e), r(5, 3, e)],
               aux={"attn_mask": torch.rand(4, 5) > 0.7}, kw={"batch_first": False, "need_weights": False})
    layer_case("mha_unbatched", "MultiheadAttention", {"e": e, "h": h, "batch_first": False},
               nn.MultiheadAttention(e, h), [r(5, e)], aux={"key_padding_mask": torch.tensor([False, True, False, False, True])},
               kw={"self_attention": True, "batch_first": False})


# ---------------------------------------------------------------- models
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 16)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 6, 3), nn.BatchNorm2d(6), nn.ReLU())
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(6 * 2 * 2, 3)

    def forward(self, x):
        return self.fc(self.flatten(self.features(x)))


class Block(nn.Module):
    def __init__(self, e, h):
        super().__init__()
        self.ln1 = nn.LayerNorm(e)
        self.attn = nn.MultiheadAttention(e, h, batch_first=True)
        self.ln2 = nn.LayerNorm(e)
        self.mlp = nn.Sequential(nn.Linear(e, 4 * e), nn.GELU(), nn.Linear(4 * e, e))

    def forward(self, x):
        n = x.shape[1]
        causal = torch.ones(n, n, dtype=torch.bool).triu(1)
        y = self.ln1(x)
        x = x + self.attn(y, y, y, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class TinyTransformer(nn.Module):
    def __init__(self, vocab=11, e=8, h=2, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, e)
        self.blocks = nn.ModuleList([Block(e, h) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(e)
        self.head = nn.Linear(e, vocab)

    def forward(self, idx):
        x = self.embed(idx)
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))


MODELS = []


def model_case(name, model, x, y, sgd_steps=0):
    randomize(model)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    model.eval()
    with torch.no_grad():
        out_eval = model(x)
    model.train()
    loss = F.cross_entropy(model(x).reshape(-1, model_classes(model)), y.reshape(-1))
    grads = torch.autograd.grad(loss, list(model.parameters()))
    case = {"name": name, "keys": list(state.keys()), "repr": str(model), "state": S.named(state), "x": S.put(x),
            "y": S.put(y), "out_eval": S.put(out_eval), "loss_train": S.put(loss.detach()),
            "grads": {n: S.put(g) for (n, _), g in zip(model.named_parameters(), grads)}}
    if sgd_steps:
        model.load_state_dict(state)
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        batches = [(torch.randn(x.shape), torch.randint(0, model_classes(model), y.shape)) for _ in range(sgd_steps)]
        for bx, by in batches:
            opt.zero_grad()
            F.cross_entropy(model(bx), by).backward()
            opt.step()
        case["sgd_batches"] = [[S.put(bx), S.put(by)] for bx, by in batches]
        case["state_after_sgd"] = S.named(model.state_dict())
    MODELS.append(case)


def model_classes(model):
    return {MLP: 5, ConvNet: 3, TinyTransformer: 11}[type(model)]


def model_cases():
    model_case("mlp", MLP(), torch.randn(6, 12), torch.randint(0, 5, (6,)))
    model_case("convnet", ConvNet(), torch.randn(5, 1, 8, 8), torch.randint(0, 3, (5,)), sgd_steps=3)
    idx = torch.randint(0, 11, (2, 5))
    model_case("transformer", TinyTransformer(), idx, torch.randint(0, 11, (2, 5)))


# ---------------------------------------------------------------- optimizers and schedules
class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.out = nn.Linear(3, 2)


OPTIM = []


def optim_case(name, kind, options, schedule=None, frozen=(), steps=10):
    model = Small()
    init = {k: v.clone() for k, v in model.state_dict().items()}
    names = [n for n, _ in model.named_parameters()]
    g = torch.Generator().manual_seed(len(OPTIM) + 7)
    grads = [{n: torch.randn(p.shape, generator=g) for n, p in model.named_parameters()} for _ in range(steps)]
    for n, p in model.named_parameters():
        if any(n == f or n.startswith(f + ".") for f in frozen):
            p.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}[kind](params, **options)
    sched = make_schedule(opt, schedule)
    after, lrs = [], []
    for t in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        for n, p in model.named_parameters():
            p.grad = grads[t][n].clone() if p.requires_grad else None
        opt.step()
        if sched:
            sched.step()
        after.append(S.named({n: p.detach().clone() for n, p in model.named_parameters()}))
    OPTIM.append({"name": name, "kind": kind, "options": options, "schedule": schedule, "frozen": list(frozen),
                  "init": S.named(init), "grads": [S.named(gs) for gs in grads], "after": after, "lrs": lrs,
                  "names": names})


def make_schedule(opt, s):
    if not s:
        return None
    L = torch.optim.lr_scheduler
    kind = s["kind"]
    if kind == "StepLR":
        return L.StepLR(opt, s["step_size"], s["gamma"])
    if kind == "MultiStepLR":
        return L.MultiStepLR(opt, s["milestones"], s["gamma"])
    if kind == "ExponentialLR":
        return L.ExponentialLR(opt, s["gamma"])
    if kind == "CosineAnnealingLR":
        return L.CosineAnnealingLR(opt, s["T_max"], s["eta_min"])
    if kind == "LinearLR":
        return L.LinearLR(opt, s["start_factor"], s["end_factor"], s["total_iters"])
    if kind == "WarmupCosineLR":
        w, total = s["warmup_steps"], s["total_steps"]
        return L.SequentialLR(opt, [L.LinearLR(opt, s["start_factor"], 1.0, w),
                                    L.CosineAnnealingLR(opt, total - w, s["eta_min"])], milestones=[w])
    raise ValueError(kind)


def optim_cases():
    optim_case("sgd", "SGD", {"lr": 0.1})
    optim_case("sgd_momentum_dampening_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01})
    optim_case("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.001})
    optim_case("sgd_maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1, "maximize": True})
    optim_case("adam", "Adam", {"lr": 0.01})
    optim_case("adam_wd_amsgrad", "Adam", {"lr": 0.02, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1,
                                           "amsgrad": True})
    optim_case("adam_maximize", "Adam", {"lr": 0.01, "maximize": True, "weight_decay": 0.05})
    optim_case("adamw", "AdamW", {"lr": 0.01})
    optim_case("adamw_amsgrad", "AdamW", {"lr": 0.03, "weight_decay": 0.2, "amsgrad": True})
    optim_case("adamw_frozen_fc", "AdamW", {"lr": 0.01}, frozen=("fc",))
    optim_case("sgd_frozen_out_bias", "SGD", {"lr": 0.1, "momentum": 0.9}, frozen=("out.bias",))
    optim_case("sgd_steplr", "SGD", {"lr": 0.1, "momentum": 0.9},
               {"kind": "StepLR", "step_size": 3, "gamma": 0.5})
    optim_case("sgd_multisteplr", "SGD", {"lr": 0.1}, {"kind": "MultiStepLR", "milestones": [2, 5, 6], "gamma": 0.3})
    optim_case("sgd_exponentiallr", "SGD", {"lr": 0.1}, {"kind": "ExponentialLR", "gamma": 0.8})
    optim_case("sgd_cosine", "SGD", {"lr": 0.1}, {"kind": "CosineAnnealingLR", "T_max": 10, "eta_min": 0.001})
    optim_case("sgd_cosine_periodic", "SGD", {"lr": 0.1}, {"kind": "CosineAnnealingLR", "T_max": 4, "eta_min": 0.0})
    optim_case("sgd_linearlr", "SGD", {"lr": 0.1}, {"kind": "LinearLR", "start_factor": 0.25, "end_factor": 0.75,
                                                   "total_iters": 6})
    optim_case("adamw_warmup_cosine", "AdamW", {"lr": 0.01},
               {"kind": "WarmupCosineLR", "warmup_steps": 3, "total_steps": 10, "start_factor": 0.1, "eta_min": 1e-4})
    optim_case("adam_steplr", "Adam", {"lr": 0.01}, {"kind": "StepLR", "step_size": 4, "gamma": 0.1})


CLIP = []


def clip_cases():
    g = torch.Generator().manual_seed(99)
    for name, max_norm, norm_type in [("clip_2", 1.0, 2.0), ("clip_2_large", 100.0, 2.0), ("clip_inf", 0.5, math.inf)]:
        model = Small()
        grads = {n: torch.randn(p.shape, generator=g) * 2 for n, p in model.named_parameters()}
        for n, p in model.named_parameters():
            p.grad = grads[n].clone()
        total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type)
        CLIP.append({"name": name, "max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                     "grads": S.named(grads), "total_norm": S.put(total),
                     "clipped": S.named({n: p.grad for n, p in model.named_parameters()})})


# ---------------------------------------------------------------- init
def stats(t):
    t = t.detach().double().flatten()
    return {"mean": t.mean().item(), "std": t.std().item(), "min": t.min().item(), "max": t.max().item(),
            "numel": t.numel()}


def init_cases():
    fans = [{"shape": s, "fans": list(nn.init._calculate_fan_in_and_fan_out(torch.empty(s)))}
            for s in ([3, 4], [8, 3, 5, 5], [4, 2, 3], [6, 4, 3, 3, 2], [7, 1])]
    gains = [{"name": n, "param": p, "gain": nn.init.calculate_gain(n, p)}
             for n, p in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                          ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv_transpose1d", None)]]
    layers = {}
    lin = nn.Linear(400, 300)
    layers["Linear"] = {"weight": stats(lin.weight), "bias": stats(lin.bias)}
    conv = nn.Conv2d(16, 32, 3)
    layers["Conv2d"] = {"weight": stats(conv.weight), "bias": stats(conv.bias)}
    convt = nn.ConvTranspose2d(16, 8, 3)
    layers["ConvTranspose2d"] = {"weight": stats(convt.weight), "bias": stats(convt.bias)}
    mha = nn.MultiheadAttention(64, 4)
    layers["MultiheadAttention"] = {"in_proj_weight": stats(mha.in_proj_weight),
                                    "out_proj.weight": stats(mha.out_proj.weight)}
    layers["Embedding"] = {"weight": stats(nn.Embedding(1000, 64).weight)}
    shape = (300, 400)
    fns = {}
    for name, fn in [("uniform", lambda t: nn.init.uniform_(t, -2.0, 3.0)),
                     ("normal", lambda t: nn.init.normal_(t, 1.0, 2.0)),
                     ("xavier_uniform", lambda t: nn.init.xavier_uniform_(t, gain=2.0)),
                     ("xavier_normal", lambda t: nn.init.xavier_normal_(t, gain=0.5)),
                     ("kaiming_uniform", lambda t: nn.init.kaiming_uniform_(t, a=0.1, mode="fan_out", nonlinearity="leaky_relu")),
                     ("kaiming_normal", lambda t: nn.init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu"))]:
        fns[name] = stats(fn(torch.empty(shape)))
    return {"fans": fans, "gains": gains, "layers": layers, "functions": fns, "shape": list(shape)}


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    layer_cases()
    model_cases()
    optim_cases()
    clip_cases()
    meta = {"torch_version": torch.__version__, "layers": LAYERS, "models": MODELS, "optim": OPTIM, "clip": CLIP,
            "init": init_cases()}
    with open(os.path.join(out, "nn.bin.tmp"), "wb") as fh:
        fh.write(S.data)
    with open(os.path.join(out, "nn.json.tmp"), "w") as fh:
        json.dump(meta, fh, indent=0, allow_nan=False)
    os.replace(os.path.join(out, "nn.bin.tmp"), os.path.join(out, "nn.bin"))
    os.replace(os.path.join(out, "nn.json.tmp"), os.path.join(out, "nn.json"))
    kinds = sorted({c["layer"] for c in LAYERS})
    print(f"gen_nn: {len(LAYERS)} layer cases over {len(kinds)} layers, {len(MODELS)} models, {len(OPTIM)} optimizer "
          f"runs, {len(CLIP)} clipping cases -> {out}")


if __name__ == "__main__":
    main()
