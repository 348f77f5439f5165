//! The verdict, pure: the AMI under test + the observed instances (+ what the
//! `ami-ids` secret says) → SUCCESS or FAILED, with reasons in plain words.
//! Fail closed: SUCCESS needs positive evidence for every condition.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::ami::AmiId;
use crate::config::strict::escape_controls;
use crate::fleet::{Class, Instance};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Outcome {
    #[serde(rename = "SUCCESS")]
    Success,
    #[serde(rename = "FAILED")]
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "SUCCESS",
            Outcome::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "SUCCESS" => Some(Outcome::Success),
            "FAILED" => Some(Outcome::Failed),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the `ami-ids` secret's key holds, compared with the AMI under test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "finding", content = "ami_id")]
pub enum SecretFinding {
    Agrees,
    Names(AmiId),
    /// The key holds something that is not an AMI ID; it is not repeated anywhere,
    /// since a misconfigured key may point at a real secret.
    NotAnAmi,
    KeyMissing,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretCheck {
    pub secret_id: String,
    pub key: String,
    #[serde(flatten)]
    pub finding: SecretFinding,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Instances matching the filters, in any state.
    pub observed: usize,
    pub running: usize,
    /// Running the AMI under test.
    pub matching: usize,
    /// Running another AMI.
    pub mismatched: usize,
    /// Pending, stopping or shutting down.
    pub unsettled: usize,
    /// Stopped or terminated: listed, not judged.
    pub ignored: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub result: Outcome,
    pub reasons: Vec<String>,
    pub counts: Counts,
}

pub fn judge(
    ami: &AmiId,
    min_instances: u32,
    instances: &[Instance],
    secret: Option<&SecretCheck>,
) -> Verdict {
    let counts = count(ami, instances);
    let mut reasons = Vec::new();
    for i in instances {
        match i.state.class() {
            Class::Judged if i.image_id != ami.as_str() => reasons.push(format!(
                "instance {} runs {}, not {ami}",
                label(i),
                shown_image(&i.image_id)
            )),
            Class::Unsettled => reasons.push(format!(
                "instance {} is {}: the fleet has not settled",
                label(i),
                i.state.as_str()
            )),
            _ => {}
        }
    }
    // An empty fleet never passes, whatever min_instances says.
    let needed = (min_instances as usize).max(1);
    if counts.running < needed {
        reasons.push(format!(
            "{} running instance{} matched, at least {needed} required",
            counts.running,
            plural(counts.running)
        ));
    }
    if let Some(s) = secret {
        reasons.extend(secret_reason(ami, s));
    }
    if reasons.is_empty() {
        let all = if counts.running == 1 { "the" } else { "all" };
        return Verdict {
            result: Outcome::Success,
            reasons: vec![format!(
                "{all} {} running instance{} run{} {ami}",
                counts.running,
                plural(counts.running),
                if counts.running == 1 { "s" } else { "" }
            )],
            counts,
        };
    }
    Verdict {
        result: Outcome::Failed,
        reasons,
        counts,
    }
}

fn count(ami: &AmiId, instances: &[Instance]) -> Counts {
    let mut c = Counts {
        observed: instances.len(),
        ..Counts::default()
    };
    for i in instances {
        match i.state.class() {
            Class::Judged => {
                c.running += 1;
                if i.image_id == ami.as_str() {
                    c.matching += 1;
                } else {
                    c.mismatched += 1;
                }
            }
            Class::Unsettled => c.unsettled += 1,
            Class::Ignored => c.ignored += 1,
        }
    }
    c
}

pub fn secret_reason(ami: &AmiId, s: &SecretCheck) -> Option<String> {
    let what = format!("secret {} key {}", s.secret_id, s.key);
    match &s.finding {
        SecretFinding::Agrees => None,
        SecretFinding::Names(other) => Some(format!("{what} names {other}, not {ami}")),
        SecretFinding::NotAnAmi => Some(format!("{what} does not hold an AMI ID")),
        SecretFinding::KeyMissing => Some(format!("{what} is missing")),
    }
}

/// One line for the waiting loop: `4/6 running on ami-…; 1 unsettled; 2 on other AMIs (ami-… ×2)`.
pub fn progress_line(ami: &AmiId, instances: &[Instance]) -> String {
    let c = count(ami, instances);
    let mut line = format!("{}/{} running on {ami}", c.matching, c.running);
    if c.unsettled > 0 {
        // By state, in a fixed order: `1 pending, 2 shutting-down`.
        let mut states: BTreeMap<&str, usize> = BTreeMap::new();
        for i in instances
            .iter()
            .filter(|i| i.state.class() == Class::Unsettled)
        {
            *states.entry(i.state.as_str()).or_default() += 1;
        }
        let list: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
        line.push_str(&format!("; {}", list.join(", ")));
    }
    if c.mismatched > 0 {
        let mut others: BTreeMap<&str, usize> = BTreeMap::new();
        for i in instances
            .iter()
            .filter(|i| i.state.class() == Class::Judged)
        {
            if i.image_id != ami.as_str() {
                *others.entry(i.image_id.as_str()).or_default() += 1;
            }
        }
        let list: Vec<String> = others
            .iter()
            .map(|(a, n)| format!("{} ×{n}", shown_image(a)))
            .collect();
        line.push_str(&format!(
            "; {} on other AMIs ({})",
            c.mismatched,
            list.join(", ")
        ));
    }
    line
}

/// `i-0abc… (ci-concourse-worker)`. A Name tag is anyone's text: escaped, so a
/// tag holding a newline cannot forge a `SUCCESS` line in the log or the
/// metadata.
pub fn label(i: &Instance) -> String {
    let id = escape_controls(&i.id);
    match &i.name {
        Some(n) => format!("{id} ({})", escape_controls(n)),
        None => id,
    }
}

fn shown_image(image: &str) -> String {
    if image.is_empty() {
        "no image".to_owned()
    } else {
        escape_controls(image)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests;
