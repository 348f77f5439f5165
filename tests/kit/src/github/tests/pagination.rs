use super::*;
use crate::github::payload::timestamp;
use crate::github::{FakeGitHub, Origin};

#[test]
fn fake_clock_formats_like_github() {
    assert_eq!(timestamp(0), "2026-01-01T00:00:00Z");
    assert_eq!(timestamp(1), "2026-01-01T00:01:00Z");
    assert_eq!(timestamp(61), "2026-01-01T01:01:00Z");
    assert_eq!(timestamp(1440 * 31), "2026-02-01T00:00:00Z");
    assert_eq!(timestamp(1440 * 365), "2027-01-01T00:00:00Z");
}

#[test]
fn releases_page_newest_first_with_github_links() {
    let gh = FakeGitHub::start();
    for i in 0..250 {
        gh.create_release("acme", "infra", &format!("1.0.{i}"));
    }
    let first = get(
        &format!("{}repos/acme/infra/releases?per_page=100", gh.api_url()),
        None,
    );
    assert_eq!(first.status, 200);
    let page1 = first.json();
    assert_eq!(page1.as_array().unwrap().len(), 100);
    assert_eq!(page1[0]["tag_name"], "1.0.249");
    assert_eq!(page1[99]["tag_name"], "1.0.150");
    assert!(page1[0]["created_at"].as_str().unwrap() > page1[1]["created_at"].as_str().unwrap());
    let rels: Vec<String> = links(&first).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["next", "last"]);
    let next = link(&first, "next").unwrap();
    assert!(next.starts_with(&gh.api_url()), "{next}");
    assert!(next.ends_with("/releases?per_page=100&page=2"), "{next}");
    assert!(
        link(&first, "last")
            .unwrap()
            .ends_with("per_page=100&page=3")
    );

    // Following the links verbatim walks the rest.
    let second = get(&next, None);
    assert_eq!(second.json()[0]["tag_name"], "1.0.149");
    let rels: Vec<String> = links(&second).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["prev", "next", "last", "first"]);
    let third = get(&link(&second, "next").unwrap(), None);
    let page3 = third.json();
    assert_eq!(page3.as_array().unwrap().len(), 50);
    assert_eq!(page3[49]["tag_name"], "1.0.0");
    assert_eq!(page3[49]["created_at"], "2026-01-01T00:01:00Z");
    assert!(link(&third, "next").is_none() && link(&third, "last").is_none());
    assert!(
        link(&third, "first")
            .unwrap()
            .ends_with("per_page=100&page=1")
    );
    assert!(
        link(&third, "prev")
            .unwrap()
            .ends_with("per_page=100&page=2")
    );

    let log = gh.requests();
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .all(|r| r.origin == Origin::Api && r.status == 200 && !r.authenticated)
    );
}

#[test]
fn per_page_defaults_to_30_and_caps_at_100() {
    let gh = FakeGitHub::start();
    for i in 0..120 {
        gh.create_release("acme", "infra", &format!("v{i}"));
    }
    let default = get(&format!("{}repos/acme/infra/releases", gh.api_url()), None);
    assert_eq!(default.json().as_array().unwrap().len(), 30);
    assert!(
        link(&default, "last")
            .unwrap()
            .ends_with("/releases?page=4")
    );
    let capped = get(
        &format!("{}repos/acme/infra/releases?per_page=500", gh.api_url()),
        None,
    );
    assert_eq!(capped.json().as_array().unwrap().len(), 100);
    let one_page = get(
        &format!(
            "{}repos/acme/infra/releases?per_page=100&page=2",
            gh.api_url()
        ),
        None,
    );
    assert_eq!(one_page.json().as_array().unwrap().len(), 20);
    let beyond = get(
        &format!(
            "{}repos/acme/infra/releases?per_page=100&page=9",
            gh.api_url()
        ),
        None,
    );
    assert_eq!(beyond.json(), serde_json::json!([]));
}

#[test]
fn every_api_answer_has_rate_limit_headers() {
    let gh = FakeGitHub::start();
    gh.create_repo("acme", "infra", false);
    let resp = get(&format!("{}repos/acme/infra/releases", gh.api_url()), None);
    assert_eq!(resp.json(), serde_json::json!([]));
    assert!(resp.header("Link").is_none());
    for h in [
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Used",
        "X-RateLimit-Reset",
    ] {
        assert!(resp.header(h).is_some(), "{h}");
    }
    assert_eq!(resp.header("X-RateLimit-Resource"), Some("core"));
    let missing = get(
        &format!("{}repos/acme/nope/releases", gh.api_url()),
        Some(TOKEN),
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("X-RateLimit-Limit"), Some("5000"));
    assert_eq!(missing.json()["message"], "Not Found");
    assert_eq!(missing.json()["status"], "404");
}

#[test]
fn asset_listing_pages_in_upload_order() {
    let gh = FakeGitHub::start();
    let id = gh.create_release("acme", "infra", "1.0.0");
    for i in 0..5 {
        gh.add_asset("acme", "infra", "1.0.0", &format!("a{i}.json"), b"{}");
    }
    let url = format!(
        "{}repos/acme/infra/releases/{id}/assets?per_page=2",
        gh.api_url()
    );
    let first = get(&url, None);
    let names: Vec<_> = first
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].clone())
        .collect();
    assert_eq!(names, ["a0.json", "a1.json"]);
    let last = get(&link(&first, "last").unwrap(), None);
    assert_eq!(last.json()[0]["name"], "a4.json");
}
