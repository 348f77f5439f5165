//! `update-ami-ids`: set one key of the `ami-ids` secret to an AMI ID, keeping
//! every other key and the secret's SecretBinary/SecretString form, then
//! optionally dispatch the deploy workflow. Replaces the `sed` task.

use anyhow::{Context, Result, anyhow};
use clap::Args;
use serde_json::{Map, Value};
use std::path::PathBuf;

use super::{AmiArgs, AwsArgs};
use crate::ami::AmiId;
use crate::config::values::{BaseUrl, Secret};
use crate::dispatch::{self, Workflows, github::GitHubWorkflows};
use crate::github::GitHub;
use crate::secrets::update::{self, Outcome, Was};
use crate::secrets::{Secrets, SecretsManager};
use crate::steps::observe::TokioClock;

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The secret, e.g. /concourse/dataworks/ami-ids.
    #[arg(long, value_name = "ID")]
    secret_id: String,
    /// The key to set, e.g. concourse_ami_mgmt_dev.
    #[arg(long, value_name = "KEY")]
    key: String,
    #[command(flatten)]
    ami: AmiArgs,
    #[command(flatten)]
    aws: AwsArgs,
    /// Dispatch a workflow afterwards: OWNER/REPO.
    #[arg(long, value_name = "OWNER/REPO", requires_all = ["workflow", "git_ref"])]
    dispatch: Option<String>,
    /// The workflow file name or ID, e.g. ami-test-apply.yml.
    #[arg(long, value_name = "FILE_OR_ID", requires = "dispatch")]
    workflow: Option<String>,
    /// The branch or tag to run the workflow on, e.g. master.
    #[arg(long = "ref", value_name = "REF", requires = "dispatch")]
    git_ref: Option<String>,
    /// A workflow input, KEY=VALUE; repeatable.
    #[arg(long = "input", value_name = "KEY=VALUE", requires = "dispatch")]
    inputs: Vec<String>,
    #[arg(long, default_value = crate::steps::DEFAULT_GITHUB_API, value_name = "URL")]
    github_api_url: String,
    /// A file holding the GitHub token (else $GITHUB_TOKEN). Never printed.
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,
}

pub async fn run(args: UpdateArgs) -> Result<()> {
    let (ami, _) = args.ami.resolve()?;
    // Check the dispatch arguments before changing anything.
    let dispatch = match &args.dispatch {
        Some(repo) => Some(Dispatch::from_args(&args, repo)?),
        None => None,
    };
    let conf = args.aws.sdk_config().await?;
    let store = SecretsManager {
        client: aws_sdk_secretsmanager::Client::new(&conf),
        region: args.aws.region.clone(),
    };
    update_secret(&store, &args.secret_id, &args.key, &ami).await?;
    if let Some(d) = dispatch {
        d.send().await?;
    }
    Ok(())
}

async fn update_secret(store: &impl Secrets, id: &str, key: &str, ami: &AmiId) -> Result<()> {
    let written = match update::set_key(store, id, key, ami).await? {
        Outcome::AlreadySet => {
            println!("secret {id}: {key} is already {ami}; nothing written");
            return Ok(());
        }
        Outcome::Written(w) => w,
    };
    // The old value is shown only if it is an AMI ID: a wrong key could hold a secret.
    let was = match &written.was {
        Was::Ami(old) => format!("was {old}"),
        Was::NotAnAmi => "was not an AMI ID".to_owned(),
        Was::Unset => "was not set".to_owned(),
    };
    let others = written.others;
    println!(
        "secret {id}: {key} set to {ami} ({was}); {others} other key{} kept; stored as {}; verified: {}",
        if others == 1 { "" } else { "s" },
        written.form,
        written.verified
    );
    Ok(())
}

/// The dispatch the flags ask for, checked before anything is changed.
struct Dispatch(GitHubWorkflows);

impl Dispatch {
    fn from_args(args: &UpdateArgs, repo: &str) -> Result<Dispatch> {
        let (owner, name) = repo
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| anyhow!("--dispatch: expected OWNER/REPO, got `{repo}`"))?;
        let mut inputs = Map::new();
        for kv in &args.inputs {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| anyhow!("--input: expected KEY=VALUE, got `{kv}`"))?;
            inputs.insert(k.to_owned(), Value::String(v.to_owned()));
        }
        let api = BaseUrl::try_from(args.github_api_url.clone())
            .map_err(|e| anyhow!("--github-api-url: {e}"))?;
        let token = match &args.token_file {
            Some(f) => std::fs::read_to_string(f)
                .with_context(|| format!("--token-file: cannot read {}", f.display()))?,
            None => std::env::var("GITHUB_TOKEN").map_err(|_| {
                anyhow!("--dispatch needs a token: set GITHUB_TOKEN or give --token-file")
            })?,
        };
        let from = match &args.token_file {
            Some(f) => format!("--token-file {}", f.display()),
            None => "GITHUB_TOKEN".to_owned(),
        };
        let token =
            Secret::try_from(token).map_err(|e| anyhow!("the GitHub token ({from}): {e}"))?;
        Ok(Dispatch(GitHubWorkflows {
            gh: GitHub::new(api.url(), None, Some(&token))?,
            owner: owner.to_owned(),
            repo: name.to_owned(),
            workflow: args.workflow.clone().unwrap_or_default(),
            git_ref: args.git_ref.clone().unwrap_or_default(),
            inputs,
        }))
    }

    async fn send(&self) -> Result<()> {
        let mut log = |line: String| eprintln!("{line}");
        let done = dispatch::dispatch(&self.0, &TokioClock::new(), &mut log).await?;
        let what = self.0.describe();
        match done.confirmed {
            None => println!("dispatched workflow {what}"),
            Some((run, problem)) => println!(
                "dispatched workflow {what}: {problem}, but run {} started ({}); not dispatching again",
                run.id, run.html_url
            ),
        }
        Ok(())
    }
}
