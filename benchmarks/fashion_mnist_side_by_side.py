#!/usr/bin/python3
"""Fashion-MNIST, the same recipe in PyTorch and in Kiln, in one run: wall time to the same epoch
count, the test accuracy each reached, and the speed ratio.

  mvn -q -pl examples -am -DskipTests package                 (once, from the repository root)
  /usr/bin/python3 benchmarks/fashion_mnist_side_by_side.py [--epochs N] [--batch-size N]
                                                             [--threads N] [--openblas-threads N]
                                                             [--data DIR]

The recipe is com.example.FashionMnist's: the same 54,000/6,000 training/validation split and the
same batch order every epoch (Kiln's seeded shuffle, reimplemented in
runtime/src/test/python/data_fixtures.py), per-pixel standardisation fitted on the training part,
784-256-128-10 ReLU with PyTorch's default initialisation after torch.manual_seed(0) (Kiln's seed 0
gives the same weights), cross-entropy with label smoothing 0.1, SGD momentum 0.9 from lr 0.1 on a
per-step cosine to 0, validation after every epoch. Both time the model's construction and the
training loop with its per-epoch validation, not the data loading (Kiln's construction includes its
kernels' one-off JIT warm-up). PyTorch runs in its own process with torch.set_num_threads(N),
OpenBLAS at --openblas-threads (default 1), without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE and with
glibc's mmap and trim thresholds fixed (side_by_side.py's docstring says why); Kiln
runs the example's main class with --add-modules jdk.incubator.vector and N threads.

PyTorch does not pass its thread count to OpenBLAS, whose default is one thread per core; on a
2-core Zen 5 guest its two pools then fought, and this model's step ran 9x slower than with OpenBLAS
at 1 thread (benchmarks/side_by_side.py times every split; at 2 threads torch 1 or 2 with OpenBLAS 1
were the fastest, within 10% of each other).
"""
import argparse
import ctypes
import gzip
import math
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "runtime", "src", "test", "python"))
from data_fixtures import epoch_seed, permutation  # noqa: E402  (Kiln's shuffle, one implementation)
from side_by_side import peer_env  # noqa: E402  (the peer's environment, one definition)

# The recipe; keep in step with examples/src/main/java/com/example/FashionMnist{,Net}.java.
EPOCHS = 10
BATCH_SIZE = 128
LEARNING_RATE = 0.1
MOMENTUM = 0.9
LABEL_SMOOTHING = 0.1
VALIDATION_FRACTION = 0.1
SEED = 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--openblas-threads", type=int, default=1)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--java", default="java")
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def read_idx(path, header_bytes):
    import numpy as np
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header_bytes)


