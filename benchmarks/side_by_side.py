#!/usr/bin/python3
"""Kiln against PyTorch 1.13.1 and OpenBLAS on this machine, in one run.

Times the same nine models (seed 3->3 batch 3; Fashion-MNIST MLP 784->256->128->10 batch 128;
large MLP 1024->1024->1024->10 batch 256; small MLP 100->37->5 batch 50; deep MLP of six 64-wide
hidden layers, 64->...->64->10 batch 32; a 1,000-class MLP 784->512->1000 batch 128, all ReLU; the
Fashion-MNIST shapes with GELU; those shapes with ReLU, Dropout(0.2) after both hidden layers and Adam
lr 1e-3; and a sigmoid MLP 100->200->200->2 batch 64 with Nesterov momentum and weight decay 1e-4; all
with CrossEntropyLoss(label_smoothing=0.1), the others with SGD lr 0.01 momentum 0.9) in PyTorch and in Kiln
(dev.kiln.bench.SideBySide), the Fashion-MNIST MLP's prediction of a single sample (logits and arg-max of
one row, no gradients), sgemm 1024^3 in OpenBLAS (through numpy and torch.mm) and in Kiln, and the cold
start of each (process start to the end of the first 100 Fashion-MNIST MLP steps).

The machine's speed drifts over seconds to minutes (it is shared), so every ratio is measured paired.
Kiln (`SideBySide serve`) and the PyTorch/OpenBLAS peer (this script with --serve-peer) run as two
long-lived servers, one JSON request and reply per line on stdin/stdout. A workload (a model's
training step, or sgemm, at 1 or 2 threads) is prepared on a side (built, warmed up for --warmup-ms,
given the call count that fills about --window-ms), then the coordinator times --windows pairs of
windows, one window of each side per pair, alternating which side goes first (ABBA...). A side
waiting for a request blocks on stdin, and every window starts after --pause-ms of idle time, long
enough for OpenBLAS's pool threads and Kiln's workers to stop spinning after the other side's window.
Each ratio is the median of the per-pair ratios; each time is the median of that side's windows.
Paired the same way: Kiln's and PyTorch's 2-thread over 1-thread speed-ups on the large MLP, and the
large MLP's GFLOP/s over OpenBLAS's 2-thread sgemm (through the faster of its two routes).

Writes benchmarks/results/<date>.json (every window of both sides and the per-pair ratios),
benchmarks/RESULTS.md (summary tables) and benchmarks/side_by_side.png (Kiln's speed-up over
PyTorch). Run from the repository root after `mvn -q -pl benchmarks -am package -DskipTests`:

    /usr/bin/python3 benchmarks/side_by_side.py

The peer runs without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which some machines set and which
slow OpenBLAS down; its OpenBLAS kernel and thread count are recorded. It also runs with glibc's
mmap and trim thresholds fixed at 1 GiB (PEER_MALLOC_ENV): PyTorch allocates its tensors afresh every
step, and with glibc's adaptive threshold some processes end up mapping and unmapping the large ones
each step. On the 2-core Zen 5 guest that made PyTorch's own speed bimodal from one process to the
next: the large MLP's 2-thread step took 27-36 ms with 590-680 thousand page faults, against 12.2-12.6
ms and 45 thousand with the thresholds fixed; the Fashion-MNIST step 1.1-1.9 ms against 1.08-1.12.
The fixed thresholds give PyTorch its faster mode every time. PyTorch does not pass its
thread count to OpenBLAS, and the two pools can get in each other's way: on a 2-core Zen 5 guest,
torch.set_num_threads(2) with OpenBLAS at 2 threads ran the Fashion-MNIST step 9x slower than with
OpenBLAS at 1. So at T threads a model's step runs with the fastest (torch threads, OpenBLAS threads)
pair, both at most T, found by timing every pair before the paired windows (reported with the
results); sgemm runs with OpenBLAS at T threads.
"""

