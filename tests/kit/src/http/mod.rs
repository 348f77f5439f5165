//! Minimal HTTP/1.1 over `std::net`, shared by the fake GitHub, the fault proxy
//! and the moto seeding calls. One request per connection (`Connection: close`)
//! keeps the servers trivially correct: no keep-alive state, no pipelining.

mod client;
mod codec;
mod server;

pub use client::{ClientResponse, DEFAULT_TIMEOUT, request, request_with_timeout};
pub use codec::{b64_decode, b64_encode, form_decode, parse_query, percent_decode, percent_encode};
pub use server::{Action, Server};

use std::io::{self, BufRead, Read, Write};

/// Headers are kept in arrival order with their original spelling; look-ups
/// are case-insensitive as HTTP requires.
pub type Headers = Vec<(String, String)>;

/// Bodies beyond this are refused rather than buffered: nothing the tests send
/// comes close, and a runaway client must not eat the machine's memory.
const MAX_BODY: usize = 256 * 1024 * 1024;
const MAX_HEAD: usize = 64 * 1024;

pub fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A request as a server received it, or as a client is about to send it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    /// Path plus query, exactly as sent on the request line.
    pub target: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> Vec<(String, String)> {
        self.target
            .split_once('?')
            .map(|(_, q)| parse_query(q))
            .unwrap_or_default()
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        let body = serde_json::to_vec_pretty(value).expect("JSON serialises");
        Response::new(status)
            .with_header("Content-Type", "application/json; charset=utf-8")
            .with_body(body)
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// Reads the start line and headers. `Ok(None)` means the peer closed the
/// connection before sending anything, which is normal for a probe.
pub fn read_head(r: &mut impl BufRead) -> io::Result<Option<(String, Headers)>> {
    let mut start = String::new();
    let mut total = 0;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line)?;
        total += n;
        if total > MAX_HEAD {
            return Err(invalid("header section too large"));
        }
        if n == 0 {
            return if start.is_empty() && headers.is_empty() {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if start.is_empty() {
            start = line.to_string();
        } else if line.is_empty() {
            return Ok(Some((start, headers)));
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        } else {
            return Err(invalid("malformed header line"));
        }
    }
}

/// Reads a body framed by `Content-Length` or `Transfer-Encoding: chunked`
/// (reqwest streams some bodies chunked). With neither, requests have no body
/// while responses run to EOF, as HTTP/1.1 says.
pub fn read_body(r: &mut impl BufRead, headers: &Headers, to_eof: bool) -> io::Result<Vec<u8>> {
    let chunked = header(headers, "Transfer-Encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return read_chunked(r);
    }
    if let Some(len) = header(headers, "Content-Length") {
        let len: usize = len.parse().map_err(|_| invalid("bad Content-Length"))?;
        if len > MAX_BODY {
            return Err(invalid("body too large"));
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body)?;
        return Ok(body);
    }
    let mut body = Vec::new();
    if to_eof {
        r.take(MAX_BODY as u64).read_to_end(&mut body)?;
    }
    Ok(body)
}

fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        // Chunk extensions (";name=value") are legal and ignored.
        let size = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size.trim(), 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Skip trailers up to the blank line that ends the message.
            loop {
                let mut t = String::new();
                if r.read_line(&mut t)? == 0 || t.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        r.read_exact(&mut crlf)?;
    }
}

/// Writes a complete response with an exact `Content-Length` (any framing
/// headers the handler set are replaced) and `Connection: close`.
pub fn write_response(w: &mut impl Write, resp: &Response) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        if !is_framing_header(k) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    // 1xx, 204 and 304 must not carry a body or a length.
    if !(resp.status < 200 || resp.status == 204 || resp.status == 304) {
        head.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    w.write_all(head.as_bytes())?;
    w.write_all(&resp.body)?;
    w.flush()
}

/// Headers that describe one hop's framing and must not be copied between
/// connections (RFC 9110 §7.6.1), plus `Content-Length`, which we recompute.
pub fn is_framing_header(name: &str) -> bool {
    [
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "expect",
        "te",
        "trailer",
        "upgrade",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

#[cfg(test)]
mod tests;
