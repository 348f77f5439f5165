//! Each check catches what it is there for: broken merges, made by changing
//! one thing in a correctly merged pipeline, and the project's first fragments
//! (tests/fixtures/old-fragments/), which broke the real pipelines (issue 11).

use crate::concourse::problems;
use crate::merged::change_problems;
use crate::support::{
    AMI_BUILDER, CONCOURSE, CONCOURSE_ADMIN, Pipeline, load_yaml, merge_overlay, root,
};
use serde_json::{Value, json};

/// Everything the checks report on `merged` as `p`'s change.
fn reported(p: &Pipeline, merged: &Value) -> Vec<String> {
    let mut all = problems(merged);
    all.extend(change_problems(p, &p.original(), merged));
    all
}

fn find<'a>(p: &'a mut Value, section: &str, name: &str) -> &'a mut Value {
    p[section]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {section} {name}"))
}

type Break = fn(&mut Value);

/// (pipeline, what is broken, how, what the checks must say)
const BROKEN: &[(&Pipeline, &str, Break, &str)] = &[
    (
        &AMI_BUILDER,
        "a get of a resource that is not there",
        |p| {
            find(p, "resources", "concourse")["name"] = json!("concourse-result");
        },
        "job `validate-concourse-ami`, get `concourse`: no such resource",
    ),
    (
        &AMI_BUILDER,
        "a resource nobody uses",
        |p| {
            find(p, "resources", "concourse")["name"] = json!("concourse-result");
        },
        "resource `concourse-result` is not used",
    ),
    (
        &CONCOURSE_ADMIN,
        "the untested AMI left unused",
        |p| {
            let plan = find(p, "jobs", "ami-id-update-mgmt-dev")["plan"]
                .as_array_mut()
                .unwrap();
            plan.remove(0);
        },
        "resource `untested-al2-concourse-ami` is not used",
    ),
    (
        &AMI_BUILDER,
        "promotion from a job that no longer puts its input",
        |p| {
            let plan = find(p, "jobs", "validate-concourse-ami")["plan"]
                .as_array_mut()
                .unwrap();
            plan.retain(|s| s.get("put").is_none());
        },
        "passed job `validate-concourse-ami` does not use resource `concourse-ami-id`",
    ),
    (
        &AMI_BUILDER,
        "passed: a job that does not exist",
        |p| {
            find(p, "jobs", "dw-al2-concourse-ami")["plan"][0]["passed"] =
                json!(["validate-concourse"]);
        },
        "passed job `validate-concourse` does not exist",
    ),
    (
        &AMI_BUILDER,
        "our type not declared",
        |p| {
            p["resource_types"]
                .as_array_mut()
                .unwrap()
                .retain(|t| t["name"] != "ami-test");
        },
        "type `ami-test`, which is neither declared",
    ),
    (
        &AMI_BUILDER,
        "a source key our resource does not know",
        |p| {
            find(p, "resources", "concourse")["source"]["tset_name"] = json!("concourse");
        },
        "unknown key `tset_name` in source",
    ),
    (
        &CONCOURSE,
        "a put without its AMI",
        |p| {
            let put = &mut find(p, "jobs", "ami-test")["plan"][3]["params"];
            put.as_object_mut().unwrap().remove("ami_id_file");
        },
        "params.ami_id or params.ami_id_file is required",
    ),
    (
        &CONCOURSE_ADMIN,
        "a group naming a job that is gone",
        |p| {
            find(p, "jobs", "ami-id-update-mgmt")["name"] = json!("ami-id-update-management");
        },
        "group `ami-id-update`: job `ami-id-update-mgmt` does not exist",
    ),
    (
        &CONCOURSE_ADMIN,
        "an incomplete task",
        |p| {
            let task = &mut find(p, "jobs", "ami-id-update-mgmt")["plan"][1]["config"];
            task.as_object_mut().unwrap().remove("platform");
        },
        "task `update-ami-ids`: config.platform is missing",
    ),
    (
        &AMI_BUILDER,
        "validate-concourse-ami triggered by new AMIs",
        |p| {
            find(p, "jobs", "validate-concourse-ami")["plan"][0]["trigger"] = json!(true);
        },
        "not part of the change: jobs: changed \"validate-concourse-ami\"",
    ),
    (
        &AMI_BUILDER,
        "the `ami` type redefined",
        |p| {
            find(p, "resource_types", "ami")["source"]["repository"] = json!("jdub/ami-resource");
        },
        "not part of the change: resource_types: changed \"ami\"",
    ),
    (
        &CONCOURSE_ADMIN,
        "admin-activate-creds dropped",
        |p| {
            let plan = find(p, "jobs", "admin-activate-creds")["plan"]
                .as_array_mut()
                .unwrap();
            plan.pop();
        },
        "not part of the change: jobs: changed \"admin-activate-creds\"",
    ),
    (
        &CONCOURSE,
        "the named job left as it was",
        |p| {
            *find(p, "jobs", "ami-test") = CONCOURSE.original()["jobs"][0].clone();
        },
        "jobs ami-test: the change does not change it",
    ),
    (
        &CONCOURSE,
        "a var the installation does not have",
        |p| {
            find(p, "resources", "concourse")["source"]["access_token"] = json!("((github_token))");
        },
        "((github_token)) is not a var the original pipeline uses",
    ),
];

#[test]
fn each_check_catches_a_broken_merge() {
    // Merge each pipeline once, then break a copy per case.
    let merged: Vec<(&str, Value)> = [&CONCOURSE, &CONCOURSE_ADMIN, &AMI_BUILDER]
        .iter()
        .map(|p| (p.name, p.merged()))
        .collect();
    for (p, what, break_it, expected) in BROKEN {
        let mut broken = merged.iter().find(|(n, _)| *n == p.name).unwrap().1.clone();
        break_it(&mut broken);
        let said = reported(p, &broken);
        assert!(
            said.iter().any(|s| s.contains(expected)),
            "{} — {what}: expected a problem containing {expected:?}, got {said:#?}",
            p.name
        );
    }
}

/// The first fragments, merged into the real pipelines as their headers said
/// (same-named entries replaced, new ones appended): the breakage issue 11
/// lists is reported.
#[test]
fn the_first_fragments_are_refused() {
    let cases: [(&Pipeline, &[&str]); 2] = [
        (
            &AMI_BUILDER,
            &[
                "not part of the change: resource_types: changed \"ami\"",
                "not part of the change: resources: changed \"untested-dw-al2-concourse-ami\"",
                "not part of the change: jobs: changed \"validate-concourse-ami\"",
                "not part of the change: jobs: changed \"dw-al2-concourse-ami\"",
                "resource `concourse-ami-id` is not used",
                "((github_token)) is not a var the original pipeline uses",
            ],
        ),
        (
            &CONCOURSE_ADMIN,
            &[
                "not part of the change: resource_types: changed \"ami\"",
                "resource `untested-al2-concourse-ami` is not used",
                "((ami_ids_role_arn)) is not a var the original pipeline uses",
            ],
        ),
    ];
    for (p, expected) in cases {
        let fragment =
            load_yaml(&root().join(format!("tests/fixtures/old-fragments/{}.yml", p.name)));
        let said = reported(p, &merge_overlay(&p.original(), &fragment));
        for e in expected {
            assert!(
                said.iter().any(|s| s.contains(e)),
                "{}: expected {e:?} in {said:#?}",
                p.name
            );
        }
    }
}
