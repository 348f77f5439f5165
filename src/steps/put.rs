//! `out` (the put step): the AMI test. Observe the fleet, decide fail-closed,
//! record the verdict on the release, report.

use anyhow::{Context, Result, bail};
use std::fs;
use std::path::Path;

use super::observe::{self, Expect, TokioClock, Wait};
use super::publish::publish;
use crate::ami::AmiId;
use crate::aws;
use crate::config::values::ReleaseTag;
use crate::config::{Given, OutParams, Source};
use crate::fleet::{Ec2Fleet, Fleet, Instance, Query};
use crate::protocol::{Request, Response};
use crate::record::{AmiSource, Build, Record, metadata, now_rfc3339};
use crate::releases::Releases;
use crate::report::{self, Style};
use crate::secrets::{self, Secrets, SecretsManager};
use crate::verdict::{Outcome, SecretCheck};

pub async fn run(
    req: &Request<OutParams>,
    sources: &Path,
    env: super::Env<'_>,
) -> Result<Response> {
    let source = &req.source;
    let aws_source = source.aws()?;
    let (ami, ami_source) = ami_under_test(&req.params, sources)?;
    let tag = release_tag(&req.params, sources)?;
    let store = super::store(source)?;
    let settings = aws::Settings::from_source(&aws_source, aws::session_name(env));
    let conf = aws::sdk_config(&settings).await;
    let fleet = Ec2Fleet {
        client: aws_sdk_ec2::Client::new(&conf),
        region: settings.region.clone(),
    };
    let secrets = SecretsManager {
        client: aws_sdk_secretsmanager::Client::new(&conf),
        region: settings.region.clone(),
    };
    let test = Test {
        source,
        params: &req.params,
        ami,
        ami_source,
        tag,
        region: settings.region.clone(),
        build: Build::from_env(env),
    };
    test.run(&fleet, &secrets, &store, &TokioClock::new()).await
}

/// One test, with its adapters passed in so it can run against fakes.
pub struct Test<'a> {
    pub source: &'a Source,
    pub params: &'a OutParams,
    pub ami: AmiId,
    pub ami_source: AmiSource,
    pub tag: ReleaseTag,
    pub region: String,
    pub build: Build,
}

impl Test<'_> {
    pub async fn run(
        &self,
        fleet: &impl Fleet,
        secrets: &impl Secrets,
        store: &impl Releases,
        clock: &impl observe::Clock,
    ) -> Result<Response> {
        // Find the release first: a typo should not cost a 20-minute wait.
        let release = store.by_tag(&self.tag).await?.with_context(|| {
            format!(
                "release {} not found on {}/{} (or the token cannot see it)",
                self.tag, self.source.owner, self.source.repository
            )
        })?;
        let secret_check = self.secret_check(secrets).await?;
        let record = self.observe(fleet, secret_check, clock).await?;
        let published = publish(store, &release, &record).await?;
        let style = Style { color: false };
        eprint!("{}", summary(&record, &style));
        if published.uploaded {
            eprintln!("recorded {} on release {}", published.asset, self.tag);
        } else {
            eprintln!(
                "release {} already carries {}: left as it is",
                self.tag, published.asset
            );
        }
        for old in &published.removed {
            eprintln!("removed the older result {old}");
        }
        if let Some(newer) = &published.superseded_by {
            eprintln!(
                "note: another build recorded {newer} on release {} after this one; it is the current result",
                self.tag
            );
        }
        if record.result == Outcome::Failed && self.params.fail_on_failure() {
            bail!(
                "AMI test FAILED for {} on release {} (recorded; fail_on_failure: true): {}",
                record.ami_id,
                record.release,
                record.reasons.join("; ")
            );
        }
        Ok(Response {
            version: record.version(),
            metadata: metadata(&record),
        })
    }

    async fn secret_check(&self, secrets: &impl Secrets) -> Result<Option<SecretCheck>> {
        let Some(secret) = self.source.secret_ref()? else {
            return Ok(None);
        };
        let payload = secrets.get(&secret.secret_id).await?;
        secrets::cross_check(&payload, &secret, &self.ami).map(Some)
    }

    async fn observe(
        &self,
        fleet: &impl Fleet,
        secret_check: Option<SecretCheck>,
        clock: &impl observe::Clock,
    ) -> Result<Record> {
        let query = Query {
            instance_name: self.source.instance_name().to_owned(),
            filters: self.source.instance_filters.clone().unwrap_or_default(),
        };
        let expect = Expect {
            ami: &self.ami,
            min_instances: self.source.min_instances(),
            secret: secret_check.as_ref(),
        };
        let wait = Wait {
            timeout: self.params.wait_timeout(),
            interval: self.params.wait_interval(),
        };
        let seen = observe::observe(fleet, &query, &expect, wait, clock, &mut |line| {
            eprintln!("{line}")
        })
        .await?;
        Ok(Record {
            schema: 1,
            test_name: self.source.test_name.clone(),
            ami_id: self.ami.clone(),
            ami_source: self.ami_source.clone(),
            result: seen.verdict.result,
            reasons: seen.verdict.reasons,
            release: self.tag.clone(),
            tested_at: now_rfc3339(),
            region: self.region.clone(),
            instance_name: query.instance_name,
            instance_filters: query.filters,
            min_instances: expect.min_instances,
            counts: seen.verdict.counts,
            instances: seen.instances,
            secret_check,
            build: self.build.clone(),
        })
    }
}

