//! Command-line arguments as plain data (clap derive). No logic lives here.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "llmlog",
    version,
    about = "Where the money and the time go in your LLM API calls — from the JSONL logs you already write.",
    long_about = "llmlog reads the logs of LLM API calls — app logs in any common shape (flat, OpenAI \
usage objects, OpenTelemetry GenAI attributes, LiteLLM spend logs, logger envelopes), coding agents \
(Claude Code, Codex, Gemini CLI, Copilot CLI; --agents finds them), batch results and gateway exports \
(OpenAI and Anthropic batches, OpenRouter, Langfuse, Helicone) and llm's logs.db — and reports cost by \
model, type, hour, day, user and source, priced from the genai-prices database where a line logs no \
cost, with latency percentiles, success rates, expensive outliers and every line it did not count.\n\nExit codes: 0 ok, 1 a budget or rule tripped, 2 an error (or, with --strict, any \
skipped line).",
    after_help = "Examples:\n  llmlog analyze logs/*.jsonl\n  llmlog analyze 'logs/**/*.jsonl.gz' --last 7d --by project,model\n  cat calls.jsonl | llmlog analyze - --format json | jq .summary.cost_usd\n  llmlog pricing claude"
)]
pub struct Cli {
    /// Without one: the overview (`llmlog costs`) of the logs llmlog.toml names (logs = [...]).
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Report cost, usage, latency, reliability and outliers of the calls in the logs.
    Analyze(AnalyzeArgs),
    /// What a model costs (genai-prices database, your overrides), and `pricing audit`: logged
    /// costs against list prices.
    Pricing(PricingArgs),
    /// Budgets: where each stands in its current window, past breaches, projections.
    #[command(subcommand)]
    Budget(BudgetCommand),
    /// The CI gate: exit 1 when a budget is broken or a run-level limit is exceeded.
    Check(CheckArgs),
    /// Follow log files as apps append to them and alert (terminal, email, webhook) the moment a
    /// budget threshold is crossed, a call is absurdly expensive, spend spikes or errors pile up.
    Watch(WatchArgs),
    /// Render the report as one PNG (or SVG) image: spend, models, types, hours, latency,
    /// errors, users and budgets at a glance.
    Dashboard(DashboardArgs),
    /// May this call spend? Exit 0 yes, 1 when a hard-limit budget covering it is closed (the
    /// model to use — the fallback in force — on stdout), 2 on an error.
    Guard(GuardArgs),
    /// The overview: today, this week, this month, all time, budgets, top models and types.
    Costs(CostsArgs),
    /// The monthly report for finance: summary, breakdowns, weekday/weekend, the peak day and
    /// what drove it, the budgets' month (table, markdown, json, or -o report.xlsx).
    Report(ReportArgs),
    /// One line per customer (or user, project, any field): calls, tokens, cost, markup, fees and
    /// the amount due, reconciled with analyze (csv, json, xlsx).
    Bill(BillArgs),
    /// The most expensive conversations: cost, messages, models, first and last time, title.
    Conversations(ConversationsArgs),
    /// Yesterday's (or last week's) summary against the period before, budgets and top movers;
    /// --send delivers it once through the configured email and webhook.
    Digest(DigestArgs),
    /// Shell completions, generated from these definitions: bash, zsh, fish, powershell, elvish.
    Completions(CompletionsArgs),
    /// The man page (roff), generated from these definitions; `make man` writes target/man/llmlog.1.
    #[command(hide = true)]
    Man,
    /// Two periods (or two sets of logs) side by side: what changed, and whether it came from
    /// more calls, pricier groups or each group's cost per call.
    Compare(CompareArgs),
    /// What the calls would have cost on another model, repriced from their own tokens.
    Whatif(WhatifArgs),
    /// Cheaper models your logs already show doing the same work as well, with the saving.
    Optimize(OptimizeArgs),
    /// What a prompt or a batch will cost before you run it, and whether it fits the budgets.
    Estimate(EstimateArgs),
    /// The cache of parsed inputs that makes re-runs fast: `info` (where, how large, its
    /// entries), `clear` (empty it).
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Write the calls as a Parquet dataset (zstd, partitioned by date=YYYY-MM-DD) to a
    /// directory or s3://bucket/prefix, for DuckDB, Spark and any other engine; every llmlog
    /// command reads it back. Re-exporting adds only what is new.
    Export(ExportArgs),
    /// The report's queries as SQL over an exported dataset, for DuckDB or Spark SQL: run them
    /// on your engine at any scale, then `llmlog render` the results.
    Sql(SqlArgs),
    /// Turn the results of `llmlog sql`, run on DuckDB or Spark, into llmlog's report (table,
    /// markdown, json, csv, or the dashboard with -o dashboard.png / .svg).
    Render(RenderArgs),
}

