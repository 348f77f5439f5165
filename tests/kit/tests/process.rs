//! The fake GitHub as a process, driven only over HTTP, as bin/demo does.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use testkit::http::{self, b64_encode};

const TOKEN: &str = "ghp_processCanary42";

#[test]
fn process_mode_serves_seeds_and_exits_on_stdin_eof() {
    let mut token_file = tempfile::NamedTempFile::new().unwrap();
    writeln!(token_file, "{TOKEN}").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-github"))
        .args([
            "--api-prefix",
            "/api/v3",
            "--uploads-prefix",
            "/api/uploads",
            "--exit-on-stdin-eof",
        ])
        .arg("--token-file")
        .arg(token_file.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(!line.contains(TOKEN));
    let urls: serde_json::Value = serde_json::from_str(&line).unwrap();
    let api = urls["api_url"].as_str().unwrap().to_string();
    assert!(
        api.ends_with("/api/v3/")
            && urls["uploads_url"]
                .as_str()
                .unwrap()
                .ends_with("/api/uploads/")
    );

    let post = |path: &str, body: String, auth: bool| {
        let bearer = format!("Bearer {TOKEN}");
        let headers: Vec<(&str, &str)> = if auth {
            vec![("Authorization", &bearer)]
        } else {
            vec![]
        };
        http::request("POST", &format!("{api}{path}"), &headers, body.as_bytes()).unwrap()
    };
    assert_eq!(
        post(
            "_fake/repos",
            r#"{"owner":"acme","repo":"infra","private":true}"#.into(),
            false
        )
        .status,
        204
    );
    let rel = post(
        "repos/acme/infra/releases",
        r#"{"tag_name":"1.0.0"}"#.into(),
        true,
    );
    assert_eq!(rel.status, 201, "{}", rel.text());
    assert!(
        rel.json()["upload_url"]
            .as_str()
            .unwrap()
            .contains("/api/uploads/repos/acme/infra/releases/")
    );
    let asset = format!(
        r#"{{"owner":"acme","repo":"infra","tag":"1.0.0","name":"r.json","content_base64":"{}"}}"#,
        b64_encode(b"{}")
    );
    assert_eq!(post("_fake/assets", asset, false).status, 201);
    assert_eq!(
        post(
            "_fake/faults",
            r#"{"kind":"status","status":503,"times":1}"#.into(),
            false
        )
        .status,
        204
    );
    let list = format!("{api}repos/acme/infra/releases");
    let auth = format!("token {TOKEN}");
    assert_eq!(
        http::request("GET", &list, &[("Authorization", &auth)], b"")
            .unwrap()
            .status,
        503
    );
    let ok = http::request("GET", &list, &[("Authorization", &auth)], b"").unwrap();
    assert_eq!(ok.json()[0]["assets"][0]["name"], "r.json");
    assert_eq!(http::request("GET", &list, &[], b"").unwrap().status, 404);

    let log = http::request("GET", &format!("{api}_fake/requests"), &[], b"").unwrap();
    let statuses: Vec<u64> = log
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 503, 200, 404]);
    assert!(!log.text().contains(TOKEN));
    let seen = http::request(
        "GET",
        &format!("{api}_fake/assets?owner=acme&repo=infra&tag=1.0.0"),
        &[],
        b"",
    );
    assert_eq!(seen.unwrap().json()[0]["content_base64"], b64_encode(b"{}"));

    drop(child.stdin.take());
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "fake-github did not exit on stdin EOF"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
