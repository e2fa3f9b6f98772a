#!/usr/bin/env python3
"""`make bench` part two: how fast `llmlog watch` alerts, how much it keeps up with, what it
costs when idle, and whether its memory grows with the log.

- alert latency: lines appended at 1,000/s, every 50th one an expensive call; the time from the
  write to the alert event on watch's stdout, p50 / p99 over all of them;
- throughput: 500,000 lines appended as fast as Python can write them; lines/s counted;
- idle CPU: user+system CPU over 5 s with nothing written;
- memory: resident size after 100,000 lines and after 600,000.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LLMLOG = os.environ.get("LLMLOG_BIN") or os.path.join(ROOT, "target", "release", "llmlog")


def line(cost, i):
    ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    return '{"timestamp": "%sZ", "model": "gpt-4o", "user_id": "u%d", "cost": %s, "latency": 1.2}\n' % (ts, i % 100, cost)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) / 1024


def first_start():
    """Watch's first start on the 1 GB benchmark log: the same streaming scan as analyze, with
    running totals instead of a frame, so memory stays bounded by blocks and windows."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench
    bench.ensure_log()
    tmp = tempfile.mkdtemp(prefix="llmlog-watch-first-")
    cfg = os.path.join(tmp, "llmlog.toml")
    with open(cfg, "w") as f:
        f.write('timezone = "UTC"\n[[budget]]\nname = "monthly"\nperiod = "monthly"\nlimit_usd = 100000\n'
                '[[budget]]\nname = "per user"\nperiod = "daily"\nlimit_usd = 1000\nper = "user"\n')
    cmd = [LLMLOG, "watch", "--once", "--poll", bench.LOG, "--config", cfg, "--state", os.path.join(tmp, "state")]
    start = time.perf_counter()
    rss = bench.peak_rss_mb(cmd)
    wall = time.perf_counter() - start
    size = os.path.getsize(bench.LOG) / 1e6
    print(f"first start on {size:,.0f} MB: {wall:.2f} s, peak resident {rss:.0f} MB (target: under 150 MB)")


