//! Every request's path through the fake: admin short-cut, authentication,
//! fault injection, routing by origin, GitHub's common headers, the log.

use super::payload::{self, error};
use super::{Auth, FaultKind, Inner, LoggedRequest, Origin, admin, api, epoch_secs, storage};
use crate::http::{Action, Request, Response};
use serde_json::json;

pub(super) fn handle(inner: &Inner, origin: Origin, req: Request) -> Action {
    if origin == Origin::Api
        && let Some(path) = admin::admin_path(inner, req.path())
    {
        return Action::Reply(admin::handle(inner, &req, path));
    }
    let auth = authenticate(inner, &req);
    let fault = {
        let mut st = inner.state();
        if origin == Origin::Api {
            st.api_calls += 1;
        }
        st.take_fault(origin, &req.method, &req.target)
    };
    let resp = match fault.map(|f| f.kind) {
        Some(FaultKind::Drop) => {
            log(inner, origin, &req, auth, 0);
            return Action::Close;
        }
        Some(FaultKind::Stall) => {
            log(inner, origin, &req, auth, 0);
            return Action::Stall;
        }
        Some(FaultKind::DropAfterServing) => {
            let _ = serve(inner, origin, &req, auth);
            log(inner, origin, &req, auth, 0);
            return Action::Close;
        }
        Some(FaultKind::StallAfterServing) => {
            let _ = serve(inner, origin, &req, auth);
            log(inner, origin, &req, auth, 0);
            return Action::Stall;
        }
        Some(FaultKind::StatusAfterServing(status)) => {
            let _ = serve(inner, origin, &req, auth);
            error(status, payload::status_message(status))
        }
        Some(FaultKind::InterruptUpload) => {
            if origin == Origin::Uploads {
                storage::upload_interrupted(inner, &req, auth);
            }
            log(inner, origin, &req, auth, 0);
            return Action::Close;
        }
        Some(FaultKind::Slow(delay)) => {
            std::thread::sleep(delay);
            serve(inner, origin, &req, auth)
        }
        Some(kind) => fault_response(&kind, auth),
        None => serve(inner, origin, &req, auth),
    };
    let resp = decorate(inner, origin, auth, resp);
    log(inner, origin, &req, auth, resp.status);
    Action::Reply(resp)
}

fn serve(inner: &Inner, origin: Origin, req: &Request, auth: Auth) -> Response {
    match origin {
        Origin::Api => api::route(inner, req, auth),
        Origin::Uploads => storage::upload(inner, req, auth),
        Origin::Storage => storage::download(inner, req),
    }
}

/// GitHub accepts `Bearer X` and `token X`. Without a configured token any
/// credentials pass, so tests that do not care need no setup.
fn authenticate(inner: &Inner, req: &Request) -> Auth {
    let Some(value) = req.header("Authorization") else {
        return Auth::Anonymous;
    };
    let Some(expected) = &inner.opts.token else {
        return Auth::Valid;
    };
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let scheme_ok = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    if scheme_ok && token.trim() == expected {
        Auth::Valid
    } else {
        Auth::Invalid
    }
}

fn fault_response(kind: &FaultKind, auth: Auth) -> Response {
    match *kind {
        FaultKind::Status(s) => error(s, payload::status_message(s)),
        FaultKind::TooManyRequests { retry_after_secs } => error(
            429,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        )
        .with_header("Retry-After", retry_after_secs.to_string()),
        FaultKind::RateLimited { reset_in_secs } => rate_limited(auth, reset_in_secs),
        FaultKind::SecondaryRateLimited { retry_after_secs } => error(
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        )
        .with_header("Retry-After", retry_after_secs.to_string()),
        FaultKind::Slow(_)
        | FaultKind::Drop
        | FaultKind::Stall
        | FaultKind::DropAfterServing
        | FaultKind::StallAfterServing
        | FaultKind::StatusAfterServing(_)
        | FaultKind::InterruptUpload => unreachable!("handled by the caller"),
    }
}

fn rate_limited(auth: Auth, reset_in_secs: u64) -> Response {
    let limit = rate_limit(auth);
    let message = if auth == Auth::Valid {
        "API rate limit exceeded for user ID 4242.".to_string()
    } else {
        "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a \
         higher rate limit. Check out the documentation for more details.)"
            .to_string()
    };
    let body = json!({
        "message": message,
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    });
    Response::json(403, &body)
        .with_header("X-RateLimit-Limit", limit.to_string())
        .with_header("X-RateLimit-Remaining", "0")
        .with_header("X-RateLimit-Used", limit.to_string())
        .with_header(
            "X-RateLimit-Reset",
            (epoch_secs() + reset_in_secs).to_string(),
        )
        .with_header("X-RateLimit-Resource", "core")
}

fn rate_limit(auth: Auth) -> u64 {
    if auth == Auth::Valid { 5000 } else { 60 }
}

/// GitHub's headers on every api answer (unless a fault set its own).
fn decorate(inner: &Inner, origin: Origin, auth: Auth, mut resp: Response) -> Response {
    if origin == Origin::Storage {
        return resp;
    }
    resp = resp
        .with_header("X-GitHub-Request-Id", inner.request_id())
        .with_header("Date", payload::http_date(epoch_secs()));
    if origin != Origin::Api || resp.header("X-RateLimit-Limit").is_some() {
        return resp;
    }
    let limit = rate_limit(auth);
    // Never report 0 remaining on our own: a client that waits for the reset
    // would stall the suite for an hour. Exhaustion is the RateLimited fault.
    let used = inner.state().api_calls.min(limit - 1);
    resp.with_header("X-RateLimit-Limit", limit.to_string())
        .with_header("X-RateLimit-Remaining", (limit - used).to_string())
        .with_header("X-RateLimit-Used", used.to_string())
        .with_header("X-RateLimit-Reset", (inner.started + 3600).to_string())
        .with_header("X-RateLimit-Resource", "core")
        .with_header("X-GitHub-Api-Version-Selected", "2022-11-28")
}

fn log(inner: &Inner, origin: Origin, req: &Request, auth: Auth, status: u16) {
    let entry = LoggedRequest {
        method: req.method.clone(),
        origin,
        path: req.target.clone(),
        status,
        authenticated: auth == Auth::Valid,
        accept: req.header("Accept").map(str::to_string),
    };
    inner.state().requests.push(entry);
}