#[derive(Args, Debug)]
#[command(
    after_help = "Each row is one call as llmlog counts it (the schema in schemas/llm-call.schema.json): timestamp (UTC), model, provider, type, user, project, tags, conversation, error_kind, source, customer, conversation_name, ok, input/output/cached/cache_write/reasoning tokens, cost_usd (priced at export; the source in `pricing`), priced, list_cost_usd, latency_s, ttft_s, cache_hit, prompt_length, quality, correct, file, line.\n\nFiles are named date=YYYY-MM-DD/part-<run>.parquet; each run's manifest (_llmlog/manifests/<run>.json) records the inputs by device, inode and first bytes, and the byte and line reached, so the next export reads only what was appended and several machines can export to one prefix. S3 credentials come from AWS_* variables or ~/.aws (AWS_PROFILE); AWS_ENDPOINT_URL points at a compatible store.\n\nExamples:\n  llmlog export logs/ --to warehouse/llm-calls\n  llmlog export /var/log/app/*.jsonl --to s3://acme-logs/llm-calls\n  llmlog analyze warehouse/llm-calls --last 30d\n  duckdb -c \"SELECT model, sum(cost_usd) FROM read_parquet('warehouse/llm-calls/**/*.parquet', hive_partitioning=true) GROUP BY 1\""
)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The dataset: a directory (created if needed) or s3://bucket/prefix.
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
    pub to: String,

    /// What was written: a table, or json. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    Duckdb,
    Spark,
}

#[derive(Args, Debug)]
#[command(
    after_help = "The script reads the dataset, defines a view named --table, and writes each query's result as JSON lines into --results (DuckDB: one file per query; Spark: one folder per query). `llmlog render RESULTS` then prints llmlog's report from them. Percentiles use linear interpolation between the two nearest values (DuckDB quantile_cont, Spark percentile), as llmlog's do.\n\nExamples:\n  llmlog sql --dialect duckdb --dataset warehouse/llm-calls > report.sql && duckdb < report.sql\n  llmlog render results/\n  llmlog sql --dialect spark --dataset s3a://acme-logs/llm-calls --results s3a://acme-logs/report > report.sql\n  spark-sql -f report.sql"
)]
pub struct SqlArgs {
    /// The engine the SQL is for.
    #[arg(long, value_enum)]
    pub dialect: Dialect,

    /// Where the dataset is, as the engine names it (a path, s3://…, s3a://…).
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub dataset: String,

    /// The name of the view the queries read.
    #[arg(long, value_name = "NAME", default_value = "llm_calls")]
    pub table: String,

    /// Where the engine writes the results.
    #[arg(long, value_name = "PATH", default_value = "results")]
    pub results: String,

    /// Time zone for days and hours (IANA name). Default: UTC.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,

    /// How many of the most expensive calls and users to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: u32,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Reads what `llmlog sql` made the engine write: summary, by_model, by_type, by_provider, by_user, by_day, by_hour, errors_by_kind, top_calls, and for -o the dashboard's cost_over_time and latency_histogram (each a .json file of JSON lines, or a folder of part files).\n\nExamples:\n  llmlog render results/\n  llmlog render results/ --format markdown >> summary.md\n  llmlog render results/ -o dashboard.png"
)]
pub struct RenderArgs {
    /// The folder the engine wrote the results into.
    #[arg(value_name = "RESULTS")]
    pub results: String,

    /// Output format. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Draw the dashboard instead, to this .png or .svg file (as `llmlog dashboard` does).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,

    /// The time zone the results' days and hours are in (as given to `llmlog sql --tz`).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,

