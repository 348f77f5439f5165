//! `params` of the get and put steps.

use anyhow::{Result, bail};
use serde::Deserialize;
use std::time::Duration;

use super::values::{Flag, RelPath, ReleaseTag, Wait};
use crate::ami::AmiId;

pub const IN_PARAM_KEYS: &[&str] = &["require_success"];
pub const OUT_PARAM_KEYS: &[&str] = &[
    "ami_id",
    "ami_id_file",
    "release",
    "release_file",
    "wait_timeout",
    "wait_interval",
    "fail_on_failure",
];

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InParams {
    pub require_success: Option<Flag>,
}

impl InParams {
    pub fn require_success(&self) -> bool {
        self.require_success.is_some_and(|f| f.0)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutParams {
    pub ami_id: Option<AmiId>,
    pub ami_id_file: Option<RelPath>,
    pub release: Option<ReleaseTag>,
    pub release_file: Option<RelPath>,
    pub wait_timeout: Option<Wait>,
    pub wait_interval: Option<Wait>,
    pub fail_on_failure: Option<Flag>,
}

/// Where a value comes from: given inline, or read from a file of the build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Given<T> {
    Inline(T),
    File(RelPath),
}

impl OutParams {
    pub fn validate(&self) -> Result<()> {
        self.ami()?;
        self.release()?;
        if self.wait_interval() < super::values::MIN_INTERVAL {
            bail!("params.wait_interval: expected at least 1s");
        }
        Ok(())
    }

    pub fn ami(&self) -> Result<Given<AmiId>> {
        exactly_one(&self.ami_id, &self.ami_id_file, "ami_id", "untested-ami/id")
    }

    pub fn release(&self) -> Result<Given<ReleaseTag>> {
        exactly_one(
            &self.release,
            &self.release_file,
            "release",
            "ami-test-release/tag",
        )
    }

    pub fn wait_timeout(&self) -> Duration {
        self.wait_timeout.map_or(Duration::ZERO, |w| w.0)
    }

    pub fn wait_interval(&self) -> Duration {
        self.wait_interval.map_or(Duration::from_secs(15), |w| w.0)
    }

    pub fn fail_on_failure(&self) -> bool {
        self.fail_on_failure.is_none_or(|f| f.0)
    }
}

fn exactly_one<T: Clone>(
    inline: &Option<T>,
    file: &Option<RelPath>,
    key: &str,
    example: &str,
) -> Result<Given<T>> {
    match (inline, file) {
        (Some(v), None) => Ok(Given::Inline(v.clone())),
        (None, Some(f)) => Ok(Given::File(f.clone())),
        (Some(_), Some(_)) => {
            bail!("params: give either {key} or {key}_file, not both")
        }
        (None, None) => {
            bail!("params.{key} or params.{key}_file is required (e.g. {key}_file: {example})")
        }
    }
}
