#!/usr/bin/env python3
"""Independent writers and readers of the file formats slope reads and writes, for the C++ tests
(tests/test_io_*.cpp) to cross-check against. Written from the published format descriptions,
with NumPy (and PyTorch for bfloat16), sharing nothing with slope's C++ code.

Every command writes a JSON file describing arrays as {name, dtype, shape, bits}: `bits` are the
elements' raw little-endian bytes as unsigned integers, so comparisons are exact for every dtype.

  st-write DIR         safetensors files written here, and DIR/expect.json
  st-read FILE OUT     a strict independent safetensors reader: FILE's tensors and metadata
  npy-write DIR        .npy files written by numpy (versions 1.0, 2.0, 3.0, Fortran order)
  npy-read OUT FILE.. numpy's reading of .npy files
  idx-write DIR        IDX files (raw and gzipped) of every IDX dtype
  fmnist DIR OUT       a summary of the Fashion-MNIST files in DIR, read with gzip + numpy
  net-write FILE OUT   a PyTorch Net's state_dict saved as safetensors, and its output
  net-read FILE OUT    a PyTorch Net loaded (strictly) from FILE, and its output
"""
import gzip
import json
import os
import struct
import sys

import numpy as np

SAFETENSORS_DTYPES = {  # safetensors name -> numpy dtype of the same bytes
    "BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I32": "<i4", "I64": "<i8", "U32": "<u4",
    "F16": "<f2", "BF16": "<u2", "F32": "<f4", "F64": "<f8",
}


def bits(a):
    a = np.ascontiguousarray(a)
    return [int(v) for v in a.reshape(-1).view(f"<u{a.dtype.itemsize}")]


def describe(name, dtype, a):
    return {"name": name, "dtype": dtype, "shape": list(a.shape), "bits": bits(a)}


def bf16_bits(shape, seed):
    import torch
    g = torch.Generator().manual_seed(seed)
    t = torch.randn(shape, generator=g).to(torch.bfloat16)
    return t.view(torch.int16).numpy().view("<u2").copy()


def sample_arrays(seed):
    """(name, safetensors dtype, numpy array) of every dtype, scalars and empty tensors included."""
    rng = np.random.RandomState(seed)
    return [
        ("layers.0.weight", "F32", rng.randn(3, 4).astype("<f4")),
        ("layers.0.bias", "F64", rng.randn(4).astype("<f8")),
        ("half", "F16", rng.randn(2, 3).astype("<f2")),
        ("brain", "BF16", bf16_bits((5,), seed)),
        ("count", "I64", np.array(-7 - seed, dtype="<i8")),  # a 0-d tensor: shape []
        ("ints", "I32", rng.randint(-2**31, 2**31 - 1, size=(2, 2, 2)).astype("<i4")),
        ("bytes", "I8", rng.randint(-128, 127, size=(7,)).astype("|i1")),
        ("pixels", "U8", rng.randint(0, 255, size=(3, 3)).astype("|u1")),
        ("key", "U32", np.array([0xDEADBEEF, 12345 + seed], dtype="<u4")),
        ("mask", "BOOL", rng.rand(6) > 0.5),
        ("empty", "F32", np.zeros((0, 3), dtype="<f4")),
    ]


