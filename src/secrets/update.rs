//! Setting one key of a JSON secret without losing another writer's change.
//!
//! Secrets Manager has no compare-and-swap on a value: two read-modify-writes
//! that overlap (the management-dev and management update jobs, or a person at
//! a terminal) each write what they read plus their own key, and the later
//! write silently drops the earlier one's key. Measured before this module: 8
//! lost updates in 15 runs of two concurrent writers.
//!
//! What makes it safe is verifying after the write, with two reads by staging
//! label (only `GetSecretValue`, which the job needs anyway):
//! - `AWSCURRENT` is not this write: someone wrote after it. If their version
//!   still holds our value, fine; otherwise write our key again on top of theirs.
//! - `AWSPREVIOUS` is not the version this write was based on: this write
//!   replaced a version someone wrote in between, whose change it lacks. Write
//!   our key again on top of *that* version, which restores their change.
//! - Otherwise this write is current and replaced exactly what was read.
//!
//! A writer that loses a race therefore repairs it, and the last writer to
//! verify sees a version that holds every key set; attempts are bounded.

use anyhow::{Result, bail};
use serde_json::Value;

use super::{Payload, Secrets, Stage, Versioned, with_key};
use crate::ami::AmiId;

const MAX_ATTEMPTS: u32 = 5;

/// What `set_key` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The key already held the AMI: nothing written.
    AlreadySet,
    Written(Written),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Written {
    /// The key's value before, if it was an AMI ID (anything else may be a
    /// secret and is never repeated).
    pub was: Was,
    /// Other keys in the version finally written.
    pub others: usize,
    pub form: &'static str,
    pub attempts: u32,
    /// How the write was verified, in plain words.
    pub verified: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Was {
    Ami(AmiId),
    NotAnAmi,
    Unset,
}

/// Sets `key` to `ami` in secret `id`, keeping every other key (and any key
/// another writer sets meanwhile) and the secret's string/binary form.
pub async fn set_key(store: &impl Secrets, id: &str, key: &str, ami: &AmiId) -> Result<Outcome> {
    let mut base = store.read(id, Stage::Current).await?;
    // The version our write will replace: the one read, except after writing
    // again on top of a version we had replaced (then it is our own last write).
    let mut replaces = base.version_id.clone();
    let was = was(&base.payload, id, key)?;
    let mut retried_because = None;
    for attempt in 1..=MAX_ATTEMPTS {
        let Some(updated) = with_key(&base.payload, id, key, ami)? else {
            if attempt == 1 {
                return Ok(Outcome::AlreadySet);
            }
            // Our earlier write was replaced by a version that holds our value.
            let how = "a later writer's version holds it too".to_owned();
            return Ok(written(was, &base.payload, id, attempt - 1, how));
        };
        let mine = store.write(id, &updated).await?;
        match verify(store, id, &replaces, &mine, key, ami).await? {
            Check::Clean => {
                let how = match &retried_because {
                    None => "it is the current version and replaced the version read".to_owned(),
                    Some(why) => format!("written again after a concurrent write ({why})"),
                };
                return Ok(written(was, &updated, id, attempt, how));
            }
            Check::KeptBy(later) => {
                let how = "a later writer's version holds it too".to_owned();
                return Ok(written(was, &later.payload, id, attempt, how));
            }
            Check::Redo {
                on,
                replaces: r,
                why,
            } => {
                eprintln!(
                    "secret {id}: {why}; setting {key} again on top of it (attempt {} of {MAX_ATTEMPTS})",
                    attempt + 1
                );
                retried_because = Some(why);
                base = on;
                replaces = r.unwrap_or_else(|| base.version_id.clone());
            }
        }
    }
    bail!(
        "secret {id}: other writers kept changing it during {MAX_ATTEMPTS} attempts, so {key} may not hold {ami}; look at the secret before running again"
    )
}

enum Check {
    Clean,
    /// A later version holds our value.
    KeptBy(Versioned),
    /// Write again on top of `on`, for `why`. The write will replace `on`
    /// itself, or (`replaces`) the version current now.
    Redo {
        on: Versioned,
        replaces: Option<String>,
        why: String,
    },
}

async fn verify(
    store: &impl Secrets,
    id: &str,
    read: &str,
    mine: &str,
    key: &str,
    ami: &AmiId,
) -> Result<Check> {
    let current = store.read(id, Stage::Current).await?;
    if current.version_id != mine {
        if holds(&current.payload, id, key, ami)? {
            return Ok(Check::KeptBy(current));
        }
        return Ok(Check::Redo {
            on: current,
            replaces: None,
            why: "another writer replaced this write without its change".into(),
        });
    }
    let previous = store.read(id, Stage::Previous).await?;
    if previous.version_id == read {
        return Ok(Check::Clean);
    }
    if previous.version_id == mine {
        // A write landed between the two reads: judge the newest version.
        return Ok(Check::Redo {
            on: store.read(id, Stage::Current).await?,
            replaces: None,
            why: "the secret changed while this write was checked".into(),
        });
    }
    // Merge on top of the version we replaced; our own write is current now.
    Ok(Check::Redo {
        on: previous,
        replaces: Some(mine.to_owned()),
        why: "this write replaced a version another writer made meanwhile".into(),
    })
}

fn holds(payload: &Payload, id: &str, key: &str, ami: &AmiId) -> Result<bool> {
    Ok(payload.object(id)?.get(key).and_then(Value::as_str) == Some(ami.as_str()))
}

fn was(payload: &Payload, id: &str, key: &str) -> Result<Was> {
    Ok(match payload.object(id)?.get(key) {
        None => Was::Unset,
        Some(Value::String(old)) => old.parse().map_or(Was::NotAnAmi, Was::Ami),
        Some(_) => Was::NotAnAmi,
    })
}

fn written(was: Was, payload: &Payload, id: &str, attempts: u32, verified: String) -> Outcome {
    let others = payload.object(id).map_or(0, |m| m.len().saturating_sub(1));
    Outcome::Written(Written {
        was,
        others,
        form: payload.form(),
        attempts,
        verified,
    })
}

#[cfg(test)]
mod tests;
