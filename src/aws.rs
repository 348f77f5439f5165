//! AWS client setup: region, endpoint, credentials (static keys or the standard
//! chain), an assumed role on top, timeouts, bounded retries, proxies and the
//! system CA store. The config is built by hand, not loaded from the environment,
//! so nothing that `source` says can be overridden by a stray variable.

use anyhow::anyhow;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::SdkError;
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder as HttpBuilder, Connector};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::time::Duration;

use crate::config::AwsSource;

/// Budgets: an unreachable endpoint must fail in well under two minutes.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_ATTEMPTS: u32 = 4;

/// Everything needed to build clients for EC2, Secrets Manager and STS.
#[derive(Clone, Debug)]
pub struct Settings {
    pub region: String,
    pub endpoint: Option<String>,
    pub role_arn: Option<String>,
    /// `None`: the standard AWS chain (instance profile, web identity, env…).
    pub static_credentials: Option<Credentials>,
    pub session_name: String,
}

impl Settings {
    pub fn from_source(aws: &AwsSource, session_name: String) -> Settings {
        Settings {
            region: aws.region.to_string(),
            endpoint: aws.endpoint.as_ref().map(|u| endpoint_str(u.as_str())),
            role_arn: aws.role_arn.as_ref().map(|r| r.to_string()),
            static_credentials: aws.static_keys.as_ref().map(|k| {
                Credentials::new(
                    &k.access_key_id,
                    k.secret_access_key.expose(),
                    k.session_token.as_ref().map(|t| t.expose().to_owned()),
                    None,
                    "source",
                )
            }),
            session_name,
        }
    }
}

/// The SDK wants `http://host:port` without the trailing slash we keep on URLs.
pub fn endpoint_str(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

/// The role session name, from the build when known (visible in CloudTrail).
pub fn session_name(get: impl Fn(&str) -> Option<String>) -> String {
    let parts: Vec<String> = ["BUILD_PIPELINE_NAME", "BUILD_JOB_NAME", "BUILD_NAME"]
        .iter()
        .filter_map(|k| get(k).filter(|v| !v.is_empty()))
        .collect();
    let raw = if parts.is_empty() {
        "ami-test-resource".to_owned()
    } else {
        parts.join("-")
    };
    // STS allows [\w+=,.@-]{2,64}.
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if clean.len() < 2 {
        "ami-test-resource".into()
    } else {
        clean
    }
}

pub async fn sdk_config(s: &Settings) -> SdkConfig {
    let region = Region::new(s.region.clone());
    let http = http_client();
    let sleep = SharedAsyncSleep::new(TokioSleep::new());
    let time = SharedTimeSource::new(SystemTimeSource::new());
    let base_credentials = match &s.static_credentials {
        Some(c) => SharedCredentialsProvider::new(c.clone()),
        None => {
            let conf = ProviderConfig::without_region()
                .with_region(Some(region.clone()))
                .with_http_client(http.clone())
                .with_sleep_impl(sleep.clone())
                .with_time_source(time.clone());
            let chain = DefaultCredentialsChain::builder()
                .configure(conf)
                .build()
                .await;
            SharedCredentialsProvider::new(chain)
        }
    };
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region.clone())
        .http_client(http)
        .sleep_impl(sleep)
        .time_source(time)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .read_timeout(ATTEMPT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(500)),
        )
        .credentials_provider(base_credentials);
    if let Some(endpoint) = &s.endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    let base = builder.build();
    let Some(role) = &s.role_arn else {
        return base;
    };
    let assumed = AssumeRoleProvider::builder(role)
        .session_name(&s.session_name)
        .region(region)
        .configure(&base)
        .build()
        .await;
    base.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(assumed))
        .build()
}

/// rustls with ring and the system's CA store (a worker's `/etc/ssl/certs` works),
/// through `https_proxy`/`http_proxy`/`no_proxy` when the worker sets them.
fn http_client() -> aws_sdk_ec2::config::SharedHttpClient {
    HttpBuilder::new().build_with_connector_fn(|settings, components| {
        let mut builder = Connector::builder();
        builder.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            builder.set_sleep_impl(c.sleep_impl());
        }
        builder
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build()
    })
}

/// An SDK error as one line (the caller's context says what was being done):
/// the service's code and message when it answered with one (with a hint for
/// rejected credentials); when it did not (a proxy's or load balancer's bare
/// 503 has no code), the operation `op` and the HTTP status; else the
/// transport failure and its causes.
pub fn sdk_error<E>(op: &'static str) -> impl FnOnce(SdkError<E, HttpResponse>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |e| describe_sdk_error(op, e)
}

fn describe_sdk_error<E>(op: &str, e: SdkError<E, HttpResponse>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &e {
        SdkError::ServiceError(ctx) => {
            let err = ctx.err();
            let status = ctx.raw().status().as_u16();
            let message = err.message().unwrap_or("no message");
            let Some(code) = err.code() else {
                if (200..300).contains(&status) {
                    return anyhow!(
                        "{op} answered HTTP {status} with a body that could not be read: {}",
                        cause_chain(&e)
                    );
                }
                return anyhow!("{op} answered HTTP {status} without an error code ({message})");
            };
            let hint = if is_credentials_code(code) {
                " (the AWS credentials were rejected: expired or invalid)"
            } else {
                ""
            };
            anyhow!("{code}: {message}{hint}")
        }
        SdkError::ResponseError(ctx) => anyhow!(
            "{op} answered HTTP {} with a response that could not be read: {}",
            ctx.raw().status().as_u16(),
            cause_chain(&e)
        ),
        SdkError::TimeoutError(_) => anyhow!("timed out (AWS did not answer in time)"),
        _ => {
            let chain = cause_chain(&e);
            if chain.contains("loading credentials") {
                anyhow!(
                    "no usable AWS credentials ({chain}); give aws_access_key_id/aws_secret_access_key, or run where the standard chain finds some"
                )
            } else {
                anyhow!("{chain}")
            }
        }
    }
}

/// Every cause's own message once, outermost first: the SDK's `Display` of a
/// dispatch failure repeats itself and its `Debug` is a dump.
fn cause_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let msg = err.to_string();
        if !msg.is_empty() && !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        next = err.source();
    }
    parts.join(": ")
}

fn is_credentials_code(code: &str) -> bool {
    matches!(
        code,
        "AuthFailure"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "RequestExpired"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "InvalidSignatureException"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_name_comes_from_the_build() {
        let name = session_name(|k| match k {
            "BUILD_PIPELINE_NAME" => Some("concourse".into()),
            "BUILD_JOB_NAME" => Some("ami test".into()),
            "BUILD_NAME" => Some("12".into()),
            _ => None,
        });
        assert_eq!(name, "concourse-ami-test-12");
        assert_eq!(session_name(|_| None), "ami-test-resource");
        assert_eq!(session_name(|_| Some("x".repeat(100))).len(), 64);
    }
}
