//! The report's queries as SQL over the dataset, for DuckDB and Spark SQL: the same figures
//! `report::build` computes (sums, rates, linear-interpolated percentiles, the same orderings),
//! so a team can run them on its own engine at any scale and `llmlog render` the results.

use crate::cli::Dialect;

/// The breakdowns, as (result name, column). Day and hour are computed in the zone.
pub const BREAKDOWNS: [(&str, &str); 8] = [
    ("by_model", "model"),
    ("by_type", "type"),
    ("by_provider", "provider"),
    ("by_source", "source"),
    ("by_project", "project"),
    ("by_user", "user"),
    ("by_day", "day"),
    ("by_hour", "hour"),
];

/// Every result the script writes, in the order it writes them.
pub fn result_names() -> Vec<&'static str> {
    let mut v = vec!["summary"];
    v.extend(BREAKDOWNS.iter().map(|b| b.0));
    v.extend([
        "errors_by_kind",
        "top_calls",
        "cost_over_time",
        "latency_histogram",
    ]);
    v
}

pub struct Options<'a> {
    pub dialect: Dialect,
    pub dataset: &'a str,
    pub table: &'a str,
    pub results: &'a str,
    pub tz: &'a str,
    pub top: u32,
    pub slow_threshold_s: f64,
}

struct D<'a> {
    o: &'a Options<'a>,
}

