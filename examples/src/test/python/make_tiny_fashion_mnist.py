#!/usr/bin/python3
"""Writes the small Fashion-MNIST used by FashionMnistTest: the first 300 training and 100 test
images and labels of Debian's dataset-fashion-mnist, as gzipped IDX files with the standard names.

Usage: make_tiny_fashion_mnist.py [SOURCE_DIR [TARGET_DIR]]
"""
import gzip
import pathlib
import struct
import sys

SOURCE = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist")
TARGET = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else
                      pathlib.Path(__file__).resolve().parents[1] / "resources" / "fashion-mnist-tiny")
COUNTS = {"train": 300, "t10k": 100}


def head(name, count):
    """The IDX file `name` cut to its first `count` items, header count adjusted."""
    data = gzip.decompress((SOURCE / (name + ".gz")).read_bytes())
    magic, = struct.unpack(">I", data[:4])
    dimensions = magic & 0xFF
    shape = struct.unpack(">" + "I" * dimensions, data[4:4 + 4 * dimensions])
    item_bytes = 1
    for size in shape[1:]:
        item_bytes *= size
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * dimensions, count, *shape[1:])
    start = 4 + 4 * dimensions
    return header + data[start:start + count * item_bytes]


def main():
    TARGET.mkdir(parents=True, exist_ok=True)
    for part, count in COUNTS.items():
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
            name = part + "-" + kind
            # mtime=0: the same bytes on every run, so regenerating changes nothing in git.
            (TARGET / (name + ".gz")).write_bytes(gzip.compress(head(name, count), mtime=0))


if __name__ == "__main__":
    main()