def hard_limit():
    """How soon a crossed hard limit shows as closed in the status file, and guard's latency."""
    tmp = tempfile.mkdtemp(prefix="llmlog-guard-bench-")
    logs = os.path.join(tmp, "logs")
    os.makedirs(logs)
    cfg = os.path.join(tmp, "llmlog.toml")
    with open(cfg, "w") as f:
        f.write('timezone = "UTC"\n[[budget]]\nname = "cap"\nperiod = "daily"\nlimit_usd = 1\nhard_limit = true\n'
                'fallback = { "gpt-4o*" = "gpt-4o-mini" }\n')
    path = os.path.join(logs, "app.jsonl")
    open(path, "w").close()
    status = os.path.join(tmp, "status.json")
    proc = subprocess.Popen([LLMLOG, "watch", logs, "--config", cfg, "--state", os.path.join(tmp, "state"),
                             "--status-file", status], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not os.path.exists(status):
        time.sleep(0.01)
    lat = []
    for i in range(5):
        day_cost = 2.0
        with open(path, "a") as f:
            f.write(json.dumps({"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "model": "gpt-4o",
                                "cost": day_cost, "prompt_length": i}) + "\n")
        t0 = time.perf_counter()
        while True:
            try:
                s = json.load(open(status))
                if s["budgets"][0]["state"] == "closed" and s["budgets"][0]["spent_usd"] >= day_cost * (i + 1):
                    break
            except (ValueError, KeyError):
                pass
            time.sleep(0.002)
        lat.append(time.perf_counter() - t0)
    g = []
    for _ in range(20):
        t0 = time.perf_counter()
        subprocess.run([LLMLOG, "guard", "--config", cfg, "--status-file", status, "--model", "gpt-4o"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        g.append(time.perf_counter() - t0)
    proc.kill()
    lat.sort()
    g.sort()
    print(f"hard limit: status file shows 'closed' {lat[len(lat) // 2] * 1000:.0f} ms (median of 5) after the "
          f"crossing line is written (target: within a second); llmlog guard from the status file "
          f"{g[len(g) // 2] * 1000:.1f} ms median of 20, process start included (target: 10 ms)")


def main():
    first_start()
    hard_limit()
    tmp = tempfile.mkdtemp(prefix="llmlog-watch-bench-")
    logs = os.path.join(tmp, "logs")
    os.makedirs(logs)
    cfg = os.path.join(tmp, "llmlog.toml")
    with open(cfg, "w") as f:
        f.write('timezone = "UTC"\n[[budget]]\nname = "per user"\nperiod = "daily"\nlimit_usd = 1000000\nper = "user"\n'
                '[alerts]\nexpensive_call_usd = 1.0\n')
    path = os.path.join(logs, "app.jsonl")
    open(path, "w").close()
    proc = subprocess.Popen([LLMLOG, "watch", logs, "--config", cfg, "--state", os.path.join(tmp, "state"),
                             "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    alerts = {}
    calls = [0]

    def read():
        for l in proc.stdout:
            ev = json.loads(l)
            if ev["event"] == "alert":
                # The key is expensive|ts|model|cost: each expensive line has its own cost.
                cost = ev["alert"]["key"].split("|")[3]
                alerts[cost] = time.perf_counter()
            elif ev["event"] == "ingest":
                calls[0] = ev["calls"]

    threading.Thread(target=read, daemon=True).start()
    time.sleep(1.0)

    # 1. Alert latency at 1,000 lines/s.
    written = {}
    n = 0
    with open(path, "a") as f:
        start = time.perf_counter()
        for i in range(10_000):
            expensive = i % 50 == 49
            cost = f"{5 + i / 1e4:g}"
            data = line(cost if expensive else 0.001, i)
            f.write(data)
            f.flush()
            if expensive:
                written[cost] = time.perf_counter()
            n += 1
            target = start + (i + 1) / 1000.0
            delay = target - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    deadline = time.time() + 10
    while len(alerts) < len(written) and time.time() < deadline:
        time.sleep(0.05)
    lat = sorted(alerts[o] - t for o, t in written.items() if o in alerts)
    missing = len(written) - len(lat)
    p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))]
    print(f"alert latency at 1,000 lines/s: {len(lat)} alerts, p50 {p(0.5) * 1000:.0f} ms, "
          f"p99 {p(0.99) * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms (target: p99 under 1,000 ms)"
          + (f"; {missing} alerts MISSING" if missing else ""))

    rss_small = rss_mb(proc.pid)
    # 2. Throughput: 500,000 lines as fast as they can be written.
    total = n + 500_000
    block = "".join(line(0.001, i) for i in range(10_000))
    t0 = time.perf_counter()
    with open(path, "a") as f:
        for _ in range(50):
            f.write(block)
            f.flush()
    t_written = time.perf_counter() - t0
    while calls[0] < total and time.perf_counter() - t0 < 120:
        time.sleep(0.01)
    t_done = time.perf_counter() - t0
    print(f"throughput: 500,000 lines written in {t_written:.2f} s, all counted after {t_done:.2f} s: "
          f"{500_000 / t_done:,.0f} lines/s (target: keep up with 50,000/s)")
    # 3. Idle CPU.
    time.sleep(1.5)
    c0 = cpu_seconds(proc.pid)
    time.sleep(5)
    c1 = cpu_seconds(proc.pid)
    print(f"idle CPU: {(c1 - c0) / 5 * 100:.2f}% of one core over 5 s with nothing written")
    # 4. Memory does not grow with the log.
    print(f"resident memory: {rss_small:.0f} MB after {n:,} lines, {rss_mb(proc.pid):.0f} MB after {calls[0]:,} lines")
    proc.kill()


if __name__ == "__main__":
    if not os.path.exists(LLMLOG):
        sys.exit("build first: make release")
    main()
