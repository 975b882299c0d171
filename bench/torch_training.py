"""The PyTorch side of bench/training.sh: examples/mnist_mlp.cpp and examples/convnet.cpp in
PyTorch, same configuration, on the same Fashion-MNIST IDX files (read here with gzip + numpy).

Usage: /usr/bin/python3 bench/torch_training.py MODEL EPOCHS   (MODEL: mlp or convnet)
Prints one JSON object per epoch: {"model", "impl": "torch", "epoch", "seconds", "accuracy", "threads"}.
Torch runs at its best thread count (1 or all cores), picked by timing a few steps of each first.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist(split):
    folder = os.environ.get("SLOPE_FASHION_MNIST_DIR") or "/usr/share/datasets/fashion-mnist"
    prefix = "train" if split == "train" else "t10k"
    images = idx(f"{folder}/{prefix}-images-idx3-ubyte.gz").astype(np.float32) / 255  # slope's batches scale the same
    labels = idx(f"{folder}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(images), torch.from_numpy(labels)


def mlp():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4)
    return model, opt, 200, "sum"


def convnet():
    model = torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 28)),  # [N, 28, 28] -> [N, 1, 28, 28]
        torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.BatchNorm2d(64), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(64 * 7 * 7, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return model, opt, 128, "mean"


def step(model, opt, x, y, reduction):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y, reduction=reduction)
    loss.backward()
    opt.step()
    return loss


def best_threads(make, xs, ys):
    """Times 20 steps at each thread count (after 3 warm-up steps) on a throw-away model."""
    times = {}
    for threads in sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        model, opt, batch, reduction = make()
        for i in range(23):
            if i == 3:
                t0 = time.perf_counter()
            step(model, opt, xs[i * batch:(i + 1) * batch], ys[i * batch:(i + 1) * batch], reduction)
        times[threads] = time.perf_counter() - t0
    print(f"torch_training: 20 steps by thread count {dict((k, round(v, 3)) for k, v in times.items())} s",
          file=sys.stderr)
    return min(times, key=times.get)


def main():
    name, epochs = sys.argv[1], int(sys.argv[2])
    make = {"mlp": mlp, "convnet": convnet}[name]
    xs, ys = fashion_mnist("train")
    xt, yt = fashion_mnist("test")
    threads = best_threads(make, xs, ys)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model, opt, batch, reduction = make()
    g = torch.Generator().manual_seed(0)
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.perf_counter()
        order = torch.randperm(len(xs), generator=g)
        for i in range(0, len(xs), batch):
            idx_ = order[i:i + batch]
            loss = step(model, opt, xs[idx_], ys[idx_], reduction)
        seconds = time.perf_counter() - t0
        assert torch.isfinite(loss)
        model.eval()
        with torch.no_grad():
            right = sum(int((model(xt[i:i + 1000]).argmax(-1) == yt[i:i + 1000]).sum()) for i in range(0, len(xt), 1000))
        print(json.dumps({"model": name, "impl": "torch", "epoch": epoch, "seconds": seconds,
                          "accuracy": right / len(xt), "threads": threads}), flush=True)


if __name__ == "__main__":
    main()