import argparse
import collections
import contextlib
import ctypes
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = {
    # key: (batch, layer widths)
    "seed": (3, [3, 3]),
    "fashion": (128, [784, 256, 128, 10]),
    "large": (256, [1024, 1024, 1024, 10]),
    "gelu": (128, [784, 256, 128, 10]),
    "dropout": (128, [784, 256, 128, 10]),
    "small": (50, [100, 37, 5]),
    "deep": (32, [64] * 7 + [10]),
    "classes": (128, [784, 512, 1000]),
    "sigmoid": (64, [100, 200, 200, 2]),
}
# Hidden layers' activation where it is not ReLU (GELU is the exact, erf-based one in both).
ACTIVATIONS = {"gelu": "GELU", "sigmoid": "Sigmoid"}
# SGD options beyond momentum 0.9, where a model has them.
SGD_OPTIONS = {"sigmoid": {"nesterov": True, "weight_decay": 1e-4}}
# Dropout probability after each hidden layer's activation, where there is dropout; those models train
# with Adam (lr 1e-3) instead of SGD.
DROPOUT = {"dropout": 0.2}
MODEL_NAMES = {
    "seed": "Seed (3→3, batch 3)",
    "fashion": "Fashion-MNIST MLP (784→256→128→10, batch 128)",
    "large": "Large MLP (1024→1024→1024→10, batch 256)",
    "gelu": "GELU MLP (784→256→128→10, batch 128)",
    "dropout": "Dropout + Adam MLP (784→256→128→10, batch 128)",
    "small": "Small MLP (100→37→5, batch 50)",
    "deep": "Deep MLP (64→64×6→10, batch 32)",
    "classes": "1,000-class MLP (784→512→1000, batch 128)",
    "sigmoid": "Sigmoid MLP, Nesterov (100→200→200→2, batch 64)",
}
# A single sample's prediction (the Fashion-MNIST MLP's logits and arg-max for one row, no gradients).
PREDICTION = "predict"
PREDICTION_NAME = "Fashion-MNIST MLP predicting one sample (784→256→128→10, batch 1)"
THREADS = [1, 2]
SGEMM_SIZE = 1024
SGEMM_FLOPS = 2 * SGEMM_SIZE ** 3
# The peer's two routes to OpenBLAS's sgemm 1024^3, each a workload of its own; Kiln's is "sgemm".
SGEMM_ROUTES = ("numpy.matmul", "torch.mm")
COLD_STEPS = 100
PEER_DROPPED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# glibc malloc serves every allocation below 1 GiB from its heap and keeps freed memory: no per-step
# mmap/munmap (and page faults) for PyTorch's tensors.
PEER_MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


def flops_per_step(key):
    """6·batch·in·out per Linear layer: the forward, input-gradient and weight-gradient products."""
    batch, widths = MODELS[key]
    return sum(6 * batch * i * o for i, o in zip(widths, widths[1:]))


# ---------------------------------------------------------------------------------------------
# The PyTorch / OpenBLAS peer (a child process started with --serve-peer)
# ---------------------------------------------------------------------------------------------

def openblas():
    return ctypes.CDLL("libopenblas.so.0")


def set_threads(torch_threads, openblas_threads):
    import torch
    torch.set_num_threads(torch_threads)
    openblas().openblas_set_num_threads(openblas_threads)


def thread_splits(threads):
    """The (torch threads, OpenBLAS threads) pairs a step may use at threads threads, (threads, threads)
    first."""
    return [(t, b) for t in range(threads, 0, -1) for b in range(threads, 0, -1)]


def fastest_split(call, threads, use, warmup_s, window_s):
    """Times call with every thread split, switched to with use (after a short warm-up each, the median
    of three short windows); returns the fastest split and every split's µs per call."""
    timings = {}
    for split in thread_splits(threads):
        use(split)
        calls = warm_up(call, warmup_s, window_s)
        timings[split] = statistics.median(time_window(call, calls) for _ in range(3))
    return min(timings, key=timings.get), timings


def warm_up(call, warmup_s, window_s):
    """Calls call for warmup_s; returns the call count that fills about window_s."""
    calls = 0
    start = time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= warmup_s:
            return max(1, round(window_s * calls / elapsed))


def time_window(call, calls):
    """µs per call over calls calls."""
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) * 1e6 / calls


def torch_layers(key):
    """The model's layers as an nn.Sequential."""
    import torch
    from torch import nn
    widths = MODELS[key][1]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i + 2 < len(widths):
            layers.append(getattr(nn, ACTIVATIONS.get(key, "ReLU"))())
            if key in DROPOUT:
                layers.append(nn.Dropout(DROPOUT[key]))
    torch.manual_seed(0)
    return nn.Sequential(*layers)


