use super::*;
use crate::github::{FakeGitHub, Options, Origin};
use serde_json::json;

#[test]
fn release_by_tag_id_and_latest_with_github_fields() {
    let gh = FakeGitHub::start();
    let old = gh.create_release("acme", "infra", "1.0.0");
    let new = gh.create_release("acme", "infra", "1.1.0");
    gh.add_asset(
        "acme",
        "infra",
        "1.1.0",
        "concourse.ami-0a11ce5c0ffee0001.SUCCESS.json",
        b"{}",
    );
    let rel = get(
        &format!("{}repos/acme/infra/releases/tags/1.1.0", gh.api_url()),
        None,
    )
    .json();
    assert_eq!(rel["id"], new);
    for field in [
        "url",
        "html_url",
        "assets_url",
        "upload_url",
        "tarball_url",
        "zipball_url",
        "node_id",
        "body",
    ] {
        assert!(rel.get(field).is_some(), "{field}");
    }
    assert_eq!(rel["draft"], false);
    assert_eq!(rel["author"]["login"], "ci-bot");
    let upload_url = rel["upload_url"].as_str().unwrap();
    assert_eq!(
        upload_url,
        format!(
            "{}repos/acme/infra/releases/{new}/assets{{?name,label}}",
            gh.uploads_url()
        )
    );
    let asset = &rel["assets"][0];
    assert_eq!(asset["state"], "uploaded");
    assert_eq!(asset["size"], 2);
    assert_eq!(asset["content_type"], "application/json");
    assert_eq!(asset["uploader"]["type"], "User");
    assert!(asset["id"].as_u64().unwrap() > i32::MAX as u64);

    let by_id = get(
        &format!("{}repos/acme/infra/releases/{old}", gh.api_url()),
        None,
    )
    .json();
    assert_eq!(by_id["tag_name"], "1.0.0");
    let latest = get(
        &format!("{}repos/acme/infra/releases/latest", gh.api_url()),
        None,
    )
    .json();
    assert_eq!(latest["tag_name"], "1.1.0");
    let missing = get(
        &format!("{}repos/acme/infra/releases/tags/9.9.9", gh.api_url()),
        None,
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], "Not Found");
}

#[test]
fn drafts_are_for_authenticated_eyes_and_have_no_tag() {
    let gh = FakeGitHub::start();
    gh.create_release("acme", "infra", "1.0.0");
    let draft = gh.create_draft_release("acme", "infra", "1.1.0");
    let list = |token| get(&format!("{}repos/acme/infra/releases", gh.api_url()), token).json();
    assert_eq!(list(None).as_array().unwrap().len(), 1);
    let authed = list(Some(TOKEN));
    assert_eq!(authed.as_array().unwrap().len(), 2);
    assert_eq!(authed[0]["draft"], true);
    assert_eq!(authed[0]["published_at"], json!(null));
    let by_tag = get(
        &format!("{}repos/acme/infra/releases/tags/1.1.0", gh.api_url()),
        Some(TOKEN),
    );
    assert_eq!(by_tag.status, 404);
    let by_id = |token| {
        get(
            &format!("{}repos/acme/infra/releases/{draft}", gh.api_url()),
            token,
        )
        .status
    };
    assert_eq!((by_id(None), by_id(Some(TOKEN))), (404, 200));
}

#[test]
fn create_release_over_the_api() {
    let gh = FakeGitHub::start();
    gh.create_repo("acme", "infra", false);
    let url = format!("{}repos/acme/infra/releases", gh.api_url());
    let body = br#"{"tag_name":"2.0.0","name":"deploy 2.0.0","target_commitish":"deadbeef"}"#;
    let created = call("POST", &url, Some(TOKEN), None, body);
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["target_commitish"], "deadbeef");
    assert_eq!(created.header("Location"), created.json()["url"].as_str());
    let again = call("POST", &url, Some(TOKEN), None, body);
    assert_eq!(again.status, 422);
    assert_eq!(again.json()["errors"][0]["code"], "already_exists");
    let no_tag = call("POST", &url, Some(TOKEN), None, b"{}");
    assert_eq!(no_tag.status, 422);
    assert_eq!(
        call("POST", &url, None, None, body).json()["message"],
        "Requires authentication"
    );
}

