//! The command-line face: `compare` and `update-ami-ids` against moto and the
//! fake GitHub, with credentials from the standard AWS chain (environment).

mod common;

use common::*;
use serde_json::{Value, json};
use testkit::moto::{Moto, SecretValue};
use testkit::run::{Output, assert_no_canaries, cli};

const SECRET_ID: &str = "/concourse/dataworks/ami-ids";

fn run(args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut env = CLI_AWS_ENV.to_vec();
    env.extend_from_slice(extra_env);
    let out = cli(&binary(), args, &env);
    assert_no_canaries(CANARIES, &[&out.stdout, &out.stderr]);
    out
}

fn compare(moto: &Moto, ami: &str, extra: &[&str]) -> Output {
    let endpoint = moto.endpoint();
    let mut args = vec![
        "compare",
        "--ami",
        ami,
        "--region",
        REGION,
        "--endpoint",
        &endpoint,
    ];
    args.extend_from_slice(extra);
    run(&args, &[])
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
    let dead = run(
        &[
            "compare",
            "--ami",
            AMI_NEW,
            "--region",
            REGION,
            "--endpoint",
            "http://127.0.0.1:9",
        ],
        &[],
    );
    assert_eq!((dead.code, dead.stdout.as_str()), (2, ""));
    assert!(
        dead.stderr.contains("Connection refused"),
        "{}",
        dead.stderr
    );
    let bad = run(&["compare", "--ami", "ami-nope", "--region", REGION], &[]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("expected an AMI ID"), "{}", bad.stderr);
}

fn ami_ids() -> String {
    json!({"concourse_ami": AMI_OLD, "concourse_ami_mgmt_dev": AMI_OLD, "db_password": OTHER_SECRET}).to_string()
}

fn update(moto: &Moto, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let endpoint = moto.endpoint();
    let mut args = vec![
        "update-ami-ids",
        "--secret-id",
        SECRET_ID,
        "--key",
        "concourse_ami_mgmt_dev",
        "--region",
        REGION,
        "--endpoint",
        &endpoint,
    ];
    args.extend_from_slice(extra);
    run(&args, env)
}

#[test]
fn update_ami_ids_keeps_other_keys_and_the_binary_form_and_writes_only_on_change() {
    let moto = Moto::start();
    moto.create_secret(
        REGION,
        SECRET_ID,
        &SecretValue::Binary(ami_ids().into_bytes()),
    );
    let out = update(&moto, &["--ami", AMI_NEW], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(&format!("concourse_ami_mgmt_dev set to {AMI_NEW} (was {AMI_OLD}); 2 other keys kept; stored as SecretBinary")), "{}", out.stdout);
    let SecretValue::Binary(bytes) = moto.get_secret(REGION, SECRET_ID) else {
        panic!("the secret lost its binary form")
    };
    let now: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        now,
        json!({"concourse_ami": AMI_OLD, "concourse_ami_mgmt_dev": AMI_NEW, "db_password": OTHER_SECRET})
    );
    let versions = moto.secret_version_count(REGION, SECRET_ID);
    let again = update(&moto, &["--ami", AMI_NEW], &[]);
    assert_eq!(again.code, 0);
    assert!(again.stdout.contains("already"), "{}", again.stdout);
    assert_eq!(
        moto.secret_version_count(REGION, SECRET_ID),
        versions,
        "an unchanged update wrote a version"
    );
}

#[test]
fn update_ami_ids_from_a_file_keeps_a_string_secret_a_string() {
    let moto = Moto::start();
    moto.create_secret(REGION, SECRET_ID, &SecretValue::String(ami_ids()));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("id");
    std::fs::write(&file, format!("{AMI_NEW}\n")).unwrap();
    let out = update(&moto, &["--ami-file", file.to_str().unwrap()], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let SecretValue::String(s) = moto.get_secret(REGION, SECRET_ID) else {
        panic!("the secret lost its string form")
    };
    assert!(s.contains(AMI_NEW) && s.contains(OTHER_SECRET));
}

#[test]
fn update_ami_ids_dispatches_the_workflow_with_the_token() {
    let moto = Moto::start();
    moto.create_secret(
        REGION,
        SECRET_ID,
        &SecretValue::Binary(ami_ids().into_bytes()),
    );
    let w = World::github();
    let api = w.gh.api_url();
    let dispatch = [
        "--ami",
        AMI_NEW,
        "--dispatch",
        "dwp/aws-concourse",
        "--workflow",
        "ami-test-apply.yml",
        "--ref",
        "master",
        "--input",
        "reason=new AMI",
        "--github-api-url",
        &api,
    ];
    let out = update(&moto, &dispatch, &[("GITHUB_TOKEN", GH_TOKEN)]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("dispatched workflow ami-test-apply.yml on dwp/aws-concourse at master"),
        "{}",
        out.stdout
    );
    let d = w.gh.dispatches();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].workflow.as_str(), d[0].git_ref.as_str()),
        ("ami-test-apply.yml", "master")
    );
    assert_eq!(d[0].inputs, json!({"reason": "new AMI"}));
    // Without a token the dispatch is refused before the secret changes.
    moto.create_secret(
        REGION,
        "/other",
        &SecretValue::Binary(ami_ids().into_bytes()),
    );
    let endpoint = moto.endpoint();
    let no_token = run(
        &[
            "update-ami-ids",
            "--secret-id",
            "/other",
            "--key",
            "concourse_ami",
            "--ami",
            AMI_NEW,
            "--region",
            REGION,
            "--endpoint",
            &endpoint,
            "--dispatch",
            "dwp/aws-concourse",
            "--workflow",
            "w.yml",
            "--ref",
            "master",
        ],
        &[],
    );
    assert_eq!(no_token.code, 1);
    assert!(
        no_token.stderr.contains("GITHUB_TOKEN"),
        "{}",
        no_token.stderr
    );
    let SecretValue::Binary(b) = moto.get_secret(REGION, "/other") else {
        panic!()
    };
    assert!(!String::from_utf8(b).unwrap().contains(AMI_NEW));
}

#[test]
fn update_ami_ids_refuses_a_secret_that_is_not_json_without_showing_it() {
    let moto = Moto::start();
    moto.create_secret(
        REGION,
        SECRET_ID,
        &SecretValue::String(format!("password={OTHER_SECRET}")),
    );
    let out = update(&moto, &["--ami", AMI_NEW], &[]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("is not a JSON object"),
        "{}",
        out.stderr
    );
}
