use super::*;
use crate::github::{FakeGitHub, Fault, FaultKind, Origin};
use std::time::{Duration, Instant};

fn seeded() -> (FakeGitHub, String) {
    let gh = FakeGitHub::start();
    gh.create_release("acme", "infra", "1.0.0");
    let url = format!("{}repos/acme/infra/releases", gh.api_url());
    (gh, url)
}

#[test]
fn status_faults_fire_the_given_number_of_times_then_stop() {
    let (gh, url) = seeded();
    gh.inject(
        Fault::new(FaultKind::Status(502), 2)
            .on(Origin::Api)
            .method("GET")
            .path("/releases"),
    );
    assert_eq!(get(&url, None).status, 502);
    let second = get(&url, None);
    assert_eq!(second.status, 502);
    assert_eq!(second.json()["message"], "Bad Gateway");
    assert_eq!(get(&url, None).status, 200);
    let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [502, 502, 200]);
}

#[test]
fn faults_only_hit_what_they_match_in_order() {
    let (gh, url) = seeded();
    gh.inject(Fault::new(FaultKind::Status(500), 1).method("POST"));
    gh.inject(Fault::new(FaultKind::Status(503), 1).on(Origin::Uploads));
    gh.inject(Fault::new(FaultKind::Status(504), 1).path("/tags/"));
    gh.inject(Fault::new(FaultKind::Status(500), 1));
    assert_eq!(get(&format!("{url}/tags/1.0.0"), None).status, 504);
    assert_eq!(get(&url, None).status, 500);
    assert_eq!(get(&url, None).status, 200);
}

#[test]
fn too_many_requests_carries_retry_after() {
    let (gh, url) = seeded();
    gh.inject(Fault::new(
        FaultKind::TooManyRequests {
            retry_after_secs: 7,
        },
        1,
    ));
    let resp = get(&url, None);
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("Retry-After"), Some("7"));
}

#[test]
fn rate_limited_carries_the_primary_limit_headers() {
    let (gh, url) = seeded();
    gh.inject(Fault::new(FaultKind::RateLimited { reset_in_secs: 60 }, 1));
    let resp = get(&url, None);
    assert_eq!(resp.status, 403);
    assert_eq!(resp.header("X-RateLimit-Remaining"), Some("0"));
    let reset: u64 = resp.header("X-RateLimit-Reset").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now + 55..=now + 65).contains(&reset), "{reset} vs {now}");
    assert!(
        resp.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("API rate limit exceeded for ")
    );
}

#[test]
fn secondary_rate_limited_is_a_403_with_retry_after() {
    let (gh, url) = seeded();
    gh.inject(Fault::new(
        FaultKind::SecondaryRateLimited {
            retry_after_secs: 5,
        },
        1,
    ));
    let resp = get(&url, None);
    assert_eq!(resp.status, 403);
    assert_eq!(resp.header("Retry-After"), Some("5"));
    assert!(
        resp.json()["message"]
            .as_str()
            .unwrap()
            .contains("secondary rate limit")
    );
}

