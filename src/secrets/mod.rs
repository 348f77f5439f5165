//! The `ami-ids` secret: read it for the cross-check, rewrite one key of it for
//! `update-ami-ids` (`update`: without losing a concurrent writer's change). The
//! payload may hold other secrets, so no error message, log line or `Debug`
//! output ever contains it.

pub mod update;

use anyhow::{Context, Result, anyhow, bail};
use aws_sdk_secretsmanager::primitives::Blob;
use serde_json::{Map, Value};
use std::fmt;

use crate::ami::AmiId;
use crate::config::SecretRef;
use crate::verdict::{SecretCheck, SecretFinding};

/// A secret's value in the form it is stored: Secrets Manager keeps either a
/// SecretString or a SecretBinary, and a rewrite must keep the same form.
#[derive(Clone, PartialEq, Eq)]
pub enum Payload {
    String(String),
    Binary(Vec<u8>),
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::String(_) => f.write_str("Payload::String(redacted)"),
            Payload::Binary(_) => f.write_str("Payload::Binary(redacted)"),
        }
    }
}

impl Payload {
    pub fn form(&self) -> &'static str {
        match self {
            Payload::String(_) => "SecretString",
            Payload::Binary(_) => "SecretBinary",
        }
    }

    /// The payload as a JSON object.
    pub fn object(&self, secret_id: &str) -> Result<Map<String, Value>> {
        let bytes = match self {
            Payload::String(s) => s.as_bytes(),
            Payload::Binary(b) => b.as_slice(),
        };
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(map),
            _ => bail!(
                "secret {secret_id} ({}) is not a JSON object of AMI IDs",
                self.form()
            ),
        }
    }

    /// The same form, holding `map` as compact JSON.
    pub fn with_object(&self, map: &Map<String, Value>) -> Payload {
        let json = serde_json::to_string(map).expect("a JSON map always serialises");
        match self {
            Payload::String(_) => Payload::String(json),
            Payload::Binary(_) => Payload::Binary(json.into_bytes()),
        }
    }
}

/// A secret's value and the version that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    pub version_id: String,
    pub payload: Payload,
}

/// Secrets Manager's two staging labels that matter here: every write makes the
/// new version `AWSCURRENT` and moves `AWSPREVIOUS` to the version it replaced,
/// which is how a writer learns afterwards whom it replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Current,
    Previous,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Current => "AWSCURRENT",
            Stage::Previous => "AWSPREVIOUS",
        }
    }
}

#[allow(async_fn_in_trait)] // one current-thread runtime: no Send bound needed
pub trait Secrets {
    async fn read(&self, secret_id: &str, stage: Stage) -> Result<Versioned>;
    /// Writes a new current version; returns its id.
    async fn write(&self, secret_id: &str, payload: &Payload) -> Result<String>;

    /// The current value.
    async fn get(&self, secret_id: &str) -> Result<Payload> {
        Ok(self.read(secret_id, Stage::Current).await?.payload)
    }
}

/// Compare the secret's key with the AMI under test.
pub fn cross_check(payload: &Payload, secret: &SecretRef, ami: &AmiId) -> Result<SecretCheck> {
    let map = payload.object(&secret.secret_id)?;
    let finding = match map.get(&secret.key) {
        None => SecretFinding::KeyMissing,
        Some(Value::String(s)) if s == ami.as_str() => SecretFinding::Agrees,
        Some(Value::String(s)) => match s.parse::<AmiId>() {
            Ok(other) => SecretFinding::Names(other),
            Err(_) => SecretFinding::NotAnAmi,
        },
        Some(_) => SecretFinding::NotAnAmi,
    };
    Ok(SecretCheck {
        secret_id: secret.secret_id.clone(),
        key: secret.key.clone(),
        finding,
    })
}

/// What `update-ami-ids` does to the payload: `key` set to `ami`, every other key
/// and the secret's form kept. `None` when the key already holds `ami`.
pub fn with_key(
    payload: &Payload,
    secret_id: &str,
    key: &str,
    ami: &AmiId,
) -> Result<Option<Payload>> {
    let mut map = payload.object(secret_id)?;
    if map.get(key).and_then(Value::as_str) == Some(ami.as_str()) {
        return Ok(None);
    }
    map.insert(key.to_owned(), Value::String(ami.to_string()));
    Ok(Some(payload.with_object(&map)))
}

/// The real store: AWS Secrets Manager.
pub struct SecretsManager {
    pub client: aws_sdk_secretsmanager::Client,
    pub region: String,
}

