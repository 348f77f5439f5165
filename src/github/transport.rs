//! The HTTP client under octocrab: reqwest on rustls + ring (the TLS stack the
//! AWS SDK already brings), trusting the system's CA store (a worker's bundle
//! mounted at /etc/ssl/certs), through `https_proxy`/`http_proxy`/`no_proxy`,
//! with timeouts, and never following a redirect on its own (a redirect to
//! storage is followed by hand, without the token).

use anyhow::{Context, Result, anyhow};
use std::sync::Arc;
use std::time::Duration;

const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("ami-test-resource/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls_config()?)
        .build()
        .context("setting up the HTTP client")
}

/// rustls on ring with the system's roots. A missing or unreadable store is
/// not fatal here: the TLS handshake then fails with a certificate error that
/// names the problem.
fn tls_config() -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (added, _ignored) = roots.add_parsable_certificates(native.certs);
    if added == 0 {
        eprintln!("warning: no CA certificates found in the system store (/etc/ssl/certs)");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("setting up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Why an attempt got no answer, in one line: the kind (timed out, could not
/// connect, the connection failed) and the innermost cause ("Connection
/// refused"), without the URL (it is ours, and noisy).
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let req = reqwest_error(e);
    let kind = match req {
        Some(r) if r.is_timeout() => "timed out",
        Some(r) if r.is_connect() => "could not connect",
        _ => "the connection failed",
    };
    let mut innermost: &dyn std::error::Error = e;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    let cause = innermost.to_string();
    if std::ptr::addr_eq(innermost, e) || cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {cause}")
    }
}

/// True when the request cannot have reached GitHub (the connection never
/// opened): only then may a request that is not idempotent be sent again.
pub fn never_sent(e: &(dyn std::error::Error + 'static)) -> bool {
    reqwest_error(e).is_some_and(|r| r.is_connect())
}

/// A certificate the store does not trust will not become trusted by retrying.
pub fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if err.to_string().to_ascii_lowercase().contains("certificate") {
            return true;
        }
        next = err.source();
    }
    false
}

/// The reqwest error somewhere in the chain (octocrab wraps it).
fn reqwest_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a reqwest::Error> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(r) = err.downcast_ref::<reqwest::Error>() {
            return Some(r);
        }
        next = err.source();
    }
    None
}
