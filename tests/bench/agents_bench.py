#!/usr/bin/env python3
"""Claude Code logs as Claude Code writes them (tests/bench/gen_logs.py claude, ~90 MB): llmlog
against ccusage (17.2.1, the last pure-JavaScript release; installed into target/bench/npm) — wall
time (medians) and token totals side by side, which must agree."""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "target", "bench")
TREE = os.path.join(OUT, "claude-home")
NPM = os.path.join(OUT, "npm")
LLMLOG = os.path.join(ROOT, "target", "release", "llmlog")
CCUSAGE = os.path.join(NPM, "node_modules", ".bin", "ccusage")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def run(cmd, env=None):
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return wall, p.stdout


def main():
    if not os.path.exists(TREE):
        print("generating a Claude Code tree (~90 MB)…", flush=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "bench", "gen_logs.py"), "claude", TREE],
                       check=True)
    if not os.path.exists(CCUSAGE):
        os.makedirs(NPM, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", NPM, "ccusage@17.2.1"],
                       check=True)
    env = dict(os.environ, CLAUDE_CONFIG_DIR=TREE)
    env["LLMLOG_CACHE_DIR"] = os.path.join(OUT, "cache-agents")
    ours_cmd = [LLMLOG, "analyze", os.path.join(TREE, "projects"), "--format", "json", "--tz", "UTC"]
    cold_cmd = ours_cmd + ["--no-cache"]
    theirs_cmd = ["node", CCUSAGE, "daily", "--json", "--offline"]
    ours_t, cold_t, theirs_t = [], [], []
    run(ours_cmd, env)  # fills the cache
    for _ in range(RUNS):
        w, ours = run(ours_cmd, env)
        ours_t.append(w)
        w, cold = run(cold_cmd, env)
        cold_t.append(w)
        w, theirs = run(theirs_cmd, env)
        theirs_t.append(w)
    if json.loads(cold)["summary"] != json.loads(ours)["summary"]:
        print("DIFFER: the cached run's summary is not the uncached one's")
    r = json.loads(ours)["summary"]
    c = json.loads(theirs)["totals"]
    ours_tok = {"input": r["input_tokens"] - r["cached_tokens"] - r["cache_write_tokens"],
                "output": r["output_tokens"], "cache_creation": r["cache_write_tokens"],
                "cache_read": r["cached_tokens"]}
    theirs_tok = {"input": c["inputTokens"], "output": c["outputTokens"],
                  "cache_creation": c["cacheCreationTokens"], "cache_read": c["cacheReadTokens"]}
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(TREE) for f in fs) / 1e6
    mo, mt = statistics.median(ours_t), statistics.median(theirs_t)
    mc = statistics.median(cold_t)
    print(f"\nClaude Code logs, {size:,.0f} MB, {r['calls']:,} calls")
    print(f"{'tool':<16} {'median s':>9}  input  output  cache_creation  cache_read")
    print(f"{'llmlog (cached)':<16} {mo:>9.2f}  {ours_tok}")
    print(f"{'llmlog --no-cache':<16} {mc:>9.2f}")
    print(f"{'ccusage':<16} {mt:>9.2f}  {theirs_tok}")
    print(f"llmlog / ccusage: {mo / mt:.2f}x cached, {mc / mt:.2f}x reading everything (target <= 0.25x)")
    print("token totals " + ("agree" if ours_tok == theirs_tok else "DIFFER"))
    print(f"cost: llmlog ${r['cost_usd']:.2f} (genai-prices) vs ccusage ${c['totalCost']:.2f} (LiteLLM's table)")


if __name__ == "__main__":
    if not os.path.exists(LLMLOG):
        sys.exit("build first: make release")
    main()
