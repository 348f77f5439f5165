//! The flow's wiring in the merged pipelines: each job takes its inputs from
//! the right gets, with the right account's role, and the pipelines agree on
//! the image.

use crate::concourse::OUR_IMAGE;
use crate::support::{AMI_BUILDER, CONCOURSE, CONCOURSE_ADMIN, PIPELINES, entry};
use crate::walk::{job_steps, triggers};
use serde_json::Value;

fn job<'a>(p: &'a Value, name: &str) -> &'a serde_json::Map<String, Value> {
    entry(p, "jobs", name).as_object().unwrap()
}

/// The steps of a job that name `key` (get, put or task), in order.
fn step_names(job: &serde_json::Map<String, Value>) -> Vec<String> {
    job["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            ["get", "put", "task"]
                .iter()
                .find_map(|k| s.get(*k).map(|n| format!("{k} {}", n.as_str().unwrap())))
                .unwrap_or_else(|| panic!("unexpected step {s}"))
        })
        .collect()
}

/// management-dev: the put takes its AMI and release from the job's gets, as
/// management-dev's ci role, and only a new release triggers the test.
#[test]
fn management_dev_tests_with_its_own_role_on_the_new_release() {
    let p = CONCOURSE.merged();
    let job = job(&p, "ami-test");
    assert_eq!(
        step_names(job),
        [
            "get meta",
            "get ami-test-release",
            "get untested-al2-concourse-ami",
            "put concourse"
        ]
    );
    assert_eq!(triggers(job), ["ami-test-release"]);
    let put = &job["plan"][3]["params"];
    assert_eq!(put["ami_id_file"], "untested-al2-concourse-ami/id");
    assert_eq!(put["release_file"], "ami-test-release/tag");
    let source = &entry(&p, "resources", "concourse")["source"];
    assert_eq!(
        source["aws_role_arn"],
        "arn:aws:iam::((aws_account.management-dev)):role/ci"
    );
    assert_eq!(source["test_name"], "concourse");
}

/// concourse-admin: the per-account roles, admin-activate-creds before the
/// dispatch, one serial group, management pinned (no trigger, no dispatch).
#[test]
fn concourse_admin_keeps_roles_creds_and_the_pin() {
    let p = CONCOURSE_ADMIN.merged();
    let dev = job(&p, "ami-id-update-mgmt-dev");
    let mgmt = job(&p, "ami-id-update-mgmt");
    assert_eq!(
        step_names(dev),
        [
            "get untested-al2-concourse-ami",
            "task admin-activate-creds",
            "task update-ami-ids"
        ]
    );
    assert_eq!(
        step_names(mgmt),
        ["get dw-al2-concourse-ami", "task update-ami-ids"]
    );
    // admin-activate-creds is the original step, unchanged.
    let original = CONCOURSE_ADMIN.original();
    assert_eq!(
        dev["plan"][1],
        job(&original, "ami-id-update-mgmt-dev")["plan"][1]
    );
    assert_eq!(triggers(dev), ["untested-al2-concourse-ami"]);
    assert!(triggers(mgmt).is_empty());
    for j in [dev, mgmt] {
        assert_eq!(j["serial_groups"], serde_json::json!(["ami-ids"]));
    }
    let args = |j: &serde_json::Map<String, Value>| -> Vec<String> {
        let task = job_steps(j)
            .into_iter()
            .find(|s| s.get("task") == Some(&"update-ami-ids".into()))
            .unwrap();
        task["config"]["run"]["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect()
    };
    let flag = |args: &[String], f: &str| {
        args.iter()
            .position(|a| a == f)
            .map(|i| args[i + 1].clone())
    };
    let (dev, mgmt) = (args(dev), args(mgmt));
    assert_eq!(
        flag(&dev, "--role-arn").unwrap(),
        "arn:aws:iam::((aws_account.management-dev)):role/ci"
    );
    assert_eq!(
        flag(&mgmt, "--role-arn").unwrap(),
        "arn:aws:iam::((aws_account.management)):role/ci"
    );
    assert_eq!(flag(&dev, "--key").unwrap(), "concourse_ami_mgmt_dev");
    assert_eq!(flag(&mgmt, "--key").unwrap(), "concourse_ami");
    assert_eq!(
        flag(&dev, "--ami-file").unwrap(),
        "untested-al2-concourse-ami/id"
    );
    assert_eq!(
        flag(&mgmt, "--ami-file").unwrap(),
        "dw-al2-concourse-ami/id"
    );
    assert_eq!(flag(&dev, "--dispatch").unwrap(), "dwp/aws-concourse");
    assert_eq!(flag(&mgmt, "--dispatch"), None);
}

/// ami-builder: `concourse` is now ours, under the same name and test name,
/// so its get writes concourse/results/concourse.test for the unchanged task.
#[test]
fn ami_builder_reads_the_result_under_the_same_name() {
    let p = AMI_BUILDER.merged();
    let r = entry(&p, "resources", "concourse");
    assert_eq!(r["type"], "ami-test");
    assert_eq!(r["source"]["test_name"], "concourse");
    assert_eq!(
        entry(&p, "resource_types", "ami-test")["source"]["repository"],
        OUR_IMAGE
    );
    let validate = job(&p, "validate-concourse-ami");
    assert_eq!(triggers(validate), ["concourse"]);
}

/// Every `source` with our image: the resource types and the task images.
fn our_images(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if m.get("repository") == Some(&OUR_IMAGE.into()) {
                out.push(
                    m.get("tag")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                );
            }
            m.values().for_each(|x| our_images(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| our_images(x, out)),
        _ => {}
    }
}

/// The three pipelines run this version of the image, wherever they name it
/// (two resource types, two tasks).
#[test]
fn every_pipeline_runs_this_version() {
    let mut tags = Vec::new();
    for p in PIPELINES {
        our_images(&p.merged(), &mut tags);
    }
    assert_eq!(tags, vec![env!("CARGO_PKG_VERSION"); 4]);
}
