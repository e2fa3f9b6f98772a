#!/usr/bin/env python3
"""Deterministic synthetic LLM call logs, for the demo (sample-logs/) and the benchmark.

  gen_logs.py sample DIR          a few thousand realistic calls in three log shapes
  gen_logs.py bench FILE [--mb N] a flat-shape log of about N MB (default 1000)

Same seed, same bytes: the benchmark and the demo are reproducible.
"""
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

# USD per 1M tokens (input, cached input, output): the same list prices as src/normalize/prices.toml.
PRICES = {
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "claude-sonnet-4-5": (3.00, 0.30, 15.00),
    "gemini-2.5-flash": (0.30, 0.075, 2.50),
}
TYPES = ["rag_query", "summary", "chat", "classification", "extraction"]
ERRORS = ["timeout", "rate_limit", "server_error", "context_length_exceeded"]


def cost(model, tin, tout, cached=0):
    i, c, o = PRICES[model]
    return ((tin - cached) * i + cached * c + tout * o) / 1e6


def flat_call(rng, t, users):
    model = rng.choices(list(PRICES), weights=[3, 6, 2, 2])[0]
    qtype = rng.choices(TYPES, weights=[5, 2, 4, 2, 1])[0]
    user = f"user_{int(rng.paretovariate(1.2)) % users:03d}"
    ts = t.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if rng.random() < 0.04:
        err = rng.choice(ERRORS)
        lat = 30.0 if err == "timeout" else round(rng.uniform(0.1, 2.0), 3)
        return {"timestamp": ts, "user_id": user, "query_type": qtype, "prompt_length": rng.randint(200, 9000),
                "status": "error", "error": err, "latency": lat}
    tin = int(rng.lognormvariate(7.0, 0.8)) + 20
    if rng.random() < 0.004:
        tin *= 40  # a runaway prompt: the outliers section should find these
    tout = int(rng.lognormvariate(5.2, 0.7)) + 5
    lat = round(0.3 + tout * rng.uniform(0.008, 0.02) + tin * 0.00005, 3)
    cached = rng.random() < 0.15
    return {"timestamp": ts, "user_id": user, "query_type": qtype, "prompt_length": tin * 4, "status": "success",
            "model": model, "input_tokens": tin, "output_tokens": tout,
            "cost": round(0.0 if cached else cost(model, tin, tout), 8), "latency": lat, "cached": cached}


def sample(out_dir):
    import os
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(42)
    start = datetime(2026, 11, 2, 0, 0, 0)
    # 1. The app's own flat log, naive local timestamps, 7 days.
    with open(f"{out_dir}/app-calls.jsonl", "w") as f:
        t = start
        for i in range(2600):
            hour_weight = 0.3 + (1.0 if 8 <= t.hour <= 19 else 0.0)
            t += timedelta(seconds=rng.expovariate(hour_weight / 240.0))
            f.write(json.dumps(flat_call(rng, t, 60)) + "\n")
            if i == 1300:
                # What a crash mid-write leaves behind, and a line someone pasted by hand.
                f.write('{"timestamp": "2026-11-05T10:00:00", "model": "gpt-4o", "input_tok\n')
                f.write('{"timestamp": "2026-11-05T10:00:01", "model": "gpt-4o", "cost": NaN}\n')
    # 2. A support bot logging OpenAI responses' usage objects, epoch seconds, a project field.
    with open(f"{out_dir}/support-bot.jsonl", "w") as f:
        t = start.replace(tzinfo=timezone.utc)
        for i in range(900):
            t += timedelta(seconds=rng.expovariate(1 / 650.0))
            model = rng.choice(["gpt-4o-mini-2024-07-18", "gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"])
            pt = int(rng.lognormvariate(6.5, 0.6)) + 50
            cached = min(pt, int(pt * rng.choice([0, 0, 0.5, 0.8])))
            line = {"created": int(t.timestamp()), "id": f"chatcmpl-{i:05d}", "model": model,
                    "usage": {"prompt_tokens": pt, "completion_tokens": int(rng.lognormvariate(4.5, 0.5)),
                              "total_tokens": 0, "prompt_tokens_details": {"cached_tokens": cached}},
                    "feature": rng.choice(["faq", "faq", "ticket_triage", "reply_draft"]),
                    "user": f"cust_{rng.randint(1, 40):02d}", "project": "support",
                    "latency_ms": int(rng.lognormvariate(6.6, 0.5))}
            line["usage"]["total_tokens"] = pt + line["usage"]["completion_tokens"]
            f.write(json.dumps(line) + "\n")
            if i % 300 == 7:
                f.write(json.dumps(line) + "\n")  # a retrying logger wrote the same response twice
    # 3. LiteLLM proxy spend rows for a second team, gzipped like a rotated log.
    import gzip
    with gzip.GzipFile(f"{out_dir}/litellm-spend.jsonl.gz", "wb", mtime=0) as g:
        t = start.replace(tzinfo=timezone.utc)
        for i in range(700):
            t += timedelta(seconds=rng.expovariate(1 / 860.0))
            model = rng.choice(["claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-flash"])
            pt, ct = int(rng.lognormvariate(7.2, 0.7)), int(rng.lognormvariate(5.0, 0.6))
            dur = rng.lognormvariate(0.6, 0.6)
            ok = rng.random() > 0.03
            row = {"request_id": f"req-{i:05d}", "call_type": "acompletion",
                   "startTime": t.isoformat(), "endTime": (t + timedelta(seconds=dur)).isoformat(),
                   "model": model, "custom_llm_provider": "anthropic" if "claude" in model else "gemini",
                   "prompt_tokens": pt if ok else 0, "completion_tokens": ct if ok else 0,
                   "user": f"eng-{rng.randint(1, 12)}", "team_id": "research",
                   "request_tags": ["eval"] if rng.random() < 0.3 else ["prod"],
                   "status": "success" if ok else "failure"}
            if not ok:
                row["error_type"] = "rate_limit"
            g.write((json.dumps(row) + "\n").encode())


