//! `out` against moto and the fake GitHub: observe, decide fail-closed, record.

mod common;

use common::*;
use serde_json::{Value, json};
use testkit::github::{Fault, FaultKind, Origin};
use testkit::moto::SecretValue;

const TAG: &str = "1.4.2";

fn record_of(w: &World, tag: &str) -> Value {
    let assets = w.gh.assets(OWNER, REPO, tag);
    assert_eq!(
        assets.len(),
        1,
        "expected exactly one result: {:?}",
        assets.iter().map(|a| &a.0).collect::<Vec<_>>()
    );
    serde_json::from_slice(&assets[0].1).unwrap()
}

#[test]
fn all_running_on_the_ami_is_success_and_stopped_or_foreign_instances_are_ignored() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 3);
    let stopped = w
        .moto()
        .run_instances(REGION, AMI_OLD, 1, Some("ci-concourse-old"), &[]);
    w.moto().stop_instances(REGION, &stopped);
    w.moto()
        .run_instances(REGION, AMI_OLD, 2, Some("other-app"), &[]);
    w.moto().run_instances(REGION, AMI_OLD, 1, None, &[]);
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
    assert_eq!(
        w.results(TAG),
        vec![format!("concourse.{AMI_NEW}.SUCCESS.json")]
    );
    let rec = record_of(&w, TAG);
    assert_eq!(rec["counts"]["running"], 3);
    assert_eq!(rec["counts"]["ignored"], 1);
    assert_eq!(rec["instances"].as_array().unwrap().len(), 4);
    assert_eq!(
        rec["ami_source"],
        json!({"param": "ami_id_file", "file": "untested-ami/id"})
    );
    assert_eq!(
        rec["build"]["url"],
        "https://ci.wip.example/teams/dataworks/pipelines/concourse/jobs/ami-test/builds/12"
    );
    assert!(
        rec["instances"][0]["launch_time"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    // The upload went to the uploads origin, authenticated.
    let uploads: Vec<_> =
        w.gh.requests()
            .into_iter()
            .filter(|r| r.origin == Origin::Uploads)
            .collect();
    assert_eq!(uploads.len(), 1);
    assert!(
        uploads[0].authenticated && uploads[0].status == 201,
        "{uploads:?}"
    );
}

#[test]
fn one_stale_worker_fails_and_is_named() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 2);
    let stale = w
        .moto()
        .run_instances(REGION, AMI_OLD, 1, Some("ci-concourse-worker"), &[]);
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
    assert!(
        out.stderr.contains(&stale[0]) && out.stderr.contains(AMI_OLD),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .lines()
            .last()
            .unwrap()
            .contains("AMI test FAILED"),
        "{}",
        out.stderr
    );
    let rec = record_of(&w, TAG);
    assert_eq!(rec["result"], "FAILED");
    let reasons = rec["reasons"].to_string();
    assert!(
        reasons.contains(&stale[0]) && reasons.contains(AMI_OLD),
        "{reasons}"
    );
    assert_eq!(
        w.results(TAG),
        vec![format!("concourse.{AMI_NEW}.FAILED.json")]
    );
}

#[test]
fn zero_instances_is_failed_never_a_pass() {
    let w = World::full();
    w.release(TAG);
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({"fail_on_failure": false}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"]["result"], "FAILED");
    assert!(
        record_of(&w, TAG)["reasons"][0]
            .as_str()
            .unwrap()
            .contains("0 running instances matched")
    );
}

#[test]
fn the_wrong_region_sees_nothing_and_fails() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 2);
    let mut source = w.source();
    source["aws_region"] = json!("eu-west-1");
    let out = w.put_files(source, AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(record_of(&w, TAG)["result"], "FAILED");
}