impl D<'_> {
    fn duck(&self) -> bool {
        self.o.dialect == Dialect::Duckdb
    }
    /// A quoted identifier.
    fn id(&self, name: &str) -> String {
        if self.duck() {
            format!("\"{}\"", name.replace('"', "\"\""))
        } else {
            format!("`{}`", name.replace('`', "``"))
        }
    }
    fn string(&self, s: &str) -> String {
        if self.duck() {
            format!("'{}'", s.replace('\'', "''"))
        } else {
            format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
        }
    }
    fn quantile(&self, column: &str, q: f64) -> String {
        let f = if self.duck() {
            "quantile_cont"
        } else {
            "percentile"
        };
        format!("{f}({}, {q})", self.id(column))
    }
    fn double(&self, e: &str) -> String {
        format!("CAST({e} AS DOUBLE)")
    }
    /// The call's wall-clock time in the zone, as a timestamp without zone.
    fn local(&self) -> String {
        let ts = self.id("timestamp");
        let tz = self.string(self.o.tz);
        if self.duck() {
            format!("timezone({tz}, {ts})")
        } else {
            format!("from_utc_timestamp({ts}, {tz})")
        }
    }
    fn day(&self) -> String {
        if self.duck() {
            format!("strftime({}, '%Y-%m-%d')", self.local())
        } else {
            format!("date_format({}, 'yyyy-MM-dd')", self.local())
        }
    }
    fn hour(&self) -> String {
        let t = if self.duck() { "VARCHAR" } else { "STRING" };
        format!("lpad(CAST(hour({}) AS {t}), 2, '0')", self.local())
    }
    fn epoch_ms(&self, e: &str) -> String {
        if self.duck() {
            format!("epoch_ms({e})")
        } else {
            format!("unix_millis({e})")
        }
    }
    fn key(&self, column: &str) -> String {
        match column {
            "day" => self.day(),
            "hour" => self.hour(),
            // llmlog reads an empty name as none.
            c => format!("coalesce(nullif({}, ''), '(none)')", self.id(c)),
        }
    }
    fn sum0(&self, column: &str) -> String {
        format!("coalesce(sum({}), 0)", self.id(column))
    }
    fn cost(&self) -> String {
        format!(
            "coalesce(sum({}), {})",
            self.id("cost_usd"),
            self.double("0")
        )
    }
    fn rate(&self, cond: &str, of: &str) -> String {
        format!(
            "sum(CASE WHEN {cond} THEN 1 ELSE 0 END) / {}",
            self.double(&format!("nullif({of}, 0)"))
        )
    }
    fn not_ok(&self) -> String {
        format!("sum(CASE WHEN {} THEN 0 ELSE 1 END)", self.id("ok"))
    }

    fn summary(&self) -> String {
        let t = self.id(self.o.table);
        let lat = self.id("latency_s");
        let cost = self.id("cost_usd");
        let tokens = format!(
            "({} > 0 OR {} > 0)",
            self.id("input_tokens"),
            self.id("output_tokens")
        );
        let mut cols = vec![
            "count(*) AS calls".to_string(),
            format!("{} AS cost_usd", self.cost()),
        ];
        for tk in [
            "input_tokens",
            "output_tokens",
            "cached_tokens",
            "cache_write_tokens",
            "reasoning_tokens",
        ] {
            cols.push(format!("{} AS {tk}", self.sum0(tk)));
        }
        cols.extend([
            format!("{} AS success_rate", self.rate(&self.id("ok"), "count(*)")),
            format!("{} AS errors", self.not_ok()),
            format!(
                "{} AS cache_hit_rate",
                self.rate(
                    &format!("{} = true", self.id("cache_hit")),
                    &format!("count({})", self.id("cache_hit"))
                )
            ),
            format!("count({lat}) AS latency_calls"),
            format!("{} AS p50", self.quantile("latency_s", 0.5)),
            format!("{} AS p90", self.quantile("latency_s", 0.9)),
            format!("{} AS p95", self.quantile("latency_s", 0.95)),
            format!("{} AS p99", self.quantile("latency_s", 0.99)),
            format!("max({lat}) AS latency_max"),
            format!("avg({lat}) AS latency_mean"),
            format!(
                "sum(CASE WHEN {lat} > {} THEN 1 ELSE 0 END) AS slow_calls",
                self.o.slow_threshold_s
            ),
            format!(
                "{} AS first_ms",
                self.epoch_ms(&format!("min({})", self.id("timestamp")))
            ),
            format!(
                "{} AS last_ms",
                self.epoch_ms(&format!("max({})", self.id("timestamp")))
            ),
            format!("min({}) AS first_day", self.day()),
            format!("max({}) AS last_day", self.day()),
            format!(
                "sum(CASE WHEN {} THEN 1 ELSE 0 END) AS priced_calls",
                self.id("priced")
            ),
            format!(
                "sum(CASE WHEN {cost} IS NULL AND {tokens} THEN 1 ELSE 0 END) AS unpriced_calls"
            ),
            format!("count(DISTINCT {}) AS users", self.key("user")),
        ]);
        format!("SELECT\n  {}\nFROM {t}", cols.join(",\n  "))
    }

    fn breakdown(&self, column: &str, limit: Option<u32>) -> String {
        let t = self.id(self.o.table);
        let mut q = format!(
            "SELECT\n  {} AS {},\n  count(*) AS calls,\n  {} AS cost_usd,\n  {} AS input_tokens,\n  {} AS output_tokens,\n  {} AS cached_tokens,\n  {} AS success_rate,\n  {} AS errors,\n  {} AS p50_s,\n  {} AS p95_s\nFROM {t}\nGROUP BY 1\nORDER BY cost_usd DESC, calls DESC, 1",
            self.key(column),
            self.id("key"),
            self.cost(),
            self.sum0("input_tokens"),
            self.sum0("output_tokens"),
            self.sum0("cached_tokens"),
            self.rate(&self.id("ok"), "count(*)"),
            self.not_ok(),
            self.quantile("latency_s", 0.5),
            self.quantile("latency_s", 0.95),
        );
        if let Some(n) = limit {
            q.push_str(&format!("\nLIMIT {n}"));
        }
        q
    }

    fn errors_by_kind(&self) -> String {
        format!(
            "SELECT {} AS {}, count(*) AS calls\nFROM {}\nWHERE NOT coalesce({}, false)\nGROUP BY 1\nORDER BY calls DESC, 1",
            self.key("error_kind"),
            self.id("key"),
            self.id(self.o.table),
            self.id("ok")
        )
    }

    fn top_calls(&self) -> String {
        let cols = [
            "file",
            "line",
            "model",
            "type",
            "user",
            "input_tokens",
            "output_tokens",
            "cost_usd",
            "latency_s",
        ]
        .iter()
        .map(|c| self.id(c))
        .collect::<Vec<_>>()
        .join(", ");
        format!(
            "SELECT {cols}, {} AS time_ms\nFROM {}\nWHERE {} IS NOT NULL\nORDER BY {} DESC, {}, {}\nLIMIT {}",
            self.epoch_ms(&self.id("timestamp")),
            self.id(self.o.table),
            self.id("cost_usd"),
            self.id("cost_usd"),
            self.id("file"),
            self.id("line"),
            self.o.top
        )
    }

    /// Cost by local day, hour and model: the dashboard's stacked series.
    fn cost_over_time(&self) -> String {
        format!(
            "SELECT {} AS day, hour({}) AS hour, {} AS model, {} AS cost_usd\nFROM {}\nGROUP BY 1, 2, 3\nORDER BY 1, 2, 3",
            self.day(),
            self.local(),
            self.key("model"),
            self.cost(),
            self.id(self.o.table)
        )
    }

    /// Calls per latency bin [edge, next edge), the dashboard's histogram.
    fn latency_histogram(&self) -> String {
        let lat = self.id("latency_s");
        let edges = crate::report::dashboard::LATENCY_EDGES;
        let bins: Vec<String> = edges
            .iter()
            .enumerate()
            .map(|(i, lo)| {
                let cond = match edges.get(i + 1) {
                    Some(hi) => format!("{lat} >= {lo} AND {lat} < {hi}"),
                    None => format!("{lat} >= {lo}"),
                };
                format!("sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS bin{i}")
            })
            .collect();
        format!(
            "SELECT\n  {}\nFROM {}",
            bins.join(",\n  "),
            self.id(self.o.table)
        )
    }

    fn view(&self) -> String {
        let root = self.o.dataset.trim_end_matches('/');
        if self.duck() {
            format!(
                "CREATE OR REPLACE VIEW {} AS\n  SELECT * FROM read_parquet({}, hive_partitioning = true);",
                self.id(self.o.table),
                self.string(&format!("{root}/date=*/*.parquet"))
            )
        } else {
            format!(
                "SET spark.sql.session.timeZone = UTC;\nCREATE OR REPLACE TEMPORARY VIEW {}\n  USING parquet OPTIONS (path {});",
                self.id(self.o.table),
                self.string(root)
            )
        }
    }

    fn write(&self, name: &str, query: &str) -> String {
        let dir = self.o.results.trim_end_matches('/');
        if self.duck() {
            format!(
                "COPY (\n{query}\n) TO {} (FORMAT JSON);",
                self.string(&format!("{dir}/{name}.json"))
            )
        } else {
            format!(
                "INSERT OVERWRITE DIRECTORY {} USING json\n{query};",
                self.string(&format!("{dir}/{name}"))
            )
        }
    }
}