    /// How many of the most expensive calls and users to show (at most what `llmlog sql --top`
    /// asked the engine for).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: u32,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog completions bash > ~/.local/share/bash-completion/completions/llmlog\n  llmlog completions zsh > \"${fpath[1]}/_llmlog\"\n  llmlog completions fish > ~/.config/fish/completions/llmlog.fish"
)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// The period a view covers (with --since/--until/--last of the input flags).
#[derive(Args, Debug, Clone, Default)]
pub struct PeriodArgs {
    /// A calendar month, e.g. 2026-11 (in --tz). Default: the month of the last call.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,

    /// A calendar year.
    #[arg(long, value_name = "YYYY")]
    pub year: Option<String>,

    /// First day (with --to; both days included).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,

    /// Last day, included.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog costs logs/\n  llmlog costs logs/ --format json | jq .this_month.cost_usd\n  llmlog            # the same, when llmlog.toml names the logs (logs = [\"logs/\"])\n\nWeeks start on Monday; today, this week and this month are in --tz."
)]
pub struct CostsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Models and types listed.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub top: u32,

    /// Output format: table, json or markdown. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog report logs/ --month 2026-11\n  llmlog report logs/ --month 2026-11 -o november.xlsx\n  llmlog report logs/ --year 2026 --format markdown > 2026.md\n  llmlog report logs/ --from 2026-11-01 --to 2026-11-15 --format json\n\nThe peak day names the model, type and user with the largest share of its cost, and its change against the period's median day (days without calls count as $0)."
)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub period: PeriodArgs,

    /// Users listed.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: u32,

    /// Write the report to a file: .xlsx (one sheet per section) or any other name for the
    /// --format text.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,

    /// Output format. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog bill logs/ --month 2026-11\n  llmlog bill logs/ --month 2026-11 --markup 20% --per-call-fee 0.001 --min-charge 5 -o bill.xlsx\n  llmlog bill logs/ --month 2026-11 --by project --format csv > invoice.csv\n\nAmount = cost + markup + calls × fee, raised to --min-charge for a customer below it. Customers come from customer_id, customer, tenant, org_id or account_id (--by customer, the default when logged), else the user. Calls naming no customer are billed to (none), so the totals equal analyze's for the same window."
)]
pub struct BillArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub period: PeriodArgs,

    /// Who is billed: customer (default when the logs name customers, else user), project, or any
    /// field.
    #[arg(long, value_name = "FIELD")]
    pub by: Option<String>,

    /// Markup on the provider cost: 20% or 0.2.
    #[arg(long, value_name = "PCT")]
    pub markup: Option<String>,

    /// A fee per call, in dollars.
    #[arg(long, value_name = "USD")]
    pub per_call_fee: Option<f64>,

    /// The least a customer with calls is charged for the period.
    #[arg(long, value_name = "USD")]
    pub min_charge: Option<f64>,

    /// Write the bill to a file: .xlsx, .csv or .json (by extension).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,

    /// Output format. Default: table on a terminal, csv when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog conversations logs/ --top 10\n  llmlog conversations ~/.config/io.datasette.llm/logs.db --format json\n\nA conversation is the calls sharing a conversation_id (session_id, thread_id, Claude Code's sessionId…); its title comes from conversation_name (or llm's conversations table)."
)]
pub struct ConversationsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Conversations listed.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: u32,

    /// Output format. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DigestPeriod {
    Daily,
    Weekly,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog digest logs/                      # yesterday against the day before\n  llmlog digest logs/ --period weekly --send   # last week, by the configured email and webhook\n\nA daily digest covers yesterday; a weekly one the last full week (Monday to Sunday), in --tz. With --send it is delivered once per period: what was sent is remembered in the state directory (as watch's alerts are), so running it again — from cron, say — sends nothing twice. `watch` sends it on a schedule with [alerts.digest] period = \"daily\", at = \"09:00\"."
)]
pub struct DigestArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// daily (yesterday) or weekly (last week).
    #[arg(long, value_enum, default_value_t = DigestPeriod::Daily)]
    pub period: DigestPeriod,

    /// Deliver it through the email and webhook sinks of llmlog.toml, once per period.
    #[arg(long)]
    pub send: bool,

    /// The state directory that remembers what was sent (default: as for watch).
    #[arg(long, value_name = "DIR")]
    pub state: Option<String>,

    /// Output format: table, json or markdown.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog compare logs/ --periods 2026-10,2026-11\n  llmlog compare logs/ --a 2026-11-01..2026-11-15 --b 2026-11-16..2026-11-30 --by type\n  llmlog compare logs/ --last 7d --fail-above 20      # CI: fail when this week cost 20% more\n  llmlog compare before.jsonl --vs after.jsonl --change-cost 2000\n\nWithout --periods, --a/--b or --vs: the last 7 days against the 7 before. Periods are months (2026-11), days (2026-11-03), years or ranges A..B with both ends included, in --tz.\n\nThe change in cost is split into volume (more or fewer calls at A's mix and rates), mix (calls moving between the --by groups) and rate (each group's cost per call changing); the three add up to the change. The saving per call has a 95% percentile-bootstrap interval (--seed makes it reproducible)."
)]
pub struct CompareArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The other set of logs: PATHS are A (before), these are B (after).
    #[arg(long, value_name = "PATHS", num_args = 1..)]
    pub vs: Vec<String>,

    /// Two periods, A then B: --periods 2026-10,2026-11.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub periods: Option<Vec<String>>,

    /// Period A (the baseline), e.g. 2026-11-01..2026-11-15.
    #[arg(long = "a", value_name = "PERIOD")]
    pub a: Option<String>,

    /// Period B (the current one).
    #[arg(long = "b", value_name = "PERIOD")]
    pub b: Option<String>,

    /// The groups the change is broken down and attributed by (comma-separated fields).
    #[arg(
        long,
        value_name = "FIELDS",
        value_delimiter = ',',
        default_value = "model"
    )]
    pub by: Vec<String>,

    /// What the change cost (engineering time, a migration): the payback period at B's volume.
    #[arg(long, value_name = "USD")]
    pub change_cost: Option<f64>,

    /// Exit 1 when cost grew by more than PCT percent from A to B.
    #[arg(long, value_name = "PCT")]
    pub fail_above: Option<f64>,

    /// Seed of the bootstrap's resampling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// Groups listed in the table and Markdown (JSON and CSV have them all).
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub top: u32,

    /// Output format. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog whatif logs/ --as 'gpt-4o*=gpt-4o-mini'\n  llmlog whatif logs/ --as gpt-4o=gpt-4o-mini --where type=faq --last 1m\n  llmlog whatif logs/ --as 'claude-opus-*=claude-sonnet-4-5' --by type --format json\n\nEach call whose model matches FROM (a glob; the first matching --as wins) is repriced from its own tokens at TO's list price at the call's time (standard tier). Calls that match no --as keep their cost. --where narrows the calls considered, as in analyze."
)]
pub struct WhatifArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// FROM=TO: price calls of FROM (glob) at TO's rates. Repeatable.
    #[arg(long = "as", value_name = "FROM=TO", required = true)]
    pub swaps: Vec<String>,

    /// Break the saving down by these fields (comma-separated).
    #[arg(
        long,
        value_name = "FIELDS",
        value_delimiter = ',',
        default_value = "model"
    )]
    pub by: Vec<String>,

    /// Rows listed in the table and Markdown.
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub top: u32,

    /// Output format. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog optimize logs/\n  llmlog optimize logs/ --by project --min-calls 100 --min-saving 20\n\nFor each type (or --by group), a cheaper model is suggested only when the logs show it already doing that work: at least --min-calls calls, a success rate no lower, and — when quality is logged for the current model — an average quality no lower. The saving reprices the current model's calls from their own tokens at the cheaper model's list price, scaled to 30 days at the current volume. Candidates that fail a test are listed with the reason."
)]
pub struct OptimizeArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Group the work by these fields (comma-separated).
    #[arg(
        long,
        value_name = "FIELDS",
        value_delimiter = ',',
        default_value = "type"
    )]
    pub by: Vec<String>,

    /// Calls the cheaper model must have in the group to count as evidence.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub min_calls: u64,

    /// Only suggest changes saving at least this much per 30 days.
    #[arg(long, default_value_t = 1.0, value_name = "USD")]
    pub min_saving: f64,

    /// Output format. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog estimate --model gpt-4o --prompt 'Summarize this ticket: …' --max-output 300\n  llmlog estimate --model gpt-4o-mini --batch prompts.jsonl --logs logs/ --type summarize\n  llmlog estimate --model claude-sonnet-4-5 --batch prompts.csv --max-output 800 --budget monthly=20 --fail-over-budget\n\nInput tokens: OpenAI models are counted with their own tokenizer (tiktoken: o200k_base for gpt-4o, gpt-4.1, o-series and gpt-5; cl100k_base for gpt-4 and gpt-3.5), chat messages with OpenAI's per-message overhead; other models at 4 characters per token, typically within ±25% for English prose. Output tokens: the median and 90th percentile of the logged calls of that model (and --type), else --max-output. A batch file holds one prompt per row: JSONL with prompt, input, text or messages (also inside an OpenAI batch `body`), or CSV with a `prompt` column."
)]
pub struct EstimateArgs {
    /// The model the prompts will run on.
    #[arg(long, value_name = "MODEL")]
    pub model: String,

