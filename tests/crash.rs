//! Crash safety of recording: `out` killed with SIGKILL at each point of
//! publishing (src/steps/publish.rs: upload the new result, re-fetch the
//! release, delete the older results). Whatever the point, the release carries
//! at least one complete result, `check` and `in` make sense of what is there,
//! and the next `out` converges to exactly one result.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;
use testkit::fault_proxy::{AwsFault, AwsFaultKind, FaultProxy};
use testkit::github::{Fault, FaultKind, LoggedRequest, Origin};

const TAG: &str = "1.4.2";
const WAIT: Duration = Duration::from_secs(30);

/// A release carrying an older FAILED result of the AMI under test, and a
/// fleet that now runs it: `out` replaces FAILED with SUCCESS.
fn setup() -> World {
    let w = World::full();
    w.release(TAG);
    w.result(TAG, AMI_NEW, "FAILED");
    w.fleet(AMI_NEW, 2);
    w
}

fn failed() -> String {
    asset(AMI_NEW, "FAILED")
}

fn success() -> String {
    asset(AMI_NEW, "SUCCESS")
}

/// Starts `out` with `fault` armed, waits until the fake has logged the request
/// `at` describes (faulted requests are logged with status 0), and kills it.
fn kill_at(w: &World, fault: Fault, at: impl Fn(&LoggedRequest) -> bool) -> Output {
    w.gh.inject(fault);
    let running = w.spawn_put_files(w.source(), AMI_NEW, TAG, json!({}));
    w.wait_for_request(WAIT, |r| r.status == 0 && at(r));
    let out = w.checked(running.kill());
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (-1, ""),
        "the step ended before it was killed: {out:?}"
    );
    out
}

type Matcher = fn(&LoggedRequest) -> bool;

fn is_upload(r: &LoggedRequest) -> bool {
    r.origin == Origin::Uploads && r.method == "POST"
}

fn is_refetch(r: &LoggedRequest) -> bool {
    r.origin == Origin::Api && r.method == "GET" && r.path.ends_with(&format!("/tags/{TAG}"))
}

fn is_delete(r: &LoggedRequest) -> bool {
    r.origin == Origin::Api && r.method == "DELETE"
}

fn names(results: &[(String, serde_json::Value)]) -> Vec<String> {
    results.iter().map(|(n, _)| n.clone()).collect()
}

fn check_versions(w: &World, from: Option<serde_json::Value>) -> Vec<serde_json::Value> {
    let out = w.check(from);
    assert_eq!(out.code, 0, "{out:?}");
    out.json().as_array().unwrap().clone()
}

fn get_ok(w: &World, result: &str) {
    let (out, dest) = w.get(version(TAG, AMI_NEW, result), json!({}));
    assert_eq!(out.code, 0, "in of the {result} version: {out:?}");
    assert_eq!(
        std::fs::read_to_string(dest.join("results/concourse.test")).unwrap(),
        format!("{AMI_NEW} {result}\n")
    );
}

/// The state a kill between upload and delete leaves: both results, complete;
/// the newest (highest asset id: SUCCESS) is current for `check`, from no
/// version and from the older one; `in` of either exact version works.
fn assert_two_results_make_sense(w: &World) {
    assert_eq!(names(&w.complete_results(TAG)), [failed(), success()]);
    let current = vec![version(TAG, AMI_NEW, "SUCCESS")];
    assert_eq!(check_versions(w, None), current);
    assert_eq!(
        check_versions(w, Some(version(TAG, AMI_NEW, "FAILED"))),
        current
    );
    assert_eq!(
        check_versions(w, Some(version(TAG, AMI_NEW, "SUCCESS"))),
        current
    );
    get_ok(w, "FAILED");
    get_ok(w, "SUCCESS");
}

/// The next, undisturbed `out` leaves exactly one result, SUCCESS, and the
/// replaced version can no longer be fetched.
fn assert_next_out_converges(w: &World) -> Output {
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
    assert_eq!(names(&w.complete_results(TAG)), [success()]);
    assert_eq!(
        check_versions(w, None),
        vec![version(TAG, AMI_NEW, "SUCCESS")]
    );
    let (gone, _) = w.get(version(TAG, AMI_NEW, "FAILED"), json!({}));
    assert_eq!(gone.code, 1, "{gone:?}");
    assert!(
        one_error_line(&gone).contains("is no longer on release 1.4.2"),
        "{gone:?}"
    );
    out
}

#[test]
fn killed_while_the_upload_is_unanswered_and_not_applied() {
    let w = setup();
    // The kit's Stall does not serve the request: the upload never happens.
    kill_at(
        &w,
        Fault::new(FaultKind::Stall, 1).on(Origin::Uploads),
        is_upload,
    );
    assert_eq!(names(&w.complete_results(TAG)), [failed()]);
    assert_eq!(
        check_versions(&w, None),
        vec![version(TAG, AMI_NEW, "FAILED")]
    );
    get_ok(&w, "FAILED");
    let out = assert_next_out_converges(&w);
    assert!(
        out.stderr
            .contains(&format!("recorded {} on release {TAG}", success())),
        "{}",
        out.stderr
    );
}

#[test]
fn killed_after_the_upload_landed_but_before_its_answer() {
    let w = setup();
    kill_at(
        &w,
        Fault::new(FaultKind::StallAfterServing, 1).on(Origin::Uploads),
        is_upload,
    );
    assert_two_results_make_sense(&w);
    let out = assert_next_out_converges(&w);
    // The rerun finds its result there already and only tidies up.
    assert!(
        out.stderr.contains("already carries")
            && out
                .stderr
                .contains(&format!("removed the older result {}", failed())),
        "{}",
        out.stderr
    );
}

