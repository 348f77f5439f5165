//! The retry loop: bounded attempts within a time budget, waiting as GitHub
//! asks on rate limits and backing off on 5xx and failed connections; a
//! certificate error is final. Every request but the workflow dispatch goes
//! through it (the dispatch is not idempotent: see `dispatch`).

use anyhow::{Result, anyhow};
use std::time::{Duration, Instant};

use super::answer::{Answer, backoff, is_rate_limited, retry_after};
use super::transport;

/// No retry starts after this much time: a dead GitHub fails a step in ~1 minute.
const RETRY_WINDOW: Duration = Duration::from_secs(60);
const MAX_ATTEMPTS: u32 = 6;
/// Largest body we read (a page of 100 releases is a few hundred KiB).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// Why one attempt got no answer.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    /// The connection never opened: GitHub cannot have acted on the request.
    pub never_sent: bool,
    pub(super) certificate: bool,
}

pub(super) fn check_size(len: usize) -> Result<(), Failure> {
    if len > MAX_BODY {
        return Err(Failure {
            message: format!("the answer is larger than {} MiB", MAX_BODY >> 20),
            never_sent: false,
            certificate: false,
        });
    }
    Ok(())
}

pub(super) fn failure(e: &(dyn std::error::Error + 'static)) -> Failure {
    Failure {
        message: transport::describe(e),
        never_sent: transport::never_sent(e),
        certificate: transport::is_certificate_error(e),
    }
}

/// Runs `attempt` until it gives a final answer, retrying 5xx, rate limits
/// (waiting as GitHub asks) and failed connections within the budget.
pub(super) async fn retrying(
    what: &str,
    attempt: impl AsyncFn() -> Result<Answer, Failure>,
) -> Result<Answer> {
    let started = Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        // `asked`: the wait is GitHub's (a rate limit), not our backoff.
        let (wait, problem, asked) = match attempt().await {
            Ok(a) => match retry_after(&a, n) {
                None => return Ok(a),
                Some(w) if is_rate_limited(&a) => {
                    let why = format!(
                        "GitHub answered {} (rate limited: {})",
                        a.status,
                        a.message()
                    );
                    (w, why, true)
                }
                Some(w) => (w, format!("GitHub answered {}", a.status), false),
            },
            Err(f) if f.certificate => {
                return Err(anyhow!(
                    "{what}: {} (is the CA bundle in /etc/ssl/certs?)",
                    f.message
                ));
            }
            Err(f) => (backoff(n), f.message, false),
        };
        let elapsed = started.elapsed();
        if n >= MAX_ATTEMPTS || elapsed + wait > RETRY_WINDOW {
            return Err(gave_up(what, n, elapsed, &problem, asked.then_some(wait)));
        }
        eprintln!(
            "{what}: {problem}; retrying in {}s (attempt {} of at most {MAX_ATTEMPTS})",
            wait.as_secs_f32(),
            n + 1
        );
        tokio::time::sleep(wait).await;
    }
}

fn gave_up(
    what: &str,
    attempts: u32,
    elapsed: Duration,
    problem: &str,
    asked: Option<Duration>,
) -> anyhow::Error {
    // Say when GitHub's own wait is what ends the retries.
    let too_long = match asked {
        Some(wait) if attempts < MAX_ATTEMPTS => format!(
            "; GitHub asks to wait {}s, beyond the {}s this step retries for",
            wait.as_secs(),
            RETRY_WINDOW.as_secs()
        ),
        _ => String::new(),
    };
    anyhow!(
        "{what}: gave up after {attempts} attempt{} in {}s: {problem}{too_long}",
        if attempts == 1 { "" } else { "s" },
        elapsed.as_secs()
    )
}
