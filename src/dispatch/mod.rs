//! Dispatching a GitHub Actions workflow at most once.
//!
//! The deploy workflow ("AMI build and test") terminates every Concourse
//! instance and cuts a release: running it twice is not harmless. A
//! `workflow_dispatch` POST is not idempotent, and a 502 or a lost answer does
//! not say whether GitHub started the run. So a request that may have been
//! delivered is never simply sent again: first the workflow's runs are
//! listed, and only when no run newer than the ones seen before the dispatch
//! appears within `CONFIRM_WINDOW` is it sent again. A request that certainly
//! was not acted on (the connection never opened, a rate limit) is retried
//! as any other. If in the end it cannot be known, the error says so.

pub mod github;

use anyhow::{Context, Result};
use std::time::Duration;

use crate::steps::observe::{Clock, short};

/// GitHub usually lists a dispatched run within a few seconds.
pub const CONFIRM_WINDOW: Duration = Duration::from_secs(15);
const CONFIRM_POLL: Duration = Duration::from_millis(1500);
const MAX_ATTEMPTS: u32 = 4;
/// No new attempt starts after this long.
const RETRY_WINDOW: Duration = Duration::from_secs(90);

/// A workflow run, as the runs listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub id: u64,
    pub html_url: String,
}

/// What one dispatch request came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    Accepted,
    /// Certainly not acted on (a rate limit, a connection that never opened):
    /// safe to send again after `wait`.
    NotDone {
        problem: String,
        wait: Duration,
    },
    /// Perhaps acted on: GitHub answered 5xx, or its answer was lost.
    Unknown {
        problem: String,
        wait: Duration,
    },
}

#[allow(async_fn_in_trait)] // one current-thread runtime: no Send bound needed
pub trait Workflows {
    /// What the dispatch is, for messages: `ami-test-apply.yml on dwp/aws-concourse at master`.
    fn describe(&self) -> String;
    /// The newest run this workflow's dispatches started on the ref, if any.
    async fn newest_run(&self) -> Result<Option<Run>>;
    /// One dispatch request, never repeated; `Err` for a final refusal (4xx).
    async fn dispatch_once(&self) -> Result<Attempt>;
}

/// How the dispatch went: accepted at once, or confirmed by a run that
/// appeared although the answer said otherwise.
#[derive(Debug, PartialEq, Eq)]
pub struct Dispatched {
    pub attempts: u32,
    /// Set when the run was recognised after an unclear answer.
    pub confirmed: Option<(Run, String)>,
}

pub async fn dispatch(
    w: &impl Workflows,
    clock: &impl Clock,
    log: &mut dyn FnMut(String),
) -> Result<Dispatched> {
    let what = format!("dispatching workflow {}", w.describe());
    let before = w
        .newest_run()
        .await
        .with_context(|| {
            format!("{what}: listing its runs first (to recognise a dispatch whose answer is lost)")
        })?
        .map(|r| r.id);
    let start = clock.now();
    let mut unsure = None;
    for attempt in 1..=MAX_ATTEMPTS {
        let (problem, wait) = match w.dispatch_once().await.context(what.clone())? {
            Attempt::Accepted => {
                return Ok(Dispatched {
                    attempts: attempt,
                    confirmed: None,
                });
            }
            Attempt::NotDone { problem, wait } => (problem, wait),
            Attempt::Unknown { problem, wait } => {
                if let Some(run) = new_run(w, before, clock).await.with_context(|| {
                    format!("{what}: {problem}, and the workflow may or may not have started")
                })? {
                    return Ok(Dispatched {
                        attempts: attempt,
                        confirmed: Some((run, problem)),
                    });
                }
                unsure = Some(problem.clone());
                (problem, wait)
            }
        };
        if attempt == MAX_ATTEMPTS || clock.now() - start + wait > RETRY_WINDOW {
            return Err(gave_up(&what, attempt, &problem, unsure.is_some()));
        }
        log(format!(
            "{what}: {problem}; no run started, dispatching again in {} (attempt {} of at most {MAX_ATTEMPTS})",
            short(wait.max(Duration::from_secs(1))),
            attempt + 1
        ));
        clock.sleep(wait).await;
    }
    unreachable!("the loop returns on its last attempt")
}

/// Polls the runs for `CONFIRM_WINDOW`: a run newer than `before` is the one
/// the unclear request started.
async fn new_run(
    w: &impl Workflows,
    before: Option<u64>,
    clock: &impl Clock,
) -> Result<Option<Run>> {
    let until = clock.now() + CONFIRM_WINDOW;
    loop {
        if let Some(run) = w.newest_run().await?
            && before.is_none_or(|b| run.id > b)
        {
            return Ok(Some(run));
        }
        if clock.now() >= until {
            return Ok(None);
        }
        clock.sleep(CONFIRM_POLL).await;
    }
}

fn gave_up(what: &str, attempts: u32, problem: &str, unsure: bool) -> anyhow::Error {
    let tries = if attempts == 1 { "attempt" } else { "attempts" };
    if unsure {
        anyhow::anyhow!(
            "{what}: gave up after {attempts} {tries} ({problem}); no new run appeared within {}s after an unclear answer, but GitHub may still start one: look at the workflow's runs before dispatching again",
            CONFIRM_WINDOW.as_secs()
        )
    } else {
        anyhow::anyhow!("{what}: gave up after {attempts} {tries}: {problem}; no run was started")
    }
}

#[cfg(test)]
mod tests;