    /// One prompt's text.
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["file", "batch"])]
    pub prompt: Option<String>,

    /// One prompt from a file (- for standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub file: Option<String>,

    /// Many prompts: JSONL or CSV, one per row.
    #[arg(long, value_name = "FILE")]
    pub batch: Option<String>,

    /// Logs whose past calls tell the output length and the budgets' spend so far.
    #[arg(long, value_name = "PATHS", num_args = 1..)]
    pub logs: Vec<String>,

    /// Only past calls of this type tell the output length.
    #[arg(long = "type", value_name = "TYPE")]
    pub call_type: Option<String>,

    /// Output tokens per prompt when the logs cannot tell (an upper bound).
    #[arg(long, value_name = "TOKENS")]
    pub max_output: Option<u64>,

    /// Price at the provider's batch-API rate (about half).
    #[arg(long)]
    pub batch_api: bool,

    /// Where the calls will be logged, for budgets scoped by a field: FIELD=VALUE, repeatable.
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub wheres: Vec<String>,

    /// Exit 1 when the high estimate would put a budget over its limit.
    #[arg(long)]
    pub fail_over_budget: bool,

    /// A budget to check against, as for analyze (PERIOD=USD[,FIELD=VALUE…]). Repeatable.
    #[arg(long = "budget", value_name = "RULE")]
    pub budgets: Vec<String>,

    /// Config file (prices, budgets). Default: $LLMLOG_CONFIG, else ./llmlog.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// Your own prices (as for analyze).
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<String>,

    /// A newer genai-prices database than the bundled one.
    #[arg(long, value_name = "FILE")]
    pub pricing_data: Option<String>,

    /// Time zone for budget windows.
    #[arg(long, env = "LLMLOG_TZ", value_name = "ZONE")]
    pub tz: Option<String>,

    /// Take this instant as now (prices and budget windows).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Output format: table, json or markdown.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog guard --model gpt-4o --where project=support && run_the_call\n  MODEL=$(llmlog guard --model gpt-4o) || echo \"closed; fallback: $MODEL\"\n  llmlog guard logs/ --budget 'daily cap'      # no watch running: evaluate the logs\n\nIt answers from the status file `llmlog watch` keeps (fresh within 5 s) — in the state directory, or --status-file — else by reading PATHS. A budget covers the call unless --model/--where name a value outside its scope; a field left out is assumed to match, so pass the fields your budgets are scoped and split by."
)]
pub struct GuardArgs {
    /// Logs to evaluate when no fresh status file is there.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<String>,

