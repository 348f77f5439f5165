//! The workflow API on GitHub: `workflow_dispatch` sent once per call, and the
//! runs listing that tells whether an unclear dispatch started a run.

use anyhow::{Context, Result, anyhow};
use http::Method;
use reqwest::Url;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Attempt, Run, Workflows};
use crate::github::{GitHub, backoff, is_rate_limited, retry_after};

pub struct GitHubWorkflows {
    pub gh: GitHub,
    pub owner: String,
    pub repo: String,
    /// The workflow file name (`ami-test-apply.yml`) or its numeric id.
    pub workflow: String,
    pub git_ref: String,
    pub inputs: Map<String, Value>,
}

/// `{"total_count": …, "workflow_runs": […]}`: one page is all we read.
#[derive(Deserialize)]
struct RunList {
    workflow_runs: Vec<RunEntry>,
}

#[derive(Deserialize)]
struct RunEntry {
    id: u64,
    #[serde(default)]
    html_url: String,
}

impl GitHubWorkflows {
    /// `…/repos/{o}/{r}/actions/workflows/{workflow}/{leaf}`, each part encoded.
    fn url(&self, leaf: &str) -> Result<Url> {
        let mut url = self.gh.url("repos/")?;
        url.path_segments_mut()
            .map_err(|_| anyhow!("the GitHub API URL cannot take a path"))?
            .pop_if_empty()
            .extend([
                &self.owner,
                &self.repo,
                "actions",
                "workflows",
                &self.workflow,
                leaf,
            ]);
        Ok(url)
    }

    /// A run's `head_branch` is the ref's short name.
    fn branch(&self) -> &str {
        let r = self.git_ref.as_str();
        r.strip_prefix("refs/heads/")
            .or_else(|| r.strip_prefix("refs/tags/"))
            .unwrap_or(r)
    }
}

impl Workflows for GitHubWorkflows {
    fn describe(&self) -> String {
        format!(
            "{} on {}/{} at {}",
            self.workflow, self.owner, self.repo, self.git_ref
        )
    }

    async fn newest_run(&self) -> Result<Option<Run>> {
        let what = format!("listing runs of workflow {}", self.workflow);
        let mut url = self.url("runs")?;
        url.query_pairs_mut()
            .append_pair("event", "workflow_dispatch")
            .append_pair("branch", self.branch())
            .append_pair("per_page", "1");
        let answer = self
            .gh
            .send(&what, || self.gh.request(Method::GET, &url))
            .await?;
        let list: RunList = self.gh.expect_ok(&what, answer)?.json(&what)?;
        Ok(list.workflow_runs.into_iter().next().map(|r| Run {
            id: r.id,
            html_url: r.html_url,
        }))
    }

    async fn dispatch_once(&self) -> Result<Attempt> {
        let what = format!("dispatching workflow {}", self.describe());
        let url = self.url("dispatches")?;
        let body = serde_json::to_vec(&json!({"ref": self.git_ref, "inputs": self.inputs}))
            .context("encoding the dispatch")?;
        let request = self.gh.request_accepting(
            Method::POST,
            &url,
            "application/vnd.github+json",
            Some(("application/json", body)),
        );
        let answer = match self.gh.send_once(request).await {
            Ok(a) => a,
            Err(f) if f.never_sent => {
                return Ok(Attempt::NotDone {
                    problem: f.message,
                    wait: backoff(2),
                });
            }
            Err(f) => {
                return Ok(Attempt::Unknown {
                    problem: f.message,
                    wait: backoff(2),
                });
            }
        };
        let status = answer.status;
        Ok(match retry_after(&answer, 2) {
            _ if status == 204 => Attempt::Accepted,
            // A rate limit is refused before anything runs.
            Some(wait) if is_rate_limited(&answer) => Attempt::NotDone {
                problem: format!(
                    "GitHub answered {status} (rate limited: {})",
                    answer.message()
                ),
                wait,
            },
            Some(wait) => Attempt::Unknown {
                problem: format!("GitHub answered {status}"),
                wait,
            },
            None => return Err(self.gh.fail(&what, &answer)),
        })
    }
}
