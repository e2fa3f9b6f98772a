#!/usr/bin/env python3
"""The same analysis as `llmlog analyze` done by a peer tool, for the benchmark.

  peers.py polars|duckdb|pandas FILE

Each computes: totals (calls, cost, tokens, success rate, latency p50/p90/p95/p99), cost by model,
type, hour, day and user (top 10), and the 10 most expensive calls. Prints one JSON line of totals
so the benchmark can check every tool saw the same calls.
"""
import json
import sys


def run_polars(path):
    import polars as pl
    df = pl.read_ndjson(path, infer_schema_length=10000)
    df = df.with_columns(pl.col("timestamp").str.to_datetime(strict=False).alias("t"))
    aggs = [pl.len().alias("calls"), pl.col("cost").fill_null(0).sum().alias("cost"),
            (pl.col("status") == "success").mean().alias("ok"),
            pl.col("latency").quantile(0.5, "linear").alias("p50"),
            pl.col("latency").quantile(0.95, "linear").alias("p95")]
    tot = df.select(aggs + [pl.col("input_tokens").sum(), pl.col("output_tokens").sum(),
                            pl.col("latency").quantile(0.9, "linear").alias("p90"),
                            pl.col("latency").quantile(0.99, "linear").alias("p99")])
    for key in ["model", "query_type"]:
        df.group_by(key).agg(aggs).sort("cost", descending=True)
    df.group_by(pl.col("t").dt.hour()).agg(aggs)
    df.group_by(pl.col("t").dt.date()).agg(aggs)
    df.group_by("user_id").agg(aggs).sort("cost", descending=True).head(10)
    df.sort("cost", descending=True, nulls_last=True).head(10)
    return {"calls": tot["calls"][0], "cost": tot["cost"][0]}


def run_duckdb(path):
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute(f"CREATE TABLE c AS SELECT * FROM read_json_auto('{path}', format='newline_delimited')")
    aggs = ("count(*) AS calls, coalesce(sum(cost),0) AS cost, avg((status='success')::INT) AS ok, "
            "quantile_cont(latency, 0.5) AS p50, quantile_cont(latency, 0.95) AS p95")
    tot = con.execute(f"SELECT {aggs}, sum(input_tokens), sum(output_tokens), quantile_cont(latency, 0.9), "
                      "quantile_cont(latency, 0.99) FROM c").fetchone()
    for key in ["model", "query_type", "hour(timestamp::TIMESTAMP)", "timestamp::DATE"]:
        con.execute(f"SELECT {key} AS k, {aggs} FROM c GROUP BY k ORDER BY cost DESC").fetchall()
    con.execute(f"SELECT user_id, {aggs} FROM c GROUP BY user_id ORDER BY cost DESC LIMIT 10").fetchall()
    con.execute("SELECT * FROM c ORDER BY cost DESC NULLS LAST LIMIT 10").fetchall()
    return {"calls": tot[0], "cost": tot[1]}


def run_pandas(path):
    import pandas as pd
    rows = []
    with open(path) as f:
        for line in f:
            rows.append(json.loads(line))
    df = pd.DataFrame(rows)
    df["t"] = pd.to_datetime(df["timestamp"])
    df["ok"] = df["status"] == "success"

    def agg(g):
        return g.agg(calls=("ok", "size"), cost=("cost", "sum"), ok=("ok", "mean"),
                     p50=("latency", lambda s: s.quantile(0.5)), p95=("latency", lambda s: s.quantile(0.95)))
    for key in ["model", "query_type", df["t"].dt.hour, df["t"].dt.date]:
        agg(df.groupby(key))
    agg(df.groupby("user_id")).sort_values("cost", ascending=False).head(10)
    df.nlargest(10, "cost")
    df["latency"].quantile([0.5, 0.9, 0.95, 0.99])
    return {"calls": len(df), "cost": float(df["cost"].fillna(0).sum())}


if __name__ == "__main__":
    engine, path = sys.argv[1], sys.argv[2]
    result = {"polars": run_polars, "duckdb": run_duckdb, "pandas": run_pandas}[engine](path)
    print(json.dumps({k: (float(v) if k == "cost" else int(v)) for k, v in result.items()}))
