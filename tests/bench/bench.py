#!/usr/bin/env python3
"""`make bench`: time `llmlog analyze` on a 1 GB flat log beside polars, DuckDB and pandas.

Prints, per tool: median wall time over its runs, peak memory (max RSS), throughput, and the ratio
to llmlog. Medians because the machine is shared and noisy. Environment:
  BENCH_MB (default 1000)  size of the generated log
  BENCH_RUNS (default 5)   runs of llmlog; peers run 3 times, pandas once (it takes ~35 s)
  BENCH_PEERS              comma list to run (default polars,duckdb,pandas; empty for none)
  BENCH_8GB=1              also an 8 GB log (about 32 million calls, same generator), its time
                           and memory beside the 1 GB one

llmlog's first row reads everything (--no-cache), as the peers do. Then: a re-run of the unchanged
log from the cache, and re-runs after 1% more lines were appended each time (the cache reads on
from where it ended). The cache lives in target/bench/cache.
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


CACHE = os.path.join(OUT, "cache")
os.environ["LLMLOG_CACHE_DIR"] = CACHE
LLMLOG = os.path.join(ROOT, "target", "release", "llmlog")


def analyze(path, *extra):
    return [LLMLOG, "analyze", path, "--format", "json", "--tz", "UTC", "--no-progress", *extra]


def cache_runs(size_mb):
    """The cached re-run and the re-run after 1% was appended, on a copy of the log."""
    copy = os.path.join(OUT, "growing.jsonl")
    subprocess.run(["cp", LOG, copy], check=True)
    subprocess.run([LLMLOG, "cache", "clear"], check=True, capture_output=True)
    cold, _ = timed(analyze(copy))  # writes the entry
    hot, _ = measure(analyze(copy), RUNS)
    with open(LOG, "rb") as f:
        head = f.read(int(os.path.getsize(LOG) / 100))
    head = head[: head.rfind(b"\n") + 1]
    grown = []
    for k in range(RUNS):
        # 1% more calls, their request ids made new (else they are duplicates).
        with open(copy, "ab") as f:
            f.write(head.replace(b'"request_id": "', f'"request_id": "g{k}-'.encode()))
        wall, out = timed(analyze(copy))
        grown.append(wall)
    doc = json.loads(out)
    nocache, _ = measure(analyze(copy, "--no-cache"), 1)
    os.remove(copy)
    return cold, statistics.median(hot), statistics.median(grown), doc["summary"]["calls"], nocache[0]


def big_log():
    """An 8 GB log from the same generator (not the 1 GB log repeated: eight copies of each call at
    the same instant are a runaway loop by the rule, and time the loop detector instead)."""
    path = os.path.join(OUT, f"calls-{MB * 8}mb.jsonl")
    if not os.path.exists(path):
        print(f"generating {path} (~15 min)…", flush=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "bench", "gen_logs.py"), "bench", path,
                        "--mb", str(MB * 8)], check=True)
    return path


def main():
    ensure_log()
    peers = ensure_peers()
    size_mb = os.path.getsize(LOG) / 1e6
    llmlog = LLMLOG
    tools = [("llmlog", analyze(LOG, "--no-cache"), RUNS)]
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
    print("\ntargets (issue 11): llmlog <= 0.15x DuckDB's time, peak memory <= 300 MB per GB")
    mismatched = {k: v for k, v in calls.items() if v is not None and v != calls.get("llmlog")}
    if mismatched:
        print(f"note: call counts differ from llmlog's: {mismatched}")
    duck = next((r[1] for r in results if r[0] == "duckdb"), None)
    if duck:
        print(f"target: llmlog <= 0.15x DuckDB's time: {base / duck:.2f}x")

    print("\ntiming the cache (a copy of the log; cache in target/bench/cache)…", flush=True)
    cold, hot, grown, grown_calls, grown_nocache = cache_runs(size_mb)
    print(f"{'llmlog first run, writing the cache':<44} {cold:>7.2f} s")
    print(f"{'llmlog re-run, unchanged (median)':<44} {hot:>7.2f} s   {base / hot:.1f}x faster than reading")
    print(f"{'llmlog re-run after 1% appended (median)':<44} {grown:>7.2f} s   ({grown_calls:,} calls by then;"
          f" {grown_nocache:.2f} s without the cache)")
    print("target: an unchanged 1 GB log re-analyzed in <= 0.15 s")

    if os.environ.get("BENCH_8GB") == "1":
        big = big_log()
        big_mb = os.path.getsize(big) / 1e6
        print(f"timing the {big_mb:,.0f} MB log (1 run)…", flush=True)
        wall, out = timed(analyze(big, "--no-cache"))
        peak = peak_rss_mb(analyze(big, "--no-cache"))
        n = json.loads(out)["summary"]["calls"]
        print(f"{big_mb:,.0f} MB, {n:,} calls: {wall:.1f} s ({wall / base:.1f}x the 1 GB time), peak {peak:,.0f} MB"
              f" ({peak / results[0][3]:.1f}x)")
        print("target: <= 8.5x the 1 GB time, <= 2,400 MB")


if __name__ == "__main__":
    main()
