//! Reliability: GitHub and AWS failing the way they fail in production
//! (5xx, dropped connections, rate limits, slow and hung answers, throttling,
//! rejected credentials). Transient faults are survived with the same outcome
//! as a clean run; persistent ones end the step as an error in bounded time,
//! saying what was tried, and never as a verdict.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use testkit::fault_proxy::{AwsFault, AwsFaultKind, FaultProxy};
use testkit::github::{Fault, FaultKind, Origin};
use testkit::moto::SecretValue;

const TAG: &str = "1.4.2";
/// The client's per-attempt timeout (src/github.rs, src/aws.rs).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// Every step, however dead its services, must end within this.
const BOUNDED: Duration = Duration::from_secs(120);

fn versions(out: &Output) -> Vec<Value> {
    assert_eq!(out.code, 0, "{out:?}");
    out.json().as_array().expect("an array of versions").clone()
}

/// Statuses the fake answered to requests whose path contains `path`
/// (0: dropped or stalled).
fn statuses(w: &World, method: &str, path: &str) -> Vec<u16> {
    w.gh.requests()
        .iter()
        .filter(|r| r.method == method && r.path.contains(path))
        .map(|r| r.status)
        .collect()
}

fn last_line(out: &Output) -> &str {
    out.stderr.lines().last().unwrap_or_default()
}

/// A GitHub-only world with two tested releases.
fn history() -> World {
    let w = World::github();
    w.release("1.4.1");
    w.result("1.4.1", AMI_OLD, "SUCCESS");
    w.release(TAG);
    w.result(TAG, AMI_NEW, "SUCCESS");
    w
}

/// A full world whose release carries an older FAILED result and whose fleet
/// runs the AMI under test: a clean `out` records SUCCESS and deletes FAILED.
fn rerun_world() -> World {
    let w = World::full();
    w.release(TAG);
    w.result(TAG, AMI_NEW, "FAILED");
    w.fleet(AMI_NEW, 2);
    w
}

fn tag_path() -> String {
    format!("/releases/tags/{TAG}")
}

/// Each takes 20–60 s of waiting on timeouts and little CPU: run side by side
/// so the file takes about a minute, not three.
#[test]
fn a_hung_or_slow_service_is_cut_by_timeouts() {
    side_by_side(&[
        (
            "slow-list",
            an_answer_slower_than_the_attempt_timeout_is_cut_and_retried,
        ),
        ("stalled-download", a_stalled_download_is_cut_and_retried),
        (
            "github-never-answers",
            a_github_that_never_answers_fails_check_in_bounded_time,
        ),
        (
            "aws-never-answers",
            a_stalled_aws_endpoint_is_an_error_within_the_operation_timeout,
        ),
    ]);
}

/// About 16 s each of backing off: side by side.
#[test]
fn a_persistent_github_outage_fails_every_step_naming_what_was_tried() {
    side_by_side(&[
        ("check", a_persistent_503_fails_check_naming_what_was_tried),
        ("in", a_persistent_503_fails_in_naming_what_was_tried),
        (
            "out-uploads",
            a_persistent_503_on_uploads_fails_out_and_records_nothing,
        ),
        (
            "out-everywhere",
            a_persistent_503_everywhere_fails_out_before_it_looks_at_the_fleet,
        ),
    ]);
}

// ---------------------------------------------------------------- GitHub --

#[test]
fn check_survives_5xx_and_a_dropped_connection() {
    let w = history();
    for kind in [
        FaultKind::Status(502),
        FaultKind::Status(503),
        FaultKind::Drop,
    ] {
        w.gh.inject(Fault::new(kind, 1).method("GET").path("/releases?"));
    }
    let out = w.check(None);
    assert_eq!(versions(&out), vec![version(TAG, AMI_NEW, "SUCCESS")]);
    assert_eq!(statuses(&w, "GET", "/releases?"), [502, 503, 0, 200]);
    assert!(
        out.stderr.contains("GitHub answered 502")
            && out.stderr.contains("GitHub answered 503")
            && out.stderr.contains("attempt 4 of at most 6"),
        "{}",
        out.stderr
    );
}

