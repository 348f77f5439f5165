//! `source`: the resource's configuration, as the pipeline declares it.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

use super::values::{BaseUrl, Count, GitHubName, Secret, TestName, Text};
use crate::ami::shown;
use crate::verdict::Outcome;

pub const SOURCE_KEYS: &[&str] = &[
    "test_name",
    "owner",
    "repository",
    "access_token",
    "github_api_url",
    "github_uploads_url",
    "aws_region",
    "aws_role_arn",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_endpoint",
    "instance_name",
    "instance_filters",
    "min_instances",
    "ami_ids_secret_id",
    "ami_ids_secret_key",
    "results",
];

pub const DEFAULT_INSTANCE_NAME: &str = "ci-concourse-*";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub test_name: TestName,
    pub owner: GitHubName,
    pub repository: GitHubName,
    pub access_token: Option<Secret>,
    pub github_api_url: Option<BaseUrl>,
    pub github_uploads_url: Option<BaseUrl>,
    pub aws_region: Option<Region>,
    pub aws_role_arn: Option<Text>,
    pub aws_access_key_id: Option<Text>,
    pub aws_secret_access_key: Option<Secret>,
    pub aws_session_token: Option<Secret>,
    pub aws_endpoint: Option<BaseUrl>,
    pub instance_name: Option<Text>,
    pub instance_filters: Option<BTreeMap<String, Vec<String>>>,
    pub min_instances: Option<Count>,
    pub ami_ids_secret_id: Option<Text>,
    pub ami_ids_secret_key: Option<Text>,
    pub results: Option<Vec<Outcome>>,
}

/// What `out` needs of `source` to reach AWS, checked as a whole.
#[derive(Clone, Debug)]
pub struct AwsSource {
    pub region: Region,
    pub endpoint: Option<BaseUrl>,
    pub role_arn: Option<Text>,
    pub static_keys: Option<StaticKeys>,
}

#[derive(Clone, Debug)]
pub struct StaticKeys {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// The `ami-ids` cross-check: which secret, and which key of its JSON object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRef {
    pub secret_id: String,
    pub key: String,
}

impl Source {
    /// Checks that span several keys (each key was checked as it was decoded).
    pub fn validate(&self) -> Result<()> {
        if let Some(filters) = &self.instance_filters {
            for (name, values) in filters {
                if name.trim().is_empty() || values.is_empty() {
                    bail!(
                        "source.instance_filters: filter {} needs a non-empty list of values",
                        shown(name)
                    );
                }
                crate::fleet::check_filter_name(name)
                    .map_err(|why| anyhow::anyhow!("source.instance_filters: {why}"))?;
            }
        }
        if let Some(results) = &self.results
            && results.is_empty()
        {
            bail!("source.results: expected a non-empty list such as [SUCCESS]");
        }
        self.secret_ref().map(|_| ())
    }

    pub fn instance_name(&self) -> &str {
        self.instance_name
            .as_ref()
            .map_or(DEFAULT_INSTANCE_NAME, |t| t.as_str())
    }

    pub fn min_instances(&self) -> u32 {
        self.min_instances.map_or(1, |c| c.0)
    }

    pub fn wants(&self, outcome: Outcome) -> bool {
        self.results.as_ref().is_none_or(|r| r.contains(&outcome))
    }

    pub fn secret_ref(&self) -> Result<Option<SecretRef>> {
        match (&self.ami_ids_secret_id, &self.ami_ids_secret_key) {
            (None, None) => Ok(None),
            (Some(id), Some(key)) => Ok(Some(SecretRef {
                secret_id: id.to_string(),
                key: key.to_string(),
            })),
            (Some(_), None) => bail!(
                "source.ami_ids_secret_key is required with ami_ids_secret_id (e.g. concourse_ami_mgmt_dev)"
            ),
            (None, Some(_)) => bail!(
                "source.ami_ids_secret_id is required with ami_ids_secret_key (e.g. /concourse/dataworks/ami-ids)"
            ),
        }
    }

    /// The AWS part of `source`, required by `out` only.
    pub fn aws(&self) -> Result<AwsSource> {
        let region = self
            .aws_region
            .clone()
            .context("source.aws_region is required for the put step (e.g. eu-west-2)")?;
        let static_keys = match (
            &self.aws_access_key_id,
            &self.aws_secret_access_key,
            &self.aws_session_token,
        ) {
            (None, None, None) => None,
            (Some(id), Some(secret), token) => Some(StaticKeys {
                access_key_id: id.to_string(),
                secret_access_key: secret.clone(),
                session_token: token.clone(),
            }),
            (None, Some(_), _) => {
                bail!("source.aws_access_key_id is required with aws_secret_access_key")
            }
            (None, None, Some(_)) => bail!(
                "source.aws_session_token is given without aws_access_key_id and aws_secret_access_key: a session token is only used with both"
            ),
            (Some(_), None, _) => {
                bail!("source.aws_secret_access_key is required with aws_access_key_id")
            }
        };
        Ok(AwsSource {
            region,
            endpoint: self.aws_endpoint.clone(),
            role_arn: self.aws_role_arn.clone(),
            static_keys,
        })
    }
}

/// An AWS region name such as `eu-west-2`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Region(String);

impl Region {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Region {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = s.len() >= 5
            && s.len() <= 30
            && s.contains('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Region(s))
        } else {
            Err(format!(
                "expected an AWS region like eu-west-2, got {}",
                shown(&s)
            ))
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