def torch_model(key):
    import torch
    from torch import nn
    batch, widths = MODELS[key]
    model = torch_layers(key)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    if key in DROPOUT:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, **SGD_OPTIONS.get(key, {}))
    generator = torch.Generator().manual_seed(42)
    x = torch.randn(batch, widths[0], generator=generator)
    y = torch.randint(0, widths[-1], (batch,), generator=generator)

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def torch_predictor():
    """The Fashion-MNIST MLP's prediction of one standard-normal sample, in evaluation mode."""
    import torch
    model = torch_layers("fashion").eval()
    x = torch.randn(1, MODELS["fashion"][1][0], generator=torch.Generator().manual_seed(42))

    def predict():
        with torch.no_grad():
            return model(x).argmax(1)

    def finite():
        with torch.no_grad():
            return bool(torch.isfinite(model(x)).all())

    return predict, finite


def peer_workload(name):
    """A model's training step (a MODELS key) or an SGEMM_ROUTES sgemm: the call to time, and a check
    that its results are finite (a diverged model would be timing NaN arithmetic)."""
    import numpy
    import torch
    if name in MODELS:
        step = torch_model(name)
        return step, lambda: math.isfinite(step().item())
    if name == PREDICTION:
        return torch_predictor()
    rng = numpy.random.default_rng(7)
    a = rng.standard_normal((SGEMM_SIZE, SGEMM_SIZE), dtype=numpy.float32)
    b = rng.standard_normal((SGEMM_SIZE, SGEMM_SIZE), dtype=numpy.float32)
    c = numpy.empty((SGEMM_SIZE, SGEMM_SIZE), dtype=numpy.float32)
    if name == "numpy.matmul":
        call = lambda: numpy.matmul(a, b, out=c)
    elif name == "torch.mm":
        ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c)
        call = lambda: torch.mm(ta, tb, out=tc)
    else:
        raise ValueError("unknown workload %r" % name)
    return call, lambda: bool(numpy.isfinite(c).all())


def peer_environment():
    import numpy
    import torch
    lib = openblas()
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    return {
        "torch": torch.__version__,
        "torch_package": debian_version("python3-torch"),
        "numpy": numpy.__version__,
        "openblas_core": lib.openblas_get_corename().decode(),
        "openblas_config": lib.openblas_get_config().decode().strip(),
        "openblas_default_threads": lib.openblas_get_num_threads(),
        "torch_capability": torch.backends.cpu.get_cpu_capability()
        if hasattr(torch.backends, "cpu") and hasattr(torch.backends.cpu, "get_cpu_capability") else None,
        "dropped_env": {name: os.environ.get(name) for name in PEER_DROPPED_ENV},
        "malloc_env": {name: os.environ.get(name) for name in PEER_MALLOC_ENV},
    }


def serve_peer(args):
    """The peer's side of the protocol SideBySide's serve mode speaks (see its Javadoc); the prepare
    reply also reports the thread counts OpenBLAS and torch actually use."""
    import torch

    def reply(fields):
        print(json.dumps(fields), flush=True)

    reply(peer_environment())
    prepared = {}  # (workload, threads) -> (call, finite, calls per window, thread split)
    split_set = None  # process-wide in both torch and OpenBLAS

    def use(split):
        nonlocal split_set
        if split != split_set:
            set_threads(*split)
            split_set = split

    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "quit":
            return
        name, threads = workload = (request["workload"], request["threads"])
        if request["op"] == "prepare":
            call, finite = peer_workload(name)
            fields = {}
            split = (threads, threads)
            if (name in MODELS or name == PREDICTION) and threads > 1:
                split, timings = fastest_split(call, threads, use, args.warmup_ms / 4e3, args.window_ms / 2e3)
                fields["thread_splits_us"] = {"%d/%d" % s: us for s, us in timings.items()}
            use(split)
            calls = warm_up(call, args.warmup_ms / 1e3, args.window_ms / 1e3)
            prepared[workload] = call, finite, calls, split
            reply(dict(fields, calls_per_window=calls, openblas_threads=openblas().openblas_get_num_threads(),
                       torch_threads=torch.get_num_threads()))
        elif request["op"] == "window":
            call, _, calls, split = prepared[workload]
            use(split)
            reply({"us_per_call": time_window(call, calls)})
        elif request["op"] == "release":
            _, finite, _, _ = prepared.pop(workload)
            reply({"finite": finite()})
        else:
            raise ValueError("unknown request %r" % line)


def debian_version(package):
    """The installed Debian package's version (Debian's PyTorch 1.13.1 reports itself as 1.13.0a0)."""
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True,
                              text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


COLD_PYTORCH = """
import sys, torch
sys.path.insert(0, {here!r})
from side_by_side import set_threads, torch_model
set_threads({torch_threads}, {openblas_threads})
step = torch_model("fashion")
for _ in range({steps}):
    loss = step()
print(float(loss.item()))
"""