    /// Only this budget (by name).
    #[arg(long, value_name = "NAME")]
    pub budget: Option<String>,

    /// The model the call would use: prints the model to use instead while a fallback is in force.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,

    /// The call's other fields (user, project, type, tag, provider, conversation), repeatable.
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub wheres: Vec<String>,

    /// Config file with the budgets. Default: $LLMLOG_CONFIG, else ./llmlog.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// A one-off budget (with hard=true to make it closable), as for analyze.
    #[arg(long = "budget-rule", value_name = "RULE")]
    pub budgets: Vec<String>,

    /// The watch state directory (where watch keeps status.json).
    #[arg(long, value_name = "DIR")]
    pub state: Option<String>,

    /// The status file to read (default: status.json in the state directory).
    #[arg(long, value_name = "FILE")]
    pub status_file: Option<String>,

    /// Time zone for budget windows.
    #[arg(long, env = "LLMLOG_TZ", value_name = "ZONE")]
    pub tz: Option<String>,

    /// Take this instant as now (a window that has ended by then has reopened).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Print the answer as JSON ({allowed, model, reasons}).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog dashboard logs/ -o dashboard.png\n  llmlog dashboard logs/ --last 30d --title 'Support bot, last 30 days' -o spend.svg\n  llmlog dashboard logs/ -o report.html    # one self-contained, interactive file: filter by date, click a model\n\nThe format follows the extension: .png, .svg, .pdf (vector) or .html (data, styles and script inline; it makes no network request when opened)."
)]
pub struct DashboardArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Where to write it: .html (an interactive, self-contained report), .pdf (vector, fonts
    /// embedded), .svg, else PNG.
    #[arg(
        long,
        short = 'o',
        default_value = "dashboard.png",
        value_name = "FILE"
    )]
    pub output: String,

    /// Image size in pixels, WIDTHxHEIGHT.
    #[arg(long, default_value = "1600x1000", value_name = "WxH")]
    pub size: String,

    /// Title at the top left.
    #[arg(long, default_value = "LLM spend")]
    pub title: String,
}

