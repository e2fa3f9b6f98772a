"""The engines a team already runs, reading llmlog's exported dataset on their own.

    engines.py duckdb-own DATASET        figures computed by DuckDB's own SQL (not llmlog's)
    engines.py duckdb-run SCRIPT         run a script from `llmlog sql --dialect duckdb`
    engines.py spark DATASET [SCRIPT]    figures computed with Spark's DataFrame API, then the
                                         script from `llmlog sql --dialect spark`
    engines.py bucket ENDPOINT NAME      create a bucket on an S3-compatible server

Figures are printed as one JSON object: calls, cost, latency p50/p95 (linear interpolation),
and calls/cost by model and by UTC day.
"""
import json
import sys


def duckdb_own(dataset):
    import duckdb

    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    c.execute(
        f"CREATE VIEW t AS SELECT * FROM read_parquet('{dataset}/date=*/*.parquet', hive_partitioning = true)"
    )
    calls, cost, p50, p95 = c.execute(
        "SELECT count(*), coalesce(sum(cost_usd), 0), quantile_cont(latency_s, 0.5), quantile_cont(latency_s, 0.95) FROM t"
    ).fetchone()
    by_model = {
        (m if m is not None else "(none)"): [n, s]
        for m, n, s in c.execute(
            "SELECT model, count(*), coalesce(sum(cost_usd), 0) FROM t GROUP BY model"
        ).fetchall()
    }
    # The partition column, as DuckDB reads it from the paths.
    by_day = {
        str(d): [n, s]
        for d, n, s in c.execute(
            "SELECT date, count(*), coalesce(sum(cost_usd), 0) FROM t GROUP BY date"
        ).fetchall()
    }
    return dict(calls=calls, cost=cost, p50=p50, p95=p95, by_model=by_model, by_day=by_day)


def duckdb_run(script):
    import duckdb

    duckdb.connect().execute(open(script).read())


def statements(text):
    lines = [l for l in text.splitlines() if not l.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip()]


def spark(dataset, script=None):
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    s = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    df = s.read.parquet(dataset)
    row = df.agg(
        F.count(F.lit(1)).alias("calls"),
        F.coalesce(F.sum("cost_usd"), F.lit(0.0)).alias("cost"),
        F.expr("percentile(latency_s, 0.5)").alias("p50"),
        F.expr("percentile(latency_s, 0.95)").alias("p95"),
    ).collect()[0]
    by_model = {
        (r["model"] if r["model"] is not None else "(none)"): [r["n"], r["c"]]
        for r in df.groupBy("model")
        .agg(F.count(F.lit(1)).alias("n"), F.coalesce(F.sum("cost_usd"), F.lit(0.0)).alias("c"))
        .collect()
    }
    by_day = {
        str(r["date"]): [r["n"], r["c"]]
        for r in df.groupBy("date")
        .agg(F.count(F.lit(1)).alias("n"), F.coalesce(F.sum("cost_usd"), F.lit(0.0)).alias("c"))
        .collect()
    }
    out = dict(
        calls=row["calls"], cost=row["cost"], p50=row["p50"], p95=row["p95"],
        by_model=by_model, by_day=by_day,
    )
    if script:
        for stmt in statements(open(script).read()):
            s.sql(stmt.rstrip(";"))
    s.stop()
    return out


def bucket(endpoint, name):
    import boto3

    boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test",
        aws_secret_access_key="test", region_name="us-east-1",
    ).create_bucket(Bucket=name)


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "duckdb-own":
        print(json.dumps(duckdb_own(*args)))
    elif mode == "duckdb-run":
        duckdb_run(*args)
    elif mode == "spark":
        print(json.dumps(spark(*args)))
    elif mode == "bucket":
        bucket(*args)
    else:
        sys.exit(f"unknown mode {mode}")
