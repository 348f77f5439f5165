//! A fault-injecting HTTP proxy in front of moto: the executable's
//! `aws_endpoint` points here, and chosen AWS operations fail the way AWS
//! fails them (throttling, 5xx, bad credentials, dropped or hung sockets).

mod errors;

use crate::http::{self, Action, Request, Response, Server};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// moto's largest answers (1,000 instances) take seconds to serialise.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsFaultKind {
    /// EC2: 503 `RequestLimitExceeded`; JSON: 400 `ThrottlingException`;
    /// STS: 400 `Throttling`.
    Throttle,
    /// This status with an internal-error body in the request's protocol.
    Status(u16),
    /// Read the request, close the connection without answering.
    Drop,
    /// Read the request and never answer (until the client closes, 300 s at most).
    Stall,
    /// EC2: 401 `AuthFailure`; JSON: 400 `UnrecognizedClientException`;
    /// STS: 403 `InvalidClientTokenId`.
    AuthFailure,
    /// This status with an empty body and no error code, as a load balancer
    /// or a proxy in front of AWS answers.
    Bare(u16),
}

/// Requests whose operation contains `matches` (every request when `None`)
/// get `kind`, `times` times. Rules are tried in injection order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsFault {
    /// Substring of the EC2/STS `Action` or of the `X-Amz-Target` header,
    /// e.g. "DescribeInstances", "GetSecretValue", "AssumeRole".
    pub matches: Option<String>,
    pub kind: AwsFaultKind,
    pub times: usize,
}

impl AwsFault {
    pub fn new(kind: AwsFaultKind, times: usize) -> AwsFault {
        AwsFault {
            matches: None,
            kind,
            times,
        }
    }

    pub fn matching(mut self, operation: &str) -> AwsFault {
        self.matches = Some(operation.to_string());
        self
    }
}

#[derive(Default)]
struct ProxyState {
    faults: Vec<AwsFault>,
    seen: Vec<String>,
}

pub struct FaultProxy {
    server: Server,
    state: Arc<Mutex<ProxyState>>,
}

impl FaultProxy {
    /// Proxies to `upstream` (e.g. `Moto::endpoint()`, `http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream.trim_end_matches('/').to_string();
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let shared = state.clone();
        let server = Server::start(
            Server::bind(),
            Arc::new(move |req| handle(&upstream, &shared, req)),
        );
        FaultProxy { server, state }
    }

    /// `http://127.0.0.1:PORT`, for `aws_endpoint`.
    pub fn endpoint(&self) -> String {
        self.server.origin()
    }

    pub fn inject(&self, fault: AwsFault) {
        lock(&self.state).faults.push(fault);
    }

    /// The operation of every request seen, in order: the `Action` for query
    /// protocols (EC2, STS), the part of `X-Amz-Target` after the dot for
    /// JSON ones (`GetSecretValue`), else `METHOD /path`.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.state).seen.clone()
    }
}

fn lock(state: &Mutex<ProxyState>) -> MutexGuard<'_, ProxyState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// The AWS protocol a request speaks, which decides the shape of errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    Ec2,
    Json,
    Sts,
}

struct Operation {
    protocol: Protocol,
    /// What `matches` is tested against: the Action or the full target.
    match_text: String,
    /// What `requests()` records.
    name: String,
}

fn classify(req: &Request) -> Operation {
    if let Some(target) = req.header("X-Amz-Target") {
        let name = target.rsplit('.').next().unwrap_or(target).to_string();
        return Operation {
            protocol: Protocol::Json,
            match_text: target.to_string(),
            name,
        };
    }
    let form = String::from_utf8_lossy(&req.body);
    let params = http::parse_query(&form);
    let action = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
        .or_else(|| req.query_param("Action"));
    let Some(action) = action else {
        let name = format!("{} {}", req.method, req.path());
        return Operation {
            protocol: Protocol::Ec2,
            match_text: name.clone(),
            name,
        };
    };
    let sts = signing_service(req).as_deref() == Some("sts")
        || params
            .iter()
            .any(|(k, v)| k == "Version" && v == "2011-06-15");
    let protocol = if sts { Protocol::Sts } else { Protocol::Ec2 };
    Operation {
        protocol,
        match_text: action.clone(),
        name: action,
    }
}

/// The service in a SigV4 credential scope: `Credential=AK/DATE/REGION/SERVICE/aws4_request`.
fn signing_service(req: &Request) -> Option<String> {
    let auth = req.header("Authorization")?;
    let scope = auth.split("Credential=").nth(1)?.split([',', ' ']).next()?;
    scope.split('/').nth(3).map(str::to_string)
}

fn handle(upstream: &str, state: &Mutex<ProxyState>, req: Request) -> Action {
    let op = classify(&req);
    let fault = {
        let mut st = lock(state);
        st.seen.push(op.name.clone());
        take_fault(&mut st.faults, &op.match_text)
    };
    match fault {
        Some(AwsFaultKind::Drop) => Action::Close,
        Some(AwsFaultKind::Stall) => Action::Stall,
        Some(AwsFaultKind::Bare(status)) => Action::Reply(Response::new(status)),
        Some(kind) => Action::Reply(errors::response(kind, op.protocol)),
        None => Action::Reply(forward(upstream, &req)),
    }
}

fn take_fault(faults: &mut Vec<AwsFault>, text: &str) -> Option<AwsFaultKind> {
    let i = faults
        .iter()
        .position(|f| f.times > 0 && f.matches.as_deref().is_none_or(|m| text.contains(m)))?;
    faults[i].times -= 1;
    let kind = faults[i].kind;
    if faults[i].times == 0 {
        faults.remove(i);
    }
    Some(kind)
}

/// Sends the request on unchanged but for `Host` (and framing, which the
/// client recomputes), and relays moto's answer.
fn forward(upstream: &str, req: &Request) -> Response {
    let authority = upstream.trim_start_matches("http://");
    let mut headers: Vec<(&str, &str)> = vec![("Host", authority)];
    headers.extend(
        req.headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("host"))
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let url = format!("{upstream}{}", req.target);
    match http::request_with_timeout(&req.method, &url, &headers, &req.body, UPSTREAM_TIMEOUT) {
        Ok(resp) => Response {
            status: resp.status,
            headers: resp.headers,
            body: resp.body,
        },
        Err(e) => Response::new(502).with_body(format!("fault proxy: upstream {upstream}: {e}\n")),
    }
}

#[cfg(test)]
mod tests;