#[test]
fn slow_delays_then_answers() {
    let (gh, url) = seeded();
    gh.inject(Fault::new(FaultKind::Slow(Duration::from_millis(400)), 1));
    let started = Instant::now();
    assert_eq!(get(&url, None).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[test]
fn drop_is_a_client_side_error() {
    let (gh, url) = seeded();
    gh.inject(Fault::new(FaultKind::Drop, 1));
    assert!(http::request("GET", &url, &[], b"").is_err());
    assert_eq!(gh.requests()[0].status, 0);
    assert_eq!(get(&url, None).status, 200);
}

#[test]
fn stall_holds_until_the_client_times_out() {
    let (gh, url) = seeded();
    gh.inject(Fault::new(FaultKind::Stall, 1).on(Origin::Api));
    let started = Instant::now();
    let err =
        http::request_with_timeout("GET", &url, &[], b"", Duration::from_millis(500)).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(gh.requests()[0].status, 0);
}

#[test]
fn dropping_the_fake_does_not_wait_for_stalled_clients() {
    let (gh, url) = seeded();
    gh.inject(Fault::new(FaultKind::Stall, 1));
    let client = std::thread::spawn(move || http::request("GET", &url, &[], b""));
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    drop(gh);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(client.join().unwrap().is_err());
}

#[test]
fn faults_round_trip_through_json() {
    let kinds = [
        FaultKind::Status(503),
        FaultKind::TooManyRequests {
            retry_after_secs: 2,
        },
        FaultKind::RateLimited { reset_in_secs: 9 },
        FaultKind::SecondaryRateLimited {
            retry_after_secs: 4,
        },
        FaultKind::Slow(Duration::from_millis(250)),
        FaultKind::Drop,
        FaultKind::Stall,
        FaultKind::DropAfterServing,
        FaultKind::StallAfterServing,
    ];
    for kind in kinds {
        let f = Fault::new(kind, 3)
            .on(Origin::Storage)
            .method("get")
            .path("/x")
            .skip(2);
        assert_eq!(Fault::from_json(&f.to_json()).unwrap(), f);
    }
    let minimal = Fault::from_json(&serde_json::json!({"kind": "drop"})).unwrap();
    assert_eq!(minimal, Fault::new(FaultKind::Drop, 1));
    assert!(Fault::from_json(&serde_json::json!({"kind": "explode"})).is_err());
}

#[test]
fn skip_lets_the_first_matching_requests_through() {
    let (gh, url) = seeded();
    let tag = format!("{url}/tags/1.0.0");
    gh.inject(
        Fault::new(FaultKind::Status(503), 1)
            .method("GET")
            .path("/tags/1.0.0")
            .skip(1),
    );
    // A request the rule does not match does not count towards the skip.
    assert_eq!(get(&url, None).status, 200);
    assert_eq!(get(&tag, None).status, 200);
    assert_eq!(get(&tag, None).status, 503);
    assert_eq!(get(&tag, None).status, 200);
}

#[test]
fn a_skipping_rule_hands_the_request_on_to_later_rules() {
    let (gh, url) = seeded();
    gh.inject(Fault::new(FaultKind::Status(500), 1).skip(1));
    gh.inject(Fault::new(FaultKind::Status(502), 1));
    assert_eq!(get(&url, None).status, 502);
    assert_eq!(get(&url, None).status, 500);
    assert_eq!(get(&url, None).status, 200);
}

fn upload_url(gh: &FakeGitHub) -> String {
    let id = gh.release_id("acme", "infra", "1.0.0").unwrap();
    format!(
        "{}repos/acme/infra/releases/{id}/assets?name=r.json",
        gh.uploads_url()
    )
}

fn post(url: &str, timeout: Duration) -> std::io::Result<crate::http::ClientResponse> {
    let headers = [
        ("Authorization", "Bearer t"),
        ("Content-Type", "application/json"),
    ];
    http::request_with_timeout("POST", url, &headers, b"{}", timeout)
}

#[test]
fn stall_does_not_serve_but_stall_after_serving_does() {
    let (gh, _) = seeded();
    let url = upload_url(&gh);
    gh.inject(Fault::new(FaultKind::Stall, 1).on(Origin::Uploads));
    assert!(post(&url, Duration::from_millis(300)).is_err());
    assert!(gh.assets("acme", "infra", "1.0.0").is_empty());
    gh.inject(Fault::new(FaultKind::StallAfterServing, 1).on(Origin::Uploads));
    assert!(post(&url, Duration::from_millis(300)).is_err());
    assert_eq!(gh.assets("acme", "infra", "1.0.0").len(), 1);
    let log = gh.requests();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|r| r.status == 0), "{log:?}");
}

#[test]
fn drop_does_not_serve_but_drop_after_serving_does() {
    let (gh, _) = seeded();
    let url = upload_url(&gh);
    gh.inject(Fault::new(FaultKind::Drop, 1).on(Origin::Uploads));
    assert!(post(&url, Duration::from_secs(5)).is_err());
    assert!(gh.assets("acme", "infra", "1.0.0").is_empty());
    gh.inject(Fault::new(FaultKind::DropAfterServing, 1).on(Origin::Uploads));
    assert!(post(&url, Duration::from_secs(5)).is_err());
    assert_eq!(gh.assets("acme", "infra", "1.0.0").len(), 1);
    // The retry a client makes finds the asset there: 422 already_exists.
    let again = post(&url, Duration::from_secs(5)).unwrap();
    assert_eq!(again.status, 422);
    assert_eq!(again.json()["errors"][0]["code"], "already_exists");
}
