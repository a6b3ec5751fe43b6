#!/usr/bin/python3
"""Kiln against PyTorch 1.13.1 and OpenBLAS on this machine, in one run.

Times the same three models (seed 3->3 batch 3; Fashion-MNIST MLP 784->256->128->10 batch 128;
large MLP 1024->1024->1024->10 batch 256; ReLU, CrossEntropyLoss(label_smoothing=0.1), SGD lr 0.01
momentum 0.9) in PyTorch and in Kiln (dev.kiln.bench.SideBySide), sgemm 1024^3 in OpenBLAS (through
numpy and torch.mm) and in Kiln, and the cold start of each (process start to the end of the first
100 Fashion-MNIST MLP steps). Every timing is the median of several windows of many steps. Kiln's
2-thread speed-up over 1 thread on the large MLP is also measured paired (alternating windows of the
two, median of the per-pair ratios), since the machine's load drifts between separate measurements.

Writes benchmarks/results/<date>.json (raw numbers), benchmarks/RESULTS.md (summary table) and
benchmarks/side_by_side.png (Kiln's speed-up over PyTorch). Run from the repository root after
`mvn -q -pl benchmarks -am package -DskipTests`:

    /usr/bin/python3 benchmarks/side_by_side.py

The PyTorch/OpenBLAS peer runs in its own process without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE,
which some machines set and which slow OpenBLAS down; its OpenBLAS kernel and thread count are
recorded. OpenBLAS's thread count is set together with torch.set_num_threads, since PyTorch does not
pass its thread count to OpenBLAS.
"""

import argparse
import ctypes
import datetime
import json
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
}
MODEL_NAMES = {
    "seed": "Seed (3→3, batch 3)",
    "fashion": "Fashion-MNIST MLP (784→256→128→10, batch 128)",
    "large": "Large MLP (1024→1024→1024→10, batch 256)",
}
THREADS = [1, 2]
SGEMM_SIZE = 1024
COLD_STEPS = 100
PEER_DROPPED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def flops_per_step(key):
    """6·batch·in·out per Linear layer: the forward, input-gradient and weight-gradient products."""
    batch, widths = MODELS[key]
    return sum(6 * batch * i * o for i, o in zip(widths, widths[1:]))


# ---------------------------------------------------------------------------------------------
# The PyTorch / OpenBLAS peer (runs in a child process started with --peer)
# ---------------------------------------------------------------------------------------------

def openblas():
    return ctypes.CDLL("libopenblas.so.0")


def set_threads(threads):
    import torch
    torch.set_num_threads(threads)
    openblas().openblas_set_num_threads(threads)


def measure(body, windows, window_s, warmup_s):
    """Median µs per call of body over windows of a fixed call count filling about window_s each."""
    calls = 0
    start = time.perf_counter()
    while True:
        body()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= warmup_s:
            break
    per_window = max(1, round(window_s * calls / elapsed))
    results = []
    for _ in range(windows):
        t0 = time.perf_counter()
        for _ in range(per_window):
            body()
        results.append((time.perf_counter() - t0) * 1e6 / per_window)
    return statistics.median(results), results


def torch_model(key):
    import torch
    from torch import nn
    batch, widths = MODELS[key]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i + 2 < len(widths):
            layers.append(nn.ReLU())
    torch.manual_seed(0)
    model = nn.Sequential(*layers)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
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


