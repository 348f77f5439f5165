//! Fault injection for the fake GitHub: which requests, what goes wrong, and
//! the JSON form that `POST /_fake/faults` accepts in process mode.

use serde_json::{Value, json};
use std::time::Duration;

/// Which of the fake's three servers a request reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// api.github.com (or `/api/v3` on Enterprise)
    Api,
    /// uploads.github.com (or `/api/uploads`)
    Uploads,
    /// objects.githubusercontent.com: pre-signed asset downloads
    Storage,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Api => "api",
            Origin::Uploads => "uploads",
            Origin::Storage => "storage",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        [Origin::Api, Origin::Uploads, Origin::Storage]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// This status with a GitHub-like JSON error body.
    Status(u16),
    /// 429 with `Retry-After` (a secondary rate limit).
    TooManyRequests { retry_after_secs: u64 },
    /// 403 with `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset` (epoch
    /// seconds): the primary rate limit is used up.
    RateLimited { reset_in_secs: u64 },
    /// 403 with `Retry-After` and GitHub's secondary-rate-limit message
    /// (GitHub answers secondary limits with 403 or 429).
    SecondaryRateLimited { retry_after_secs: u64 },
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Read the request, then close the connection without answering.
    Drop,
    /// Read the request and never answer, until the client gives up (300 s at most).
    /// The request is not served: an upload or delete does not happen.
    Stall,
    /// Serve the request (an upload or delete happens), then close the
    /// connection without answering: the answer is lost on the way back.
    DropAfterServing,
    /// Serve the request (an upload or delete happens), then never answer,
    /// until the client gives up (300 s at most). Logged once served, so a
    /// test that sees it in the log knows the effect has happened.
    StallAfterServing,
    /// Serve the request (a dispatch starts its run), then answer with this
    /// status anyway, as GitHub's front end does when the backend's answer
    /// is lost: the client cannot tell from the status whether it happened.
    StatusAfterServing(u16),
    /// An upload that dies mid-way: the asset is created in `starter` state
    /// (size 0, not downloadable, its name taken), then the connection closes.
    InterruptUpload,
}

/// A rule: requests it matches (all given criteria must hold) get `kind`,
/// `times` times, after the first `skip` matching requests have been let
/// through. Rules are tried in the order they were injected; a request a rule
/// lets through (skipping) goes on to the later rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub origin: Option<Origin>,
    pub method: Option<String>,
    /// Substring of the request's path and query, e.g. `/releases`.
    pub path_contains: Option<String>,
    pub kind: FaultKind,
    pub times: usize,
    /// Matching requests to let through before the fault fires, e.g. 1 to
    /// fault the second `GET …/releases/tags/T` only.
    pub skip: usize,
}

impl Fault {
    /// Matches every request until narrowed with `on`, `method`, `path`.
    pub fn new(kind: FaultKind, times: usize) -> Fault {
        Fault {
            origin: None,
            method: None,
            path_contains: None,
            kind,
            times,
            skip: 0,
        }
    }

    /// Lets the first `n` matching requests through; the fault fires from the
    /// next one on.
    pub fn skip(mut self, n: usize) -> Fault {
        self.skip = n;
        self
    }

    pub fn on(mut self, origin: Origin) -> Fault {
        self.origin = Some(origin);
        self
    }

    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    pub fn path(mut self, contains: &str) -> Fault {
        self.path_contains = Some(contains.to_string());
        self
    }

    pub fn matches(&self, origin: Origin, method: &str, target: &str) -> bool {
        self.origin.is_none_or(|o| o == origin)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| target.contains(p))
    }

    /// The JSON form: flat, so it is easy to write with curl, e.g.
    /// `{"kind":"status","status":503,"origin":"api","method":"GET",
    /// "path_contains":"/releases","times":2}`. Kinds: `status` (`status`),
    /// `too_many_requests` (`retry_after_secs`), `rate_limited`
    /// (`reset_in_secs`), `secondary_rate_limited` (`retry_after_secs`),
    /// `slow` (`millis`), `drop`, `stall`, `drop_after_serving`,
    /// `stall_after_serving`, `status_after_serving` (`status`),
    /// `interrupt_upload`; `skip` defaults to 0.
    pub fn to_json(&self) -> Value {
        let mut v = match &self.kind {
            FaultKind::Status(s) => json!({"kind": "status", "status": s}),
            FaultKind::TooManyRequests { retry_after_secs } => {
                json!({"kind": "too_many_requests", "retry_after_secs": retry_after_secs})
            }
            FaultKind::RateLimited { reset_in_secs } => {
                json!({"kind": "rate_limited", "reset_in_secs": reset_in_secs})
            }
            FaultKind::SecondaryRateLimited { retry_after_secs } => {
                json!({"kind": "secondary_rate_limited", "retry_after_secs": retry_after_secs})
            }
            FaultKind::Slow(d) => json!({"kind": "slow", "millis": d.as_millis() as u64}),
            FaultKind::Drop => json!({"kind": "drop"}),
            FaultKind::Stall => json!({"kind": "stall"}),
            FaultKind::DropAfterServing => json!({"kind": "drop_after_serving"}),
            FaultKind::StallAfterServing => json!({"kind": "stall_after_serving"}),
            FaultKind::StatusAfterServing(s) => {
                json!({"kind": "status_after_serving", "status": s})
            }
            FaultKind::InterruptUpload => json!({"kind": "interrupt_upload"}),
        };
        v["origin"] = json!(self.origin.map(Origin::as_str));
        v["method"] = json!(self.method);
        v["path_contains"] = json!(self.path_contains);
        v["times"] = json!(self.times);
        v["skip"] = json!(self.skip);
        v
    }

    /// Parses `to_json`'s form; `times` defaults to 1.
    pub fn from_json(v: &Value) -> Result<Fault, String> {
        let num = |k: &str| {
            v[k].as_u64()
                .ok_or_else(|| format!("fault needs a number `{k}`"))
        };
        let kind = match v["kind"].as_str().ok_or("fault needs a string `kind`")? {
            "status" => {
                FaultKind::Status(u16::try_from(num("status")?).map_err(|e| e.to_string())?)
            }
            "too_many_requests" => FaultKind::TooManyRequests {
                retry_after_secs: num("retry_after_secs")?,
            },
            "rate_limited" => FaultKind::RateLimited {
                reset_in_secs: num("reset_in_secs")?,
            },
            "secondary_rate_limited" => FaultKind::SecondaryRateLimited {
                retry_after_secs: num("retry_after_secs")?,
            },
            "slow" => FaultKind::Slow(Duration::from_millis(num("millis")?)),
            "drop" => FaultKind::Drop,
            "stall" => FaultKind::Stall,
            "drop_after_serving" => FaultKind::DropAfterServing,
            "stall_after_serving" => FaultKind::StallAfterServing,
            "status_after_serving" => FaultKind::StatusAfterServing(
                u16::try_from(num("status")?).map_err(|e| e.to_string())?,
            ),
            "interrupt_upload" => FaultKind::InterruptUpload,
            other => return Err(format!("unknown fault kind {other:?}")),
        };
        let origin = match v["origin"].as_str() {
            None => None,
            Some(s) => Some(Origin::parse(s).ok_or_else(|| format!("unknown origin {s:?}"))?),
        };
        let text = |k: &str| v[k].as_str().map(str::to_string);
        Ok(Fault {
            origin,
            method: text("method").map(|m| m.to_ascii_uppercase()),
            path_contains: text("path_contains"),
            kind,
            times: v["times"].as_u64().unwrap_or(1) as usize,
            skip: v["skip"].as_u64().unwrap_or(0) as usize,
        })
    }
}
