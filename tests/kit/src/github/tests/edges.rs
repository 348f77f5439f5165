//! GitHub's edge cases the resource must survive: half-finished uploads,
//! releases on older commits, dispatches whose answer is lost.

use super::*;
use crate::github::{FakeGitHub, Fault, FaultKind, Options, Origin};
use serde_json::json;

const NAME: &str = "concourse.ami-0a11ce5c0ffee0001.SUCCESS.json";

fn release_json(gh: &FakeGitHub, tag: &str) -> serde_json::Value {
    get(
        &format!("{}repos/acme/infra/releases/tags/{tag}", gh.api_url()),
        Some(TOKEN),
    )
    .json()
}

#[test]
fn a_starter_asset_is_listed_but_not_downloadable_and_its_name_is_taken() {
    let gh = FakeGitHub::start();
    gh.create_release("acme", "infra", "1.0.0");
    gh.add_starter_asset("acme", "infra", "1.0.0", NAME);
    let rel = release_json(&gh, "1.0.0");
    let asset = &rel["assets"][0];
    assert_eq!(
        (asset["state"].as_str(), asset["size"].as_u64()),
        (Some("starter"), Some(0))
    );
    let download = call(
        "GET",
        asset["url"].as_str().unwrap(),
        Some(TOKEN),
        Some("application/octet-stream"),
        b"",
    );
    assert_eq!(download.status, 404);
    let again = upload(
        rel["upload_url"].as_str().unwrap(),
        NAME,
        Some(TOKEN),
        b"{}",
    );
    assert_eq!(again.status, 422);
    assert_eq!(again.json()["errors"][0]["code"], "already_exists");
}

#[test]
fn an_interrupted_upload_leaves_a_starter_asset() {
    let gh = FakeGitHub::start();
    gh.create_release("acme", "infra", "1.0.0");
    gh.inject(Fault::new(FaultKind::InterruptUpload, 1).on(Origin::Uploads));
    let rel = release_json(&gh, "1.0.0");
    let base = rel["upload_url"]
        .as_str()
        .unwrap()
        .split('{')
        .next()
        .unwrap()
        .to_string();
    let auth = format!("Bearer {TOKEN}");
    let headers = [("Authorization", auth.as_str())];
    let sent = crate::http::request("POST", &format!("{base}?name={NAME}"), &headers, b"{}");
    assert!(
        sent.is_err(),
        "the connection should close without an answer"
    );
    assert_eq!(
        gh.asset_states("acme", "infra", "1.0.0"),
        [(NAME.to_string(), "starter".to_string())]
    );
}

#[test]
fn a_release_on_an_older_commit_lists_by_the_commit_date() {
    let gh = FakeGitHub::start();
    let first = gh.create_release("acme", "infra", "1.0.0");
    let second = gh.create_release("acme", "infra", "1.0.1");
    let late = gh.create_release_on_commit("acme", "infra", "1.0.2", 1);
    assert!(first < second && second < late, "ids follow creation");
    let list = get(&format!("{}repos/acme/infra/releases", gh.api_url()), None).json();
    let tags: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        ["1.0.1", "1.0.2", "1.0.0"],
        "newest commit first, then id"
    );
    assert_eq!(list[1]["created_at"], list[2]["created_at"]);
}

#[test]
fn the_repository_is_visible_only_with_access() {
    let gh = FakeGitHub::start_with(Options {
        token: Some(TOKEN.into()),
        ..Options::default()
    });
    gh.create_repo("acme", "infra", true);
    let url = format!("{}repos/acme/infra", gh.api_url());
    assert_eq!(get(&url, None).status, 404);
    assert_eq!(get(&url, Some("ghp_wrong")).status, 401);
    let repo = get(&url, Some(TOKEN));
    assert_eq!(repo.status, 200);
    assert_eq!(repo.json()["full_name"], "acme/infra");
    assert_eq!(repo.json()["private"], true);
}

#[test]
fn a_dispatch_starts_a_run_even_when_its_answer_is_lost() {
    let gh = FakeGitHub::start();
    gh.create_repo("acme", "infra", false);
    let wf = format!(
        "{}repos/acme/infra/actions/workflows/deploy.yml",
        gh.api_url()
    );
    gh.inject(Fault::new(FaultKind::StatusAfterServing(502), 1).method("POST"));
    let body = br#"{"ref":"master"}"#;
    assert_eq!(
        call("POST", &format!("{wf}/dispatches"), Some(TOKEN), None, body).status,
        502
    );
    let runs = get(
        &format!("{wf}/runs?event=workflow_dispatch&branch=master"),
        Some(TOKEN),
    );
    let date = runs.header("Date").expect("GitHub sends Date").to_string();
    assert!(date.ends_with(" GMT"), "{date}");
    let runs = runs.json();
    assert_eq!(runs["total_count"], 1);
    assert_eq!(runs["workflow_runs"][0]["head_branch"], "master");
    let created = runs["workflow_runs"][0]["created_at"]
        .as_str()
        .unwrap()
        .to_string();
    let none = get(&format!("{wf}/runs?branch=main"), Some(TOKEN)).json();
    assert_eq!(none["total_count"], 0);
    let since = get(&format!("{wf}/runs?created=%3E{created}"), Some(TOKEN)).json();
    assert_eq!(since, json!({"total_count": 0, "workflow_runs": []}));
    assert_eq!(gh.workflow_run_count(), 1);
}