impl Secrets for SecretsManager {
    async fn read(&self, secret_id: &str, stage: Stage) -> Result<Versioned> {
        // The stage is always named: moto (unlike AWS) answers an unnamed
        // read from a version it tracks apart from the labels.
        let out = self
            .client
            .get_secret_value()
            .secret_id(secret_id)
            .version_stage(stage.label())
            .send()
            .await
            .map_err(crate::aws::sdk_error("GetSecretValue"))
            .with_context(|| match stage {
                Stage::Current => format!("reading secret {secret_id} in {}", self.region),
                Stage::Previous => format!(
                    "reading the previous version of secret {secret_id} in {}",
                    self.region
                ),
            })?;
        let version_id = out
            .version_id()
            .ok_or_else(|| anyhow!("secret {secret_id} in {} has no version id", self.region))?
            .to_owned();
        let payload = if let Some(b) = out.secret_binary() {
            Payload::Binary(b.as_ref().to_vec())
        } else {
            out.secret_string()
                .map(|s| Payload::String(s.to_owned()))
                .ok_or_else(|| anyhow!("secret {secret_id} in {} has no value", self.region))?
        };
        Ok(Versioned {
            version_id,
            payload,
        })
    }

    async fn write(&self, secret_id: &str, payload: &Payload) -> Result<String> {
        let request = self
            .client
            .put_secret_value()
            .secret_id(secret_id)
            .client_request_token(request_token());
        let request = match payload {
            Payload::String(s) => request.secret_string(s),
            Payload::Binary(b) => request.secret_binary(Blob::new(b.clone())),
        };
        // The SDK retries with the same token, so a retried write lands once.
        let out = request
            .send()
            .await
            .map_err(crate::aws::sdk_error("PutSecretValue"))
            .with_context(|| format!("writing secret {secret_id} in {}", self.region))?;
        out.version_id()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("writing secret {secret_id}: AWS returned no version id"))
    }
}

/// A fresh `ClientRequestToken` (UUID v4 form) from the OS's randomness.
///
/// The SDK's own tokens come from fastrand, seeded from the clock: measured
/// with two `update-ami-ids` started at once, 10 of 1,500 tokens were drawn
/// twice. Secrets Manager then refuses the second writer's version
/// (`ResourceExistsException`), or takes it for a retry of the first when the
/// contents match. std's `RandomState` keys come from the OS, per process.
fn request_token() -> String {
    use std::hash::{BuildHasher, RandomState};
    let (hi, lo) = (
        RandomState::new().hash_one(0u8),
        RandomState::new().hash_one(1u8),
    );
    let n = (u128::from(hi) << 64) | u128::from(lo);
    // Version 4, variant 10xx: the form the SDK itself sends.
    let n = (n & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEW: &str = "ami-0b0b5eed0ffee0002";

    fn secret() -> SecretRef {
        SecretRef {
            secret_id: "/concourse/dataworks/ami-ids".into(),
            key: "concourse_ami_mgmt_dev".into(),
        }
    }

    fn finding(payload: &str) -> SecretFinding {
        let p = Payload::Binary(payload.as_bytes().to_vec());
        cross_check(&p, &secret(), &NEW.parse().unwrap())
            .unwrap()
            .finding
    }

    #[test]
    fn cross_check_findings() {
        assert_eq!(
            finding(&format!(r#"{{"concourse_ami_mgmt_dev":"{NEW}"}}"#)),
            SecretFinding::Agrees
        );
        assert_eq!(
            finding(r#"{"concourse_ami_mgmt_dev":"ami-0a11ce5c0ffee0001"}"#),
            SecretFinding::Names("ami-0a11ce5c0ffee0001".parse().unwrap())
        );
        assert_eq!(
            finding(r#"{"concourse_ami":"x"}"#),
            SecretFinding::KeyMissing
        );
        assert_eq!(
            finding(r#"{"concourse_ami_mgmt_dev":"hunter2"}"#),
            SecretFinding::NotAnAmi
        );
        assert_eq!(
            finding(r#"{"concourse_ami_mgmt_dev":7}"#),
            SecretFinding::NotAnAmi
        );
    }

    #[test]
    fn request_tokens_are_uuids_and_differ() {
        let (a, b) = (request_token(), request_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4", "{a}");
        assert!("89ab".contains(&a[19..20]), "{a}");
    }

    #[test]
    fn a_non_object_payload_is_an_error_without_the_payload() {
        let p = Payload::String("canary-not-json".into());
        let err = cross_check(&p, &secret(), &NEW.parse().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not a JSON object"), "{err}");
        assert!(!err.contains("canary"), "{err}");
        assert!(!format!("{p:?}").contains("canary"));
    }

    #[test]
    fn with_key_keeps_other_keys_order_and_form() {
        let p = Payload::Binary(br#"{"concourse_ami":"ami-0a11ce5c0ffee0001","concourse_ami_mgmt_dev":"ami-0a11ce5c0ffee0001","other":"s3cr3t"}"#.to_vec());
        let ami = NEW.parse().unwrap();
        let Some(Payload::Binary(out)) =
            with_key(&p, "id", "concourse_ami_mgmt_dev", &ami).unwrap()
        else {
            panic!("expected a binary payload");
        };
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                r#"{{"concourse_ami":"ami-0a11ce5c0ffee0001","concourse_ami_mgmt_dev":"{NEW}","other":"s3cr3t"}}"#
            )
        );
        let same = Payload::String(format!(r#"{{"concourse_ami_mgmt_dev":"{NEW}"}}"#));
        assert_eq!(
            with_key(&same, "id", "concourse_ami_mgmt_dev", &ami).unwrap(),
            None
        );
    }
}
