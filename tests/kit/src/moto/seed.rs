//! Seeding moto with raw protocol calls (no AWS SDK in the kit: it would
//! double the workspace's heaviest build). moto accepts any signature and
//! takes the region and service from the credential scope, so a fake SigV4
//! `Authorization` header is all it needs.

use super::Moto;
use crate::http::{self, b64_decode, b64_encode, percent_encode};
use serde_json::{Value, json};

/// RunInstances per call; several calls make several reservations, which is
/// also what moto's `MaxResults` counts.
const RUN_BATCH: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretValue {
    String(String),
    Binary(Vec<u8>),
}

fn authorization(region: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, \
         SignedHeaders=host, Signature=00"
    )
}

impl Moto {
    /// One EC2 Query call; panics with moto's answer unless it is 200.
    /// Returns the XML body.
    pub fn ec2_call(&self, region: &str, action: &str, params: &[(String, String)]) -> String {
        let mut form = format!("Action={action}&Version=2016-11-15");
        for (k, v) in params {
            form.push_str(&format!("&{}={}", percent_encode(k), percent_encode(v)));
        }
        let auth = authorization(region, "ec2");
        let headers = [
            ("Authorization", auth.as_str()),
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
        ];
        let resp = http::request(
            "POST",
            &format!("{}/", self.endpoint()),
            &headers,
            form.as_bytes(),
        )
        .unwrap_or_else(|e| panic!("EC2 {action} to moto: {e}"));
        assert_eq!(resp.status, 200, "EC2 {action} failed: {}", resp.text());
        resp.text()
    }

    /// One Secrets Manager (JSON 1.1) call; panics unless it is 200.
    pub fn secrets_call(&self, region: &str, operation: &str, body: &Value) -> Value {
        let auth = authorization(region, "secretsmanager");
        let target = format!("secretsmanager.{operation}");
        let headers = [
            ("Authorization", auth.as_str()),
            ("X-Amz-Target", target.as_str()),
            ("Content-Type", "application/x-amz-json-1.1"),
        ];
        let resp = http::request(
            "POST",
            &format!("{}/", self.endpoint()),
            &headers,
            body.to_string().as_bytes(),
        )
        .unwrap_or_else(|e| panic!("secretsmanager {operation} to moto: {e}"));
        assert_eq!(
            resp.status,
            200,
            "secretsmanager {operation} failed: {}",
            resp.text()
        );
        resp.json()
    }

    /// Launches `count` running instances of `ami` in `region`, tagged with
    /// `Name` (if given) and `extra_tags`. Returns their ids in launch order.
    pub fn run_instances(
        &self,
        region: &str,
        ami: &str,
        count: usize,
        name_tag: Option<&str>,
        extra_tags: &[(&str, &str)],
    ) -> Vec<String> {
        let mut tags: Vec<(&str, &str)> = name_tag.map(|n| ("Name", n)).into_iter().collect();
        tags.extend_from_slice(extra_tags);
        let mut ids = Vec::with_capacity(count);
        let mut left = count;
        while left > 0 {
            let n = left.min(RUN_BATCH);
            let xml = self.ec2_call(region, "RunInstances", &run_params(ami, n, &tags));
            let got = xml_values(&xml, "instanceId");
            assert_eq!(
                got.len(),
                n,
                "RunInstances returned {} ids, wanted {n}: {xml}",
                got.len()
            );
            ids.extend(got);
            left -= n;
        }
        ids
    }

    pub fn stop_instances(&self, region: &str, ids: &[String]) {
        if !ids.is_empty() {
            self.ec2_call(region, "StopInstances", &id_params(ids));
        }
    }

    pub fn terminate_instances(&self, region: &str, ids: &[String]) {
        if !ids.is_empty() {
            self.ec2_call(region, "TerminateInstances", &id_params(ids));
        }
    }

    pub fn create_secret(&self, region: &str, name: &str, value: &SecretValue) {
        let body = match value {
            SecretValue::String(s) => json!({"Name": name, "SecretString": s}),
            SecretValue::Binary(b) => json!({"Name": name, "SecretBinary": b64_encode(b)}),
        };
        self.secrets_call(region, "CreateSecret", &body);
    }

    /// The current value, in the form it is stored (string or binary).
    pub fn get_secret(&self, region: &str, name: &str) -> SecretValue {
        let v = self.secrets_call(region, "GetSecretValue", &json!({"SecretId": name}));
        if let Some(s) = v["SecretString"].as_str() {
            return SecretValue::String(s.to_string());
        }
        let b = v["SecretBinary"]
            .as_str()
            .unwrap_or_else(|| panic!("secret {name} has no value: {v}"));
        SecretValue::Binary(
            b64_decode(b).unwrap_or_else(|| panic!("SecretBinary is not base64: {b}")),
        )
    }

    /// How many versions the secret has: grows by one on every write, so a
    /// test can tell whether a write happened.
    pub fn secret_version_count(&self, region: &str, name: &str) -> usize {
        // IncludeDeprecated so real AWS would count the same; moto lists all
        // versions regardless.
        let body = json!({"SecretId": name, "IncludeDeprecated": true, "MaxResults": 100});
        let v = self.secrets_call(region, "ListSecretVersionIds", &body);
        v["Versions"].as_array().map_or(0, Vec::len)
    }
}

fn run_params(ami: &str, n: usize, tags: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut p = vec![
        ("ImageId".to_string(), ami.to_string()),
        ("MinCount".to_string(), n.to_string()),
        ("MaxCount".to_string(), n.to_string()),
        ("InstanceType".to_string(), "t3.medium".to_string()),
    ];
    // moto rejects a TagSpecification without tags, so send none at all then.
    if !tags.is_empty() {
        p.push(("TagSpecification.1.ResourceType".into(), "instance".into()));
    }
    for (i, (k, v)) in tags.iter().enumerate() {
        p.push((
            format!("TagSpecification.1.Tag.{}.Key", i + 1),
            k.to_string(),
        ));
        p.push((
            format!("TagSpecification.1.Tag.{}.Value", i + 1),
            v.to_string(),
        ));
    }
    p
}

fn id_params(ids: &[String]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("InstanceId.{}", i + 1), id.clone()))
        .collect()
}

/// Text of every `<tag>…</tag>` element, in document order (deduplicated, as
/// an id can appear twice in one item). Enough XML for seeding and tests.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(j) = rest.find(&close) else { break };
        let v = rest[..j].to_string();
        if !out.contains(&v) {
            out.push(v);
        }
        rest = &rest[j + close.len()..];
    }
    out
}