/// The short human report: the verdict, and a table of the instances at fault.
pub fn summary(record: &Record, style: &Style) -> String {
    let verdict = crate::verdict::Verdict {
        result: record.result,
        reasons: record.reasons.clone(),
        counts: record.counts.clone(),
    };
    let mut out = format!(
        "AMI test of {} on release {}: {}",
        record.ami_id,
        record.release,
        report::verdict_lines(&verdict, style)
    );
    let problems: Vec<&Instance> = record
        .instances
        .iter()
        .filter(|i| report::is_problem(&record.ami_id, i))
        .collect();
    if !problems.is_empty() {
        out.push_str(&report::table(&record.ami_id, &problems, style));
    }
    out
}

pub fn ami_under_test(params: &OutParams, sources: &Path) -> Result<(AmiId, AmiSource)> {
    match params.ami()? {
        Given::Inline(ami) => Ok((
            ami,
            AmiSource {
                param: "ami_id".into(),
                file: None,
            },
        )),
        Given::File(rel) => {
            let text = read_small(sources, rel.as_path(), "params.ami_id_file")?;
            let ami = text
                .parse::<AmiId>()
                .map_err(|e| anyhow::anyhow!("params.ami_id_file {rel}: {e}"))?;
            Ok((
                ami,
                AmiSource {
                    param: "ami_id_file".into(),
                    file: Some(rel.to_string()),
                },
            ))
        }
    }
}

pub fn release_tag(params: &OutParams, sources: &Path) -> Result<ReleaseTag> {
    match params.release()? {
        Given::Inline(tag) => Ok(tag),
        Given::File(rel) => {
            let text = read_small(sources, rel.as_path(), "params.release_file")?;
            ReleaseTag::try_from(text)
                .map_err(|e| anyhow::anyhow!("params.release_file {rel}: {e}"))
        }
    }
}

/// A one-value file of the build (an `ami` resource's `id`, a release's `tag`),
/// trimmed.
fn read_small(sources: &Path, rel: &Path, key: &str) -> Result<String> {
    let path = sources.join(rel);
    let meta =
        fs::metadata(&path).with_context(|| format!("{key}: cannot read {}", rel.display()))?;
    if meta.len() > 4096 {
        bail!(
            "{key}: {} is larger than 4 KiB; expected one value",
            rel.display()
        );
    }
    let raw = fs::read(&path).with_context(|| format!("{key}: cannot read {}", rel.display()))?;
    let text = String::from_utf8(raw)
        .map_err(|_| anyhow::anyhow!("{key}: {} is not UTF-8 text", rel.display()))?;
    Ok(text.trim().to_owned())
}