def peer(args):
    import numpy
    import torch
    lib = openblas()
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    out = {
        "torch": torch.__version__,
        "torch_package": debian_version("python3-torch"),
        "numpy": numpy.__version__,
        "openblas_core": lib.openblas_get_corename().decode(),
        "openblas_config": lib.openblas_get_config().decode().strip(),
        "openblas_default_threads": lib.openblas_get_num_threads(),
        "torch_capability": torch.backends.cpu.get_cpu_capability()
        if hasattr(torch.backends, "cpu") and hasattr(torch.backends.cpu, "get_cpu_capability") else None,
        "dropped_env": {name: os.environ.get(name) for name in PEER_DROPPED_ENV},
        "steps": [], "sgemm": [],
    }
    for threads in sorted(THREADS, reverse=True):
        set_threads(threads)
        for key in MODELS:
            step = torch_model(key)
            median, windows = measure(step, args.windows, args.window_ms / 1e3, args.warmup_ms / 1e3)
            out["steps"].append({"model": key, "threads": threads, "median_us": median,
                                 "windows_us": windows, "loss": float(step().item())})
        rng = numpy.random.default_rng(7)
        a = rng.standard_normal((SGEMM_SIZE, SGEMM_SIZE), dtype=numpy.float32)
        b = rng.standard_normal((SGEMM_SIZE, SGEMM_SIZE), dtype=numpy.float32)
        c = numpy.empty((SGEMM_SIZE, SGEMM_SIZE), dtype=numpy.float32)
        ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c)
        for via, body in (("numpy.matmul", lambda: numpy.matmul(a, b, out=c)),
                          ("torch.mm", lambda: torch.mm(ta, tb, out=tc))):
            median, windows = measure(body, args.windows, args.window_ms / 1e3, args.warmup_ms / 1e3)
            out["sgemm"].append({"via": via, "threads": threads, "median_us": median,
                                 "windows_us": windows,
                                 "gflops": 2 * SGEMM_SIZE ** 3 / median / 1e3,
                                 "openblas_threads": lib.openblas_get_num_threads()})
    json.dump(out, sys.stdout)


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
set_threads(2)
step = torch_model("fashion")
for _ in range({steps}):
    loss = step()
