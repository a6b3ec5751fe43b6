#!/usr/bin/python3
"""Writes the dev.kiln.data test fixtures to runtime/src/test/resources/data/.

  python3 runtime/src/test/python/data_fixtures.py        (from the repository root)

- tiny-{images-idx3,labels-idx1}-ubyte[.gz]: 5 images of 3 x 4 pixels and their labels, raw and
  gzipped, plus tiny-expected.txt listing each image's label and pixel bytes for the Java test.
- shuffle-reference.txt: permutations and epoch seeds from an independent Python implementation of
  the algorithm documented in dev.kiln.data.Shuffle.
- iris.csv: Fisher's Iris data (public domain) from scikit-learn's bundled copy (Debian package
  python3-sklearn), which has the corrected rows 35 and 38; also copied to
  examples/src/main/resources/iris.csv.
"""
import gzip
import os
import random
import struct

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
OUT = os.path.join(ROOT, "runtime", "src", "test", "resources", "data")
MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def gzipped(data):
    return gzip.compress(data, mtime=0)


def tiny_idx():
    count, rows, cols = 5, 3, 4
    rng = random.Random(7)
    pixels = [rng.randrange(256) for _ in range(count * rows * cols)]
    pixels[0], pixels[-1] = 0, 255  # both ends of the byte range
    labels = [3, 0, 9, 1, 3]
    images = struct.pack(">IIII", 0x803, count, rows, cols) + bytes(pixels)
    label_bytes = struct.pack(">II", 0x801, count) + bytes(labels)
    write(os.path.join(OUT, "tiny-images-idx3-ubyte"), images)
    write(os.path.join(OUT, "tiny-labels-idx1-ubyte"), label_bytes)
    write(os.path.join(OUT, "tiny-images-idx3-ubyte.gz"), gzipped(images))
    write(os.path.join(OUT, "tiny-labels-idx1-ubyte.gz"), gzipped(label_bytes))
    per_image = rows * cols
    with open(os.path.join(OUT, "tiny-expected.txt"), "w") as f:
        f.write("# %d images of %d x %d pixels: label, then pixel bytes row-major\n" % (count, rows, cols))
        for i in range(count):
            f.write(" ".join(str(v) for v in [labels[i]] + pixels[i * per_image:(i + 1) * per_image]) + "\n")


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def permutation(seed, n):
    order = list(range(n))
    state = seed & MASK
    for i in range(n - 1, 0, -1):
        bound = i + 1
        threshold = ((1 << 32) - bound) % bound
        while True:
            state = (state + GAMMA) & MASK
            m = (mix64(state) >> 32) * bound
            if (m & 0xFFFFFFFF) >= threshold:
                break
        j = m >> 32
        order[i], order[j] = order[j], order[i]
    return order


def epoch_seed(seed, epoch):
    return mix64((seed + (epoch + 1) * GAMMA) & MASK)


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def shuffle_reference():
    lines = ["# kind seed n-or-epoch: values (seeds as signed 64-bit integers)"]
    for seed, n in [(0, 0), (0, 1), (0, 2), (0, 10), (42, 10), (-1, 7), (12345, 100), (2**62 + 3, 1000)]:
        lines.append("permutation %d %d: %s" % (seed, n, " ".join(map(str, permutation(seed, n)))))
    for seed in [0, 42, -7]:
        for epoch in [0, 1, 2, 1000000]:
            lines.append("epochSeed %d %d: %d" % (seed, epoch, signed(epoch_seed(seed, epoch))))
    with open(os.path.join(OUT, "shuffle-reference.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def iris():
    import sklearn.datasets
    source = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data", "iris.csv")
    with open(source) as f:
        header, *rows = f.read().split()
    names = header.split(",")[2:]
    out = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    for row in rows:
        *features, label = row.split(",")
        out.append(",".join(features + [names[int(label)]]))
    assert len(out) == 151
    text = "\n".join(out) + "\n"
    for path in [os.path.join(OUT, "iris.csv"), os.path.join(ROOT, "examples", "src", "main", "resources", "iris.csv")]:
        with open(path, "w") as f:
            f.write(text)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    tiny_idx()
    shuffle_reference()
    iris()
