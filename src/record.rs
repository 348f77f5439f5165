//! The record (the result asset's content), asset naming, and version ↔ record.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::ami::AmiId;
use crate::config::values::{ReleaseTag, TestName};
use crate::fleet::Instance;
use crate::protocol::{Meta, meta};
use crate::releases::Asset;
use crate::verdict::{Counts, Outcome, SecretCheck};

pub const VERSION_KEYS: &[&str] = &["release", "ami_id", "result"];

/// A Concourse version: string keys, string values (serde renders the types as
/// strings).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    pub release: ReleaseTag,
    pub ami_id: AmiId,
    pub result: Outcome,
}

/// A result as the release listing shows it: parsed from an asset name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetName {
    pub test_name: TestName,
    pub ami_id: AmiId,
    pub result: Outcome,
}

impl AssetName {
    /// `<test_name>.<ami_id>.<RESULT>.json`
    pub fn render(&self) -> String {
        format!("{}.{}.{}.json", self.test_name, self.ami_id, self.result)
    }

    /// The inverse of `render`; `None` for any other asset (test names cannot hold
    /// a dot, so the split is unambiguous).
    pub fn parse(name: &str) -> Option<AssetName> {
        let stem = name.strip_suffix(".json")?;
        let mut parts = stem.split('.');
        let (t, a, r) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Some(AssetName {
            test_name: TestName::try_from(t.to_owned()).ok()?,
            ami_id: a.parse().ok()?,
            result: Outcome::parse(r)?,
        })
    }
}

/// Where the AMI under test came from, for the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmiSource {
    /// `params.ami_id` or `params.ami_id_file`.
    pub param: String,
    /// The file, when read from one.
    pub file: Option<String>,
}

/// The build that made the record (Concourse's `BUILD_*` and `ATC_EXTERNAL_URL`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Build {
    pub id: Option<String>,
    pub name: Option<String>,
    pub job: Option<String>,
    pub pipeline: Option<String>,
    pub team: Option<String>,
    pub url: Option<String>,
}

impl Build {
    /// Read from the step's environment (one-off builds have no job/pipeline).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Build {
        let get = |k: &str| get(k).filter(|v| !v.is_empty());
        let mut b = Build {
            id: get("BUILD_ID"),
            name: get("BUILD_NAME"),
            job: get("BUILD_JOB_NAME"),
            pipeline: get("BUILD_PIPELINE_NAME"),
            team: get("BUILD_TEAM_NAME"),
            url: None,
        };
        if let Some(atc) = get("ATC_EXTERNAL_URL") {
            let atc = atc.trim_end_matches('/');
            b.url = match (&b.team, &b.pipeline, &b.job, &b.name) {
                (Some(t), Some(p), Some(j), Some(n)) => {
                    Some(format!("{atc}/teams/{t}/pipelines/{p}/jobs/{j}/builds/{n}"))
                }
                _ => b.id.as_ref().map(|id| format!("{atc}/builds/{id}")),
            };
        }
        b
    }
}

/// What one look at the fleet found: the `compare` command's output, and the
/// heart of the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub ami_id: AmiId,
    pub ami_source: AmiSource,
    pub result: Outcome,
    pub reasons: Vec<String>,
    pub tested_at: String,
    pub region: String,
    pub instance_name: String,
    pub instance_filters: BTreeMap<String, Vec<String>>,
    pub min_instances: u32,
    pub counts: Counts,
    pub instances: Vec<Instance>,
    pub secret_check: Option<SecretCheck>,
}

/// The full record of one test. Never holds a credential or a secret payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub schema: u32,
    pub test_name: TestName,
    pub release: ReleaseTag,
    #[serde(flatten)]
    pub test: Comparison,
    pub build: Build,
}

impl Record {
    pub fn version(&self) -> Version {
        Version {
            release: self.release.clone(),
            ami_id: self.test.ami_id.clone(),
            result: self.test.result,
        }
    }

    /// The answer of `in` and `out` for this record.
    pub fn response(&self) -> crate::protocol::Response {
        crate::protocol::Response {
            version: self.version(),
            metadata: metadata(self),
        }
    }

    pub fn asset_name(&self) -> AssetName {
        AssetName {
            test_name: self.test_name.clone(),
            ami_id: self.test.ami_id.clone(),
            result: self.test.result,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a record always serialises");
        out.push(b'\n');
        out
    }

    /// Parse a downloaded asset and check that it is the record its name promises.
    pub fn from_asset(bytes: &[u8], expected: &AssetName, release: &ReleaseTag) -> Result<Record> {
        let record: Record = serde_json::from_slice(bytes)
            .with_context(|| format!("asset {} is not a valid record", expected.render()))?;
        if record.asset_name() != *expected || record.release != *release {
            bail!(
                "asset {} holds the record of {} on release {}: refusing a mislabelled result",
                expected.render(),
                record.asset_name().render(),
                record.release
            );
        }
        Ok(record)
    }
}

/// The build page's metadata: public, so only facts of the test, never secrets.
pub fn metadata(record: &Record) -> Vec<Meta> {
    let r = &record.test;
    let c = &r.counts;
    let mut m = vec![
        meta("ami_id", r.ami_id.as_str()),
        meta("result", r.result.as_str()),
        meta("release", record.release.as_str()),
        meta(
            "instances",
            format!(
                "{} running, {} on the AMI under test",
                c.running, c.matching
            ),
        ),
    ];
    if c.mismatched > 0 || c.unsettled > 0 {
        m.push(meta(
            "problems",
            format!(
                "{} on other AMIs, {} not settled",
                c.mismatched, c.unsettled
            ),
        ));
    }
    let first: Vec<&str> = r.reasons.iter().take(3).map(String::as_str).collect();
    m.push(meta(
        if r.result == Outcome::Success {
            "verdict"
        } else {
            "reasons"
        },
        first.join("; "),
    ));
    if r.reasons.len() > 3 {
        m.push(meta(
            "more",
            format!("{} more reasons in record.json", r.reasons.len() - 3),
        ));
    }
    m.push(meta("tested_at", r.tested_at.as_str()));
    if let Some(url) = &record.build.url {
        m.push(meta("build", url.as_str()));
    }
    m
}

/// The results of `test_name` on a release, oldest asset first (asset IDs only
/// grow). Normally one; two after a crash between upload and delete, and then
/// the newest wins. Only completed uploads count: GitHub lists an upload that
/// died mid-way as a `starter` asset with nothing behind it.
pub fn results_on<'a>(assets: &'a [Asset], test_name: &TestName) -> Vec<(AssetName, &'a Asset)> {
    let mut found: Vec<(AssetName, &Asset)> = named_on(assets, test_name)
        .filter(|(_, a)| a.is_uploaded())
        .collect();
    found.sort_by_key(|(_, a)| a.id);
    found
}