print(float(loss.item()))
"""


def peer_env():
    env = dict(os.environ)
    for name in PEER_DROPPED_ENV:
        env.pop(name, None)
    return env


# ---------------------------------------------------------------------------------------------
# The run: peer, Kiln, cold starts, report
# ---------------------------------------------------------------------------------------------

def load():
    return os.getloadavg()[0]


def run_json_lines(command, env=None):
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


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
    parser.add_argument("--windows", type=int, default=9)
    parser.add_argument("--window-ms", type=int, default=1000)
    parser.add_argument("--warmup-ms", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the peer and Kiln measurements; report medians of per-round numbers")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--markdown", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--plot", default=os.path.join(HERE, "side_by_side.png"))
    parser.add_argument("--render", metavar="RESULTS_JSON",
                        help="measure nothing: rewrite the markdown and the plot from a results file")
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        peer(args)
        return
    if args.render:
        with open(args.render) as f:
            report = json.load(f)
        write_summary(report, args)
        return

    timing = ["--windows=%d" % args.windows, "--window-ms=%d" % args.window_ms,
              "--warmup-ms=%d" % args.warmup_ms]
    java = ([args.java, "--add-modules", "jdk.incubator.vector"] + args.jvm_arg
            + ["-cp", args.jar, "dev.kiln.bench.SideBySide"])
    started = datetime.datetime.now()
    loads = [load()]

    rounds = []
    for r in range(args.rounds):
        print("Round %d of %d: PyTorch / OpenBLAS ..." % (r + 1, args.rounds), file=sys.stderr)
        torch_out = json.loads(subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--peer"] + ["--%s=%s" % kv for kv in (
                ("windows", args.windows), ("window-ms", args.window_ms), ("warmup-ms", args.warmup_ms))],
            env=peer_env(), check=True, capture_output=True, text=True).stdout)
        loads.append(load())
        print("Round %d of %d: Kiln ..." % (r + 1, args.rounds), file=sys.stderr)
        kiln_lines = run_json_lines(java + ["steps", "sgemm", "scaling"] + timing)
        loads.append(load())
        rounds.append(analyse_round(torch_out, kiln_lines))

    print("Cold starts ...", file=sys.stderr)
    cold_kiln, cold_torch = [], []
    pytorch_cold = [sys.executable, "-c", COLD_PYTORCH.format(here=HERE, steps=COLD_STEPS)]
    for _ in range(args.cold_runs):
        cold_kiln.append(cold_start(java + ["cold", "--threads=2", "--cold-steps=%d" % COLD_STEPS]))
        cold_torch.append(cold_start(pytorch_cold, env=peer_env()))
    loads.append(load())

    rows, summary = combine_rounds(rounds)
    summary["cold_start_s"] = {"kiln": statistics.median(cold_kiln), "pytorch": statistics.median(cold_torch),
                               "kiln_runs": cold_kiln, "pytorch_runs": cold_torch}
    report = {
        "date": started.isoformat(timespec="seconds"),
        "command": " ".join(["/usr/bin/python3", "benchmarks/side_by_side.py"] + sys.argv[1:]),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "avx512": avx512(),
                    "kernel": platform.release()},
        "load_1min": loads,
        "settings": {"jvm_args": args.jvm_arg, "windows": args.windows, "window_ms": args.window_ms,
                     "warmup_ms": args.warmup_ms, "rounds": args.rounds, "cold_runs": args.cold_runs,
                     "cold_steps": COLD_STEPS},
        "kiln": {"environment": rounds[0]["kiln"]["environment"]},
        "pytorch": {k: v for k, v in rounds[0]["pytorch"].items() if k not in ("steps", "sgemm")},
        "rounds": rounds,
        "rows": rows,
        "summary": summary,
    }
    os.makedirs(args.results, exist_ok=True)
    path = os.path.join(args.results, started.date().isoformat() + ".json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    write_summary(report, args)
    print("Wrote %s" % path, file=sys.stderr)


def analyse_round(torch_out, kiln_lines):
    """One round's raw numbers (a peer run, then a Kiln run) and the ratios between them."""
    kiln_steps = {(r["model"], r["threads"]): r for r in kiln_lines if r["kind"] == "steps"}
    kiln_sgemm = {r["threads"]: r for r in kiln_lines if r["kind"] == "sgemm"}
    kiln_scaling = next(r for r in kiln_lines if r["kind"] == "scaling")
    torch_steps = {(r["model"], r["threads"]): r for r in torch_out["steps"]}
    blas_sgemm = {}
    for r in torch_out["sgemm"]:  # the faster route to OpenBLAS at each thread count
        if r["threads"] not in blas_sgemm or r["gflops"] > blas_sgemm[r["threads"]]["gflops"]:
            blas_sgemm[r["threads"]] = r
    rows = []
    for key in MODELS:
        for threads in THREADS:
            kiln_us = kiln_steps[(key, threads)]["median_us"]
            torch_us = torch_steps[(key, threads)]["median_us"]
            rows.append({"model": key, "threads": threads, "kiln_us": kiln_us, "pytorch_us": torch_us,
                         "speedup": torch_us / kiln_us,
                         "kiln_alloc_bytes_per_step": kiln_steps[(key, threads)]["alloc_bytes_per_step"],
                         "kiln_gflops": flops_per_step(key) / kiln_us / 1e3,
                         "pytorch_gflops": flops_per_step(key) / torch_us / 1e3})
    by = {(r["model"], r["threads"]): r for r in rows}
    large2 = by[("large", 2)]
    summary = {
        "large_mlp_gflops": large2["kiln_gflops"],
        "large_mlp_pct_of_openblas_sgemm": 100 * large2["kiln_gflops"] / blas_sgemm[2]["gflops"],
        "kiln_sgemm_gflops": {t: kiln_sgemm[t]["gflops"] for t in THREADS},
        "openblas_sgemm_gflops": {t: blas_sgemm[t]["gflops"] for t in THREADS},
        "kiln_sgemm_pct_of_openblas": {t: 100 * kiln_sgemm[t]["gflops"] / blas_sgemm[t]["gflops"] for t in THREADS},
        # Paired: 1- and 2-thread windows alternate, so both sides of each ratio see the same load.
        "large_mlp_2_over_1_threads": kiln_scaling["median_ratio"],
        "large_mlp_2_over_1_threads_separate": by[("large", 1)]["kiln_us"] / large2["kiln_us"],
        "pytorch_large_mlp_2_over_1_threads": by[("large", 1)]["pytorch_us"] / large2["pytorch_us"],
    }
    kiln = {"environment": next(line for line in kiln_lines if line["kind"] == "environment"),
            "steps": list(kiln_steps.values()), "sgemm": list(kiln_sgemm.values()), "scaling": kiln_scaling}
    return {"kiln": kiln, "pytorch": torch_out, "rows": rows, "summary": summary}


def combine_rounds(rounds):
    """Each number is the median over the rounds of that round's number; ratios are taken within a
    round (peer and Kiln measured minutes apart, not tens of minutes), then their median."""
    def med(values):
        return statistics.median(values)

    rows = []
    for i, first in enumerate(rounds[0]["rows"]):
        same = [r["rows"][i] for r in rounds]
        row = {k: med([r[k] for r in same]) for k in first if k not in ("model", "threads")}
        row.update(model=first["model"], threads=first["threads"],
                   kiln_alloc_bytes_per_step=max(r["kiln_alloc_bytes_per_step"] for r in same))
        rows.append(row)
    summary = {}
    for name, value in rounds[0]["summary"].items():
        if isinstance(value, dict):
            summary[name] = {t: med([r["summary"][name][t] for r in rounds]) for t in value}
        else:
            summary[name] = med([r["summary"][name] for r in rounds])
    return rows, summary


