use super::*;
use std::io::{BufReader, Cursor, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn echo_server() -> Server {
    Server::start(
        Server::bind(),
        Arc::new(|req: Request| match req.path() {
            "/close" => Action::Close,
            "/stall" => Action::Stall,
            _ => Action::Reply(
                Response::new(200)
                    .with_header("X-Method", req.method.clone())
                    .with_header("X-Target", req.target.clone())
                    .with_body(req.body),
            ),
        }),
    )
}

#[test]
fn base64_round_trips_every_length() {
    for n in 0..20u8 {
        let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
        assert_eq!(b64_decode(&b64_encode(&data)).unwrap(), data);
    }
    assert_eq!(b64_encode(b"any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw==");
    assert_eq!(b64_decode("not*base64"), None);
}

#[test]
fn query_strings_decode() {
    let q = parse_query("name=a%20b.json&label=x+y&flag");
    assert_eq!(q[0], ("name".into(), "a b.json".into()));
    assert_eq!(q[1], ("label".into(), "x y".into()));
    assert_eq!(q[2], ("flag".into(), String::new()));
    assert_eq!(percent_encode("a b/c~"), "a%20b%2Fc~");
}

#[test]
fn chunked_bodies_are_reassembled() {
    let raw = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n";
    let headers = vec![("Transfer-Encoding".into(), "chunked".into())];
    let body = read_body(&mut Cursor::new(&raw[..]), &headers, false).unwrap();
    assert_eq!(body, b"Wikipedia");
}

#[test]
fn client_and_server_round_trip() {
    let server = echo_server();
    let url = format!("{}/echo?x=1", server.origin());
    let resp = request("POST", &url, &[("Content-Type", "text/plain")], b"hello").unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, b"hello");
    assert_eq!(resp.header("x-target"), Some("/echo?x=1"));
    assert_eq!(resp.header("connection"), Some("close"));
}

#[test]
fn server_accepts_chunked_requests_and_expect_continue() {
    let server = echo_server();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    let head =
        "PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n";
    s.write_all(head.as_bytes()).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let (start, _) = read_head(&mut r).unwrap().unwrap();
    assert!(start.contains("100"), "{start}");
    s.write_all(b"3\r\nabc\r\n0\r\n\r\n").unwrap();
    let (start, headers) = read_head(&mut r).unwrap().unwrap();
    assert!(start.starts_with("HTTP/1.1 200"), "{start}");
    assert_eq!(read_body(&mut r, &headers, true).unwrap(), b"abc");
}

#[test]
fn close_and_stall_surface_as_client_errors() {
    let server = echo_server();
    let closed = request("GET", &format!("{}/close", server.origin()), &[], b"");
    assert!(closed.is_err(), "{closed:?}");
    let started = Instant::now();
    let stalled = request_with_timeout(
        "GET",
        &format!("{}/stall", server.origin()),
        &[],
        b"",
        Duration::from_millis(300),
    );
    assert!(stalled.is_err());
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn dropping_a_server_with_a_stalled_client_does_not_hang() {
    let server = echo_server();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(b"GET /stall HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
    // The stalled connection is released too (the client sees EOF).
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(buf.is_empty());
}
