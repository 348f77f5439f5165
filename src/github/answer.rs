//! A GitHub answer read in full (bounded), and what it says about retrying:
//! 5xx and rate limits are worth another attempt, the rest is final.

use anyhow::{Context, Result};
use http::header::RETRY_AFTER;
use http::{HeaderMap, StatusCode};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A fully read answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// GitHub's `message` field, shortened, for error lines.
    pub fn message(&self) -> String {
        let msg = serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_default();
        msg.chars().take(200).collect()
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("{what}: GitHub's answer was not the JSON expected"))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A rate limit: 429, or 403 with the primary limit used up or (GitHub's
/// secondary limits answer 403 too) a `Retry-After` or a message saying so.
pub fn is_rate_limited(a: &Answer) -> bool {
    a.status == StatusCode::TOO_MANY_REQUESTS
        || (a.status == StatusCode::FORBIDDEN
            && (a.header("x-ratelimit-remaining") == Some("0")
                || a.header(RETRY_AFTER.as_str()).is_some()
                || a.message()
                    .to_ascii_lowercase()
                    .contains("secondary rate limit")))
}

/// How long to wait before retrying this answer, or `None` if it is final.
pub fn retry_after(a: &Answer, attempt: u32) -> Option<Duration> {
    if is_rate_limited(a) {
        let number = |name: &str| a.header(name).and_then(|s| s.trim().parse::<u64>().ok());
        if let Some(secs) = number(RETRY_AFTER.as_str()) {
            return Some(Duration::from_secs(secs));
        }
        if let Some(reset) = number("x-ratelimit-reset") {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
        }
        return Some(Duration::from_secs(60));
    }
    a.status.is_server_error().then(|| backoff(attempt))
}

/// 0.5 s, 1 s, 2 s … for the n-th attempt.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 << attempt.min(6).saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn answer(status: u16, headers: &[(&'static str, &str)]) -> Answer {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: h,
            body: vec![],
        }
    }

    #[test]
    fn rate_limits_and_server_errors_are_retried() {
        assert_eq!(
            retry_after(&answer(429, &[("retry-after", "3")]), 1),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&answer(502, &[]), 1),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            retry_after(&answer(502, &[]), 3),
            Some(Duration::from_secs(2))
        );
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let reset = (now + 5).to_string();
        let limited = answer(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
            ],
        );
        let w = retry_after(&limited, 1).unwrap();
        assert!(
            w >= Duration::from_secs(5) && w <= Duration::from_secs(6),
            "{w:?}"
        );
    }

    #[test]
    fn secondary_rate_limits_on_403_are_retried() {
        assert_eq!(
            retry_after(&answer(403, &[("retry-after", "4")]), 1),
            Some(Duration::from_secs(4))
        );
        let mut a = answer(403, &[("x-ratelimit-remaining", "4990")]);
        a.body = br#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#.to_vec();
        assert_eq!(retry_after(&a, 1), Some(Duration::from_secs(60)));
    }

    #[test]
    fn other_answers_are_final() {
        assert_eq!(
            retry_after(&answer(403, &[("x-ratelimit-remaining", "10")]), 1),
            None
        );
        assert_eq!(retry_after(&answer(404, &[]), 1), None);
        assert_eq!(retry_after(&answer(422, &[]), 1), None);
        assert_eq!(retry_after(&answer(200, &[]), 1), None);
    }
}
