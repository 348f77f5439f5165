//! Observing the fleet, with waiting: poll until the verdict is SUCCESS or the
//! deadline passes; the last observation decides. The clock is injected so the
//! loop is tested without real time.

use anyhow::Result;
use std::time::Duration;

use crate::ami::AmiId;
use crate::fleet::{Fleet, Instance, Query};
use crate::record::{AmiSource, Comparison, now_rfc3339};
use crate::verdict::{self, Outcome, SecretCheck, Verdict};

#[allow(async_fn_in_trait)]
pub trait Clock {
    /// Time since some fixed start.
    fn now(&self) -> Duration;
    async fn sleep(&self, d: Duration);
}

pub struct TokioClock(tokio::time::Instant);

impl TokioClock {
    pub fn new() -> TokioClock {
        TokioClock(tokio::time::Instant::now())
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await
    }
}

pub struct Expect<'a> {
    pub ami: &'a AmiId,
    pub min_instances: u32,
    pub secret: Option<&'a SecretCheck>,
}

#[derive(Clone, Copy, Debug)]
pub struct Wait {
    pub timeout: Duration,
    pub interval: Duration,
}

#[derive(Debug)]
pub struct Observation {
    pub instances: Vec<Instance>,
    pub verdict: Verdict,
    pub rounds: u32,
}

/// Any error from the fleet ends the test as an error, never as a verdict.
pub async fn observe(
    fleet: &impl Fleet,
    query: &Query,
    expect: &Expect<'_>,
    wait: Wait,
    clock: &impl Clock,
    log: &mut dyn FnMut(String),
) -> Result<Observation> {
    let deadline = clock.now() + wait.timeout;
    let mut rounds = 0;
    loop {
        rounds += 1;
        let instances = fleet.describe(query).await?;
        let verdict = verdict::judge(expect.ami, expect.min_instances, &instances, expect.secret);
        let now = clock.now();
        // A secret that names another AMI will not change by waiting.
        let hopeless = expect
            .secret
            .is_some_and(|s| verdict::secret_reason(expect.ami, s).is_some());
        if verdict.result == Outcome::Success || now >= deadline || hopeless {
            return Ok(Observation {
                instances,
                verdict,
                rounds,
            });
        }
        let left = deadline - now;
        let pause = wait.interval.min(left);
        log(format!(
            "{}; next look in {}, {} left",
            verdict::progress_line(expect.ami, &instances),
            short(pause),
            short(left)
        ));
        clock.sleep(pause).await;
    }
}

/// `3m40s`, `15s`: humantime without the sub-second part.
pub fn short(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs()))
        .to_string()
        .replace(' ', "")
}

/// A clock for tests: `sleep` moves time on at once, so waiting loops run
/// without real time.
#[cfg(test)]
#[derive(Default)]
pub struct VirtualClock(std::cell::Cell<Duration>);

#[cfg(test)]
impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        self.0.get()
    }
    async fn sleep(&self, d: Duration) {
        self.0.set(self.0.get() + d);
    }
}

#[cfg(test)]
mod tests;

/// Everything one comparison needs, whoever runs it (`out` or `compare`).
pub struct Plan {
    pub query: Query,
    pub ami: AmiId,
    pub ami_source: AmiSource,
    pub min_instances: u32,
    pub region: String,
    pub wait: Wait,
}

/// Observe (with waiting) and return the comparison, ready to record or print.
pub async fn compare(
    fleet: &impl Fleet,
    plan: &Plan,
    secret_check: Option<SecretCheck>,
    clock: &impl Clock,
    log: &mut dyn FnMut(String),
) -> Result<Comparison> {
    let expect = Expect {
        ami: &plan.ami,
        min_instances: plan.min_instances,
        secret: secret_check.as_ref(),
    };
    let seen = observe(fleet, &plan.query, &expect, plan.wait, clock, log).await?;
    Ok(Comparison {
        ami_id: plan.ami.clone(),
        ami_source: plan.ami_source.clone(),
        result: seen.verdict.result,
        reasons: seen.verdict.reasons,
        tested_at: now_rfc3339(),
        region: plan.region.clone(),
        instance_name: plan.query.instance_name.clone(),
        instance_filters: plan.query.filters.clone(),
        min_instances: plan.min_instances,
        counts: seen.verdict.counts,
        instances: seen.instances,
        secret_check,
    })
}