def peer_env():
    env = dict(os.environ)
    for name in PEER_DROPPED_ENV:
        env.pop(name, None)
    env.update(PEER_MALLOC_ENV)
    return env


# ---------------------------------------------------------------------------------------------
# The run: the two servers' paired windows, cold starts, report
# ---------------------------------------------------------------------------------------------

class Server:
    """One side's long-lived benchmark process. It reports its environment on its first line, then
    answers each request line with one reply line; stderr passes through, so its errors show."""

    def __init__(self, side, command, env=None):
        self.side = side
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.environment = self._reply()

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()

    def request(self, **fields):
        self.process.stdin.write(json.dumps(fields) + "\n")
        self.process.stdin.flush()
        return self._reply()

    def _reply(self):
        for line in iter(self.process.stdout.readline, ""):
            if line.startswith("{"):  # a JVM may print other lines to stdout
                return json.loads(line)
        raise RuntimeError("the %s server exited with status %s" % (self.side, self.process.wait()))

    def close(self):
        """Asks the server to quit; stops it if it does not (after an error)."""
        try:
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.close()
            self.process.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


class Workload(collections.namedtuple("Workload", "server name threads")):
    """A model's training step (a MODELS key) or an sgemm ("sgemm" in Kiln, an SGEMM_ROUTES name in
    the peer) at a thread count, on one server."""

    def request(self, op):
        return self.server.request(op=op, workload=self.name, threads=self.threads)

    def describe(self):
        return {"side": self.server.side, "workload": self.name, "threads": self.threads}

    def __str__(self):
        return "%s %s/%d" % (self.server.side, self.name, self.threads)


class PairedRun:
    """Prepares workloads when first compared, keeps them until release_all, and times paired windows."""

    def __init__(self, windows, pause_ms):
        self.windows = windows
        self.pause_s = pause_ms / 1e3
        self.prepared = {}  # Workload -> its prepare reply
        self.workloads = []  # every prepared workload with its prepare and release replies, for the results
        self.comparisons = []

    def idle(self):
        """Lets the other side's threads stop spinning (OpenBLAS's pool spins up to 0.1 s after a call)."""
        time.sleep(self.pause_s)

    def prepare(self, workload):
        if workload not in self.prepared:
            self.idle()
            self.prepared[workload] = workload.request("prepare")

    def compare(self, name, baseline, contender):
        """--windows pairs of windows of the two, alternating which goes first; each pair's ratio is the
        baseline's µs per call over the contender's: the contender's speed-up."""
        print("%s: %s vs %s ..." % (name, baseline, contender), file=sys.stderr)
        self.prepare(baseline)
        self.prepare(contender)
        pairs = []
        for i in range(self.windows):
            order = [("baseline", baseline), ("contender", contender)]
            if i % 2:
                order.reverse()
            pair = {"first": order[0][0]}
            for role, workload in order:
                self.idle()
                pair[role] = workload.request("window")
            pair["ratio"] = pair["baseline"]["us_per_call"] / pair["contender"]["us_per_call"]
            pairs.append(pair)
        comparison = {
            "name": name,
            "baseline": dict(baseline.describe(), **self.prepared[baseline]),
            "contender": dict(contender.describe(), **self.prepared[contender]),
            "pairs": pairs,
            "median_ratio": statistics.median(p["ratio"] for p in pairs),
            "baseline_median_us": statistics.median(p["baseline"]["us_per_call"] for p in pairs),
            "contender_median_us": statistics.median(p["contender"]["us_per_call"] for p in pairs),
            "load_1min": load(),
        }
        self.comparisons.append(comparison)

    def release_all(self):
        for workload, prepared in self.prepared.items():
            self.workloads.append(dict(workload.describe(), **prepared, **workload.request("release")))
        self.prepared.clear()


def measure_paired(kiln, peer, run):
    """Every comparison of the report. Workloads stay prepared until their group ends: the large MLP's
    and sgemm's share one, since the large MLP is also compared across thread counts and with sgemm."""
    for key in (k for k in MODELS if k != "large"):
        for threads in THREADS:
            run.compare("%s/%d" % (key, threads), Workload(peer, key, threads), Workload(kiln, key, threads))
        run.release_all()
    for threads in THREADS:
        run.compare("%s/%d" % (PREDICTION, threads), Workload(peer, PREDICTION, threads),
                    Workload(kiln, PREDICTION, threads))
    run.release_all()
    large = {(server, t): Workload(server, "large", t) for server in (kiln, peer) for t in THREADS}
    for threads in THREADS:
        run.compare("large/%d" % threads, large[(peer, threads)], large[(kiln, threads)])
        for route in SGEMM_ROUTES:
            run.compare("sgemm/%d %s" % (threads, route), Workload(peer, route, threads),
                        Workload(kiln, "sgemm", threads))
    for server in (kiln, peer):
        run.compare("large 2 over 1 thread, %s" % server.side, large[(server, 1)], large[(server, 2)])
    fastest = fastest_sgemm(run.comparisons)[2]["baseline"]["workload"]
    run.compare("large/2 vs sgemm/2", Workload(peer, fastest, 2), large[(kiln, 2)])
    run.release_all()


