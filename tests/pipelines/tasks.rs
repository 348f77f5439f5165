//! concourse-admin's update-ami-ids tasks, run as shipped: their own args and
//! params (vars given sample values), in a working directory holding the
//! task's input as the `ami` resource writes it (`id`), against moto and the
//! fake GitHub. Only the emulators' endpoints are added to the args.

use crate::common::{AMI_NEW, AMI_OLD, GH_TOKEN, OTHER_SECRET, Output, REGION, Run, World};
use crate::support::CONCOURSE_ADMIN;
use crate::vars::{job_task, run_args, sample};
use serde_json::{Map, Value, json};
use testkit::moto::{Moto, SecretValue};

const SECRET_ID: &str = "/concourse/dataworks/ami-ids";

fn update_task(p: &Value, job: &str) -> Map<String, Value> {
    job_task(p, job, "update-ami-ids")
}

/// Runs the task's command in a directory with its inputs holding `ami`.
fn run(task: &Map<String, Value>, ami: &str, moto: &Moto, gh: &World) -> Output {
    let config = &task["config"];
    let build = tempfile::tempdir().unwrap();
    for input in config["inputs"].as_array().unwrap() {
        let dir = build.path().join(input["name"].as_str().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("id"), format!("{ami}\n")).unwrap();
    }
    assert_eq!(config["run"]["path"], "ami-test-resource");
    let args = run_args(config);
    let (endpoint, api) = (moto.endpoint(), gh.gh.api_url());
    let mut cli = Run::cli(&args)
        .args(["--endpoint", &endpoint, "--github-api-url", &api])
        .current_dir(build.path());
    for (k, v) in config
        .get("params")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        // The credential manager's token is the fake GitHub's.
        let v = if *v == json!(sample("dataworks-secrets.concourse_github_pat")) {
            GH_TOKEN
        } else {
            v.as_str().unwrap()
        };
        cli = cli.env(k, v);
    }
    cli.run()
}

fn secret(moto: &Moto) -> Value {
    let SecretValue::Binary(bytes) = moto.get_secret(REGION, SECRET_ID) else {
        panic!("the secret lost its binary form")
    };
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn the_update_tasks_set_their_key_and_only_management_dev_dispatches() {
    let moto = Moto::start();
    let before = json!({"concourse_ami": AMI_OLD, "concourse_ami_mgmt_dev": AMI_OLD, "db_password": OTHER_SECRET});
    moto.create_secret(
        REGION,
        SECRET_ID,
        &SecretValue::Binary(before.to_string().into_bytes()),
    );
    let w = World::github();
    let p = CONCOURSE_ADMIN.merged();

    let out = run(
        &update_task(&p, "ami-id-update-mgmt-dev"),
        AMI_NEW,
        &moto,
        &w,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(secret(&moto)["concourse_ami_mgmt_dev"], AMI_NEW);
    assert_eq!(secret(&moto)["concourse_ami"], AMI_OLD);
    let d = w.gh.dispatches();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (
            d[0].owner.as_str(),
            d[0].repo.as_str(),
            d[0].workflow.as_str(),
            d[0].git_ref.as_str()
        ),
        ("dwp", "aws-concourse", "11113564", "master")
    );

    let out = run(&update_task(&p, "ami-id-update-mgmt"), AMI_NEW, &moto, &w);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        secret(&moto),
        json!({"concourse_ami": AMI_NEW, "concourse_ami_mgmt_dev": AMI_NEW, "db_password": OTHER_SECRET})
    );
    assert_eq!(
        w.gh.dispatches().len(),
        1,
        "management's update dispatched a deploy"
    );
}
