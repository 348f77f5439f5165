//! `out` (the put step): the AMI test. Observe the fleet, decide fail-closed,
//! record the verdict on the release, report.

use anyhow::{Context, Result, anyhow, bail};
use std::fs;
use std::path::Path;

use super::observe::{self, Plan, TokioClock, Wait};
use super::publish::publish;
use crate::ami::AmiId;
use crate::aws;
use crate::config::values::ReleaseTag;
use crate::config::{Given, OutParams, SecretRef, Source};
use crate::fleet::{Ec2Fleet, Fleet, Query};
use crate::protocol::{Request, Response};
use crate::record::{AmiSource, Build, Record};
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
        plan: Plan {
            query: query_of(source),
            ami,
            ami_source,
            min_instances: source.min_instances(),
            region: settings.region.clone(),
            wait: Wait {
                timeout: req.params.wait_timeout(),
                interval: req.params.wait_interval(),
            },
        },
        tag,
        build: Build::from_env(env),
    };
    test.run(&fleet, &secrets, &store, &TokioClock::new()).await
}

pub fn query_of(source: &Source) -> Query {
    Query {
        instance_name: source.instance_name().to_owned(),
        filters: source.instance_filters.clone().unwrap_or_default(),
    }
}

/// One test, with its adapters passed in so it can run against fakes.
pub struct Test<'a> {
    pub source: &'a Source,
    pub params: &'a OutParams,
    pub plan: Plan,
    pub tag: ReleaseTag,
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
        self.release(store).await?;
        let secret = self.source.secret_ref()?;
        let secret_check = check_secret(secrets, secret.as_ref(), &self.plan.ami).await?;
        let mut log = |line: String| eprintln!("{line}");
        let test = observe::compare(fleet, &self.plan, secret_check, clock, &mut log).await?;
        let record = Record {
            schema: 1,
            test_name: self.source.test_name.clone(),
            release: self.tag.clone(),
            test,
            build: self.build.clone(),
        };
        // Look again: during a long wait another build may have recorded or
        // replaced a result, and publishing decides from what is there now.
        let release = self.release(store).await?;
        let published = publish(store, &release, &record).await?;
        eprint!(
            "{}",
            report::comparison(&record.test, &Style { color: false }, false)
        );
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
        let t = &record.test;
        if t.result == Outcome::Failed && self.params.fail_on_failure() {
            let fate = match &published.superseded_by {
                Some(newer) => format!("recorded, then superseded by another build's {newer}"),
                None => "recorded".to_owned(),
            };
            bail!(
                "AMI test FAILED for {} on release {} ({fate}; fail_on_failure is true): {}",
                t.ami_id,
                record.release,
                t.reasons.join("; ")
            );
        }
        Ok(record.response())
    }
}

impl Test<'_> {
    async fn release(&self, store: &impl Releases) -> Result<crate::releases::Release> {
        if let Some(release) = store.by_tag(&self.tag).await? {
            return Ok(release);
        }
        store.check_access().await?;
        bail!(
            "release {} not found on {}/{}",
            self.tag,
            self.source.owner,
            self.source.repository
        )
    }
}

/// The `ami-ids` cross-check, when configured. Reading the secret failing is an
/// error (no verdict); what its key holds is part of the verdict.
pub async fn check_secret(
    secrets: &impl Secrets,
    secret: Option<&SecretRef>,
    ami: &AmiId,
) -> Result<Option<SecretCheck>> {
    let Some(secret) = secret else {
        return Ok(None);
    };
    let payload = secrets.get(&secret.secret_id).await?;
    secrets::cross_check(&payload, secret, ami).map(Some)
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
                .map_err(|e| anyhow!("params.ami_id_file {rel}: {e}"))?;
            let file = Some(rel.to_string());
            Ok((
                ami,
                AmiSource {
                    param: "ami_id_file".into(),
                    file,
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
            ReleaseTag::try_from(text).map_err(|e| anyhow!("params.release_file {rel}: {e}"))
        }
    }
}

/// A one-value file of the build (an `ami` resource's `id`, a release's `tag`),
/// trimmed.
pub fn read_small(base: &Path, rel: &Path, key: &str) -> Result<String> {
    let path = base.join(rel);
    let cannot = || format!("{key}: cannot read {}", rel.display());
    let meta = fs::metadata(&path).with_context(cannot)?;
    if meta.len() > 4096 {
        bail!(
            "{key}: {} is larger than 4 KiB; expected one value",
            rel.display()
        );
    }
    let raw = fs::read(&path).with_context(cannot)?;
    let text = String::from_utf8(raw)
        .map_err(|_| anyhow!("{key}: {} is not UTF-8 text", rel.display()))?;
    Ok(text.trim().to_owned())
}
