//! The resource steps. `run` is the protocol prelude, written once: read stdin,
//! decode strictly, validate, run the step, print one JSON document.

pub mod check;
pub mod get;
pub mod observe;
pub mod publish;
pub mod put;

use anyhow::{Result, anyhow};
use serde::de::DeserializeOwned;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::config::{IN_PARAM_KEYS, InParams, OUT_PARAM_KEYS, OutParams, Source};
use crate::github::GitHub;
use crate::protocol::{self, Request, StepSpec};
use crate::releases::GitHubReleases;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Check,
    In,
    Out,
}

impl Step {
    pub fn from_program_name(name: &str) -> Option<Step> {
        match name {
            "check" => Some(Step::Check),
            "in" => Some(Step::In),
            "out" => Some(Step::Out),
            _ => None,
        }
    }

    fn spec(self) -> StepSpec {
        match self {
            Step::Check => StepSpec {
                name: "check",
                param_keys: None,
            },
            Step::In => StepSpec {
                name: "in",
                param_keys: Some(IN_PARAM_KEYS),
            },
            Step::Out => StepSpec {
                name: "out",
                param_keys: Some(OUT_PARAM_KEYS),
            },
        }
    }
}

/// The environment a step may read: Concourse's `BUILD_*` and `ATC_EXTERNAL_URL`.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Run one step; on success its JSON document has been printed on stdout.
pub fn run(step: Step, dir: Option<&Path>, stdin: impl Read, env: Env) -> Result<()> {
    let input = protocol::read_request(stdin)?;
    let rt = runtime()?;
    // The GitHub client is built before `block_on`, and octocrab spawns its
    // request buffer on the runtime it is built in.
    let _in_runtime = rt.enter();
    match step {
        Step::Check => {
            let req: Request<NoParams> = decode(&input, step)?;
            let versions = rt.block_on(check::run(&store(&req.source)?, &req))?;
            protocol::emit(&versions)
        }
        Step::In => {
            let req: Request<InParams> = decode(&input, step)?;
            let dest = dir_arg(dir, "in", "destination")?;
            let answer = rt.block_on(get::run(&store(&req.source)?, &req, &dest))?;
            protocol::emit(&answer)
        }
        Step::Out => {
            let req: Request<OutParams> = decode(&input, step)?;
            req.params.validate()?;
            let sources = dir_arg(dir, "out", "sources")?;
            let answer = rt.block_on(put::run(&req, &sources, env))?;
            protocol::emit(&answer)
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

fn decode<P: DeserializeOwned>(input: &[u8], step: Step) -> Result<Request<P>> {
    protocol::decode(input, &step.spec())
}

fn dir_arg(dir: Option<&Path>, step: &str, what: &str) -> Result<PathBuf> {
    let dir = dir.ok_or_else(|| anyhow!("`{step}` needs the {what} directory as its argument"))?;
    Ok(dir.to_path_buf())
}

/// One thread is plenty for a handful of sequential API calls, and starts faster.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("starting the async runtime: {e}"))
}

pub const DEFAULT_GITHUB_API: &str = "https://api.github.com/";

/// The release store `source` points at.
pub fn store(source: &Source) -> Result<GitHubReleases> {
    let default = reqwest::Url::parse(DEFAULT_GITHUB_API).expect("a valid default URL");
    let api = source.github_api_url.as_ref().map_or(&default, |u| u.url());
    let uploads = source.github_uploads_url.as_ref().map(|u| u.url());
    Ok(GitHubReleases {
        gh: GitHub::new(api, uploads, source.access_token.as_ref())?,
        owner: source.owner.to_string(),
        repo: source.repository.to_string(),
        uploads: uploads.cloned(),
    })
}