#[test]
fn upload_download_and_delete_assets_across_origins() {
    let gh = FakeGitHub::start();
    gh.create_release("acme", "infra", "1.0.0");
    let rel = get(
        &format!("{}repos/acme/infra/releases/tags/1.0.0", gh.api_url()),
        None,
    )
    .json();
    let upload_url = rel["upload_url"].as_str().unwrap();
    let name = "concourse.ami-0a11ce5c0ffee0001.SUCCESS.json";

    assert_eq!(upload(upload_url, name, None, b"{}").status, 401);
    let up = upload(upload_url, name, Some(TOKEN), br#"{"result":"SUCCESS"}"#);
    assert_eq!(up.status, 201, "{}", up.text());
    let asset = up.json();
    assert_eq!(asset["name"], name);
    let dup = upload(upload_url, name, Some(TOKEN), b"{}");
    assert_eq!(dup.status, 422);
    let errors = dup.json()["errors"].clone();
    assert_eq!(
        errors,
        json!([{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}])
    );
    assert!(dup.json()["request_id"].is_string());
    assert_eq!(
        gh.assets("acme", "infra", "1.0.0"),
        [(name.to_string(), br#"{"result":"SUCCESS"}"#.to_vec())]
    );

    // Download: 302 to the storage origin, which refuses a leaked token.
    let asset_url = asset["url"].as_str().unwrap();
    let redirect = call(
        "GET",
        asset_url,
        Some(TOKEN),
        Some("application/octet-stream"),
        b"",
    );
    assert_eq!(redirect.status, 302);
    let location = redirect.header("Location").unwrap().to_string();
    assert!(location.starts_with(&gh.storage_origin()) && location.contains("X-Amz-Signature="));
    let leaked = get(&location, Some(TOKEN));
    assert_eq!(leaked.status, 400);
    assert!(leaked.text().contains("Only one auth mechanism allowed"));
    let bytes = get(&location, None);
    assert_eq!(bytes.status, 200);
    assert_eq!(
        bytes.header("Content-Type"),
        Some("application/octet-stream")
    );
    assert_eq!(bytes.body, br#"{"result":"SUCCESS"}"#);
    let forged = get(
        &location.replace("X-Amz-Signature=", "X-Amz-Signature=00"),
        None,
    );
    assert_eq!(forged.status, 403);
    let meta = call(
        "GET",
        asset_url,
        None,
        Some("application/vnd.github+json"),
        b"",
    )
    .json();
    assert_eq!(meta["download_count"], 1);

    assert_eq!(
        call("DELETE", asset_url, Some(TOKEN), None, b"").status,
        204
    );
    assert_eq!(
        call("DELETE", asset_url, Some(TOKEN), None, b"").status,
        404
    );
    assert_eq!(get(&location, None).status, 404);
    assert!(gh.assets("acme", "infra", "1.0.0").is_empty());

    let origins: Vec<Origin> = gh.requests().iter().map(|r| r.origin).collect();
    assert!(origins.contains(&Origin::Uploads) && origins.contains(&Origin::Storage));
    let accepts: Vec<_> = gh
        .requests()
        .iter()
        .filter_map(|r| r.accept.clone())
        .collect();
    assert!(accepts.contains(&"application/octet-stream".to_string()));
}

#[test]
fn enterprise_prefixes() {
    let opts = Options {
        api_prefix: "/api/v3".into(),
        uploads_prefix: "api/uploads/".into(),
        token: None,
    };
    let gh = FakeGitHub::start_with(opts);
    assert!(gh.api_url().ends_with("/api/v3/"));
    assert!(gh.uploads_url().ends_with("/api/uploads/"));
    let id = gh.create_release("acme", "infra", "1.0.0");
    let rel = get(
        &format!("{}repos/acme/infra/releases/{id}", gh.api_url()),
        None,
    )
    .json();
    let upload_url = rel["upload_url"].as_str().unwrap();
    assert!(
        upload_url.starts_with(&format!("{}repos/", gh.uploads_url())),
        "{upload_url}"
    );
    assert_eq!(upload(upload_url, "x.json", Some("any"), b"{}").status, 201);
    // Without the prefix nothing is there, as on a GHE host.
    let root = gh.api_url().replace("/api/v3/", "/");
    assert_eq!(
        get(&format!("{root}repos/acme/infra/releases"), None).status,
        404
    );
}

#[test]
fn workflow_dispatches_are_recorded() {
    let gh = FakeGitHub::start();
    gh.create_repo("acme", "deploy", false);
    let url = format!(
        "{}repos/acme/deploy/actions/workflows/deploy.yml/dispatches",
        gh.api_url()
    );
    let ok = call(
        "POST",
        &url,
        Some(TOKEN),
        None,
        br#"{"ref":"main","inputs":{"ami":"ami-1"}}"#,
    );
    assert_eq!(ok.status, 204);
    assert_eq!(
        call("POST", &url, Some(TOKEN), None, br#"{"inputs":{}}"#).status,
        422
    );
    assert_eq!(
        call(
            "POST",
            &url,
            Some(TOKEN),
            None,
            br#"{"ref":"main","inputs":[1]}"#
        )
        .status,
        422
    );
    assert_eq!(
        call("POST", &url, None, None, br#"{"ref":"main"}"#).status,
        401
    );
    let d = gh.dispatches();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].workflow.as_str(), d[0].git_ref.as_str()),
        ("deploy.yml", "main")
    );
    assert_eq!(d[0].inputs, json!({"ami": "ami-1"}));
}

#[test]
fn seeding_helpers() {
    let gh = FakeGitHub::start();
    gh.create_release("acme", "infra", "1.0.0");
    gh.add_asset("acme", "infra", "1.0.0", "a.json", b"1");
    gh.add_asset("acme", "infra", "1.0.0", "b.bin", b"2");
    let names: Vec<String> = gh
        .assets("acme", "infra", "1.0.0")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["a.json", "b.bin"]);
    gh.delete_release("acme", "infra", "1.0.0");
    assert_eq!(
        get(
            &format!("{}repos/acme/infra/releases/tags/1.0.0", gh.api_url()),
            None
        )
        .status,
        404
    );
    assert!(
        gh.requests()
            .iter()
            .all(|r| r.path.contains("/releases/tags/")),
        "seeding is not logged"
    );
}
