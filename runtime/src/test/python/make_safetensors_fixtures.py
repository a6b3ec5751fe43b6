#!/usr/bin/python3
"""Safetensors interop fixtures for dev.kiln.io, and a checker for files Kiln writes.

There is no safetensors package here, so this script implements the reference (Rust) writer's byte
layout and the reference reader's validation from the format description:

* writer: 8-byte little-endian header length N, then compact JSON with "__metadata__" first and the
  tensors sorted by descending dtype alignment, then name (UTF-8 bytes), packed from offset 0, each
  entry as {"dtype":..,"shape":..,"data_offsets":[begin,end]}; the header is padded with spaces to
  a multiple of 8 bytes;
* reader: rejects a file under 8 bytes, N > 100,000,000, 8 + N past the end, non-UTF-8, bad JSON,
  unknown dtypes, offsets that do not start at 0 and chain, lengths that do not match shape and
  dtype, and data that does not end exactly at the end of the file.

Usage (PyTorch 1.13.1):
  make_safetensors_fixtures.py generate [OUT_DIR]   writes the fixtures (default: the test resources)
  make_safetensors_fixtures.py verify FILE          checks a Kiln-written file (see SafetensorsTest)
"""
import json
import os
import struct
import sys

import torch
from torch import nn

MAX_HEADER_LENGTH = 100_000_000

# The reference Dtype enum, in its declaration order (increasing alignment), with bits per element.
DTYPES = [
    ("BOOL", 8), ("F4", 4), ("F6_E2M3", 6), ("F6_E3M2", 6), ("U8", 8), ("I8", 8),
    ("F8_E5M2", 8), ("F8_E4M3", 8), ("F8_E8M0", 8), ("F8_E4M3FNUZ", 8), ("F8_E5M2FNUZ", 8),
    ("I16", 16), ("U16", 16), ("F16", 16), ("BF16", 16), ("I32", 32), ("U32", 32), ("F32", 32),
    ("C64", 64), ("F64", 64), ("I64", 64), ("U64", 64),
]
DTYPE_RANK = {name: rank for rank, (name, _) in enumerate(DTYPES)}
DTYPE_BITS = dict(DTYPES)

TORCH_DTYPES = {
    torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16",
    torch.float16: "F16", torch.bfloat16: "BF16", torch.int32: "I32", torch.float32: "F32",
    torch.float64: "F64", torch.int64: "I64",
}
FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "..", "resources", "safetensors")


class Net(nn.Module):
    """The module whose state_dict the linear fixture holds."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.fc2 = nn.Linear(3, 2, bias=False)


def seeded_net():
    torch.manual_seed(20240607)
    return Net()


def raw_bytes(tensor):
    """The tensor's little-endian, row-major bytes."""
    assert sys.byteorder == "little"
    return tensor.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def serialize(tensors, metadata):
    """The reference writer's bytes for {name: (dtype, shape, raw bytes)} and optional metadata."""
    order = sorted(tensors, key=lambda name: (-DTYPE_RANK[tensors[name][0]], name.encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for name in order:
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(tensors[name][2] for name in order)


def read_strict(blob):
    """Validates like the reference reader; returns (metadata or None, [(name, dtype, shape, bytes)])."""
    if len(blob) < 8:
        raise ValueError("file shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER_LENGTH:
        raise ValueError(f"header length {n} exceeds {MAX_HEADER_LENGTH}")
    if 8 + n > len(blob):
        raise ValueError(f"header length {n} runs past the end of the file")
    text = blob[8:8 + n].decode("utf-8")  # strict: raises on invalid UTF-8

    def unique_keys(pairs):
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key in header")
        return dict(pairs)

    def no_constant(literal):
        raise ValueError(f"{literal} is not JSON")

    header = json.loads(text, object_pairs_hook=unique_keys, parse_constant=no_constant)
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(v, str) for v in metadata.values())):
        raise ValueError("__metadata__ must map strings to strings")

    def is_index(value):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or info.get("dtype") not in DTYPE_BITS:
            raise ValueError(f"tensor {name}: bad entry or unknown dtype")
        shape, offsets = info.get("shape"), info.get("data_offsets")
        if not (isinstance(shape, list) and all(map(is_index, shape))):
            raise ValueError(f"tensor {name}: bad shape")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(is_index, offsets))):
            raise ValueError(f"tensor {name}: bad data_offsets")
        entries.append((name, info["dtype"], shape, offsets))
    entries.sort(key=lambda entry: entry[3])
    data_start, position, result = 8 + n, 0, []
    for name, dtype, shape, (begin, end) in entries:
        if begin != position or end < begin:
            raise ValueError(f"tensor {name}: data_offsets do not chain from 0")
        bits = DTYPE_BITS[dtype]
        for dim in shape:
            bits *= dim
        if bits % 8 != 0 or end - begin != bits // 8:
            raise ValueError(f"tensor {name}: data_offsets do not match shape and dtype")
        result.append((name, dtype, shape, blob[data_start + begin:data_start + end]))
        position = end
    if data_start + position != len(blob):
        raise ValueError("data does not end exactly at the end of the file")
    return metadata, result