#[test]
fn killed_while_re_fetching_the_release_after_the_upload() {
    let w = setup();
    // The first GET of the tag is the step's own look-up, the second the look
    // right before publishing; the third is the re-fetch after the upload.
    let fault = Fault::new(FaultKind::Stall, 1)
        .on(Origin::Api)
        .method("GET")
        .path(&format!("/releases/tags/{TAG}"))
        .skip(2);
    kill_at(&w, fault, is_refetch);
    assert_eq!(
        w.gh.requests().iter().filter(|r| is_upload(r)).count(),
        1,
        "the kill came after the upload"
    );
    assert_two_results_make_sense(&w);
    assert_next_out_converges(&w);
}

#[test]
fn killed_while_deleting_the_older_result() {
    let w = setup();
    kill_at(
        &w,
        Fault::new(FaultKind::Stall, 1).method("DELETE"),
        is_delete,
    );
    assert_two_results_make_sense(&w);
    assert_next_out_converges(&w);
}

#[test]
fn killed_after_the_older_result_was_deleted_but_before_the_answer() {
    let w = setup();
    kill_at(
        &w,
        Fault::new(FaultKind::StallAfterServing, 1).method("DELETE"),
        is_delete,
    );
    assert_eq!(names(&w.complete_results(TAG)), [success()]);
    w.gh.clear_requests();
    assert_next_out_converges(&w);
    // Nothing was left to do: an identical re-run writes nothing.
    let writes: Vec<_> =
        w.gh.requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[test]
fn killed_while_observing_the_fleet() {
    let w = setup();
    let proxy = FaultProxy::start(&w.moto().endpoint());
    proxy.inject(AwsFault::new(AwsFaultKind::Stall, 1).matching("DescribeInstances"));
    let running = w.spawn_put_files(w.source_via(&proxy.endpoint()), AMI_NEW, TAG, json!({}));
    let started = std::time::Instant::now();
    while !proxy.requests().iter().any(|o| o == "DescribeInstances") {
        assert!(started.elapsed() < WAIT, "out never described instances");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = w.checked(running.kill());
    assert_eq!(out.code, -1, "{out:?}");
    assert_eq!(names(&w.complete_results(TAG)), [failed()]);
    assert_next_out_converges(&w);
}

/// A kill between upload and delete left FAILED (older) and SUCCESS (newer).
/// The next run sees the fleet fail again: its FAILED must become the current
/// result, not be taken for "already recorded" because an older copy of the
/// same name is still there.
#[test]
fn after_a_crash_a_rerun_with_the_older_verdict_makes_it_current() {
    let w = setup();
    kill_at(
        &w,
        Fault::new(FaultKind::Stall, 1).method("DELETE"),
        is_delete,
    );
    assert_two_results_make_sense(&w);
    let stale = w
        .moto()
        .run_instances(REGION, AMI_OLD, 1, Some("ci-concourse-web"), &[]);
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({"fail_on_failure": false}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"], version(TAG, AMI_NEW, "FAILED"));
    let results = w.complete_results(TAG);
    assert_eq!(names(&results), [failed()], "{}", out.stderr);
    assert!(
        results[0].1["reasons"].to_string().contains(&stale[0]),
        "the FAILED on the release is not this run's: {}",
        results[0].1
    );
    assert_eq!(
        check_versions(&w, Some(version(TAG, AMI_NEW, "SUCCESS"))),
        vec![version(TAG, AMI_NEW, "FAILED")]
    );
    assert!(
        out.stderr
            .contains(&format!("removed the older result {}", success())),
        "{}",
        out.stderr
    );
}

/// The path that re-records a stale copy (a newer result of the other verdict
/// is there) deletes the copy, then uploads: killed at each of those points,
/// the newer result still covers the release, and the next run converges.
#[test]
fn killed_while_re_recording_a_stale_copy_of_the_result() {
    // (point, fault, the request it stalls, results left after the kill)
    let points: [(&str, Fault, Matcher, usize); 3] = [
        (
            "the stale copy's delete unanswered",
            Fault::new(FaultKind::Stall, 1).method("DELETE"),
            is_delete,
            2,
        ),
        (
            "the stale copy deleted, the answer lost",
            Fault::new(FaultKind::StallAfterServing, 1).method("DELETE"),
            is_delete,
            1,
        ),
        (
            "the upload unanswered",
            Fault::new(FaultKind::Stall, 1).on(Origin::Uploads),
            is_upload,
            1,
        ),
    ];
    for (point, fault, at, left) in points {
        let w = World::full();
        w.release(TAG);
        w.result(TAG, AMI_NEW, "FAILED");
        w.result(TAG, AMI_NEW, "SUCCESS");
        w.fleet(AMI_NEW, 1);
        w.moto()
            .run_instances(REGION, AMI_OLD, 1, Some("ci-concourse-web"), &[]);
        kill_at(&w, fault, at);
        let results = names(&w.complete_results(TAG));
        assert_eq!(results.len(), left, "{point}: {results:?}");
        assert_eq!(results.last(), Some(&success()), "{point}");
        assert_eq!(
            check_versions(&w, None),
            vec![version(TAG, AMI_NEW, "SUCCESS")],
            "{point}"
        );
        let out = w.put_files(w.source(), AMI_NEW, TAG, json!({"fail_on_failure": false}));
        assert_eq!(
            out.json()["version"],
            version(TAG, AMI_NEW, "FAILED"),
            "{point}"
        );
        assert_eq!(
            names(&w.complete_results(TAG)),
            [failed()],
            "{point}: {out:?}"
        );
        assert_eq!(
            check_versions(&w, None),
            vec![version(TAG, AMI_NEW, "FAILED")],
            "{point}"
        );
    }
}
