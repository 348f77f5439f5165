use super::*;
use crate::github::{FakeGitHub, Options};

fn with_token() -> FakeGitHub {
    FakeGitHub::start_with(Options {
        token: Some(TOKEN.into()),
        ..Options::default()
    })
}

#[test]
fn private_repositories_are_not_found_without_the_token() {
    let gh = with_token();
    gh.create_repo("acme", "secret-infra", true);
    gh.create_release("acme", "secret-infra", "1.0.0");
    let url = format!("{}repos/acme/secret-infra/releases", gh.api_url());
    let anonymous = get(&url, None);
    assert_eq!(anonymous.status, 404);
    assert_eq!(anonymous.json()["message"], "Not Found");
    let ok = get(&url, Some(TOKEN));
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()[0]["tag_name"], "1.0.0");
    // The scheme GitHub documents first works too, and names are case-insensitive.
    let resp = http::request(
        "GET",
        &url.replace("acme", "ACME"),
        &[("Authorization", &format!("token {TOKEN}"))],
        b"",
    );
    assert_eq!(resp.unwrap().status, 200);
}

#[test]
fn a_wrong_token_is_bad_credentials_everywhere() {
    let gh = with_token();
    gh.create_release("acme", "infra", "1.0.0");
    let wrong = get(
        &format!("{}repos/acme/infra/releases", gh.api_url()),
        Some("ghp_wrong"),
    );
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["message"], "Bad credentials");
    assert_eq!(
        wrong.json()["documentation_url"],
        "https://docs.github.com/rest"
    );
    let rel = get(
        &format!("{}repos/acme/infra/releases/tags/1.0.0", gh.api_url()),
        None,
    )
    .json();
    let up = upload(
        rel["upload_url"].as_str().unwrap(),
        "x.json",
        Some("ghp_wrong"),
        b"{}",
    );
    assert_eq!(up.status, 401);
    assert_eq!(up.json()["message"], "Bad credentials");
    // Public reads need no token at all.
    assert_eq!(
        get(&format!("{}repos/acme/infra/releases", gh.api_url()), None).status,
        200
    );
}

#[test]
fn the_request_log_never_holds_the_token() {
    let gh = with_token();
    gh.create_release("acme", "infra", "1.0.0");
    get(
        &format!("{}repos/acme/infra/releases", gh.api_url()),
        Some(TOKEN),
    );
    get(&format!("{}repos/acme/infra/releases", gh.api_url()), None);
    let log = gh.requests();
    assert_eq!(log.len(), 2);
    assert!(log[0].authenticated && !log[1].authenticated);
    let dump = format!("{log:?}");
    assert!(!dump.contains(TOKEN));
    let json: Vec<String> = log.iter().map(|r| r.to_json().to_string()).collect();
    assert!(!json.concat().contains(TOKEN));
    gh.clear_requests();
    assert!(gh.requests().is_empty());
}

#[test]
fn admin_calls_are_neither_logged_nor_authenticated() {
    let gh = with_token();
    let admin = format!("{}_fake/repos", gh.api_url());
    let created = http::request(
        "POST",
        &admin,
        &[],
        br#"{"owner":"acme","repo":"p","private":true}"#,
    )
    .unwrap();
    assert_eq!(created.status, 204);
    let body = format!(
        r#"{{"owner":"acme","repo":"p","tag":"1.0.0","name":"a.json","content_base64":"{}"}}"#,
        http::b64_encode(b"{}")
    );
    gh.create_release("acme", "p", "1.0.0");
    assert_eq!(
        http::request(
            "POST",
            &format!("{}_fake/assets", gh.api_url()),
            &[],
            body.as_bytes()
        )
        .unwrap()
        .status,
        201
    );
    assert_eq!(gh.assets("acme", "p", "1.0.0").len(), 1);
    assert!(gh.requests().is_empty());
}
