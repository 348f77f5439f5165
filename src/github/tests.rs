//! The token's reach, as octocrab's auth layer enforces it for us: the API's
//! host and the uploads host, nowhere else.

use super::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

/// Accepts one request on a loopback port and returns its Authorization
/// header (if any), answering 204.
fn one_request() -> (Url, std::thread::JoinHandle<Option<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = Url::parse(&format!("http://{}/x", listener.local_addr().unwrap())).unwrap();
    let seen = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut auth = None;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("authorization")
            {
                auth = Some(v.trim().to_owned());
            }
        }
        let mut stream = stream;
        let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        auth
    });
    (url, seen)
}

fn sent_authorization(api: &str, uploads: Option<&Url>, to: bool) -> Option<String> {
    let rt = crate::steps::runtime().unwrap();
    let _guard = rt.enter();
    let (target, seen) = one_request();
    let api = if to {
        target.join("/").unwrap()
    } else {
        Url::parse(api).unwrap()
    };
    let token = Secret::new("canary-token");
    let gh = GitHub::new(&api, uploads, Some(&token)).unwrap();
    let answer = rt
        .block_on(gh.send_once(gh.request(Method::GET, &target)))
        .unwrap();
    assert_eq!(answer.status, 204);
    seen.join().unwrap()
}

#[test]
fn the_token_goes_to_the_api_host() {
    let auth = sent_authorization("", None, true);
    assert_eq!(auth.as_deref(), Some("Bearer canary-token"));
}

#[test]
fn the_token_never_goes_to_another_host() {
    let auth = sent_authorization("https://ghe.example/api/v3/", None, false);
    assert_eq!(auth, None);
}

#[test]
fn the_token_goes_to_a_trusted_uploads_host() {
    let rt = crate::steps::runtime().unwrap();
    let _guard = rt.enter();
    let (target, seen) = one_request();
    let api = Url::parse("https://ghe.example/api/v3/").unwrap();
    let token = Secret::new("canary-token");
    let gh = GitHub::new(&api, None, Some(&token))
        .unwrap()
        .with_uploads(&target)
        .unwrap();
    rt.block_on(gh.send_once(gh.request(Method::POST, &target)))
        .unwrap();
    assert_eq!(seen.join().unwrap().as_deref(), Some("Bearer canary-token"));
}