def describe(tensor):
    """Expected values for the Java test: dtype, shape, raw bytes and, for floats, float32 bits."""
    dtype = TORCH_DTYPES[tensor.dtype]
    expected = {"dtype": dtype, "shape": list(tensor.shape), "hex": raw_bytes(tensor).hex()}
    if dtype in FLOAT_DTYPES:
        as_float = tensor.detach().float().reshape(-1)
        expected["float_bits"] = [b & 0xFFFFFFFF for b in as_float.view(torch.int32).tolist()]
    return expected


def write_fixture(out_dir, stem, tensors, metadata):
    blob = serialize({name: (TORCH_DTYPES[t.dtype], list(t.shape), raw_bytes(t))
                      for name, t in tensors.items()}, metadata)
    _, entries = read_strict(blob)  # the fixture must pass the reader it is meant to test
    with open(os.path.join(out_dir, stem + ".safetensors"), "wb") as f:
        f.write(blob)
    expected = {"metadata": metadata or {}, "order": [entry[0] for entry in entries],
                "tensors": {name: describe(t) for name, t in tensors.items()}}
    with open(os.path.join(out_dir, stem + ".expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")


def generate(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    # A model's state_dict, as torch would hand it to safetensors.torch.save_file.
    write_fixture(out_dir, "linear", seeded_net().state_dict(), {"format": "pt"})
    # Every dtype PyTorch 1.13 has, to check sizes, alignment order and float conversions.
    special = [0.0, -0.0, 1.0, -2.5, 0.1, 1.0 / 3.0, 65504.0, 70000.0, 6e-8, 1e-40, 3.5e38,
               float("inf"), float("-inf"), float("nan")]
    tensors = {
        "double": torch.tensor(special, dtype=torch.float64),
        "half": torch.tensor(special, dtype=torch.float64).half().reshape(2, 7),
        "bfloat": torch.tensor(special, dtype=torch.float64).bfloat16(),
        "single": torch.tensor(special, dtype=torch.float32).reshape(7, 2, 1),
        "scalar": torch.tensor(-7.25, dtype=torch.float32),
        "empty": torch.zeros(2, 0, dtype=torch.float32),
        "long": torch.tensor([1, -2, 2 ** 40], dtype=torch.int64),
        "int": torch.tensor([[3, -4]], dtype=torch.int32),
        "short": torch.tensor([-5], dtype=torch.int16),
        "byte": torch.tensor([0, 255], dtype=torch.uint8),
        "char": torch.tensor([-128], dtype=torch.int8),
        "flag": torch.tensor([True, False, True]),
    }
    write_fixture(out_dir, "dtypes", tensors, None)


def verify(path):
    """Checks a Kiln-written copy of the linear fixture: strict validity, the reference writer's
    exact bytes, and that torch loads it into Net with strict=True, bit for bit."""
    with open(path, "rb") as f:
        blob = f.read()
    metadata, entries = read_strict(blob)
    canonical = serialize({name: (dtype, shape, data) for name, dtype, shape, data in entries},
                          metadata)
    if blob != canonical:
        raise ValueError("bytes differ from what the reference writer produces for this content")
    state = {}
    for name, dtype, shape, data in entries:
        if dtype != "F32":
            raise ValueError(f"tensor {name}: dtype {dtype}, expected F32")
        state[name] = torch.frombuffer(bytearray(data), dtype=torch.float32).reshape(shape)
    net = Net()
    net.load_state_dict(state, strict=True)
    for name, value in seeded_net().state_dict().items():
        if not torch.equal(net.state_dict()[name], value):
            raise ValueError(f"tensor {name} differs from the fixture")
    print(f"OK: {path} is a valid safetensors file and loads into Net with strict=True "
          f"({len(entries)} tensors, metadata {metadata})")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "generate" and len(sys.argv) <= 3:
        generate(sys.argv[2] if len(sys.argv) == 3 else DEFAULT_OUT)
    elif len(sys.argv) == 3 and sys.argv[1] == "verify":
        verify(sys.argv[2])
    else:
        sys.exit(__doc__)