def bench(path, mb):
    rng = random.Random(7)
    target = mb * 1_000_000
    t = datetime(2026, 10, 1)
    written = 0
    with open(path, "w") as f:
        buf = []
        while written < target:
            t += timedelta(milliseconds=rng.randint(200, 1100))
            line = json.dumps(flat_call(rng, t, 5000)) + "\n"
            buf.append(line)
            written += len(line)
            if len(buf) >= 10000:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf))


def claude(root, mb):
    """A Claude Code ~/.claude/projects tree as Claude Code writes it: one line per content block
    repeating the message's usage, user turns with large tool results, file-history snapshots,
    subagent transcripts under <session>/subagents/."""
    rng = random.Random(11)
    target = mb * 1_000_000
    written = 0
    t = datetime(2026, 10, 1)
    s = 0
    models = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"]
    while written < target:
        project = f"-home-dev-repo{s % 7}"
        session = f"{s:08x}-0000-4000-8000-{s:012x}"
        files = [os.path.join(root, "projects", project, f"{session}.jsonl")]
        if s % 4 == 0:
            files.append(os.path.join(root, "projects", project, session, "subagents", f"agent-{s:06x}.jsonl"))
        for k, path in enumerate(files):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            lines = []
            for m in range(rng.randint(5, 40)):
                t += timedelta(seconds=rng.randint(2, 90))
                ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randint(0, 999):03d}Z"
                base = {"parentUuid": f"p{m}", "isSidechain": k == 1, "sessionId": session, "cwd": "/home/dev/" + project,
                        "version": "2.0.14", "timestamp": ts}
                lines.append(dict(base, type="user", message={"role": "user", "content": [
                    {"type": "tool_result", "content": "x" * rng.randint(200, 6000)}]}, uuid=f"u{s}-{k}-{m}"))
                usage = {"input_tokens": rng.randint(1, 400), "cache_creation_input_tokens": rng.randint(0, 9000),
                         "cache_read_input_tokens": rng.randint(0, 90000), "output_tokens": rng.randint(20, 2500)}
                msg_id, req = f"msg_{s:06x}{k}{m:03d}", f"req_{s:06x}{k}{m:03d}"
                model = models[rng.randint(0, 2)]
                for b in range(rng.randint(1, 3)):
                    lines.append(dict(base, type="assistant", requestId=req, timestamp=ts, message={
                        "id": msg_id, "type": "message", "role": "assistant", "model": model,
                        "content": [{"type": "text", "text": "y" * rng.randint(20, 400)}], "usage": usage}))
                if rng.random() < 0.1:
                    lines.append({"type": "file-history-snapshot", "messageId": msg_id, "snapshot": {"files": {}}})
            text = "".join(json.dumps(l) + "\n" for l in lines)
            with open(path, "w") as f:
                f.write(text)
            written += len(text)
        s += 1


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "sample":
        sample(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "claude":
        mb = int(sys.argv[sys.argv.index("--mb") + 1]) if "--mb" in sys.argv else 90
        claude(sys.argv[2], mb)
    elif len(sys.argv) >= 3 and sys.argv[1] == "bench":
        mb = int(sys.argv[sys.argv.index("--mb") + 1]) if "--mb" in sys.argv else 1000
        bench(sys.argv[2], mb)
    else:
        sys.exit(__doc__)
