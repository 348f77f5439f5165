//! A small GitHub REST client: bounded retries (5xx, 429, 403 rate limits,
//! dropped connections, timeouts) honouring `Retry-After`/`X-RateLimit-Reset`,
//! readable errors, and the token sent only to GitHub's own origins.
//!
//! Why not octocrab: we need status-level control (204/404 on delete, 422
//! `already_exists` on upload, manual 302 on downloads so the token never follows
//! to storage, proxies from the worker's environment), which its typed API hides.

use anyhow::{Context, Result, anyhow, bail};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Client, Method, RequestBuilder, StatusCode, Url};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::config::values::Secret;

const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// No retry starts after this much time: a dead GitHub fails a step in ~1 minute.
const RETRY_WINDOW: Duration = Duration::from_secs(60);
const MAX_ATTEMPTS: u32 = 6;
/// Largest body we read (a page of 100 releases is a few hundred KiB).
const MAX_BODY: usize = 32 * 1024 * 1024;

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
}

#[derive(Clone)]
pub struct GitHub {
    http: Client,
    pub api: Url,
    /// `Bearer <token>`, built once: a token that cannot be a header value is
    /// an error here, never a request that silently goes out without it.
    auth: Option<HeaderValue>,
    /// Origins (scheme://host:port) that may receive the token.
    trusted: Vec<String>,
}