def write_summary(report, args):
    # JSON turns the integer thread-count keys into strings.
    for name in ("kiln_sgemm_gflops", "openblas_sgemm_gflops", "kiln_sgemm_pct_of_openblas"):
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
    lines = [
        "# Kiln vs PyTorch: side by side",
        "",
        "Measured %s on %s (%d cores%s, %s), 1-minute load %s during the run. "
        "Kiln: %s%s, %s kernels. PyTorch %s with OpenBLAS (%s kernel). "
        "Each time is the median of %d windows of about %d ms after %d ms of warm-up%s. "
        "Reproduce with `mvn -q -pl benchmarks -am package -DskipTests` then `%s`."
        % (report["date"], report["machine"]["cpu"], report["machine"]["cores"],
           ", AVX-512" if report["machine"]["avx512"] else "", "Linux " + report["machine"]["kernel"],
           " → ".join("%.1f" % x for x in report["load_1min"]),
           "JDK " + env["java"], " with " + " ".join("`%s`" % a for a in report["settings"]["jvm_args"])
           if report["settings"]["jvm_args"] else "", env["kernels"],
           peer["torch"] + (" (Debian python3-torch %s)" % peer["torch_package"] if peer.get("torch_package") else ""),
           peer["openblas_core"],
           report["settings"]["windows"], report["settings"]["window_ms"], report["settings"]["warmup_ms"],
           "; the peer and Kiln were measured in %d alternating rounds, and each number is the median of the "
           "rounds' numbers, ratios taken within each round" % report["settings"]["rounds"]
           if report["settings"].get("rounds", 1) > 1 else "",
           report["command"]),
        "",
        "| model | threads | Kiln µs/step | PyTorch µs/step | Kiln speed-up | Kiln allocation |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in report["rows"]:
        lines.append("| %s | %d | %s | %s | %.2f× | %.0f B/step |" % (
            MODEL_NAMES[r["model"]], r["threads"], us(r["kiln_us"]), us(r["pytorch_us"]), r["speedup"],
            r["kiln_alloc_bytes_per_step"]))
    lines += [
        "",
        "| measure | Kiln | reference |",
        "|---|---:|---:|",
        "| Large MLP, 2 threads, GFLOP/s (6·batch·in·out per Linear per step) | %.1f | PyTorch %.1f |"
        % (by[("large", 2)]["kiln_gflops"], by[("large", 2)]["pytorch_gflops"]),
        "| Large MLP GFLOP/s as %% of OpenBLAS sgemm 1024³ (2 threads) | %.0f%% | |"
        % s["large_mlp_pct_of_openblas_sgemm"],
    ]
    for t in THREADS:
        lines.append("| sgemm 1024³, %d thread%s, GFLOP/s | %.1f (%.0f%% of OpenBLAS) | OpenBLAS %.1f |"
                     % (t, "s" if t > 1 else "", s["kiln_sgemm_gflops"][t], s["kiln_sgemm_pct_of_openblas"][t],
                        s["openblas_sgemm_gflops"][t]))
    lines += [
        "| Large MLP speed-up, 2 threads over 1: median of alternating 1- and 2-thread windows "
        "(from the separate medians above) | %.2f× (%.2f×) | PyTorch %.2f× |"
        % (s["large_mlp_2_over_1_threads"], s.get("large_mlp_2_over_1_threads_separate", float("nan")),
           s["pytorch_large_mlp_2_over_1_threads"]),
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
        "Kiln allocation: bytes allocated by all threads during the timed windows per step; the few "
        "that show on slow steps are the measuring code's own, a few hundred bytes per measurement.",
        "",
        "OpenBLAS: %s; the peer process ran without %s. sgemm is the faster of numpy.matmul and torch.mm."
        % (peer["openblas_config"], " and ".join(PEER_DROPPED_ENV)),
        "",
        "![Kiln speed-up over PyTorch](side_by_side.png)",
        "",
    ]
    return "\n".join(lines)


def plot(rows, path, report):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=100)
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
    ax.set_xticklabels([MODEL_NAMES[k].replace(" (", "\n(") for k in keys], fontsize=9)
    ax.set_ylabel("Kiln speed-up over PyTorch 1.13.1\n(PyTorch µs/step ÷ Kiln µs/step, log scale)")
    ax.set_title("Training step, %s, %s" % (report["machine"]["cpu"], report["date"][:10]), fontsize=10)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main()