#[derive(Subcommand, Debug)]
pub enum BudgetCommand {
    /// Each budget's current window: spent, share, projection, status; and past breaches.
    Status(BudgetStatusArgs),
}

#[derive(Args, Debug)]
pub struct BudgetStatusArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail only on budgets over their limit.
    Over,
    /// Also on budgets past a warning threshold.
    Warning,
    /// Also on budgets projected to go over by the window's end.
    Projected,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog check eval-run.jsonl --max-cost 5 --max-p95 8 --min-success-rate 0.99\n  llmlog check logs/ --fail-on projected --format markdown >> \"$GITHUB_STEP_SUMMARY\""
)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Fail when the run's total cost exceeds this many dollars.
    #[arg(long, value_name = "USD")]
    pub max_cost: Option<f64>,

    /// Fail when any single call costs more than this.
    #[arg(long, value_name = "USD")]
    pub max_cost_per_call: Option<f64>,

    /// Fail when the latency p95 exceeds this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub max_p95: Option<f64>,

    /// Fail when the success rate is below this fraction (0.99 = 99%).
    #[arg(long, value_name = "FRACTION")]
    pub min_success_rate: Option<f64>,

    /// Fail when the error rate is above this fraction.
    #[arg(long, value_name = "FRACTION")]
    pub max_error_rate: Option<f64>,

    /// Which budget state fails the check.
    #[arg(long, value_enum, default_value_t = FailOn::Over)]
    pub fail_on: FailOn,

    /// Output format: table (one line per rule), json, or markdown for $GITHUB_STEP_SUMMARY.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Log files, directories (searched for *.jsonl, *.ndjson, *.json and their .gz), quoted globs
    /// such as 'logs/**/*.jsonl', or - for standard input. With none, standard input is read when
    /// it is a pipe.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<String>,

    /// Time zone for days, hours and timestamps without an offset (IANA name, e.g. Europe/Berlin).
    /// Default: the machine's zone.
    #[arg(long, env = "LLMLOG_TZ", value_name = "ZONE")]
    pub tz: Option<String>,

    /// Your own prices, winning over the database for the models they name: our TOML
    /// ([models."name"] input_per_mtok = …) or LiteLLM's model_prices_and_context_window.json.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<String>,

    /// A newer genai-prices database than the bundled one: the JSON at
    /// github.com/pydantic/genai-prices, prices/new_data/v2/data.json.
    #[arg(long, value_name = "FILE")]
    pub pricing_data: Option<String>,

    /// Price every call from the rates (override file, then database), even when the log carries a
    /// cost.
    #[arg(long)]
    pub reprice: bool,

    /// Price calls at their provider's batch rate (for logs of a batch API job).
    #[arg(long)]
    pub batch: bool,

    /// The time of batch results that carry none (Anthropic Message Batches); default: the
    /// file's modification time.
    #[arg(long, value_name = "TIME")]
    pub batch_time: Option<String>,

    /// Only calls at or after this time (2026-11-01, 2026-11-01T09:00, or with an offset).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only calls before this time; a bare date includes that whole day.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Only the last stretch of time before now: 30min, 24h, 7d, 2w, 1m (calendar months).
    #[arg(long, value_name = "SPAN", conflicts_with = "since")]
    pub last: Option<String>,

    /// Keep only calls where FIELD=VALUE (or FIELD!=VALUE); * is a wildcard. Repeatable.
    /// Fields: model, provider, type, user, project, tag, conversation, error, status.
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub wheres: Vec<String>,

    /// Pretend it is this time (for --last and projections); RFC 3339 or a date.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Exit with status 2 if any line was skipped as unreadable.
    #[arg(long)]
    pub strict: bool,

    /// Read every input again instead of using the cache of parsed inputs
    /// ($XDG_CACHE_HOME/llmlog; see `llmlog cache info`). Also LLMLOG_NO_CACHE=1.
    #[arg(long, env = "LLMLOG_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,

    /// Also read every coding agent's logs on this machine: Claude Code ($CLAUDE_CONFIG_DIR,
    /// ~/.config/claude, ~/.claude), Codex ($CODEX_HOME, ~/.codex), Gemini CLI (~/.gemini),
    /// Copilot CLI ($COPILOT_OTEL_FILE_EXPORTER_PATH, ~/.copilot/otel). `--by source` splits them.
    #[arg(long)]
    pub agents: bool,

    /// Config file (time zone, prices, budgets, alerts). Default: $LLMLOG_CONFIG, else
    /// ./llmlog.toml when it exists.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// A one-off budget: PERIOD=USD[,FIELD=VALUE…][,per=FIELD][,warn=FRACTION], e.g.
    /// --budget monthly=1000 or --budget 'daily=50,project=support'. Repeatable.
    #[arg(long = "budget", value_name = "RULE")]
    pub budgets: Vec<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format. Default: table on a terminal, json when piped.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Also group by these fields, comma-separated (e.g. project,model).
    #[arg(long, value_name = "FIELDS", value_delimiter = ',')]
    pub by: Option<Vec<String>>,

    /// With --format csv: which breakdown to write (model, type, provider, project, user, day,
    /// hour, top_calls, outliers). Default: the --by grouping, else model.
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,

    /// How many users, top calls and outliers to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: u32,

    /// A call slower than this many seconds counts as slow.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    pub slow: f64,

    /// A call costing more than this many times its model's median cost is an outlier.
    #[arg(long, default_value_t = 10.0, value_name = "X")]
    pub outlier_factor: f64,

    /// Colour: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// An hour or day is anomalous above its baseline's median + K × 1.4826 × MAD.
    #[arg(long, default_value_t = 5.0, value_name = "K")]
    pub anomaly_k: f64,

    /// A runaway loop: at least this many near-identical calls of one user or conversation…
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub loop_calls: usize,

    /// …within this span (30s, 10min, 1h).
    #[arg(long, default_value = "10min", value_name = "SPAN")]
    pub loop_within: String,
}