def fastest_sgemm(comparisons):
    """Per thread count, the comparison of Kiln's sgemm with the peer's faster route (by its median)."""
    by_name = {c["name"]: c for c in comparisons}
    return {t: min((by_name["sgemm/%d %s" % (t, route)] for route in SGEMM_ROUTES),
                   key=lambda c: c["baseline_median_us"]) for t in THREADS}


def analyse(comparisons):
    """The report's rows and summary; every ratio is a median of per-pair ratios."""
    by_name = {c["name"]: c for c in comparisons}
    rows = []
    for key in MODELS:
        for threads in THREADS:
            c = by_name["%s/%d" % (key, threads)]
            kiln_us, torch_us = c["contender_median_us"], c["baseline_median_us"]
            rows.append({"model": key, "threads": threads, "kiln_us": kiln_us, "pytorch_us": torch_us,
                         "speedup": c["median_ratio"],
                         "pytorch_threads": "%d/%d" % (c["baseline"]["torch_threads"],
                                                       c["baseline"]["openblas_threads"]),
                         "pytorch_thread_splits_us": c["baseline"].get("thread_splits_us"),
                         "kiln_alloc_bytes_per_step": statistics.mean(
                             p["contender"]["alloc_bytes_per_call"] for p in c["pairs"]),
                         "kiln_gflops": flops_per_step(key) / kiln_us / 1e3,
                         "pytorch_gflops": flops_per_step(key) / torch_us / 1e3})
    large2 = next(r for r in rows if (r["model"], r["threads"]) == ("large", 2))
    sgemm = fastest_sgemm(comparisons)
    summary = {
        "large_mlp_gflops": large2["kiln_gflops"],
        # GFLOP/s ratio = the time ratio (sgemm µs over large-MLP µs) times the flops ratio.
        "large_mlp_pct_of_openblas_sgemm":
            100 * by_name["large/2 vs sgemm/2"]["median_ratio"] * flops_per_step("large") / SGEMM_FLOPS,
        "openblas_sgemm_route": {t: sgemm[t]["baseline"]["workload"] for t in THREADS},
        "kiln_sgemm_gflops": {t: SGEMM_FLOPS / sgemm[t]["contender_median_us"] / 1e3 for t in THREADS},
        "openblas_sgemm_gflops": {t: SGEMM_FLOPS / sgemm[t]["baseline_median_us"] / 1e3 for t in THREADS},
        "kiln_sgemm_pct_of_openblas": {t: 100 * sgemm[t]["median_ratio"] for t in THREADS},
        "large_mlp_2_over_1_threads": by_name["large 2 over 1 thread, kiln"]["median_ratio"],
        "pytorch_large_mlp_2_over_1_threads": by_name["large 2 over 1 thread, pytorch"]["median_ratio"],
        "prediction": [{"threads": t, "kiln_us": c["contender_median_us"], "pytorch_us": c["baseline_median_us"],
                        "speedup": c["median_ratio"],
                        "pytorch_threads": "%d/%d" % (c["baseline"]["torch_threads"], c["baseline"]["openblas_threads"]),
                        "kiln_alloc_bytes_per_call": statistics.mean(
                            p["contender"]["alloc_bytes_per_call"] for p in c["pairs"])}
                       for t in THREADS for c in [by_name["%s/%d" % (PREDICTION, t)]]],
    }
    return rows, summary


def load():
    return os.getloadavg()[0]


