"""The NumPy / PyTorch side of bench/run.sh: the same three measurements as core_bench.cpp.

Prints one JSON object per line: {"bench": ..., "impl": ..., "value": ..., "unit": ...}.
Run with /usr/bin/python3 and OMP_WAIT_POLICY=PASSIVE (set by run.sh): PyTorch's spinning
OpenMP workers would otherwise compete with OpenBLAS's on a 2-core machine.
"""
import json
import os
import sys
import time

import numpy as np
import torch


def best_of(reps, f):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def best_threads(reps, f, label):
    """Best time over torch's thread settings: its small-matrix work is often faster on one
    thread than on two, and the comparison should be with PyTorch at its best."""
    times = {}
    for threads in sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        f()  # warm up at this setting
        times[threads] = best_of(reps, f)
    torch.set_num_threads(os.cpu_count() or 1)
    print(f"torch_bench: {label} {dict((k, round(v, 6)) for k, v in times.items())} s by thread count", file=sys.stderr)
    return min(times.values())


def report(bench, impl, value, unit):
    print(json.dumps({"bench": bench, "impl": impl, "value": value, "unit": unit}), flush=True)


def matmul():
    n = 1024
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    for _ in range(2):
        a @ b
    report("matmul_1024_f32", "numpy", 2 * n**3 / best_of(10, lambda: a @ b) / 1e9, "GFLOP/s")
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    with torch.no_grad():
        for _ in range(2):
            ta @ tb
        report("matmul_1024_f32", "torch", 2 * n**3 / best_of(10, lambda: ta @ tb) / 1e9, "GFLOP/s")


def add():
    n = 1 << 24
    a = np.ones(n, dtype=np.float32)
    b = np.full(n, 2.0, dtype=np.float32)
    for _ in range(2):
        a + b
    report("add_2^24_f32", "numpy", 3 * n * 4 / best_of(20, lambda: a + b) / 1e9, "GB/s")
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    with torch.no_grad():
        for _ in range(2):
            ta + tb
        report("add_2^24_f32", "torch", 3 * n * 4 / best_of(20, lambda: ta + tb) / 1e9, "GB/s")


def eager(iters=10000):
    def numpy_loop():
        a, b = np.zeros(4, dtype=np.float32), np.ones(4, dtype=np.float32)
        for _ in range(iters):
            a = a + b
        assert a[0] == iters

    def torch_loop(requires_grad):
        b = torch.ones(4, requires_grad=requires_grad)
        a = torch.zeros(4)
        for _ in range(iters):
            a = a + b
        assert a[0].item() == iters

    report("eager_add_4_f32", "numpy", best_of(5, numpy_loop) / iters * 1e6, "us/op")
    with torch.no_grad():
        report("eager_add_4_f32", "torch", best_of(5, lambda: torch_loop(False)) / iters * 1e6, "us/op")
    # Autograd on: every add also records a graph node (what slope's eager mode never pays).
    report("eager_add_4_f32", "torch_autograd", best_of(5, lambda: torch_loop(True)) / iters * 1e6, "us/op")


def transforms():
    torch.manual_seed(1)
    x, y = torch.randn(64, 784), torch.randint(0, 10, (64,))
    w1, w2 = torch.randn(784, 100) * 0.05, torch.randn(100, 10) * 0.1
    v1, v2 = torch.randn(784, 100), torch.randn(100, 10)

    def hvp():  # double backward, the usual PyTorch way
        a, b = w1.clone().requires_grad_(), w2.clone().requires_grad_()
        loss = torch.nn.functional.cross_entropy(torch.tanh(x @ a) @ b, y)
        ga, gb = torch.autograd.grad(loss, (a, b), create_graph=True)
        return torch.autograd.grad((ga * v1).sum() + (gb * v2).sum(), (a, b))

    report("hvp_mlp_784_100_10", "torch", best_threads(10, hvp, "HVP") * 1e3, "ms")
    w, v = torch.randn(256, 256) * 0.1, torch.randn(256)
    f = lambda u: torch.tanh(w @ u)
    jac = lambda: torch.autograd.functional.jacobian(f, v, vectorize=True)
    report("jacobian_tanh_256", "torch", best_threads(10, jac, "jacobian") * 1e3, "ms")


def train_epoch():
    # The same MLP, optimizer and data shapes as core_bench.cpp's train_step_bench.
    torch.manual_seed(3)
    n, batch = 60000, 200
    xs, ys = torch.rand(n, 784), torch.randint(0, 10, (n,))
    model = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def epoch():
        for i in range(n // batch):
            x, y = xs[i * batch:(i + 1) * batch], ys[i * batch:(i + 1) * batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        assert torch.isfinite(loss)

    report("mlp_epoch_fmnist_shape", "torch", best_threads(3, epoch, "MLP epoch"), "s")


def fused():
    n = 1 << 24
    x = torch.rand(n)
    f = lambda: torch.tanh(x * 2 + 1) * x
    with torch.no_grad():
        f()
        report("fused_tanh_2^24_f32", "torch", best_of(10, f) * 1e3, "ms")


if __name__ == "__main__":
    # Debian's torch starts with one thread per *physical* core (1 here); slope uses both logical
    # cores, so give torch the same two for a fair comparison.
    torch.set_num_threads(os.cpu_count() or 1)
    print(f"torch_bench: torch {torch.__version__}, numpy {np.__version__}, "
          f"{torch.get_num_threads()} torch threads", file=sys.stderr)
    matmul()
    add()
    eager()
    transforms()
    train_epoch()
    fused()