impl AnalyzeArgs {
    /// `--loop-within` in ms (validated in `analyze::run`).
    pub fn loop_within_ms(&self) -> i64 {
        crate::config::parse_span("--loop-within", &self.loop_within).unwrap_or(600_000)
    }
}

#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  llmlog pricing claude-sonnet-4-5\n  llmlog pricing gpt-4o --at 2026-03-01 --format json\n  llmlog pricing audit logs/    # logged costs against list prices\n\nPrices come from the genai-prices database bundled with llmlog (providers, dated prices, tiers, batch and service-tier variants); --pricing FILE overrides it for the models it names, --pricing-data FILE replaces it with a newer snapshot."
)]
pub struct PricingArgs {
    #[command(subcommand)]
    pub command: Option<PricingCommand>,

    /// A model name as logged (claude-sonnet-4-5, openai/gpt-4o-2024-08-06): what it resolves to.
    /// Without one, every model in the database.
    pub model: Option<String>,

    /// The prices in effect at this date or time (default: now).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,

    /// The provider, when the model name alone is ambiguous (openai, azure, anthropic, google…).
    #[arg(long, value_name = "ID")]
    pub provider: Option<String>,

    /// Your own prices (TOML or LiteLLM JSON), as for analyze.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<String>,

    /// A newer genai-prices database file, as for analyze.
    #[arg(long, value_name = "FILE")]
    pub pricing_data: Option<String>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Subcommand, Debug)]