/// The whole script: the view, then each query writing its result.
pub fn script(o: &Options<'_>) -> String {
    let d = D { o };
    let engine = if d.duck() { "DuckDB" } else { "Spark SQL" };
    let mut out = format!(
        "-- llmlog {}: the report's queries for {engine} over the dataset at {}.\n-- Results go to {} (one {} per query); then: llmlog render {}{}\n",
        env!("CARGO_PKG_VERSION"),
        o.dataset,
        o.results,
        if d.duck() { "JSON-lines file" } else { "folder of JSON lines" },
        o.results,
        if o.tz == "UTC" {
            String::new()
        } else {
            format!(" --tz {}", o.tz)
        }
    );
    if d.duck() {
        out.push_str(&format!(
            "-- Create the results folder first: mkdir -p {}\n",
            o.results
        ));
    }
    out.push('\n');
    out.push_str(&d.view());
    out.push_str("\n\n");
    out.push_str(&d.write("summary", &d.summary()));
    out.push_str("\n\n");
    for (name, column) in BREAKDOWNS {
        let limit = (name == "by_user").then_some(o.top);
        out.push_str(&d.write(name, &d.breakdown(column, limit)));
        out.push_str("\n\n");
    }
    out.push_str(&d.write("errors_by_kind", &d.errors_by_kind()));
    out.push_str("\n\n");
    out.push_str(&d.write("top_calls", &d.top_calls()));
    out.push_str("\n\n");
    out.push_str(&d.write("cost_over_time", &d.cost_over_time()));
    out.push_str("\n\n");
    out.push_str(&d.write("latency_histogram", &d.latency_histogram()));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(dialect: Dialect) -> Options<'static> {
        Options {
            dialect,
            dataset: "s3://b/it's",
            table: "llm_calls",
            results: "out",
            tz: "Europe/Berlin",
            top: 5,
            slow_threshold_s: 5.0,
        }
    }

    #[test]
    fn every_result_is_written_once_and_strings_are_quoted() {
        for d in [Dialect::Duckdb, Dialect::Spark] {
            let s = script(&opts(d));
            for name in result_names() {
                let file = if d == Dialect::Duckdb {
                    format!("'out/{name}.json'")
                } else {
                    format!("'out/{name}'")
                };
                assert_eq!(s.matches(&file).count(), 1, "{name} in {s}");
            }
            // The quote inside the path is escaped the dialect's way.
            assert!(
                s.contains("it''s") || s.contains("it\\'s"),
                "quote escaped: {s}"
            );
            assert!(s.contains("Europe/Berlin"));
        }
        assert!(script(&opts(Dialect::Spark)).contains("percentile(`latency_s`, 0.95)"));
        assert!(script(&opts(Dialect::Duckdb)).contains("quantile_cont(\"latency_s\", 0.95)"));
    }
}
