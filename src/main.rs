//! The `llmlog` binary: parse arguments, run the command, map the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    llmlog::memory::keep_freed_memory_briefly();
    let cli = llmlog::cli::Cli::parse();
    match llmlog::cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`llmlog analyze … | head`) is not an error worth a message.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("llmlog: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
