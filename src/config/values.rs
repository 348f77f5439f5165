//! Validated value types for `source` and `params`. Each one checks itself while
//! it is decoded, so a bad value is reported with the key it came from.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::ami::shown;

/// `test_name`: names the result asset and the `results/<test_name>.test` file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TestName(String);

impl From<TestName> for String {
    fn from(t: TestName) -> String {
        t.0
    }
}

impl TestName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TestName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(TestName(s))
        } else {
            Err(format!(
                "expected letters, digits, `_` or `-` (e.g. concourse), got {}",
                shown(&s)
            ))
        }
    }
}

impl fmt::Display for TestName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A GitHub owner or repository name.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct GitHubName(String);

impl GitHubName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GitHubName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 100
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if ok {
            Ok(GitHubName(s))
        } else {
            Err(format!(
                "expected a GitHub name (letters, digits, `-`, `_`, `.`), got {}",
                shown(&s)
            ))
        }
    }
}

impl fmt::Display for GitHubName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An http(s) URL, kept with a trailing slash so that relative paths join under it
/// (GitHub Enterprise's API lives under `/api/v3/`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct BaseUrl(reqwest::Url);

impl BaseUrl {
    pub fn url(&self) -> &reqwest::Url {
        &self.0
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl TryFrom<String> for BaseUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let expected = || format!("expected an http(s) URL, got {}", shown(&s));
        let mut url = reqwest::Url::parse(&s).map_err(|_| expected())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(expected());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("URLs with credentials are not accepted; use access_token".into());
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(BaseUrl(url))
    }
}

/// A count given as a number or a numeric string (credential managers interpolate
/// `((vars))` as strings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count(pub u32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let n = match &v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match n.and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Ok(Count(n)),
            None => Err(serde::de::Error::custom(format!(
                "expected a non-negative whole number, got {v}"
            ))),
        }
    }
}

/// A boolean given as `true`/`false` or as the strings "true"/"false".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Bool(b) => Ok(Flag(b)),
            serde_json::Value::String(s) if s == "true" => Ok(Flag(true)),
            serde_json::Value::String(s) if s == "false" => Ok(Flag(false)),
            v => Err(serde::de::Error::custom(format!(
                "expected true or false, got {v}"
            ))),
        }
    }
}

/// A duration in humantime form: `30s`, `20m`, `1h 30m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait(pub Duration);

impl<'de> Deserialize<'de> for Wait {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s)
            .map(Wait)
            .map_err(serde::de::Error::custom)
    }
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|_| format!("expected a duration like 30s or 20m, got {}", shown(s)))?;
    // A day is far beyond any deploy; a larger value is a typo (e.g. `15` meaning 15s
    // would be rejected above, but `900h` would not).
    if d > Duration::from_secs(24 * 3600) {
        return Err(format!("expected at most 24h, got {}", shown(s)));
    }
    Ok(d)
}

/// The pause between looks at the fleet: at least a second, because
/// DescribeInstances is throttled per account and region, and every other
/// caller there (the autoscaling groups, the console) shares the budget.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < MIN_INTERVAL {
        return Err(format!("expected at least 1s, got {}", shown(s)));
    }
    Ok(d)
}

/// A path relative to the step's directory: never absolute, never `..`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct RelPath(PathBuf);

impl RelPath {
    pub fn as_path(&self) -> &Path {
        &self.0
    }
}

impl TryFrom<String> for RelPath {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let p = PathBuf::from(&s);
        let normal = !s.is_empty()
            && !s.contains('\0')
            && p.components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if normal {
            Ok(RelPath(p))
        } else {
            Err(format!(
                "expected a path relative to the build's directory without `..` (e.g. untested-ami/id), got {}",
                shown(&s)
            ))
        }
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.display())
    }
}

/// A credential. Its `Debug` never shows the value, and it has no `Display` or
/// `Serialize`, so it cannot reach a log, a record or metadata by accident.
///
/// Surrounding whitespace is dropped: a value pasted from a file keeps its
/// trailing newline, and a token with one cannot go into an HTTP header (the
/// request would silently go out without credentials). Whitespace or control
/// characters inside are refused: no GitHub token or AWS key has any.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The value, for the one place that sends it (an HTTP header, the SDK).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Secret {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            Err("expected a non-empty value".into())
        } else if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            // The value itself is never echoed: it is a credential.
            Err(
                "expected one token of visible ASCII characters; this value has spaces, \
                 control characters or non-ASCII characters inside (not shown)"
                    .into(),
            )
        } else {
            Ok(Secret(trimmed.to_owned()))
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// A non-empty, trimmed string (region, role ARN, secret id…).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Text(String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Text {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().is_empty() || s.trim() != s || s.contains(['\n', '\r', '\0']) {
            Err(format!(
                "expected a non-empty value without surrounding spaces, got {}",
                shown(&s)
            ))
        } else {
            Ok(Text(s))
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A release tag as GitHub allows it: non-empty, no spaces or control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReleaseTag(String);

impl ReleaseTag {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ReleaseTag {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 255
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(ReleaseTag(s))
        } else {
            Err(format!(
                "expected a release tag such as 1.4.2 (no spaces), got {}",
                shown(&s)
            ))
        }
    }
}

impl From<ReleaseTag> for String {
    fn from(t: ReleaseTag) -> String {
        t.0
    }
}

impl fmt::Display for ReleaseTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