def cold_start(command, env=None):
    """Seconds from process start to its exit after the first COLD_STEPS steps."""
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def avx512():
    with open("/proc/cpuinfo") as cpuinfo:
        return "avx512f" in cpuinfo.read().split()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jar", default=os.path.join(HERE, "target", "benchmarks.jar"))
    parser.add_argument("--java", default="java")
    parser.add_argument("--jvm-arg", action="append", default=[],
                        help="an extra option for Kiln's JVM, e.g. -XX:UseAVX=3 (repeatable)")
    parser.add_argument("--windows", type=int, default=15, help="pairs of windows per comparison")
    parser.add_argument("--window-ms", type=int, default=1000)
    parser.add_argument("--warmup-ms", type=int, default=10000)
    parser.add_argument("--pause-ms", type=int, default=300, help="idle time before every window")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--markdown", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--plot", default=os.path.join(HERE, "side_by_side.png"))
    parser.add_argument("--render", metavar="RESULTS_JSON",
                        help="measure nothing: rewrite the markdown and the plot from a results file")
    parser.add_argument("--serve-peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_peer:
        serve_peer(args)
        return
    if args.render:
        with open(args.render) as f:
            report = json.load(f)
        write_summary(report, args)
        return

    timing = ["--window-ms=%d" % args.window_ms, "--warmup-ms=%d" % args.warmup_ms]
    java = ([args.java, "--add-modules", "jdk.incubator.vector"] + args.jvm_arg
            + ["-cp", args.jar, "dev.kiln.bench.SideBySide"])
    started = datetime.datetime.now()
    loads = [load()]

    run = PairedRun(args.windows, args.pause_ms)
    with contextlib.ExitStack() as servers:
        kiln = servers.enter_context(Server("kiln", java + ["serve"] + timing))
        peer = servers.enter_context(Server(
            "pytorch", [sys.executable, os.path.abspath(__file__), "--serve-peer"] + timing, env=peer_env()))
        measure_paired(kiln, peer, run)
    loads += [c["load_1min"] for c in run.comparisons]

    print("Cold starts ...", file=sys.stderr)
    cold_kiln, cold_torch = [], []
    # PyTorch starts with the thread split its 2-thread Fashion-MNIST step was timed with.
    fashion2 = next(c["baseline"] for c in run.comparisons if c["name"] == "fashion/2")
    pytorch_cold = [sys.executable, "-c", COLD_PYTORCH.format(
        here=HERE, steps=COLD_STEPS, torch_threads=fashion2["torch_threads"],
        openblas_threads=fashion2["openblas_threads"])]
    for _ in range(args.cold_runs):
        cold_kiln.append(cold_start(java + ["cold", "--threads=2", "--cold-steps=%d" % COLD_STEPS]))
        cold_torch.append(cold_start(pytorch_cold, env=peer_env()))
    loads.append(load())

    rows, summary = analyse(run.comparisons)
    summary["cold_start_s"] = {"kiln": statistics.median(cold_kiln), "pytorch": statistics.median(cold_torch),
                               "kiln_runs": cold_kiln, "pytorch_runs": cold_torch}
    report = {
        "date": started.isoformat(timespec="seconds"),
        "command": " ".join(["/usr/bin/python3", "benchmarks/side_by_side.py"] + sys.argv[1:]),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "avx512": avx512(),
                    "kernel": platform.release()},
        "load_1min": loads,
        "settings": {"jvm_args": args.jvm_arg, "windows": args.windows, "window_ms": args.window_ms,
                     "warmup_ms": args.warmup_ms, "pause_ms": args.pause_ms, "cold_runs": args.cold_runs,
                     "cold_steps": COLD_STEPS},
        "kiln": {"environment": kiln.environment},
        "pytorch": peer.environment,
        "workloads": run.workloads,
        "comparisons": run.comparisons,
        "rows": rows,
        "summary": summary,
    }
    os.makedirs(args.results, exist_ok=True)
    path = os.path.join(args.results, started.date().isoformat() + ".json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    write_summary(report, args)
    print("Wrote %s" % path, file=sys.stderr)


def write_summary(report, args):
    # JSON turns the integer thread-count keys into strings.
    for name in ("openblas_sgemm_route", "kiln_sgemm_gflops", "openblas_sgemm_gflops", "kiln_sgemm_pct_of_openblas"):
        report["summary"][name] = {int(t): v for t, v in report["summary"][name].items()}
    markdown = render_markdown(report)
    with open(args.markdown, "w") as f:
        f.write(markdown)
    plot(report["rows"], args.plot, report)
    print(markdown)
    print("Wrote %s and %s" % (args.markdown, args.plot), file=sys.stderr)


def us(value):
    return "%.3g µs" % value if value < 1000 else "{:,.0f} µs".format(value)


def render_markdown(report):
    s = report["summary"]
    env = report["kiln"]["environment"]
    peer = report["pytorch"]
    by = {(r["model"], r["threads"]): r for r in report["rows"]}
    settings = report["settings"]
    lines = [
        "# Kiln vs PyTorch: side by side",
        "",
        "Measured %s on %s (%d cores%s, %s), 1-minute load %.1f–%.1f during the run. "
        "Kiln: %s%s, %s kernels. PyTorch %s with OpenBLAS (%s kernel). "
        "Kiln and the PyTorch/OpenBLAS peer ran as two long-lived processes; each workload (a model's "
        "training step or sgemm, at a thread count) warmed up for %d ms on its side, then the two sides "
        "took turns: %d pairs of windows of about %d ms, one window of each side per pair, which side went "
        "first alternating (ABBA...), every window after %d ms with both sides idle. Each speed-up and "
        "percentage is the median of the %d per-pair ratios, so both sides of every ratio saw the same load "
        "on this shared machine; each time is the median of that side's %d windows (a ratio of the medians "
        "can differ slightly from the median ratio). Reproduce with "
        "`mvn -q -pl benchmarks -am package -DskipTests` then `%s`."
        % (report["date"], report["machine"]["cpu"], report["machine"]["cores"],
           ", AVX-512" if report["machine"]["avx512"] else "", "Linux " + report["machine"]["kernel"],
           min(report["load_1min"]), max(report["load_1min"]),
           "JDK " + env["java"], " with " + " ".join("`%s`" % a for a in settings["jvm_args"])
           if settings["jvm_args"] else "", env["kernels"],
           peer["torch"] + (" (Debian python3-torch %s)" % peer["torch_package"] if peer.get("torch_package") else ""),
           peer["openblas_core"], settings["warmup_ms"], settings["windows"], settings["window_ms"],
           settings["pause_ms"], settings["windows"], settings["windows"], report["command"]),
        "",
        "| model | threads | Kiln µs/step | PyTorch µs/step | PyTorch threads (torch/OpenBLAS) "
        "| Kiln speed-up | Kiln allocation |",
        "|---|---:|---:|---:|:---:|---:|---:|",
    ]
    for r in report["rows"]:
        lines.append("| %s | %d | %s | %s | %s | %.2f× | %.0f B/step |" % (
            MODEL_NAMES[r["model"]], r["threads"], us(r["kiln_us"]), us(r["pytorch_us"]),
            r.get("pytorch_threads", "%d/%d" % (r["threads"], r["threads"])), r["speedup"],
            r["kiln_alloc_bytes_per_step"]))
    if s.get("prediction"):
        lines += [
            "",
            "| prediction | threads | Kiln µs/call | PyTorch µs/call | PyTorch threads (torch/OpenBLAS) "
            "| Kiln speed-up | Kiln allocation |",
            "|---|---:|---:|---:|:---:|---:|---:|",
        ]
        for r in s["prediction"]:
            lines.append("| %s | %d | %s | %s | %s | %.2f× | %.0f B/call |" % (
                PREDICTION_NAME, r["threads"], us(r["kiln_us"]), us(r["pytorch_us"]), r["pytorch_threads"],
                r["speedup"], r["kiln_alloc_bytes_per_call"]))
    probed = [r for r in report["rows"] if r.get("pytorch_thread_splits_us")]
    if probed:
        splits = list(probed[0]["pytorch_thread_splits_us"])
        lines += [
            "",
            "PyTorch's step at each split of its threads (torch/OpenBLAS), timed one after the other before "
            "the paired windows (median of three short windows each, not paired with Kiln); the fastest is "
            "the one timed above. `torch.set_num_threads(2)` alone leaves OpenBLAS at its default of as "
            "many threads as cores: the first column.",
            "",
            "| model | threads | " + " | ".join(splits) + " |",
            "|---|---:|" + "---:|" * len(splits),
        ]
        for r in probed:
            lines.append("| %s | %d | %s |" % (MODEL_NAMES[r["model"]], r["threads"], " | ".join(
                us(r["pytorch_thread_splits_us"][split]) for split in splits)))
    lines += [
        "",
        "| measure | Kiln | reference |",
        "|---|---:|---:|",
        "| Large MLP, 2 threads, GFLOP/s (6·batch·in·out per Linear per step) | %.1f | PyTorch %.1f |"
        % (by[("large", 2)]["kiln_gflops"], by[("large", 2)]["pytorch_gflops"]),
        "| Large MLP GFLOP/s as %% of OpenBLAS sgemm 1024³ (2 threads; windows paired with sgemm's) | %.0f%% | |"
        % s["large_mlp_pct_of_openblas_sgemm"],
    ]
    for t in THREADS:
        lines.append("| sgemm 1024³, %d thread%s, GFLOP/s | %.1f (%.0f%% of OpenBLAS) | OpenBLAS %.1f |"
                     % (t, "s" if t > 1 else "", s["kiln_sgemm_gflops"][t], s["kiln_sgemm_pct_of_openblas"][t],
                        s["openblas_sgemm_gflops"][t]))
    lines += [
        "| Large MLP speed-up, 2 threads over 1 (alternating 1- and 2-thread windows of the same side) "
        "| %.2f× | PyTorch %.2f× |"
        % (s["large_mlp_2_over_1_threads"], s["pytorch_large_mlp_2_over_1_threads"]),
        "| Cold start: process start to %d Fashion-MNIST MLP steps done (median of %d) | %.2f s | PyTorch %.2f s |"
        % (report["settings"]["cold_steps"], report["settings"]["cold_runs"],
           s["cold_start_s"]["kiln"], s["cold_start_s"]["pytorch"]),
        "",
        "Targets at 2 threads:",
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
    ]
    targets = [
        ("seed step ≥ 200× faster than PyTorch", "%.0f×" % by[("seed", 2)]["speedup"], by[("seed", 2)]["speedup"] >= 200),
        ("Fashion MLP ≥ 3× PyTorch", "%.2f×" % by[("fashion", 2)]["speedup"], by[("fashion", 2)]["speedup"] >= 3),
        ("large MLP ≥ 3× PyTorch", "%.2f×" % by[("large", 2)]["speedup"], by[("large", 2)]["speedup"] >= 3),
        ("large MLP ≥ 70% of OpenBLAS sgemm GFLOP/s", "%.0f%%" % s["large_mlp_pct_of_openblas_sgemm"],
         s["large_mlp_pct_of_openblas_sgemm"] >= 70),
        ("sgemm 1024³ ≥ 90% of OpenBLAS", "%.0f%%" % s["kiln_sgemm_pct_of_openblas"][2],
         s["kiln_sgemm_pct_of_openblas"][2] >= 90),
        ("large MLP 2 threads ≥ 1.8× 1 thread", "%.2f×" % s["large_mlp_2_over_1_threads"],
         s["large_mlp_2_over_1_threads"] >= 1.8),
    ]
    for name, value, met in targets:
        lines.append("| %s | %s | %s |" % (name, value, "yes" if met else "**no**"))
    lines += [
        "",
        "Kiln allocation: bytes allocated by all threads during a timed window per step, less what reading "
        "the counters allocates, averaged over the windows.",
        "",
        "OpenBLAS: %s; the peer process ran without %s, and with %s (glibc's mmap and trim thresholds "
        "fixed: PyTorch's faster mode, see the script's docstring). Kiln's sgemm was paired with each of the peer's "
        "routes to OpenBLAS, numpy.matmul and torch.mm; the table shows the pairing with the faster route "
        "(by median: %s), and the large MLP's 2-thread windows were paired with that route's 2-thread sgemm."
        % (peer["openblas_config"], " and ".join(PEER_DROPPED_ENV),
           " and ".join("%s=%s" % item for item in sorted(PEER_MALLOC_ENV.items())),
           ", ".join("%s at %d thread%s" % (s["openblas_sgemm_route"][t], t, "s" if t > 1 else "")
                     for t in THREADS)),
        "",
        "![Kiln speed-up over PyTorch](side_by_side.png)",
        "",
    ]
    return "\n".join(lines)


def plot(rows, path, report):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(2.2 * len(MODELS) + 1, 4.4), dpi=100)
    width = 0.38
    keys = list(MODELS)
    for offset, threads in zip((-width / 2, width / 2), THREADS):
        values = [next(r["speedup"] for r in rows if r["model"] == k and r["threads"] == threads) for k in keys]
        bars = ax.bar([i + offset for i in range(len(keys))], values, width,
                      label="%d thread%s" % (threads, "s" if threads > 1 else ""))
        for bar, value in zip(bars, values):
            ax.annotate("%.1f×" % value, (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom",
                        fontsize=9, xytext=(0, 2), textcoords="offset points")
    ax.axhline(1, color="gray", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels([MODEL_NAMES[k].replace(" (", "\n(").replace(", batch", ",\nbatch") for k in keys],
                       fontsize=9)
    ax.set_ylabel("Kiln speed-up over PyTorch 1.13.1\n(PyTorch ÷ Kiln µs/step, median of pairs, log scale)")
    ax.set_title("Training step, %s, %s" % (report["machine"]["cpu"], report["date"][:10]), fontsize=10)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main()