#[test]
fn fewer_than_min_instances_fails() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 2);
    let mut source = w.source();
    source["min_instances"] = json!("3");
    let out = w.put_files(source, AMI_NEW, TAG, json!({"fail_on_failure": "false"}));
    assert_eq!(out.json()["version"]["result"], "FAILED");
    assert!(
        out.stderr
            .contains("2 running instances matched, at least 3 required"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unreachable_aws_endpoint_is_an_error_and_nothing_is_recorded() {
    let w = World::full();
    w.release(TAG);
    let mut source = w.source();
    source["aws_endpoint"] = json!("http://127.0.0.1:9/");
    let out = w.put_files(source, AMI_NEW, TAG, json!({"wait_timeout": "5m"}));
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    let line = one_error_line(&out);
    assert!(
        line.contains("describing instances in eu-west-2") && line.contains("Connection refused"),
        "{line}"
    );
    assert!(out.elapsed.as_secs() < 60, "took {:?}", out.elapsed);
    assert!(w.results(TAG).is_empty());
}

#[test]
fn a_missing_release_fails_before_looking_at_the_fleet() {
    let w = World::full();
    let out = w.put_files(w.source(), AMI_NEW, "9.9.9", json!({}));
    assert!(
        one_error_line(&out).contains("release 9.9.9 not found on dwp/aws-concourse"),
        "{out:?}"
    );
}

fn secret_source(w: &World, key: &str) -> Value {
    let mut s = w.source();
    s["ami_ids_secret_id"] = json!("/concourse/dataworks/ami-ids");
    s["ami_ids_secret_key"] = json!(key);
    s
}

fn ami_ids(mgmt_dev: &str) -> String {
    json!({"concourse_ami": AMI_OLD, "concourse_ami_mgmt_dev": mgmt_dev, "db_password": OTHER_SECRET}).to_string()
}

#[test]
fn the_secret_cross_check_reads_binary_and_string_secrets() {
    for binary in [true, false] {
        let w = World::full();
        w.release(TAG);
        w.fleet(AMI_NEW, 2);
        let payload = ami_ids(AMI_NEW);
        let value = if binary {
            SecretValue::Binary(payload.into_bytes())
        } else {
            SecretValue::String(payload)
        };
        w.moto()
            .create_secret(REGION, "/concourse/dataworks/ami-ids", &value);
        let out = w.put_files(
            secret_source(&w, "concourse_ami_mgmt_dev"),
            AMI_NEW,
            TAG,
            json!({}),
        );
        assert_eq!(out.code, 0, "binary={binary}: {out:?}");
        let rec = record_of(&w, TAG);
        assert_eq!(rec["secret_check"]["finding"], "agrees", "{rec}");
        // The key for management names the old AMI: that disagrees.
        let out = w.put_files(
            secret_source(&w, "concourse_ami"),
            AMI_NEW,
            TAG,
            json!({"fail_on_failure": false}),
        );
        assert_eq!(out.json()["version"]["result"], "FAILED");
        let rec = record_of(&w, TAG);
        assert!(
            rec["reasons"]
                .to_string()
                .contains(&format!("key concourse_ami names {AMI_OLD}")),
            "{rec}"
        );
        let out = w.put_files(
            secret_source(&w, "no_such_key"),
            AMI_NEW,
            TAG,
            json!({"fail_on_failure": false}),
        );
        assert_eq!(out.json()["version"]["result"], "FAILED");
        // Same version as the run before, so the release keeps that record (a
        // no-op); this run's reasons are in its report.
        assert!(
            out.stderr.contains("key no_such_key is missing"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("already carries"), "{}", out.stderr);
    }
}

#[test]
fn a_missing_secret_is_an_error_not_a_verdict() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 1);
    let out = w.put_files(
        secret_source(&w, "concourse_ami_mgmt_dev"),
        AMI_NEW,
        TAG,
        json!({}),
    );
    assert_eq!(out.code, 1);
    assert!(
        one_error_line(&out).contains(
            "reading secret /concourse/dataworks/ami-ids in eu-west-2: ResourceNotFoundException"
        ),
        "{out:?}"
    );
    assert!(w.results(TAG).is_empty());
}

#[test]
fn rerun_failed_then_success_leaves_one_asset_and_identical_rerun_is_a_no_op() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 2);
    let stale = w
        .moto()
        .run_instances(REGION, AMI_OLD, 1, Some("ci-concourse-web"), &[]);
    assert_eq!(w.put_files(w.source(), AMI_NEW, TAG, json!({})).code, 1);
    assert_eq!(
        w.results(TAG),
        vec![format!("concourse.{AMI_NEW}.FAILED.json")]
    );
    w.moto().terminate_instances(REGION, &stale);
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains(&format!(
        "removed the older result concourse.{AMI_NEW}.FAILED.json"
    )));
    assert_eq!(
        w.results(TAG),
        vec![format!("concourse.{AMI_NEW}.SUCCESS.json")]
    );
    let before = record_of(&w, TAG);
    w.gh.clear_requests();
    let again = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!(again.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
    let writes: Vec<_> =
        w.gh.requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect();
    assert!(writes.is_empty(), "an identical re-run wrote: {writes:?}");
    assert_eq!(record_of(&w, TAG), before);
}

