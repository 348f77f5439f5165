//! The entry point: the resource step named by the program (`check`, `in`, `out`
//! as linked in /opt/resource), or the command-line face under any other name.

use clap::{Args, Parser, Subcommand};

mod compare;
mod update_ami_ids;
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
    /// Compare the running fleet with an AMI and print a table (exit 0 SUCCESS, 1 FAILED, 2 error).
    Compare(compare::CompareArgs),
    /// Set one key of the ami-ids secret to an AMI, then optionally dispatch a workflow.
    UpdateAmiIds(update_ami_ids::UpdateArgs),
}

/// The AMI under test, inline or from a file (e.g. an `ami` resource's `id`).
#[derive(Args, Debug)]
pub struct AmiArgs {
    /// The AMI ID.
    #[arg(
        long,
        required_unless_present = "ami_file",
        conflicts_with = "ami_file"
    )]
    ami: Option<crate::ami::AmiId>,
    /// A file holding the AMI ID (e.g. untested-ami/id).
    #[arg(long, value_name = "PATH")]
    ami_file: Option<PathBuf>,
}

impl AmiArgs {
    pub fn resolve(&self) -> anyhow::Result<(crate::ami::AmiId, crate::record::AmiSource)> {
        use crate::record::AmiSource;
        match (&self.ami, &self.ami_file) {
            (Some(a), _) => Ok((
                a.clone(),
                AmiSource {
                    param: "--ami".into(),
                    file: None,
                },
            )),
            (None, Some(f)) => {
                let text = crate::steps::put::read_small(Path::new("."), f, "--ami-file")?;
                let ami = text
                    .parse()
                    .map_err(|e| anyhow::anyhow!("--ami-file {}: {e}", f.display()))?;
                let file = Some(f.display().to_string());
                Ok((
                    ami,
                    AmiSource {
                        param: "--ami-file".into(),
                        file,
                    },
                ))
            }
            (None, None) => anyhow::bail!("give --ami or --ami-file"),
        }
    }
}

/// Where the CLI reaches AWS: the standard credential chain, plus these.
#[derive(Args, Debug)]
pub struct AwsArgs {
    /// The AWS region, e.g. eu-west-2.
    #[arg(long)]
    pub region: String,
    /// One endpoint for EC2, Secrets Manager and STS (emulators, VPC endpoints).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// A role to assume on top of the standard credentials.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
}

impl AwsArgs {
    pub async fn sdk_config(&self) -> anyhow::Result<aws_config::SdkConfig> {
        let region = crate::config::Region::try_from(self.region.clone())
            .map_err(|e| anyhow::anyhow!("--region: {e}"))?;
        let endpoint = match &self.endpoint {
            Some(e) => Some(
                crate::config::values::BaseUrl::try_from(e.clone())
                    .map_err(|e| anyhow::anyhow!("--endpoint: {e}"))?,
            ),
            None => None,
        };
        let settings = crate::aws::Settings {
            region: region.to_string(),
            endpoint: endpoint.map(|u| crate::aws::endpoint_str(u.as_str())),
            role_arn: self.role_arn.clone(),
            static_credentials: None,
            session_name: "ami-test-resource-cli".into(),
        };
        Ok(crate::aws::sdk_config(&settings).await)
    }
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
        Command::Compare(args) => {
            let result = block_on(compare::run(args));
            match result {
                Ok(crate::verdict::Outcome::Success) => ExitCode::SUCCESS,
                Ok(crate::verdict::Outcome::Failed) => ExitCode::from(1),
                Err(e) => {
                    print_error(&e);
                    ExitCode::from(2)
                }
            }
        }
        Command::UpdateAmiIds(args) => match block_on(update_ami_ids::run(args)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                print_error(&e);
                ExitCode::FAILURE
            }
        },
    }
}

fn block_on<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    steps::runtime()?.block_on(f)
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

/// One line, and no control character at all (an ANSI escape from an input
/// quoted in a message must not reach the build log).
pub fn one_line(s: &str) -> String {
    let joined = s
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    crate::config::strict::escape_controls(&joined)
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
