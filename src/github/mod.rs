//! GitHub through octocrab, over our own reqwest client (`transport`).
//!
//! What octocrab does: the HTTP stack (its reqwest connector), the token,
//! which its auth layer sends only to the API's and the uploads' host (never to
//! the storage a download redirects to), and typed decoding (`Page<T>` with
//! GitHub's `Link` paging, over our own lean types). What stays ours, because
//! octocrab's typed calls hide it: the answer itself (status and headers: 404
//! on delete, 422 `already_exists`, the 302 to storage, `Retry-After` and
//! `X-RateLimit-Reset`), bounded retries (5xx, rate limits, dropped
//! connections, timeouts; octocrab's own retry would repeat POSTs and wait
//! without bound), the size caps and the error messages.

mod answer;
mod retry;
mod transport;

pub use answer::{Answer, backoff, is_rate_limited, retry_after};
pub use retry::Failure;
use retry::{check_size, failure, retrying};

use anyhow::{Context, Result, anyhow};
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use http::{Method, Request};
use http_body_util::BodyExt;
use octocrab::{FromResponse, Octocrab, OctocrabBuilder, Page};
use reqwest::Url;

use crate::config::values::Secret;

const JSON: &str = "application/vnd.github+json";

#[derive(Clone)]
pub struct GitHub {
    crab: Octocrab,
    /// The same client without octocrab's layers: for the storage a download
    /// redirects to, which must never see the token.
    http: reqwest::Client,
    pub api: Url,
    token: Option<Secret>,
}

impl GitHub {
    /// The token goes to `api`'s host and to `uploads`' (or, when none is
    /// configured, uploads.github.com's) host only.
    pub fn new(api: &Url, uploads: Option<&Url>, token: Option<&Secret>) -> Result<GitHub> {
        Self::build(transport::client()?, api, uploads, token)
    }

    fn build(
        http: reqwest::Client,
        api: &Url,
        uploads: Option<&Url>,
        token: Option<&Secret>,
    ) -> Result<GitHub> {
        let bad = |what: &str| anyhow!("the GitHub {what} URL is not a valid URI");
        let mut builder = OctocrabBuilder::default()
            .base_uri(api.as_str())
            .map_err(|_| bad("API"))?;
        if let Some(u) = uploads {
            builder = builder.upload_uri(u.as_str()).map_err(|_| bad("uploads"))?;
        }
        if let Some(t) = token {
            // Validated as visible ASCII (`Secret`): a valid header value.
            builder = builder.personal_token(t.expose().to_owned());
        }
        let crab = builder
            .build_with_reqwest(http.clone())
            .context("setting up the GitHub client")?;
        Ok(GitHub {
            crab,
            http,
            api: api.clone(),
            token: token.cloned(),
        })
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// A client that also trusts the host of `uploads`: a release's
    /// `upload_url`, which GitHub itself handed out.
    pub fn with_uploads(&self, uploads: &Url) -> Result<GitHub> {
        Self::build(
            self.http.clone(),
            &self.api,
            Some(uploads),
            self.token.as_ref(),
        )
    }

    pub fn url(&self, path: &str) -> Result<Url> {
        self.api
            .join(path)
            .with_context(|| format!("building the GitHub URL for {path}"))
    }

    /// A request as GitHub's REST API wants it.
    pub fn request(&self, method: Method, url: &Url) -> Request<Vec<u8>> {
        self.request_accepting(method, url, JSON, None)
    }

    /// `accept` is chosen here, once; `body` is (content type, bytes).
    pub fn request_accepting(
        &self,
        method: Method,
        url: &Url,
        accept: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Request<Vec<u8>> {
        let mut r = Request::builder()
            .method(method)
            .uri(url.as_str())
            .header(ACCEPT, accept)
            .header("X-GitHub-Api-Version", "2022-11-28");
        let bytes = match body {
            Some((content_type, bytes)) => {
                r = r.header(CONTENT_TYPE, content_type);
                bytes
            }
            None => Vec::new(),
        };
        // A parsed `Url` is always a valid URI, and the headers are ours.
        r.body(bytes).expect("a valid URL and header values")
    }

    /// Send with retries; `what` says what was being done, for logs and errors.
    pub async fn send(&self, what: &str, make: impl Fn() -> Request<Vec<u8>>) -> Result<Answer> {
        retrying(what, async || self.attempt(make()).await).await
    }

    /// One attempt, no retry: for a request that must not be repeated blindly.
    pub async fn send_once(&self, request: Request<Vec<u8>>) -> Result<Answer, Failure> {
        self.attempt(request).await
    }

    async fn attempt(&self, request: Request<Vec<u8>>) -> Result<Answer, Failure> {
        let response = self.crab.execute(request).await.map_err(|e| failure(&e))?;
        let (parts, mut body) = response.into_parts();
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| failure(&e))?;
            if let Some(chunk) = frame.data_ref() {
                bytes.extend_from_slice(chunk);
                check_size(bytes.len())?;
            }
        }
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body: bytes,
        })
    }

    /// GET an asset's bytes: GitHub answers 302 to storage, and the redirect is
    /// followed without the token (storage refuses a request that carries one).
    pub async fn download(&self, what: &str, url: &Url) -> Result<Answer> {
        let first = self
            .send(what, || {
                self.request_accepting(Method::GET, url, "application/octet-stream", None)
            })
            .await?;
        if !first.status.is_redirection() {
            return self.expect_ok(what, first);
        }
        let location = first
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .with_context(|| format!("{what}: redirect without a location"))?;
        let target = url
            .join(location)
            .with_context(|| format!("{what}: bad redirect"))?;
        let answer = retrying(what, async || self.plain(&target).await).await?;
        if !answer.status.is_success() {
            anyhow::bail!("{what}: storage answered {}", answer.status);
        }
        Ok(answer)
    }

    async fn plain(&self, url: &Url) -> Result<Answer, Failure> {
        let mut resp = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| failure(&e))?;
        let (status, headers) = (resp.status(), resp.headers().clone());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| failure(&e))? {
            body.extend_from_slice(&chunk);
            check_size(body.len())?;
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// A page of a list answer: octocrab's `Page` with GitHub's `Link` paging,
    /// holding our lean items.
    ///
    /// octocrab decodes a page's body into a `serde_json::Value` first, which
    /// for 100 releases (authors, URLs, assets) costs more CPU than the rest of
    /// a check: it is handed the headers only, and the items are decoded
    /// straight into `T`, skipping every field we do not keep.
    pub async fn page<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        answer: Answer,
    ) -> Result<Page<T>> {
        let answer = self.expect_ok(what, answer)?;
        let mut links = http::Response::new(
            http_body_util::Full::new(Bytes::from_static(b"[]"))
                .map_err(|never| -> octocrab::Error { match never {} }),
        );
        *links.headers_mut() = answer.headers.clone();
        let links = Page::<serde::de::IgnoredAny>::from_response(links)
            .await
            .map_err(|e| anyhow!("{what}: GitHub's paging links were not readable ({e})"))?;
        let mut page = Page::default();
        page.items = answer.json(what)?;
        (page.next, page.prev) = (links.next, links.prev);
        (page.first, page.last) = (links.first, links.last);
        Ok(page)
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

pub fn origin(u: &Url) -> String {
    u.origin().ascii_serialization()
}

#[cfg(test)]
mod tests;
