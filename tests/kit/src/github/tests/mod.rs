//! Tests of the fake itself, through raw HTTP as a client would see it.

mod edges;
mod faults;
mod pagination;
mod releases;
mod security;

use crate::http::{self, ClientResponse};

const TOKEN: &str = "ghp_testkitCanaryToken0123456789";

fn get(url: &str, token: Option<&str>) -> ClientResponse {
    call("GET", url, token, None, b"")
}

fn call(
    method: &str,
    url: &str,
    token: Option<&str>,
    accept: Option<&str>,
    body: &[u8],
) -> ClientResponse {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("User-Agent", "testkit")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a));
    }
    if let Some(a) = accept {
        headers.push(("Accept", a));
    }
    http::request(method, url, &headers, body).unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

/// Uploads through the release's own `upload_url`, as clients do.
fn upload(upload_url: &str, name: &str, token: Option<&str>, body: &[u8]) -> ClientResponse {
    let base = upload_url.split('{').next().unwrap();
    let url = format!("{base}?name={}", http::percent_encode(name));
    let auth = token.map(|t| format!("token {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a));
    }
    http::request("POST", &url, &headers, body).unwrap()
}

/// The `Link` header as (rel, url) pairs.
fn links(resp: &ClientResponse) -> Vec<(String, String)> {
    let Some(link) = resp.header("Link") else {
        return Vec::new();
    };
    link.split(", ")
        .map(|part| {
            let (url, rel) = part.split_once("; ").unwrap();
            let url = url.trim_start_matches('<').trim_end_matches('>');
            let rel = rel.trim_start_matches("rel=\"").trim_end_matches('"');
            (rel.to_string(), url.to_string())
        })
        .collect()
}

fn link(resp: &ClientResponse, rel: &str) -> Option<String> {
    links(resp)
        .into_iter()
        .find(|(r, _)| r == rel)
        .map(|(_, u)| u)
}