impl GitHub {
    pub fn new(api: &Url, uploads: Option<&Url>, token: Option<&Secret>) -> Result<GitHub> {
        let http = Client::builder()
            .user_agent(concat!("ami-test-resource/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(ATTEMPT_TIMEOUT)
            // Redirects are followed by hand so the token never leaves GitHub.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("setting up the HTTP client")?;
        let mut trusted = vec![origin(api)];
        trusted.extend(uploads.map(origin));
        let auth = match token {
            Some(t) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {}", t.expose()))
                    .map_err(|_| anyhow!("the GitHub token cannot be sent in an HTTP header"))?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        Ok(GitHub {
            http,
            api: api.clone(),
            auth,
            trusted,
        })
    }

    pub fn has_token(&self) -> bool {
        self.auth.is_some()
    }

    /// Trust the origin of a URL GitHub itself gave us (a release's `upload_url`).
    pub fn trust(&mut self, url: &Url) {
        let o = origin(url);
        if !self.trusted.contains(&o) {
            self.trusted.push(o);
        }
    }

    pub fn url(&self, path: &str) -> Result<Url> {
        self.api
            .join(path)
            .with_context(|| format!("building the GitHub URL for {path}"))
    }

    pub fn request(&self, method: Method, url: Url) -> RequestBuilder {
        self.request_accepting(method, url, "application/vnd.github+json")
    }

    /// `header()` appends, so the Accept value is chosen here, once.
    pub fn request_accepting(&self, method: Method, url: Url, accept: &str) -> RequestBuilder {
        let mut r = self
            .http
            .request(method, url.clone())
            .header(ACCEPT, accept)
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(auth) = &self.auth
            && self.trusted.contains(&origin(&url))
        {
            r = r.header(AUTHORIZATION, auth.clone());
        }
        r
    }

    /// A plain request with no GitHub headers and no token (storage redirects).
    pub fn plain(&self, url: Url) -> RequestBuilder {
        self.http.get(url)
    }

    /// Send with retries; `what` says what was being done, for logs and errors.
    pub async fn send(&self, what: &str, make: impl Fn() -> RequestBuilder) -> Result<Answer> {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = attempt_once(make()).await;
            // `asked`: the wait is GitHub's (a rate limit), not our backoff.
            let (wait, problem, asked) = match &outcome {
                Ok(a) => match retry_after(a, attempt) {
                    Some(w) if is_rate_limited(a) => (
                        w,
                        format!(
                            "GitHub answered {} (rate limited: {})",
                            a.status,
                            a.message()
                        ),
                        true,
                    ),
                    Some(w) => (w, format!("GitHub answered {}", a.status), false),
                    None => return outcome,
                },
                // A certificate the store does not trust will not become trusted.
                Err(e) if format!("{e:#}").contains("certificate") => {
                    return Err(anyhow!(
                        "{what}: {e:#} (is the CA bundle in /etc/ssl/certs?)"
                    ));
                }
                Err(e) => (backoff(attempt), format!("{e:#}"), false),
            };
            let elapsed = started.elapsed();
            if attempt >= MAX_ATTEMPTS || elapsed + wait > RETRY_WINDOW {
                // Say when GitHub's own wait is what ends the retries.
                let too_long = if asked && attempt < MAX_ATTEMPTS {
                    format!(
                        "; GitHub asks to wait {}s, beyond the {}s this step retries for",
                        wait.as_secs(),
                        RETRY_WINDOW.as_secs()
                    )
                } else {
                    String::new()
                };
                return Err(anyhow!(
                    "{what}: gave up after {attempt} attempt{} in {}s: {problem}{too_long}",
                    if attempt == 1 { "" } else { "s" },
                    elapsed.as_secs()
                ));
            }
            eprintln!(
                "{what}: {problem}; retrying in {}s (attempt {} of at most {MAX_ATTEMPTS})",
                wait.as_secs_f32(),
                attempt + 1
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// The error for an answer that is not what the caller accepts.
    pub fn fail(&self, what: &str, a: &Answer) -> anyhow::Error {
        let msg = a.message();
        match a.status.as_u16() {
            401 => anyhow!("{what}: GitHub rejected the token (401 {msg})"),
            403 => anyhow!(
                "{what}: GitHub refused (403 {msg}); does the token have the permission this step needs?"
            ),
            404 => anyhow!(
                "{what}: not found (404): the repository, release or asset does not exist, or the token cannot see it{}",
                if self.has_token() {
                    ""
                } else {
                    " (no access_token is configured)"
                }
            ),
            s => anyhow!("{what}: GitHub answered {s}: {msg}"),
        }
    }

    pub fn expect_ok(&self, what: &str, a: Answer) -> Result<Answer> {
        if a.status.is_success() {
            Ok(a)
        } else {
            Err(self.fail(what, &a))
        }
    }
}

/// Why a single attempt got no answer: whether the request can have reached
/// GitHub decides whether a non-idempotent request may be sent again.
#[derive(Debug)]
pub enum Lost {
    /// The connection never opened: GitHub cannot have acted on it.
    NotSent(anyhow::Error),
    /// Sent, then no (complete) answer: GitHub may have acted on it.
    Unknown(anyhow::Error),
}

impl GitHub {
    /// One attempt, no retry: for a request that must not be repeated blindly.
    pub async fn send_once(&self, r: RequestBuilder) -> std::result::Result<Answer, Lost> {
        let resp = r.send().await.map_err(|e| {
            if e.is_connect() {
                Lost::NotSent(transport(e))
            } else {
                Lost::Unknown(transport(e))
            }
        })?;
        read_answer(resp).await.map_err(Lost::Unknown)
    }
}

async fn attempt_once(r: RequestBuilder) -> Result<Answer> {
    read_answer(r.send().await.map_err(transport)?).await
}

async fn read_answer(mut resp: reqwest::Response) -> Result<Answer> {
    let status = resp.status();
    let headers = resp.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            bail!("the answer is larger than {} MiB", MAX_BODY >> 20);
        }
    }
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// reqwest's errors, without the URL (it is ours and noisy) but with the cause.
fn transport(e: reqwest::Error) -> anyhow::Error {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the connection failed"
    };
    // The innermost cause says what happened ("Connection refused").
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(next) = cause.and_then(|c| c.source()) {
        cause = Some(next);
    }
    let cause = cause.map(|c| format!(": {c}")).unwrap_or_default();
    anyhow!("{kind}{cause}")
}

/// A rate limit: 429, or 403 with the primary limit used up or (GitHub's
/// secondary limits answer 403 too) a `Retry-After` or a message saying so.
pub fn is_rate_limited(a: &Answer) -> bool {
    let header = |name: &str| a.headers.get(name).and_then(|v| v.to_str().ok());
    a.status == StatusCode::TOO_MANY_REQUESTS
        || (a.status == StatusCode::FORBIDDEN
            && (header("x-ratelimit-remaining") == Some("0")
                || header(RETRY_AFTER.as_str()).is_some()
                || a.message()
                    .to_ascii_lowercase()
                    .contains("secondary rate limit")))
}

/// How long to wait before retrying this answer, or `None` if it is final.
pub fn retry_after(a: &Answer, attempt: u32) -> Option<Duration> {
    let header = |name: &str| a.headers.get(name).and_then(|v| v.to_str().ok());
    if is_rate_limited(a) {
        if let Some(secs) = header(RETRY_AFTER.as_str()).and_then(|s| s.trim().parse::<u64>().ok())
        {
            return Some(Duration::from_secs(secs));
        }
        if let Some(reset) = header("x-ratelimit-reset").and_then(|s| s.trim().parse::<u64>().ok())
        {
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

pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 << attempt.min(6).saturating_sub(1))
}

pub fn origin(u: &Url) -> String {
    u.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let w = retry_after(
            &answer(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", &reset),
                ],
            ),
            1,
        )
        .unwrap();
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

    #[test]
    fn the_token_goes_to_trusted_origins_only() {
        let api = Url::parse("https://ghe.example/api/v3/").unwrap();
        let token = Secret::new("canary-token");
        let gh = GitHub::new(&api, None, Some(&token)).unwrap();
        let to_api = gh
            .request(Method::GET, gh.url("repos/o/r").unwrap())
            .build()
            .unwrap();
        assert!(to_api.headers().contains_key(AUTHORIZATION));
        let elsewhere = gh
            .request(
                Method::GET,
                Url::parse("https://storage.example/x").unwrap(),
            )
            .build()
            .unwrap();
        assert!(!elsewhere.headers().contains_key(AUTHORIZATION));
    }
}