#[test]
fn in_survives_5xx_and_dropped_connections_on_each_of_its_requests() {
    let w = history();
    // The release by tag, the asset on the api (answered by a redirect), the
    // redirect's target on storage.
    w.gh.inject(Fault::new(FaultKind::Status(502), 1).path(&tag_path()));
    w.gh.inject(Fault::new(FaultKind::Drop, 1).path(&tag_path()));
    w.gh.inject(Fault::new(FaultKind::Status(503), 1).path("/releases/assets/"));
    w.gh.inject(Fault::new(FaultKind::Drop, 1).on(Origin::Storage));
    w.gh.inject(Fault::new(FaultKind::Status(500), 1).on(Origin::Storage));
    let (out, dest) = w.get(version(TAG, AMI_NEW, "SUCCESS"), json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        std::fs::read_to_string(dest.join("results/concourse.test")).unwrap(),
        format!("{AMI_NEW} SUCCESS\n")
    );
    assert_eq!(
        std::fs::read(dest.join("record.json")).unwrap(),
        record(TEST, TAG, AMI_NEW, "SUCCESS")
    );
    assert_eq!(statuses(&w, "GET", &tag_path()), [502, 0, 200]);
    let storage: Vec<u16> =
        w.gh.requests()
            .iter()
            .filter(|r| r.origin == Origin::Storage)
            .map(|r| r.status)
            .collect();
    assert_eq!(storage, [0, 500, 200]);
}

