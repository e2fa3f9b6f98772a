#!/usr/bin/env python3
"""`make bench`: time `llmlog analyze` on a 1 GB flat log beside polars, DuckDB and pandas.

Prints, per tool: median wall time over its runs, peak memory (max RSS), throughput, and the ratio
to llmlog. Medians because the machine is shared and noisy. Environment:
  BENCH_MB (default 1000)  size of the generated log
  BENCH_RUNS (default 5)   runs of llmlog; peers run 3 times, pandas once (it takes ~35 s)
  BENCH_PEERS              comma list to run (default polars,duckdb,pandas; empty for none)
"""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "target", "bench")
MB = int(os.environ.get("BENCH_MB", "1000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PEERS = [p for p in os.environ.get("BENCH_PEERS", "polars,duckdb,pandas").split(",") if p]
LOG = os.path.join(OUT, f"calls-{MB}mb.jsonl")
VENV = os.path.join(OUT, "venv")
PY = os.path.join(VENV, "bin", "python")


def timed(cmd):
    """Wall seconds and the output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return wall, out


def measure(cmd, runs):
    times = []
    for _ in range(runs):
        wall, out = timed(cmd)
        times.append(wall)
    return times, out


def peak_rss_mb(cmd):
    """Peak RSS of one run, measured in a fresh wrapper process so earlier children don't count."""
    wrapper = ("import resource,subprocess,sys;"
               "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL,check=True);"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", wrapper] + cmd, capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def ensure_log():
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(LOG):
        print(f"generating {LOG} ({MB} MB, deterministic)…", flush=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "bench", "gen_logs.py"), "bench", LOG,
                        "--mb", str(MB)], check=True)


def ensure_peers():
    if not PEERS:
        return []
    if not os.path.exists(PY):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    need = {"polars": "polars", "duckdb": "duckdb", "pandas": "pandas"}
    missing = [need[p] for p in PEERS
               if subprocess.run([PY, "-c", f"import {need[p]}"], capture_output=True).returncode != 0]
    if missing:
        print(f"installing {', '.join(missing)} into {VENV}…", flush=True)
        r = subprocess.run([PY, "-m", "pip", "install", "-q"] + missing)
        if r.returncode != 0:
            print("could not install the peers; timing llmlog alone", flush=True)
            return []
    return PEERS


def main():
    ensure_log()
    peers = ensure_peers()
    size_mb = os.path.getsize(LOG) / 1e6
    llmlog = os.path.join(ROOT, "target", "release", "llmlog")
    tools = [("llmlog", [llmlog, "analyze", LOG, "--format", "json", "--tz", "UTC", "--no-progress"], RUNS)]
    for p in peers:
        tools.append((p, [PY, os.path.join(ROOT, "tests", "bench", "peers.py"), p, LOG], 1 if p == "pandas" else 3))
    results = []
    calls = {}
    for name, cmd, runs in tools:
        print(f"timing {name} ({runs} run{'s' if runs > 1 else ''})…", flush=True)
        times, out = measure(cmd, runs)
        peak = peak_rss_mb(cmd)
        med = statistics.median(times)
        try:
            doc = json.loads(out)
            calls[name] = doc["summary"]["calls"] if name == "llmlog" else doc["calls"]
        except (ValueError, KeyError):
            calls[name] = None
        results.append((name, med, min(times), peak))
    base = results[0][1]
    print(f"\n{size_mb:,.0f} MB log, {calls.get('llmlog'):,} calls, {os.cpu_count()} cores\n")
    print(f"{'tool':<8} {'median s':>9} {'best s':>8} {'MB/s':>7} {'peak MB':>8} {'vs llmlog':>10}  calls")
    for name, med, best, peak in results:
        print(f"{name:<8} {med:>9.2f} {best:>8.2f} {size_mb / med:>7.0f} {peak:>8.0f} {med / base:>9.1f}x  {calls[name]}")
    print("\ntargets: llmlog at least as fast as polars, peak memory under 1,000 MB")
    mismatched = {k: v for k, v in calls.items() if v is not None and v != calls.get("llmlog")}
    if mismatched:
        print(f"note: call counts differ from llmlog's: {mismatched}")


if __name__ == "__main__":
    main()
