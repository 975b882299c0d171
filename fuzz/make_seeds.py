#!/usr/bin/env python3
"""Writes a small seed corpus for the fuzz targets: valid files of each format, built with the
standard library only (nothing binary is committed). Usage: make_seeds.py OUT_DIR"""
import gzip
import json
import os
import struct
import sys


def safetensors(entries, metadata=None, pad=True):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def npy(descr, shape, raw, fortran=False, version=1):
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (descr, fortran, dims)
    pre = 10 if version == 1 else 12
    header += " " * (-(pre + len(header) + 1) % 64) + "\n"
    length = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header.encode() + raw


def idx(code, dims, raw):
    return struct.pack(">BBBB", 0, 0, code, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + raw


def main(out):
    f32 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    seeds = {
        "safetensors": [
            safetensors([("w", "F32", [2, 3], f32), ("b", "I64", [], struct.pack("<q", 7))], {"format": "pt"}),
            safetensors([("h", "F16", [2], b"\x00\x3c\x00\xc0"), ("m", "BOOL", [3], b"\x01\x00\x01"),
                         ("e", "F32", [0, 4], b""), ("k", "U32", [2], b"\x01\x00\x00\x00\x02\x00\x00\x00")], pad=False),
            safetensors([("bf", "BF16", [1, 2], b"\x80\x3f\x00\x40"), ("d", "F64", [1], struct.pack("<d", 0.5)),
                         ("i", "I32", [1], b"\xff\xff\xff\xff"), ("s", "I8", [2], b"\x01\x80"), ("u", "U8", [1], b"\x07")]),
            safetensors([]),
        ],
        "npy": [
            npy("<f4", (2, 3), f32), npy("<f8", (), struct.pack("<d", 2.5)), npy("|b1", (3,), b"\x01\x00\x01"),
            npy("<i4", (3, 2), struct.pack("<6i", 1, 2, 3, 4, 5, 6), fortran=True), npy("|u1", (0, 5), b""),
            npy("<f2", (2,), b"\x00\x3c\x00\xc0", version=2), npy("<i8", (1,), struct.pack("<q", -1), version=3),
        ],
        "idx": [
            idx(0x08, [2, 2, 2], bytes(range(8))), gzip.compress(idx(0x08, [3], b"\x01\x02\x03")),
            idx(0x0B, [2], b"\xff\xfe\x00\x01"), gzip.compress(idx(0x0D, [1, 2], struct.pack(">2f", 1, -2))),
            idx(0x0E, [1], struct.pack(">d", 3.0)), idx(0x0C, [1], b"\x00\x00\x00\x05"), idx(0x09, [1], b"\x80"),
        ],
    }
    for target, files in seeds.items():
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for i, blob in enumerate(files):
            with open(os.path.join(d, "seed%d" % i), "wb") as f:
                f.write(blob)


if __name__ == "__main__":
    main(sys.argv[1])
