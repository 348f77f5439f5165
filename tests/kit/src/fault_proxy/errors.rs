//! Error answers shaped as each AWS protocol sends them, so the SDK parses
//! the error code (and so its retry and credential logic) as it would in AWS.

use super::{AwsFaultKind, Protocol};
use crate::http::Response;
use std::sync::atomic::{AtomicU64, Ordering};

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

fn request_id() -> String {
    format!(
        "00000000-fa17-4000-8000-{:012x}",
        REQUEST_IDS.fetch_add(1, Ordering::Relaxed)
    )
}

/// (status, code, message) for a fault in a protocol.
fn error_for(kind: AwsFaultKind, protocol: Protocol) -> (u16, &'static str, &'static str) {
    use AwsFaultKind::*;
    use Protocol::*;
    const BAD_TOKEN: &str = "The security token included in the request is invalid.";
    match (kind, protocol) {
        (Throttle, Ec2) => (503, "RequestLimitExceeded", "Request limit exceeded."),
        (Throttle, Json) => (400, "ThrottlingException", "Rate exceeded"),
        (Throttle, Sts) => (400, "Throttling", "Rate exceeded"),
        (Status(s), Ec2) => (s, "InternalError", "An internal error has occurred"),
        (Status(s), Json) => (
            s,
            "InternalServiceError",
            "An error occurred on the server side.",
        ),
        (Status(s), Sts) => (s, "InternalFailure", "An internal error has occurred"),
        (AuthFailure, Ec2) => (
            401,
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
        ),
        (AuthFailure, Json) => (400, "UnrecognizedClientException", BAD_TOKEN),
        (AuthFailure, Sts) => (403, "InvalidClientTokenId", BAD_TOKEN),
        (Drop | Stall | Bare(_), _) => unreachable!("answered without an error body"),
    }
}

pub(super) fn response(kind: AwsFaultKind, protocol: Protocol) -> Response {
    let (status, code, message) = error_for(kind, protocol);
    let id = request_id();
    match protocol {
        Protocol::Ec2 => Response::new(status).with_header("Content-Type", "text/xml;charset=UTF-8").with_body(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
             <Message>{message}</Message></Error></Errors><RequestID>{id}</RequestID></Response>"
        )),
        Protocol::Json => Response::new(status)
            .with_header("Content-Type", "application/x-amz-json-1.1")
            .with_header("x-amzn-RequestId", id)
            .with_body(format!(r#"{{"__type":"{code}","message":"{message}"}}"#)),
        Protocol::Sts => {
            // Server-side failures are the service's fault, the rest the caller's.
            let who = if status >= 500 { "Receiver" } else { "Sender" };
            Response::new(status).with_header("Content-Type", "text/xml").with_body(format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{who}</Type>\
                 <Code>{code}</Code><Message>{message}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>"
            ))
        }
    }
}