pub enum PricingCommand {
    /// Logged costs against list prices, per model: where a logger's cost math (or a bill)
    /// disagrees with the database.
    Audit(AuditArgs),
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format (default: table on a terminal, json when piped).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  llmlog watch logs/ --config llmlog.toml\n  llmlog watch 'logs/*.jsonl' --budget daily=50 --from-end\n  llmlog watch --test-alert --config llmlog.toml\n\nEvery start reads the logs with the same scan and budget query as `budget status`, so both report the same spent and status. The alerts raised and their deliveries live in --state DIR: by default .llmlog/ beside the config file, else $XDG_STATE_HOME/llmlog (~/.local/state/llmlog). After a crash or kill -9 the next start counts every call once again and sends no alert twice."
)]
pub struct WatchArgs {
    /// Log files, directories (new files in them are picked up) and quoted globs to follow.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<String>,

    /// Config file with budgets and [alerts]. Default: $LLMLOG_CONFIG, else ./llmlog.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// A one-off budget, as for analyze (repeatable).
    #[arg(long = "budget", value_name = "RULE")]
    pub budgets: Vec<String>,

    /// Time zone for budget windows and naive timestamps.
    #[arg(long, env = "LLMLOG_TZ", value_name = "ZONE")]
    pub tz: Option<String>,

    /// Your own prices (TOML or LiteLLM JSON), winning over the database.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<String>,

    /// A newer genai-prices database file (prices/new_data/v2/data.json).
    #[arg(long, value_name = "FILE")]
    pub pricing_data: Option<String>,

    /// Where to keep the watch state.
    #[arg(long, value_name = "DIR")]
    pub state: Option<String>,

    /// Where to keep the live budget status apps read (default: status.json in the state
    /// directory); rewritten atomically every pass.
    #[arg(long, value_name = "FILE")]
    pub status_file: Option<String>,

    /// Answer GET /status and GET /guard?model=…&user=… on this address (e.g. 127.0.0.1:8787):
    /// 200 allowed, 429 closed. Read-only; aggregates only.
    #[arg(long, value_name = "ADDR")]
    pub serve: Option<String>,

    /// On the first start, raise no per-call alerts (expensive calls) for what the files already
    /// hold. Budgets still count it, as `budget status` does.
    #[arg(long)]
    pub from_end: bool,

    /// Do not use file-system notifications; rescan on the timer only (network file systems).
    #[arg(long)]
    pub poll: bool,

    /// Seconds between rescans (notifications wake it sooner).
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    pub interval: f64,

    /// Read what is there, raise and deliver alerts, save the state, and exit.
    #[arg(long)]
    pub once: bool,

    /// Take this instant as now for windows, projections and alerts (RFC 3339 or a date), as
    /// `analyze --now` does; for tests and replays.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Send one test alert through every configured sink, report each result, and exit.
    #[arg(long)]
    pub test_alert: bool,

    /// A refreshing view on the terminal: each budget's use, today's cost, the last alerts.
    /// Only drawn when stdout is a terminal.
    #[arg(long, conflicts_with = "format")]
    pub live: bool,

    /// Events on stdout: text (nothing; alerts go to stderr) or json (one JSON object per line:
    /// ingest, alert and delivery events, for scripts).
    #[arg(long, short = 'f', value_enum, default_value_t = WatchFormat::Text)]
    pub format: WatchFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum CacheCommand {
    /// Where the cache is, its size and cap, and what each entry holds (--format json too).
    Info {
        #[arg(long, short = 'f', value_enum)]
        format: Option<Format>,
    },
    /// Remove every entry.
    Clear,
}