#[test]
fn out_survives_5xx_and_dropped_connections_on_each_of_its_requests() {
    let w = rerun_world();
    // First fetch of the release, the upload, the re-fetch after it (the
    // third GET that gets through: the second is the look before publishing),
    // the delete.
    w.gh.inject(Fault::new(FaultKind::Status(503), 1).path(&tag_path()));
    w.gh.inject(Fault::new(FaultKind::Status(502), 1).on(Origin::Uploads));
    w.gh.inject(Fault::new(FaultKind::Drop, 1).on(Origin::Uploads));
    w.gh.inject(
        Fault::new(FaultKind::Drop, 1)
            .method("GET")
            .path(&tag_path())
            .skip(2),
    );
    w.gh.inject(Fault::new(FaultKind::Status(502), 1).method("DELETE"));
    w.gh.inject(Fault::new(FaultKind::Drop, 1).method("DELETE"));
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
    assert_eq!(w.results(TAG), [asset(AMI_NEW, "SUCCESS")]);
    assert_eq!(statuses(&w, "GET", &tag_path()), [503, 200, 200, 0, 200]);
    assert_eq!(statuses(&w, "POST", "/assets"), [502, 0, 201]);
    assert_eq!(statuses(&w, "DELETE", "/assets/"), [502, 0, 204]);
    assert!(
        out.stderr.contains(&format!(
            "removed the older result {}",
            asset(AMI_NEW, "FAILED")
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn out_recognises_an_upload_or_delete_that_landed_though_its_answer_was_lost() {
    let w = rerun_world();
    w.gh.inject(Fault::new(FaultKind::DropAfterServing, 1).on(Origin::Uploads));
    w.gh.inject(Fault::new(FaultKind::DropAfterServing, 1).method("DELETE"));
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
    assert_eq!(w.results(TAG), [asset(AMI_NEW, "SUCCESS")]);
    // The retried upload met its own asset (422 already_exists), the retried
    // delete found the asset gone (404): both are success.
    assert_eq!(statuses(&w, "POST", "/assets"), [0, 422]);
    assert_eq!(statuses(&w, "DELETE", "/assets/"), [0, 404]);
    assert_eq!(w.complete_results(TAG).len(), 1);
}

/// 429 with `Retry-After: 2`, then 403 with the primary limit used up and a
/// reset 2 s away: the step waits both out, then succeeds.
fn arm_rate_limits(w: &World, narrow: impl Fn(Fault) -> Fault) {
    w.gh.inject(narrow(Fault::new(
        FaultKind::TooManyRequests {
            retry_after_secs: 2,
        },
        1,
    )));
    w.gh.inject(narrow(Fault::new(
        FaultKind::RateLimited { reset_in_secs: 2 },
        1,
    )));
}

fn assert_waited_out_rate_limits(out: &Output) {
    assert_eq!(out.code, 0, "{out:?}");
    // 2 s for Retry-After, then at least 2 s until the reset.
    assert!(
        out.elapsed >= Duration::from_secs(4) && out.elapsed < Duration::from_secs(15),
        "took {:?}: {}",
        out.elapsed,
        out.stderr
    );
    assert!(
        out.stderr.contains("GitHub answered 429") && out.stderr.contains("retrying in 2s"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("GitHub answered 403"), "{}", out.stderr);
}

#[test]
fn check_and_in_wait_out_rate_limits() {
    let w = history();
    arm_rate_limits(&w, |f| f.path("/releases?"));
    let out = w.check(None);
    assert_waited_out_rate_limits(&out);
    assert_eq!(versions(&out), vec![version(TAG, AMI_NEW, "SUCCESS")]);
    assert_eq!(statuses(&w, "GET", "/releases?"), [429, 403, 200]);

    arm_rate_limits(&w, |f| f.path(&tag_path()));
    let (out, _) = w.get(version(TAG, AMI_NEW, "SUCCESS"), json!({}));
    assert_waited_out_rate_limits(&out);
    assert_eq!(statuses(&w, "GET", &tag_path()), [429, 403, 200]);
}

#[test]
fn out_waits_out_rate_limits_on_the_api_and_on_uploads() {
    let w = rerun_world();
    w.gh.inject(Fault::new(FaultKind::RateLimited { reset_in_secs: 2 }, 1).path(&tag_path()));
    w.gh.inject(
        Fault::new(
            FaultKind::TooManyRequests {
                retry_after_secs: 2,
            },
            1,
        )
        .on(Origin::Uploads),
    );
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_waited_out_rate_limits(&out);
    assert_eq!(w.results(TAG), [asset(AMI_NEW, "SUCCESS")]);
    assert_eq!(statuses(&w, "POST", "/assets"), [429, 201]);
}

#[test]
fn a_secondary_rate_limit_on_403_is_waited_out() {
    let w = history();
    w.gh.inject(
        Fault::new(
            FaultKind::SecondaryRateLimited {
                retry_after_secs: 2,
            },
            1,
        )
        .path("/releases?"),
    );
    let out = w.check(None);
    assert_eq!(versions(&out), vec![version(TAG, AMI_NEW, "SUCCESS")]);
    assert!(out.elapsed >= Duration::from_secs(2), "{:?}", out.elapsed);
    assert!(
        out.stderr
            .contains("rate limited: You have exceeded a secondary rate limit"),
        "{}",
        out.stderr
    );
    assert_eq!(statuses(&w, "GET", "/releases?"), [403, 200]);
}

/// A limit that resets in an hour is not waited for (a check would hang for
/// an hour); the step fails at once and says it is the rate limit, not the
/// token's permissions.
#[test]
fn a_rate_limit_beyond_the_retry_window_fails_at_once_saying_so() {
    let w = history();
    w.gh.inject(Fault::new(
        FaultKind::RateLimited {
            reset_in_secs: 3600,
        },
        1,
    ));
    let out = w.check(None);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
    let line = one_error_line(&out);
    assert!(
        line.contains("gave up after 1 attempt in 0s")
            && line.contains("rate limited: API rate limit exceeded")
            && line.contains("GitHub asks to wait 36")
            && !line.contains("permission"),
        "{line}"
    );
    assert!(out.elapsed < Duration::from_secs(5), "{:?}", out.elapsed);
}

#[test]
fn a_slow_answer_within_the_timeout_is_waited_for_not_retried() {
    let w = history();
    w.gh.inject(Fault::new(FaultKind::Slow(Duration::from_secs(3)), 1).path("/releases?"));
    let out = w.check(None);
    assert_eq!(versions(&out), vec![version(TAG, AMI_NEW, "SUCCESS")]);
    assert_eq!(statuses(&w, "GET", "/releases?"), [200]);
    assert!(out.elapsed >= Duration::from_secs(3), "{:?}", out.elapsed);
}

fn an_answer_slower_than_the_attempt_timeout_is_cut_and_retried() {
    let w = history();
    w.gh.inject(Fault::new(FaultKind::Slow(Duration::from_secs(25)), 1).path("/releases?"));
    let out = w.check(None);
    assert_eq!(versions(&out), vec![version(TAG, AMI_NEW, "SUCCESS")]);
    assert!(
        out.elapsed >= ATTEMPT_TIMEOUT && out.elapsed < ATTEMPT_TIMEOUT + Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    assert!(
        out.stderr.contains("timed out") && out.stderr.contains("attempt 2 of at most 6"),
        "{}",
        out.stderr
    );
}

fn a_stalled_download_is_cut_and_retried() {
    let w = history();
    w.gh.inject(Fault::new(FaultKind::Stall, 1).on(Origin::Storage));
    let (out, dest) = w.get(version(TAG, AMI_NEW, "SUCCESS"), json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(dest.join("record.json").is_file());
    assert!(
        out.elapsed >= ATTEMPT_TIMEOUT && out.elapsed < ATTEMPT_TIMEOUT + Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    assert!(
        out.stderr.contains("downloading") && out.stderr.contains("timed out"),
        "{}",
        out.stderr
    );
}

fn assert_gave_up(out: &Output, doing: &str, attempts: u32) {
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
    let line = last_line(out);
    assert!(
        line.starts_with("error: ")
            && line.contains(doing)
            && line.contains(&format!("gave up after {attempts} attempts")),
        "expected the error to name {doing:?} and {attempts} attempts: {}",
        out.stderr
    );
    assert!(out.elapsed < BOUNDED, "took {:?}", out.elapsed);
    let retries = out
        .stderr
        .lines()
        .filter(|l| l.contains("retrying in"))
        .count();
    assert_eq!(retries as u32, attempts - 1, "{}", out.stderr);
}

fn a_persistent_503_fails_check_naming_what_was_tried() {
    let w = history();
    w.gh.inject(Fault::new(FaultKind::Status(503), 100));
    let out = w.check(None);
    assert_gave_up(&out, "listing releases of dwp/aws-concourse", 6);
    assert!(last_line(&out).contains("GitHub answered 503"), "{out:?}");
    assert_eq!(w.gh.requests().len(), 6);
}

fn a_persistent_503_fails_in_naming_what_was_tried() {
    let w = history();
    w.gh.inject(Fault::new(FaultKind::Status(503), 100).on(Origin::Storage));
    let (out, dest) = w.get(version(TAG, AMI_NEW, "SUCCESS"), json!({}));
    assert_gave_up(
        &out,
        &format!("downloading {}", asset(AMI_NEW, "SUCCESS")),
        6,
    );
    assert!(
        !dest.join("results").exists(),
        "in wrote files though it failed"
    );
}

fn a_persistent_503_on_uploads_fails_out_and_records_nothing() {
    let w = rerun_world();
    w.gh.inject(Fault::new(FaultKind::Status(503), 100).on(Origin::Uploads));
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_gave_up(
        &out,
        &format!("uploading {} to release {TAG}", asset(AMI_NEW, "SUCCESS")),
        6,
    );
    // The older result is untouched: no moment without a complete result.
    assert_eq!(w.results(TAG), [asset(AMI_NEW, "FAILED")]);
}

fn a_persistent_503_everywhere_fails_out_before_it_looks_at_the_fleet() {
    let w = rerun_world();
    w.gh.inject(Fault::new(FaultKind::Status(503), 100));
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_gave_up(&out, &format!("fetching release {TAG}"), 6);
    assert_eq!(w.results(TAG), [asset(AMI_NEW, "FAILED")]);
}

/// The expensive one (about a minute): GitHub accepts connections and never
/// answers. Each attempt is cut at 20 s; no retry starts after 60 s.
fn a_github_that_never_answers_fails_check_in_bounded_time() {
    let w = history();
    w.gh.inject(Fault::new(FaultKind::Stall, 100));
    let out = w.check(None);
    assert_gave_up(&out, "listing releases", 3);
    // Our own retry window ended it, not a wait GitHub asked for.
    assert!(
        last_line(&out).contains("timed out") && !last_line(&out).contains("asks to wait"),
        "{out:?}"
    );
    assert!(
        out.elapsed >= 3 * ATTEMPT_TIMEOUT && out.elapsed < Duration::from_secs(90),
        "took {:?}",
        out.elapsed
    );
}

// ------------------------------------------------------------------- AWS --

/// A full world whose AWS traffic goes through a fault proxy.
struct AwsWorld {
    w: World,
    proxy: FaultProxy,
}

impl AwsWorld {
    fn new() -> AwsWorld {
        let w = World::full();
        w.release(TAG);
        w.fleet(AMI_NEW, 2);
        let proxy = FaultProxy::start(&w.moto().endpoint());
        AwsWorld { w, proxy }
    }

    fn source(&self) -> Value {
        self.w.source_via(&self.proxy.endpoint())
    }

    fn put(&self, source: Value, extra: Value) -> Output {
        self.w.put_files(source, AMI_NEW, TAG, extra)
    }

    fn seen(&self, operation: &str) -> usize {
        self.proxy
            .requests()
            .iter()
            .filter(|o| o.as_str() == operation)
            .count()
    }

    fn assert_success(&self, out: &Output) {
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
        assert_eq!(self.w.results(TAG), [asset(AMI_NEW, "SUCCESS")]);
    }

    /// An error, not a verdict: exit 1, nothing on stdout, one line on stderr
    /// that contains every one of `words`, and nothing recorded.
    fn assert_error(&self, out: &Output, words: &[&str]) {
        assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
        let line = one_error_line(out);
        for w in words {
            assert!(line.contains(w), "expected {w:?} in: {line}");
        }
        assert!(
            !line.contains("SUCCESS") && !line.contains("FAILED"),
            "{line}"
        );
        assert!(
            self.w.results(TAG).is_empty(),
            "an error recorded something"
        );
        assert!(out.elapsed < BOUNDED, "took {:?}", out.elapsed);
    }
}

#[test]
fn throttled_describe_instances_is_retried_and_the_verdict_stands() {
    let a = AwsWorld::new();
    a.proxy
        .inject(AwsFault::new(AwsFaultKind::Throttle, 2).matching("DescribeInstances"));
    let out = a.put(a.source(), json!({}));
    a.assert_success(&out);
    assert_eq!(a.seen("DescribeInstances"), 3);
}

#[test]
fn an_internal_error_or_a_dropped_connection_once_is_retried() {
    for kind in [AwsFaultKind::Status(500), AwsFaultKind::Drop] {
        let a = AwsWorld::new();
        a.proxy
            .inject(AwsFault::new(kind, 1).matching("DescribeInstances"));
        let out = a.put(a.source(), json!({}));
        a.assert_success(&out);
        assert_eq!(a.seen("DescribeInstances"), 2, "{kind:?}");
    }
}

#[test]
fn persistent_throttling_or_500s_are_an_error_never_a_verdict() {
    for (kind, code) in [
        (AwsFaultKind::Throttle, "RequestLimitExceeded"),
        (AwsFaultKind::Status(500), "InternalError"),
    ] {
        let a = AwsWorld::new();
        a.proxy
            .inject(AwsFault::new(kind, 100).matching("DescribeInstances"));
        let out = a.put(a.source(), json!({}));
        a.assert_error(&out, &["describing instances in eu-west-2", code]);
        // The SDK's bounded retries: 4 attempts.
        assert_eq!(a.seen("DescribeInstances"), 4, "{kind:?}");
    }
}

/// While waiting for the fleet to settle, the last observation (FAILED) must
/// not become the verdict when AWS stops answering: that is an error too.
#[test]
fn an_outage_during_the_wait_is_an_error_not_the_last_observation() {
    let a = AwsWorld::new();
    a.w.moto()
        .run_instances(REGION, AMI_OLD, 1, Some("ci-concourse-web"), &[]);
    let running = a.w.spawn_put_files(
        a.source(),
        AMI_NEW,
        TAG,
        json!({"wait_timeout": "60s", "wait_interval": "1s"}),
    );
    let started = std::time::Instant::now();
    while a.seen("DescribeInstances") == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "no describe");
        std::thread::sleep(Duration::from_millis(20));
    }
    a.proxy
        .inject(AwsFault::new(AwsFaultKind::Throttle, 100).matching("DescribeInstances"));
    let out = a.w.checked(running.wait());
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
    let line = last_line(&out);
    assert!(
        line.starts_with("error: ")
            && line.contains("describing instances")
            && line.contains("RequestLimitExceeded"),
        "{}",
        out.stderr
    );
    assert!(a.w.results(TAG).is_empty());
    assert!(
        out.elapsed < Duration::from_secs(40),
        "took {:?}",
        out.elapsed
    );
}

#[test]
fn rejected_credentials_say_so_and_are_not_retried() {
    let a = AwsWorld::new();
    a.proxy
        .inject(AwsFault::new(AwsFaultKind::AuthFailure, 100));
    let out = a.put(a.source(), json!({}));
    a.assert_error(
        &out,
        &[
            "describing instances in eu-west-2",
            "AuthFailure",
            "the AWS credentials were rejected",
        ],
    );
    assert_eq!(a.seen("DescribeInstances"), 1);
}

/// About a minute: EC2 accepts the connection and never answers.
fn a_stalled_aws_endpoint_is_an_error_within_the_operation_timeout() {
    let a = AwsWorld::new();
    a.proxy
        .inject(AwsFault::new(AwsFaultKind::Stall, 100).matching("DescribeInstances"));
    let out = a.put(a.source(), json!({}));
    a.assert_error(&out, &["describing instances in eu-west-2", "timed out"]);
    assert!(
        out.elapsed >= ATTEMPT_TIMEOUT && out.elapsed < Duration::from_secs(75),
        "took {:?}",
        out.elapsed
    );
}

fn secret_source(a: &AwsWorld) -> Value {
    a.w.moto().create_secret(
        REGION,
        "/concourse/dataworks/ami-ids",
        &SecretValue::String(
            json!({"concourse_ami_mgmt_dev": AMI_NEW, "db_password": OTHER_SECRET}).to_string(),
        ),
    );
    let mut s = a.source();
    s["ami_ids_secret_id"] = json!("/concourse/dataworks/ami-ids");
    s["ami_ids_secret_key"] = json!("concourse_ami_mgmt_dev");
    s
}

#[test]
fn a_throttled_secret_read_is_retried_and_the_cross_check_holds() {
    let a = AwsWorld::new();
    let source = secret_source(&a);
    a.proxy
        .inject(AwsFault::new(AwsFaultKind::Throttle, 2).matching("GetSecretValue"));
    let out = a.put(source, json!({}));
    a.assert_success(&out);
    assert_eq!(a.seen("GetSecretValue"), 3);
    let assets = a.w.complete_results(TAG);
    assert_eq!(assets[0].1["secret_check"]["finding"], "agrees");
}

#[test]
fn a_persistently_throttled_secret_read_is_an_error() {
    let a = AwsWorld::new();
    let source = secret_source(&a);
    a.proxy
        .inject(AwsFault::new(AwsFaultKind::Throttle, 100).matching("GetSecretValue"));
    let out = a.put(source, json!({}));
    a.assert_error(
        &out,
        &[
            "reading secret /concourse/dataworks/ami-ids in eu-west-2",
            "ThrottlingException",
        ],
    );
    assert_eq!(a.seen("GetSecretValue"), 4);
    // The fleet was never looked at: the cross-check comes first.
    assert_eq!(a.seen("DescribeInstances"), 0);
}
