//! The Concourse protocol, written once: read stdin (bounded), decode strictly,
//! validate, and print exactly one JSON document on stdout.

use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::io::{Read, Write};

use crate::config::strict::{self, kind_of};
use crate::config::{SOURCE_KEYS, Source};
use crate::record::{VERSION_KEYS, Version};

/// Concourse requests are small; anything bigger is a mistake, not a request.
pub const MAX_REQUEST: u64 = 1024 * 1024;

const REQUEST_KEYS: &[&str] = &["source", "version", "params"];

/// A decoded, validated request.
#[derive(Debug)]
pub struct Request<P> {
    pub source: Source,
    pub version: Option<Version>,
    pub params: P,
}

/// Which step is decoding: it decides the params it accepts.
pub struct StepSpec {
    pub name: &'static str,
    /// `None`: the step takes no params (check).
    pub param_keys: Option<&'static [&'static str]>,
}

pub fn read_request(mut input: impl Read) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    input
        .by_ref()
        .take(MAX_REQUEST + 1)
        .read_to_end(&mut buf)
        .context("reading the request on stdin")?;
    if buf.len() as u64 > MAX_REQUEST {
        bail!("the request on stdin is larger than 1 MiB");
    }
    Ok(buf)
}

pub fn decode<P: DeserializeOwned>(input: &[u8], spec: &StepSpec) -> Result<Request<P>> {
    let text = std::str::from_utf8(input).map_err(|e| {
        anyhow!(
            "the request on stdin is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        bail!("no request on stdin: expected a JSON object with `source`");
    }
    let request: Value = serde_json::from_str(text)
        .map_err(|e| anyhow!("the request on stdin is not valid JSON: {e}"))?;
    let Value::Object(map) = &request else {
        bail!(
            "the request on stdin must be a JSON object, got {}",
            kind_of(&request)
        );
    };
    strict::check_keys(&request, "the request", REQUEST_KEYS)?;
    let source = match map.get("source") {
        None | Some(Value::Null) => bail!("source is required"),
        s => strict::decode::<Source>(s, "source", SOURCE_KEYS)?,
    };
    source.validate()?;
    let version = decode_version(map.get("version"))?;
    let params = match spec.param_keys {
        Some(keys) => strict::decode::<P>(map.get("params"), "params", keys)?,
        None => {
            if !is_empty(map.get("params")) {
                bail!("params are not used by {}", spec.name);
            }
            strict::decode::<P>(None, "params", &[])?
        }
    };
    Ok(Request {
        source,
        version,
        params,
    })
}

/// `version` is absent on the first check and on `out`; `null` and `{}` mean the
/// same.
fn decode_version(v: Option<&Value>) -> Result<Option<Version>> {
    if is_empty(v) {
        return Ok(None);
    }
    strict::decode::<Version>(v, "version", VERSION_KEYS).map(Some)
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        _ => false,
    }
}

/// One `{"name", "value"}` entry of the build page's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Meta {
    pub name: String,
    pub value: String,
}

pub fn meta(name: &str, value: impl Into<String>) -> Meta {
    Meta {
        name: name.to_owned(),
        value: value.into(),
    }
}

/// The answer of `in` and `out`.
#[derive(Debug, Serialize)]
pub struct Response {
    pub version: Version,
    pub metadata: Vec<Meta>,
}

/// Print exactly one JSON document on stdout. Only the prelude calls this, once.
pub fn emit(value: &impl Serialize) -> Result<()> {
    let mut out = serde_json::to_vec(value).context("encoding the response")?;
    out.push(b'\n');
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|_| stdout.flush())
        .context("writing the response to stdout")
}
