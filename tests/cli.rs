//! The command-line face's `compare` against moto, with credentials from the
//! standard AWS chain (environment). `update-ami-ids` has its own file.

mod common;

use common::*;
use serde_json::{Value, json};
use testkit::moto::Moto;

fn compare(moto: &Moto, ami: &str, extra: &[&str]) -> Output {
    Run::compare(&moto.endpoint(), ami).args(extra).run()
}

#[test]
fn compare_prints_a_table_and_exits_by_verdict() {
    let moto = Moto::start();
    let ids = moto.run_instances(REGION, AMI_NEW, 2, Some("ci-concourse-worker"), &[]);
    let ok = compare(&moto, AMI_NEW, &[]);
    assert_eq!(ok.code, 0, "{ok:?}");
    assert!(
        ok.stdout.contains(&ids[0]) && ok.stdout.contains("✓"),
        "{}",
        ok.stdout
    );
    assert!(
        ok.stdout
            .contains(&format!("SUCCESS: all 2 running instances run {AMI_NEW}")),
        "{}",
        ok.stdout
    );
    assert!(
        !ok.stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    let stale = moto.run_instances(REGION, AMI_OLD, 1, Some("ci-concourse-web"), &[]);
    let failed = compare(&moto, AMI_NEW, &[]);
    assert_eq!(failed.code, 1, "{failed:?}");
    let line = failed
        .stdout
        .lines()
        .find(|l| l.contains(&stale[0]))
        .unwrap();
    assert!(line.contains(AMI_OLD) && line.contains("✗"), "{line}");
    // Narrowing the filter to the workers passes again.
    let narrowed = compare(&moto, AMI_NEW, &["--instance-name", "ci-concourse-worker"]);
    assert_eq!(narrowed.code, 0, "{narrowed:?}");
    let too_few = compare(
        &moto,
        AMI_NEW,
        &[
            "--instance-name",
            "ci-concourse-worker",
            "--min-instances",
            "3",
        ],
    );
    assert_eq!(too_few.code, 1);
}

#[test]
fn compare_json_is_the_comparison_of_the_record() {
    let moto = Moto::start();
    moto.run_instances(
        REGION,
        AMI_NEW,
        1,
        Some("ci-concourse-worker"),
        &[("Environment", "management-dev")],
    );
    moto.run_instances(
        REGION,
        AMI_OLD,
        1,
        Some("ci-concourse-worker"),
        &[("Environment", "management")],
    );
    let out = compare(
        &moto,
        AMI_NEW,
        &["--filter", "tag:Environment=management-dev", "--json"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["result"], "SUCCESS");
    assert_eq!(doc["ami_id"], AMI_NEW);
    assert_eq!(
        doc["instance_filters"],
        json!({"tag:Environment": ["management-dev"]})
    );
    assert_eq!(doc["instances"].as_array().unwrap().len(), 1);
}

#[test]
fn compare_errors_exit_2_and_an_empty_fleet_exits_1() {
    let moto = Moto::start();
    let empty = compare(&moto, AMI_NEW, &[]);
    assert_eq!(empty.code, 1, "{empty:?}");
    assert!(
        empty.stdout.contains("FAILED: 0 running instances matched"),
        "{}",
        empty.stdout
    );
    let dead = Run::compare("http://127.0.0.1:9", AMI_NEW).run();
    assert_eq!((dead.code, dead.stdout.as_str()), (2, ""));
    assert!(
        dead.stderr.contains("Connection refused"),
        "{}",
        dead.stderr
    );
    let bad = Run::cli(&["compare", "--ami", "ami-nope", "--region", REGION]).run();
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("expected an AMI ID"), "{}", bad.stderr);
}