/// Uploads of `test_name`'s results that never completed: not results, but
/// their names stay taken until they are deleted.
pub fn unfinished_on<'a>(assets: &'a [Asset], test_name: &TestName) -> Vec<(AssetName, &'a Asset)> {
    named_on(assets, test_name)
        .filter(|(_, a)| !a.is_uploaded())
        .collect()
}

fn named_on<'a>(
    assets: &'a [Asset],
    test_name: &TestName,
) -> impl Iterator<Item = (AssetName, &'a Asset)> + 'a {
    let test_name = test_name.clone();
    assets
        .iter()
        .filter_map(|a| AssetName::parse(&a.name).map(|n| (n, a)))
        .filter(move |(n, _)| n.test_name == test_name)
}

/// The current result of `test_name` on a release: the newest one.
pub fn current_result<'a>(
    assets: &'a [Asset],
    test_name: &TestName,
) -> Option<(AssetName, &'a Asset)> {
    results_on(assets, test_name).pop()
}

/// UTC now in RFC 3339, second precision (`2026-12-02T05:47:25Z`).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_names_round_trip() {
        let n = AssetName {
            test_name: TestName::try_from("concourse".to_owned()).unwrap(),
            ami_id: "ami-0a11ce5c0ffee0001".parse().unwrap(),
            result: Outcome::Success,
        };
        assert_eq!(n.render(), "concourse.ami-0a11ce5c0ffee0001.SUCCESS.json");
        assert_eq!(AssetName::parse(&n.render()), Some(n));
    }

    #[test]
    fn other_assets_are_not_results() {
        for name in [
            "concourse.ami-0a11ce5c0ffee0001.SUCCESS",
            "concourse.ami-0a11ce5c0ffee0001.PASSED.json",
            "concourse.ami-0a11ce5c0ffee0001.SUCCESS.json.sig",
            "con.course.ami-0a11ce5c0ffee0001.SUCCESS.json",
            "concourse.ami-XYZ.SUCCESS.json",
            "checksums.txt",
            ".ami-0a11ce5c0ffee0001.SUCCESS.json",
        ] {
            assert_eq!(AssetName::parse(name), None, "{name}");
        }
    }

    #[test]
    fn build_url_uses_the_job_path_when_known() {
        let env: BTreeMap<&str, &str> = [
            ("BUILD_ID", "991"),
            ("BUILD_NAME", "12"),
            ("BUILD_JOB_NAME", "ami-test"),
            ("BUILD_PIPELINE_NAME", "concourse"),
            ("BUILD_TEAM_NAME", "dataworks"),
            ("ATC_EXTERNAL_URL", "https://ci.example/"),
        ]
        .into();
        let b = Build::from_env(|k| env.get(k).map(|v| v.to_string()));
        assert_eq!(
            b.url.as_deref(),
            Some("https://ci.example/teams/dataworks/pipelines/concourse/jobs/ami-test/builds/12")
        );
        let one_off = Build::from_env(|k| match k {
            "BUILD_ID" => Some("7".into()),
            "ATC_EXTERNAL_URL" => Some("https://ci.example".into()),
            _ => None,
        });
        assert_eq!(one_off.url.as_deref(), Some("https://ci.example/builds/7"));
    }

    #[test]
    fn a_record_round_trips_through_json() {
        let json = br#"{"schema": 1, "test_name": "concourse", "release": "1.0.0", "ami_id": "ami-0b0b5eed0ffee0002",
            "ami_source": {"param": "ami_id", "file": null}, "result": "SUCCESS", "reasons": ["r"],
            "tested_at": "2026-12-01T10:00:00Z", "region": "eu-west-2", "instance_name": "ci-concourse-*",
            "instance_filters": {}, "min_instances": 1,
            "counts": {"observed": 1, "running": 1, "matching": 1, "mismatched": 0, "unsettled": 0, "ignored": 0},
            "instances": [], "secret_check": null,
            "build": {"id": null, "name": null, "job": null, "pipeline": null, "team": null, "url": null}}"#;
        let r: Record = serde_json::from_slice(json).unwrap();
        let again: Record = serde_json::from_slice(&r.to_json()).unwrap();
        assert_eq!(r, again);
    }
}
