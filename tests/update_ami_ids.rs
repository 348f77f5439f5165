//! `update-ami-ids` against moto and the fake GitHub: one key of the ami-ids
//! secret set without losing the others (or a concurrent writer's), then the
//! deploy workflow dispatched at most once.

mod common;

use common::*;
use serde_json::{Value, json};
use testkit::github::{Fault, FaultKind};
use testkit::moto::{Moto, SecretValue};

const SECRET_ID: &str = "/concourse/dataworks/ami-ids";

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
    Run::cli(&args).envs(env).run()
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
    let no_token = Run::cli(&[
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
    ])
    .run();
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

/// Pairs of concurrent runs: enough that a duplicated ClientRequestToken
/// (the SDK's clock-seeded tokens collided in 10 of 1,500) shows up too.
const PAIRS: usize = 40;

/// Two runs at once setting different keys (the management-dev and management
/// jobs, or a person beside a pipeline): neither update may be lost. Before
/// the write was verified, 8 of 15 such races lost one, both saying "set".
#[test]
fn concurrent_updates_of_different_keys_both_survive() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let mut lost = Vec::new();
    let mut repaired = 0;
    for round in 0..PAIRS {
        let id = format!("/race/{round}");
        moto.create_secret(REGION, &id, &SecretValue::Binary(ami_ids().into_bytes()));
        let set = |key: &'static str, ami: &'static str| {
            let (id, endpoint) = (id.clone(), endpoint.clone());
            move || {
                let args = [
                    "update-ami-ids",
                    "--secret-id",
                    &id,
                    "--key",
                    key,
                    "--ami",
                    ami,
                    "--region",
                    REGION,
                    "--endpoint",
                    &endpoint,
                ];
                Run::cli(&args).run()
            }
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(set("concourse_ami_mgmt_dev", AMI_NEW));
            let b = s.spawn(set("concourse_ami", AMI_OTHER));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!((a.code, b.code), (0, 0), "{a:?}\n{b:?}");
        repaired += [&a, &b]
            .iter()
            .filter(|o| o.stderr.contains("again on top of it"))
            .count();
        let SecretValue::Binary(bytes) = moto.get_secret(REGION, &id) else {
            panic!("the secret lost its binary form")
        };
        let now: Value = serde_json::from_slice(&bytes).unwrap();
        let want = json!({"concourse_ami": AMI_OTHER, "concourse_ami_mgmt_dev": AMI_NEW, "db_password": OTHER_SECRET});
        if now != want {
            lost.push((round, now, a.stdout, b.stdout));
        }
    }
    eprintln!(
        "{PAIRS} concurrent pairs: {repaired} writes repaired a race, {} updates lost",
        lost.len()
    );
    assert!(
        lost.is_empty(),
        "updates lost ({repaired} repairs seen): {lost:#?}"
    );
}

fn dispatch_args(api: &str) -> Vec<&str> {
    vec![
        "--ami",
        AMI_NEW,
        "--dispatch",
        "dwp/aws-concourse",
        "--workflow",
        "ami-test-apply.yml",
        "--ref",
        "master",
        "--github-api-url",
        api,
    ]
}

fn world_with_secret() -> World {
    let w = World::full();
    w.moto().create_secret(
        REGION,
        SECRET_ID,
        &SecretValue::Binary(ami_ids().into_bytes()),
    );
    w
}

/// `update-ami-ids … --dispatch` against the world's moto and fake GitHub.
fn update_and_dispatch(w: &World) -> Output {
    let api = w.gh.api_url();
    update(
        w.moto(),
        &dispatch_args(&api),
        &[("GITHUB_TOKEN", GH_TOKEN)],
    )
}

#[test]
fn a_dispatch_whose_answer_is_lost_runs_the_workflow_once() {
    let w = world_with_secret();
    // GitHub starts the run, then its front end answers 502.
    w.gh.inject(Fault::new(FaultKind::StatusAfterServing(502), 1).method("POST"));
    let out = update_and_dispatch(&w);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        w.gh.dispatches().len(),
        1,
        "the workflow was dispatched twice"
    );
    assert_eq!(w.gh.workflow_run_count(), 1);
    assert!(out.stdout.contains("GitHub answered 502"), "{}", out.stdout);
    assert!(
        out.stdout.contains("not dispatching again"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_dispatch_refused_before_it_ran_is_sent_again_once_no_run_appears() {
    let w = world_with_secret();
    // A 502 that GitHub did not act on: no run appears, so it is sent again.
    w.gh.inject(Fault::new(FaultKind::Status(502), 1).method("POST"));
    let out = update_and_dispatch(&w);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(w.gh.workflow_run_count(), 1);
    assert!(
        out.stderr.contains("no run started, dispatching again"),
        "{}",
        out.stderr
    );
    assert!(
        out.elapsed.as_secs() >= 15,
        "it looked for a run first: {:?}",
        out.elapsed
    );
}