def pytorch_peer(args):
    """The recipe in PyTorch; prints one line per epoch and a final RESULT line."""
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(args.openblas_threads)
    load = lambda part: (
        read_idx(os.path.join(args.data, part + "-images-idx3-ubyte.gz"), 16).reshape(-1, 784)
        .astype(np.float32) / np.float32(255),
        read_idx(os.path.join(args.data, part + "-labels-idx1-ubyte.gz"), 8).astype(np.int64))
    x, y = load("train")
    x_test, y_test = load("t10k")
    shuffled = permutation(SEED, len(y))
    validation = int(round(VALIDATION_FRACTION * len(y)))
    train_rows, validation_rows = shuffled[:len(y) - validation], shuffled[len(y) - validation:]
    # dev.kiln.data.Standardizer: statistics in double, population deviation, 1 for constant pixels.
    mean64 = x[train_rows].astype(np.float64).mean(axis=0)
    std = np.sqrt(((x[train_rows].astype(np.float64) - mean64) ** 2).mean(axis=0)).astype(np.float32)
    mean, scale = mean64.astype(np.float32), np.where(std == 0, np.float32(1), std)
    standardize = lambda a: torch.from_numpy((a - mean) / scale)
    x_train, y_train = standardize(x[train_rows]), torch.from_numpy(y[train_rows])
    x_val, y_val = standardize(x[validation_rows]), torch.from_numpy(y[validation_rows])
    x_test, y_test = standardize(x_test), torch.from_numpy(y_test)
    rows = len(y_train)
    orders = [torch.tensor(permutation(epoch_seed(SEED, e), rows)) for e in range(args.epochs)]

    started = time.perf_counter()  # from the model's construction, as the Kiln example times it
    torch.manual_seed(SEED)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10))
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)
    optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    steps = args.epochs * math.ceil(rows / args.batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=0)

    def accuracy(features, labels):
        net.eval()
        with torch.no_grad():
            return (net(features).argmax(1) == labels).double().mean().item()

    for epoch in range(args.epochs):
        net.train()
        loss_sum = 0.0
        for start in range(0, rows, args.batch_size):
            batch = orders[epoch][start:start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(net(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * len(batch)
        print("pytorch epoch %2d/%d  train_loss %.4f  val_acc %.2f%%  %.1f s" % (
            epoch + 1, args.epochs, loss_sum / rows, 100 * accuracy(x_val, y_val),
            time.perf_counter() - started), flush=True)
    seconds = time.perf_counter() - started
    print("RESULT %.3f %.6f" % (seconds, accuracy(x_test, y_test)), flush=True)


def run_pytorch(args):
    env = peer_env()
    command = [sys.executable, os.path.abspath(__file__), "--peer", "--epochs", str(args.epochs),
               "--batch-size", str(args.batch_size), "--threads", str(args.threads),
               "--openblas-threads", str(args.openblas_threads), "--data", args.data]
    result = None
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as peer:
        for line in peer.stdout:
            if line.startswith("RESULT "):
                seconds, accuracy = line.split()[1:]
                result = float(seconds), float(accuracy)
            else:
                print(line, end="", flush=True)
    if peer.returncode != 0 or result is None:
        sys.exit("the PyTorch run failed (exit status %d)" % peer.returncode)
    return result


def run_kiln(args):
    classpath = os.pathsep.join(os.path.join(ROOT, m, "target", "classes") for m in ("examples", "runtime"))
    if not os.path.exists(os.path.join(ROOT, "examples", "target", "classes", "com", "example",
                                       "FashionMnist.class")):
        sys.exit("build Kiln first: mvn -q -pl examples -am -DskipTests package")
    with tempfile.TemporaryDirectory() as output:
        command = [args.java, "--add-modules", "jdk.incubator.vector", "-cp", classpath, "com.example.FashionMnist",
                   "--data", args.data, "--output", output, "--epochs", str(args.epochs),
                   "--batch-size", str(args.batch_size), "--threads", str(args.threads)]
        text = []
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as kiln:
            for line in kiln.stdout:
                text.append(line)
                print("kiln " + line, end="", flush=True)
    text = "".join(text)
    if kiln.returncode != 0:
        sys.exit("the Kiln run failed (exit status %d)" % kiln.returncode)
    seconds = float(re.search(r"wall time: training ([0-9.]+) s", text).group(1))
    accuracy = float(re.search(r"test accuracy ([0-9.]+)%", text).group(1)) / 100
    return seconds, accuracy


def main():
    args = parse_args(sys.argv[1:])
    if args.peer:
        pytorch_peer(args)
        return
    java = subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    print("Fashion-MNIST side by side: %d epochs, batch %d, %d threads (PyTorch's OpenBLAS: %d); %s; %s" % (
        args.epochs, args.batch_size, args.threads, args.openblas_threads, java, time.strftime("%Y-%m-%d %H:%M")),
        flush=True)
    torch_seconds, torch_accuracy = run_pytorch(args)
    kiln_seconds, kiln_accuracy = run_kiln(args)
    print()
    print("%-8s %12s %14s" % ("", "train time", "test accuracy"))
    print("%-8s %10.1f s %13.2f%%" % ("PyTorch", torch_seconds, 100 * torch_accuracy))
    print("%-8s %10.1f s %13.2f%%" % ("Kiln", kiln_seconds, 100 * kiln_accuracy))
    print("Kiln is %.2fx %s than PyTorch to %d epochs" % (
        max(torch_seconds, kiln_seconds) / min(torch_seconds, kiln_seconds),
        "faster" if kiln_seconds < torch_seconds else "slower", args.epochs))


if __name__ == "__main__":
    main()