#[test]
fn an_upload_that_fails_once_is_retried_and_a_landed_upload_is_recognised() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 1);
    w.gh.inject(Fault::new(FaultKind::Status(502), 1).on(Origin::Uploads));
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("GitHub answered 502"), "{}", out.stderr);
    assert_eq!(w.results(TAG).len(), 1);
    // Another release: the upload lands but the answer is lost; the retry gets 422.
    w.release("1.4.3");
    w.gh.inject(Fault::new(FaultKind::Drop, 1).on(Origin::Uploads));
    let out = w.put_files(w.source(), AMI_NEW, "1.4.3", json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        w.results("1.4.3"),
        vec![format!("concourse.{AMI_NEW}.SUCCESS.json")]
    );
}

#[test]
fn hundreds_of_instances_across_pages() {
    let w = World::full();
    w.release(TAG);
    // moto pages by reservation: 260 one-instance reservations span several pages.
    for _ in 0..260 {
        w.fleet(AMI_NEW, 1);
    }
    let straggler = w
        .moto()
        .run_instances(REGION, AMI_OLD, 1, Some("ci-concourse-worker"), &[]);
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({"fail_on_failure": false}));
    assert_eq!(out.json()["version"]["result"], "FAILED", "{out:?}");
    let rec = record_of(&w, TAG);
    assert_eq!(rec["counts"]["running"], 261);
    assert!(rec["reasons"].to_string().contains(&straggler[0]));
}

#[test]
fn fail_on_failure_false_records_and_succeeds_the_step() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_OLD, 1);
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({"fail_on_failure": false}));
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["version"], version(TAG, AMI_NEW, "FAILED"));
    let meta = doc["metadata"].to_string();
    assert!(meta.contains("reasons") && meta.contains(AMI_OLD), "{meta}");
    // The implicit get of the emitted version works.
    let (got, dest) = w.get(version(TAG, AMI_NEW, "FAILED"), json!({}));
    assert_eq!(got.code, 0, "{got:?}");
    assert_eq!(
        std::fs::read_to_string(dest.join("results/concourse.test")).unwrap(),
        format!("{AMI_NEW} FAILED\n")
    );
}

#[test]
fn inline_params_and_waiting_until_the_deadline() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_OLD, 1);
    let sources = w.sources(AMI_NEW, TAG);
    let params = json!({"ami_id": AMI_NEW, "release": TAG, "wait_timeout": "3s", "wait_interval": "1s", "fail_on_failure": false});
    let out = w.put(w.source(), params, &sources);
    assert_eq!(out.json()["version"]["result"], "FAILED");
    let rounds = out
        .stderr
        .lines()
        .filter(|l| l.contains("next look in"))
        .count();
    assert!(
        rounds >= 2,
        "expected waiting rounds in stderr: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!(
            "0/1 running on {AMI_NEW}; 1 on other AMIs ({AMI_OLD} ×1)"
        )),
        "{}",
        out.stderr
    );
}
