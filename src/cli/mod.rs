//! The entry point: the resource step named by the program (`check`, `in`, `out`
//! as linked in /opt/resource), or the command-line face under any other name.

use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::steps::{self, Step};

#[derive(Parser, Debug)]
#[command(
    name = "ami-test-resource",
    version,
    about = "Concourse resource type: tests that every running Concourse instance runs the AMI under test, and carries the verdict between pipelines.",
    after_help = "Run as `check`, `in` or `out` (e.g. the links in /opt/resource/), it is the resource step."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the check step locally: the request is read from stdin.
    Check,
    /// Run the get step locally into DIR: the request is read from stdin.
    In { dir: PathBuf },
    /// Run the put step locally with DIR as the sources directory.
    Out { dir: PathBuf },
}

/// Run under `argv[0]`'s basename; returns the process exit code.
pub fn main(args: Vec<OsString>) -> ExitCode {
    install_panic_hook();
    let program = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    if let Some(step) = Step::from_program_name(&program) {
        let dir = args.get(1).map(PathBuf::from);
        return resource_step(step, dir.as_deref());
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Check => resource_step(Step::Check, None),
        Command::In { dir } => resource_step(Step::In, Some(&dir)),
        Command::Out { dir } => resource_step(Step::Out, Some(&dir)),
    }
}

fn resource_step(step: Step, dir: Option<&Path>) -> ExitCode {
    let env = |k: &str| std::env::var(k).ok();
    match steps::run(step, dir, std::io::stdin().lock(), &env) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            print_error(&e);
            ExitCode::FAILURE
        }
    }
}

/// The error, with its causes, on one line of stderr.
pub fn print_error(e: &anyhow::Error) {
    eprintln!("error: {}", one_line(&format!("{e:#}")));
}

pub fn one_line(s: &str) -> String {
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A bug must still end as one line on stderr and exit 1, never a backtrace. The
/// payload is our own message (no request data is ever put in a panic).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error{at}: {} (please report this)",
            one_line(&msg)
        );
        std::process::exit(1);
    }));
}