def write_safetensors(path, arrays, metadata, header_order, pad):
    """Data in the given order; the header lists the entries in `header_order` (any order is
    valid: readers place tensors by data_offsets)."""
    entries, offset, blobs = {}, 0, []
    for name, dtype, a in arrays:
        raw = np.ascontiguousarray(a).tobytes()
        entries[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in header_order:
        header[name] = entries[name]
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    if pad:
        text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def st_write(out_dir):
    arrays = sample_arrays(0)
    names = [n for n, _, _ in arrays]
    write_safetensors(os.path.join(out_dir, "mixed.safetensors"), arrays,
                      {"format": "pt", "note": "naïve ✓"}, list(reversed(names)), pad=False)
    arrays1 = sample_arrays(1)
    write_safetensors(os.path.join(out_dir, "padded.safetensors"), arrays1, None,
                      [n for n, _, _ in arrays1], pad=True)
    expect = {
        "mixed.safetensors": {"metadata": {"format": "pt", "note": "naïve ✓"},
                              "tensors": [describe(n, d, a) for n, d, a in arrays],
                              "header_order": list(reversed(names))},
        "padded.safetensors": {"metadata": {}, "tensors": [describe(n, d, a) for n, d, a in arrays1],
                               "header_order": [n for n, _, _ in arrays1]},
    }
    with open(os.path.join(out_dir, "expect.json"), "w") as f:
        json.dump(expect, f)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys {keys}"
    return dict(pairs)


def st_read(path, out):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    assert 8 + n <= len(data), "header length past the end"
    text = data[8:8 + n]
    assert text[:1] == b"{", "header must start with {"
    header = json.loads(text.decode("utf-8"), object_pairs_hook=no_duplicates)
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in metadata.values())
    buffer = data[8 + n:]
    spans = sorted((e["data_offsets"][0], e["data_offsets"][1]) for e in header.values())
    at = 0
    for begin, end in spans:
        assert begin == at, f"data region not tiled at {at}: next range starts at {begin}"
        at = end
    assert at == len(buffer), f"{len(buffer) - at} bytes after the last tensor"
    tensors = []
    for name, e in header.items():
        assert set(e) == {"dtype", "shape", "data_offsets"}, e
        dt = np.dtype(SAFETENSORS_DTYPES[e["dtype"]])
        begin, end = e["data_offsets"]
        count = int(np.prod(e["shape"], dtype=np.int64))
        assert end - begin == count * dt.itemsize, f"{name}: size mismatch"
        a = np.frombuffer(buffer[begin:end], dtype=dt).reshape(e["shape"])
        tensors.append(describe(name, e["dtype"], a))
    result = {"metadata": metadata, "tensors": tensors, "header_length": n}
    with open(out, "w") as f:
        json.dump(result, f)


NPY_SAMPLES = [  # (file, numpy dtype, shape)
    ("f4.npy", "<f4", (3, 4)), ("f8.npy", "<f8", (2, 3, 2)), ("f2.npy", "<f2", (5,)),
    ("i8.npy", "<i8", ()), ("i4.npy", "<i4", (4, 1)), ("i1.npy", "|i1", (6,)),
    ("u1.npy", "|u1", (2, 2)), ("b1.npy", "|b1", (7,)), ("u4.npy", "<u4", (3,)),
    ("empty.npy", "<f4", (0, 5)),
]


def npy_array(dtype, shape, rng):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.rand(*shape) > 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.randint(max(info.min, -2**31), min(info.max, 2**31 - 1), size=shape).astype(dt)
    return rng.randn(*shape).astype(dt)


def npy_write(out_dir):
    rng = np.random.RandomState(7)
    expect = {}
    for name, dtype, shape in NPY_SAMPLES:
        a = npy_array(dtype, shape, rng)
        np.save(os.path.join(out_dir, name), a)
        expect[name] = describe(name, dtype, a)
    a = rng.randn(3, 4, 2).astype("<f4")
    for version in [(2, 0), (3, 0)]:
        name = f"v{version[0]}.npy"
        with open(os.path.join(out_dir, name), "wb") as f:
            np.lib.format.write_array(f, a, version=version)
        expect[name] = describe(name, "<f4", a)
    f_order = np.asfortranarray(rng.randn(3, 5).astype("<f8"))
    np.save(os.path.join(out_dir, "fortran.npy"), f_order)
    with open(os.path.join(out_dir, "fortran.npy"), "rb") as f:
        assert np.lib.format._read_array_header(f, np.lib.format.read_magic(f))[1], "not written in Fortran order"
    expect["fortran.npy"] = describe("fortran.npy", "<f8", np.ascontiguousarray(f_order))
    f3 = np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4))
    np.save(os.path.join(out_dir, "fortran3.npy"), f3)
    expect["fortran3.npy"] = describe("fortran3.npy", "<i4", np.ascontiguousarray(f3))
    with open(os.path.join(out_dir, "expect.json"), "w") as f:
        json.dump(expect, f)


def npy_read(out, *paths):
    result = {}
    for path in paths:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            shape, fortran, dtype = np.lib.format._read_array_header(f, version)
            header_end = f.tell()
        a = np.load(path, allow_pickle=False)
        name = os.path.basename(path)
        result[name] = describe(name, a.dtype.str, a)
        result[name].update({"version": list(version), "fortran_order": fortran, "header_end": header_end})
    with open(out, "w") as f:
        json.dump(result, f)


IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def idx_bytes(a, code):
    head = struct.pack(">BBBB", 0, 0, code, a.ndim) + b"".join(struct.pack(">I", d) for d in a.shape)
    return head + a.astype(IDX_TYPES[code]).tobytes()


def idx_write(out_dir):
    rng = np.random.RandomState(3)
    expect = {}
    samples = [
        ("u8.idx", 0x08, rng.randint(0, 255, size=(4, 3, 2))),
        ("i8.idx", 0x09, rng.randint(-128, 127, size=(5,))),
        ("i16.idx", 0x0B, rng.randint(-32768, 32767, size=(2, 3))),
        ("i32.idx", 0x0C, rng.randint(-2**31, 2**31 - 1, size=(3, 2))),
        ("f32.idx", 0x0D, rng.randn(2, 2, 2)),
        ("f64.idx", 0x0E, rng.randn(3,)),
        ("empty.idx", 0x08, np.zeros((0, 28), dtype=np.uint8)),
    ]
    slope_dtype = {0x08: "<u1", 0x09: "<i1", 0x0B: "<i4", 0x0C: "<i4", 0x0D: "<f4", 0x0E: "<f8"}
    for name, code, a in samples:
        raw = idx_bytes(a, code)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(raw)
        with gzip.open(os.path.join(out_dir, name + ".gz"), "wb") as f:
            f.write(raw)
        # i16 has no slope dtype: it is widened to i32, as the C++ reader documents.
        value = a.astype(IDX_TYPES[code]).astype(slope_dtype[code])
        expect[name] = describe(name, slope_dtype[code], value)
    with open(os.path.join(out_dir, "expect.json"), "w") as f:
        json.dump(expect, f)


def read_idx_gz(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and code == 0x08
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def fmnist(folder, out):
    result = {}
    for split, prefix in [("train", "train"), ("test", "t10k")]:
        images = read_idx_gz(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"))
        labels = read_idx_gz(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"))
        picks = [0, 1, len(labels) - 1]
        result[split] = {
            "n": int(len(labels)),
            "shape": list(images.shape),
            "pixel_sum": int(images.sum(dtype=np.int64)),
            "label_counts": [int(c) for c in np.bincount(labels, minlength=10)],
            "labels_head": [int(v) for v in labels[:32]],
            "picks": picks,
            "pick_images": [bits(images[i]) for i in picks],
            "row_sums": [int(v) for v in images.reshape(len(labels), -1).sum(axis=1, dtype=np.int64)[:256]],
        }
    with open(out, "w") as f:
        json.dump(result, f)


def torch_net():
    import torch

    class Net(torch.nn.Module):  # the architecture tests/test_io_checkpoint.cpp declares as a pytree
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(4, 3)
            self.layers = torch.nn.ModuleList([torch.nn.Linear(3, 3), torch.nn.Linear(3, 2)])

        def forward(self, x):
            h = torch.relu(self.fc1(x))
            h = torch.relu(self.layers[0](h))
            return self.layers[1](h)

    return Net()


def net_output(net, out):
    import torch
    x = torch.arange(8, dtype=torch.float32).reshape(2, 4) / 10
    with torch.no_grad():
        y = net(x)
    with open(out, "w") as f:
        json.dump(describe("y", "F32", y.numpy()), f)


def net_write(path, out):
    import torch
    torch.manual_seed(0)
    net = torch_net()
    arrays = [(k, "F32", v.detach().numpy()) for k, v in net.state_dict().items()]
    write_safetensors(path, arrays, {"format": "pt"}, [k for k, _, _ in arrays], pad=True)
    net_output(net, out)


def net_read(path, out):
    import torch
    read = os.path.join(os.path.dirname(out), "net_read_tensors.json")
    st_read(path, read)
    tensors = json.load(open(read))["tensors"]
    state = {t["name"]: torch.from_numpy(np.array(t["bits"], dtype="<u4").view("<f4").reshape(t["shape"]))
             for t in tensors}
    net = torch_net()
    net.load_state_dict(state, strict=True)  # every name and shape must match PyTorch's own
    net_output(net, out)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"st-write": st_write, "st-read": st_read, "npy-write": npy_write, "npy-read": npy_read,
     "idx-write": idx_write, "fmnist": fmnist, "net-write": net_write, "net-read": net_read}[cmd](*args)
