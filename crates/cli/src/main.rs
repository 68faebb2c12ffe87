//! `annlab`: inspect vector files, compute exact ground truth, compare FLAT, HNSW and
//! SVS-VAMANA indexes on your own data, and sweep grids of them to a decision.
//!
//! Errors go to stderr with their cause chain and a non-zero exit status; `--json` output is
//! the only thing written to stdout.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod assess;
mod commands;
mod export;
mod io;
mod progress;
mod specs;

#[derive(Debug, Parser)]
#[command(name = "annlab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Inspect(commands::inspect::Args),
    Exact(commands::exact::Args),
    Compare(Box<commands::compare::Args>),
    Memory(commands::memory::Args),
    Assess(Box<commands::assess::Args>),
    Sweep(Box<commands::sweep::Args>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Exact(args) => commands::exact::run(&args),
        Command::Compare(args) => commands::compare::run(&args),
        Command::Memory(args) => commands::memory::run(&args),
        Command::Assess(args) => commands::assess::run(&args),
        Command::Sweep(args) => commands::sweep::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
