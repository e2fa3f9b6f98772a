//! One file per subcommand; each turns settings into an exit code.

pub mod analyze;
pub mod bill;
pub mod budget;
pub mod cache;
pub mod check;
pub mod compare;
pub mod conversations;
pub mod costs;
pub mod dashboard;
pub mod digest;
pub mod estimate;
pub mod export;
pub mod guard;
pub mod optimize;
pub mod pricing;
pub mod progress;
pub mod render;
pub mod report;
pub mod sql;
pub mod watch;
pub mod whatif;

use crate::cli::{Cli, Command};
use anyhow::Result;
use std::process::ExitCode;

/// Exit statuses: 0 ok, 1 a budget or rule tripped, 2 an error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_TRIPPED: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let Some(command) = cli.command else {
        return no_command();
    };
    match command {
        Command::Analyze(a) => analyze::run(a),
        Command::Pricing(p) => pricing::run(p),
        Command::Budget(crate::cli::BudgetCommand::Status(b)) => budget::run(b),
        Command::Check(c) => check::run(c),
        Command::Dashboard(d) => dashboard::run(d),
        Command::Watch(w) => watch::run(w),
        Command::Guard(g) => guard::run(g),
        Command::Costs(c) => costs::run(c),
        Command::Report(r) => report::run(r),
        Command::Bill(b) => bill::run(b),
        Command::Conversations(c) => conversations::run(c),
        Command::Digest(d) => digest::run(d),
        Command::Completions(c) => {
            use clap::CommandFactory;
            use std::io::Write;
            let mut cmd = crate::cli::Cli::command();
            // Into memory first: the generator panics on a closed pipe (`| head`).
            let mut buf = Vec::new();
            clap_complete::generate(c.shell, &mut cmd, "llmlog", &mut buf);
            let _ = std::io::stdout().lock().write_all(&buf);
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(crate::cli::Cli::command()).render(&mut out)?;
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Compare(c) => compare::run(c),
        Command::Whatif(w) => whatif::run(w),
        Command::Optimize(o) => optimize::run(o),
        Command::Estimate(e) => estimate::run(e),
        Command::Cache(c) => cache::run(c),
        Command::Export(e) => export::run(e),
        Command::Sql(s) => sql::run(s),
        Command::Render(r) => render::run(r),
    }
}

/// `llmlog` alone: the overview when the config names the logs, else the help.
fn no_command() -> Result<ExitCode> {
    use clap::{CommandFactory, Parser};
    let Some(Command::Costs(args)) = crate::cli::Cli::parse_from(["llmlog", "costs"]).command
    else {
        unreachable!("`llmlog costs` parses as the costs command")
    };
    let settings = crate::config::Settings::from_args(&args.input)?;
    if settings.log_paths.is_empty() {
        crate::cli::Cli::command().print_help()?;
        println!();
        println!("(Name your logs in llmlog.toml — logs = [\"logs/\"] — and `llmlog` alone shows the overview.)");
        return Ok(ExitCode::from(EXIT_ERROR));
    }
    costs::run(args)
}

/// Whether colour is wanted on a stream: never with NO_COLOR, else as chosen or when a terminal.
pub fn use_color(choice: crate::cli::ColorChoice, is_terminal: bool) -> bool {
    use crate::cli::ColorChoice::*;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match choice {
        Never => false,
        Always => !no_color,
        Auto => is_terminal && !no_color,
    }
}
