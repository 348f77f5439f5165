//! ami-builder's real `validate-ami` task, taken from the merged pipeline
//! (which is the vendored `meta.yml`'s, unchanged) and run as the worker would:
//! its own `run.args` under bash (the awscli image's `sh`; the script uses
//! `[[`), its params as the environment, in a directory laid out like the task's
//! working directory: the `file`-type untested AMI, the `concourse` input as
//! our `in` writes it, and the `tested_ami` output.

use crate::common::{self, AMI_NEW, AMI_OTHER, Output, Run, World};
use crate::support::AMI_BUILDER;
use crate::vars::{job_task, run_args};
use serde_json::{Map, Value, json};
use std::path::Path;

const UNTESTED: &str = "untested-dw-al2-concourse-ami";

/// The validate-ami step of validate-concourse-ami, vars given sample values.
fn validate_task() -> Map<String, Value> {
    job_task(
        &AMI_BUILDER.merged(),
        "validate-concourse-ami",
        "validate-ami",
    )
}

/// What swce/keyval-resource leaves: the build job puts `file: built-ami/id`
/// (the properties file "ami-…\n", i.e. key "ami-…" with an empty value), and
/// its `in` writes every key of that version as `key=value\n`, sorted.
fn keyval_input(dir: &Path, ami: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("keyval.properties"), format!("{ami}=\n")).unwrap();
}

/// Runs the task in `build` (inputs already there), as Concourse would.
fn run_task(task: &Map<String, Value>, build: &Path) -> Output {
    let config = &task["config"];
    for output in config["outputs"].as_array().into_iter().flatten() {
        std::fs::create_dir_all(build.join(output["name"].as_str().unwrap())).unwrap();
    }
    assert_eq!(
        config["run"]["path"], "sh",
        "the task runs sh (bash in its image)"
    );
    let args = run_args(config);
    let mut task = Run::program("bash")
        .args(&args)
        .current_dir(build)
        .env("PATH", "/usr/bin:/bin");
    for (k, v) in config["params"].as_object().unwrap() {
        task = task.env(k, v.as_str().unwrap());
    }
    task.run()
}

/// One case: the untested AMI, and what the `concourse` input holds.
enum Input {
    /// A version our `in` fetches from the fake GitHub.
    Got(&'static str, &'static str, &'static str),
    /// An input without a result file.
    Missing,
}

fn validate(w: &World, untested: &str, result: Input) -> (Output, tempfile::TempDir) {
    let task = validate_task();
    let inputs: Vec<&str> = task["config"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, [UNTESTED, "concourse"]);
    let build = tempfile::tempdir().unwrap();
    keyval_input(&build.path().join(UNTESTED), untested);
    match result {
        Input::Got(tag, ami, verdict) => {
            let (out, dest) = w.get(common::version(tag, ami, verdict), json!({}));
            assert_eq!(out.code, 0, "in: {}", out.stderr);
            crate::support::copy_dir(&dest, &build.path().join("concourse"));
        }
        Input::Missing => std::fs::create_dir(build.path().join("concourse")).unwrap(),
    }
    (run_task(&task, build.path()), build)
}

#[test]
fn the_real_validate_task_passes_only_on_a_success_for_the_untested_ami() {
    let w = World::github();
    w.release("1.4.2");
    w.result("1.4.2", AMI_NEW, "SUCCESS");
    w.release("1.4.3");
    w.result("1.4.3", AMI_NEW, "FAILED");

    // (case, untested AMI, the concourse input, passes, what the task says)
    let cases = [
        (
            "SUCCESS for the untested AMI",
            AMI_NEW,
            Input::Got("1.4.2", AMI_NEW, "SUCCESS"),
            true,
            "concourse has passed",
        ),
        (
            "FAILED for the untested AMI",
            AMI_NEW,
            Input::Got("1.4.3", AMI_NEW, "FAILED"),
            false,
            "concourse has failed",
        ),
        (
            "SUCCESS for another AMI",
            AMI_OTHER,
            Input::Got("1.4.2", AMI_NEW, "SUCCESS"),
            false,
            "concourse has failed",
        ),
        (
            "no result",
            AMI_NEW,
            Input::Missing,
            false,
            "concourse has not run",
        ),
    ];
    for (what, untested, input, passes, says) in cases {
        let (out, build) = validate(&w, untested, input);
        let log = format!("{what}: {out:?}");
        assert!(out.stdout.contains(says), "{log}");
        let tested = std::fs::read_to_string(build.path().join("tested_ami/id")).ok();
        if passes {
            assert_eq!(out.code, 0, "{log}");
            // The output the promotion job takes (put concourse-ami-id).
            assert_eq!(tested, Some(format!("{untested}\n")), "{log}");
        } else {
            assert_eq!(out.code, 1, "{log}");
            assert_eq!(tested, None, "{log}");
        }
    }
}
