//! The pipelines in `pipelines/`: every file parses, every reference resolves,
//! every `source` and `params` of our resource type decodes with the crate's own
//! config types, every task is complete, every `((var))` is in vars.example.yml,
//! management's AMI pin has no trigger, the validate task accepts exactly what
//! `in` writes, and the CLI tasks use flags the binary accepts. Each check is
//! also run on a small broken pipeline to show that it can fail.

mod common;

use ami_test_resource::config::{
    IN_PARAM_KEYS, InParams, OUT_PARAM_KEYS, OutParams, SOURCE_KEYS, Source, strict,
};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Resource types every Concourse installation has built in.
const CORE_TYPES: &[&str] = &[
    "git",
    "github-release",
    "registry-image",
    "time",
    "s3",
    "semver",
];

/// Top-level keys of a pipeline configuration.
const PIPELINE_KEYS: &[&str] = &[
    "resource_types",
    "resources",
    "jobs",
    "groups",
    "var_sources",
    "display",
];

/// The image of this project: a resource type with this repository is ours.
const OUR_IMAGE: &str = "/ami-test-resource";

const HOOKS: &[&str] = &["on_success", "on_failure", "on_abort", "on_error", "ensure"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

/// Every `pipelines/*.yml` but the vars file, by pipeline name.
fn pipelines() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("pipelines")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !name.ends_with(".yml") || name.starts_with("vars") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let value = serde_yaml::from_str(&text)
            .unwrap_or_else(|e| panic!("pipelines/{name} is not valid YAML: {e}"));
        out.insert(name.trim_end_matches(".yml").to_owned(), value);
    }
    out
}

fn vars() -> Map<String, Value> {
    let text = std::fs::read_to_string(root().join("pipelines/vars.example.yml")).unwrap();
    match yaml(&text) {
        Value::Object(m) => m,
        other => panic!("vars.example.yml must be a mapping, got {other}"),
    }
}

// ---------------------------------------------------------------- the checker

/// Every `((name))` in a string.
fn vars_in(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("((") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("))") else { break };
        out.push(after[..end].trim().to_owned());
        rest = &after[end + 2..];
    }
    out
}

/// Every `((name))` anywhere in a value, keys included.
fn vars_used(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => out.extend(vars_in(s)),
        Value::Array(a) => a.iter().for_each(|x| vars_used(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                out.extend(vars_in(k));
                vars_used(x, out);
            }
        }
        _ => {}
    }
}

/// Concourse's interpolation: a string that is one `((var))` becomes the var's
/// value (typed); a `((var))` inside a longer string is replaced by its text.
fn substitute(v: &Value, vars: &Map<String, Value>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => {
            let used = vars_in(s);
            if used.len() == 1 && s.trim() == format!("(({}))", used[0]) {
                vars.get(&used[0])
                    .cloned()
                    .ok_or_else(|| format!("(({})) is not in vars.example.yml", used[0]))?
            } else {
                let mut out = s.clone();
                for name in used {
                    let value = match vars.get(&name) {
                        Some(Value::String(t)) => t.clone(),
                        Some(other @ (Value::Number(_) | Value::Bool(_))) => other.to_string(),
                        Some(_) => return Err(format!("(({name})) is not a scalar")),
                        None => return Err(format!("(({name})) is not in vars.example.yml")),
                    };
                    out = out.replace(&format!("(({name}))"), &value);
                }
                Value::String(out)
            }
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| substitute(x, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), substitute(x, vars)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn list<'a>(p: &'a Value, key: &str) -> Vec<&'a Map<String, Value>> {
    p.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

/// The image repository of a resource type.
fn image_of(rt: &Map<String, Value>) -> &str {
    rt.get("source")
        .and_then(|s| s.get("repository"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn name_of(m: &Map<String, Value>) -> &str {
    m.get("name").and_then(Value::as_str).unwrap_or("")
}

/// Every step of a plan, depth first, nested ones and hooks included.
fn steps<'a>(step: &'a Value, out: &mut Vec<&'a Map<String, Value>>) {
    match step {
        Value::Array(a) => a.iter().for_each(|s| steps(s, out)),
        Value::Object(m) => {
            out.push(m);
            for key in ["do", "aggregate", "try"] {
                if let Some(inner) = m.get(key) {
                    steps(inner, out);
                }
            }
            match m.get("in_parallel") {
                Some(Value::Object(p)) => steps(p.get("steps").unwrap_or(&Value::Null), out),
                Some(other) => steps(other, out),
                None => {}
            }
            for hook in HOOKS {
                if let Some(inner) = m.get(*hook) {
                    steps(inner, out);
                }
            }
        }
        _ => {}
    }
}

/// The steps of a job: its plan and its job-level hooks.
fn job_steps(job: &Map<String, Value>) -> Vec<&Map<String, Value>> {
    let mut out = Vec::new();
    steps(job.get("plan").unwrap_or(&Value::Null), &mut out);
    for hook in HOOKS {
        if let Some(h) = job.get(*hook) {
            steps(h, &mut out);
        }
    }
    out
}

/// The resource a get/put step uses (`resource:` overrides the step name).
fn resource_of<'a>(step: &'a Map<String, Value>, kind: &str) -> Option<&'a str> {
    let name = step.get(kind)?.as_str()?;
    Some(step.get("resource").and_then(Value::as_str).unwrap_or(name))
}

/// The names of the resources a get step with `trigger: true` uses.
fn triggers(job: &Map<String, Value>) -> Vec<String> {
    job_steps(job)
        .into_iter()
        .filter(|s| s.get("trigger") == Some(&Value::Bool(true)))
        .filter_map(|s| resource_of(s, "get").map(str::to_owned))
        .collect()
}

/// Decode `value` as our config type `T` with the crate's strict decoder, then
/// run its own validation.
fn decode<T: serde::de::DeserializeOwned>(
    value: &Value,
    what: &str,
    keys: &[&str],
    validate: fn(&T) -> anyhow::Result<()>,
) -> Result<(), String> {
    let t: T = strict::decode(Some(value), what, keys).map_err(|e| format!("{e:#}"))?;
    validate(&t).map_err(|e| format!("{e:#}"))
}

fn source_ok(s: &Source) -> anyhow::Result<()> {
    s.validate()
}
fn out_params_ok(p: &OutParams) -> anyhow::Result<()> {
    p.validate()
}
fn in_params_ok(_: &InParams) -> anyhow::Result<()> {
    Ok(())
}

/// Everything wrong with one pipeline, in words; empty when it is fine.
fn problems(p: &Value, vars: &Map<String, Value>) -> Vec<String> {
    let mut bad = Vec::new();
    let Some(top) = p.as_object() else {
        return vec!["the pipeline is not a mapping".into()];
    };
    for key in top.keys() {
        if !PIPELINE_KEYS.contains(&key.as_str()) {
            bad.push(format!("unknown top-level key `{key}`"));
        }
    }

    let mut used = BTreeSet::new();
    vars_used(p, &mut used);
    for v in used.iter().filter(|v| !vars.contains_key(*v)) {
        bad.push(format!("(({v})) is not in vars.example.yml"));
    }

    // Types: declared ones (ours recognised by image) and the core ones.
    let mut types = BTreeSet::new();
    let mut ours = BTreeSet::new();
    for rt in list(p, "resource_types") {
        let name = name_of(rt).to_owned();
        let kind = rt.get("type").and_then(Value::as_str).unwrap_or("");
        if !CORE_TYPES.contains(&kind) {
            bad.push(format!(
                "resource type `{name}` has type `{kind}`, not a core type"
            ));
        }
        let repo = image_of(rt);
        if repo.ends_with(OUR_IMAGE) {
            ours.insert(name.clone());
        }
        if !types.insert(name.clone()) {
            bad.push(format!("resource type `{name}` is declared twice"));
        }
    }
    let mut resources: BTreeMap<String, String> = BTreeMap::new();
    for r in list(p, "resources") {
        let name = name_of(r).to_owned();
        let kind = r
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if !types.contains(&kind) && !CORE_TYPES.contains(&kind.as_str()) {
            bad.push(format!(
                "resource `{name}` has type `{kind}`, which is neither declared in resource_types nor a core type"
            ));
        }
        if ours.contains(&kind) {
            match substitute(r.get("source").unwrap_or(&Value::Null), vars) {
                Ok(source) => {
                    if let Err(e) = decode(&source, "source", SOURCE_KEYS, source_ok) {
                        bad.push(format!("resource `{name}`: {e}"));
                    }
                }
                Err(e) => bad.push(format!("resource `{name}`: {e}")),
            }
        }
        if resources.insert(name.clone(), kind).is_some() {
            bad.push(format!("resource `{name}` is declared twice"));
        }
    }

    // Which resources each job gets or puts, for `passed:`.
    let mut job_resources: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for job in list(p, "jobs") {
        let set = job_resources.entry(name_of(job).to_owned()).or_default();
        for s in job_steps(job) {
            set.extend(resource_of(s, "get").map(str::to_owned));
            set.extend(resource_of(s, "put").map(str::to_owned));
        }
    }
    if job_resources.len() != list(p, "jobs").len() {
        bad.push("two jobs have the same name".into());
    }

    let params_of_ours = |step: &str, kind: &str, value: Option<&Value>, bad: &mut Vec<String>| {
        let value = value.cloned().unwrap_or(Value::Null);
        let result = substitute(&value, vars).and_then(|v| match kind {
            "put" => decode(&v, "params", OUT_PARAM_KEYS, out_params_ok),
            _ => decode(&v, "params", IN_PARAM_KEYS, in_params_ok),
        });
        if let Err(e) = result {
            bad.push(format!("{step}: {e}"));
        }
    };

    for job in list(p, "jobs") {
        let job_name = name_of(job);
        for s in job_steps(job) {
            for kind in ["get", "put"] {
                let Some(res) = resource_of(s, kind) else {
                    continue;
                };
                let step = format!("job `{job_name}`, {kind} `{res}`");
                let Some(res_type) = resources.get(res) else {
                    bad.push(format!("{step}: no such resource"));
                    continue;
                };
                if kind == "get" {
                    for passed in s
                        .get("passed")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let passed = passed.as_str().unwrap_or("");
                        match job_resources.get(passed) {
                            None => {
                                bad.push(format!("{step}: passed job `{passed}` does not exist"))
                            }
                            Some(set) if !set.contains(res) => bad.push(format!(
                                "{step}: passed job `{passed}` does not use resource `{res}`"
                            )),
                            Some(_) => {}
                        }
                    }
                }
                if ours.contains(res_type) {
                    if kind == "put" {
                        params_of_ours(&step, "put", s.get("params"), &mut bad);
                        params_of_ours(
                            &format!("{step} (get_params)"),
                            "get",
                            s.get("get_params"),
                            &mut bad,
                        );
                    } else {
                        params_of_ours(&step, "get", s.get("params"), &mut bad);
                    }
                }
            }
            if let Some(task) = s.get("task").and_then(Value::as_str) {
                let step = format!("job `{job_name}`, task `{task}`");
                match (s.get("config"), s.get("file")) {
                    (Some(config), _) => {
                        if config.get("platform").and_then(Value::as_str).is_none() {
                            bad.push(format!("{step}: config.platform is missing"));
                        }
                        if config.get("image_resource").is_none() && s.get("image").is_none() {
                            bad.push(format!(
                                "{step}: needs config.image_resource or the step's `image`"
                            ));
                        }
                        if config
                            .pointer("/run/path")
                            .and_then(Value::as_str)
                            .is_none()
                        {
                            bad.push(format!("{step}: config.run.path is missing"));
                        }
                    }
                    (None, Some(_)) => {}
                    (None, None) => bad.push(format!("{step}: needs `config` or `file`")),
                }
            }
        }
    }

    for group in list(p, "groups") {
        for job in group
            .get("jobs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let job = job.as_str().unwrap_or("");
            if !job_resources.contains_key(job) {
                bad.push(format!(
                    "group `{}`: job `{job}` does not exist",
                    name_of(group)
                ));
            }
        }
    }
    bad
}

// ------------------------------------------------------- the real pipelines

#[test]
fn every_pipeline_is_consistent() {
    let all = pipelines();
    let names: Vec<&str> = all.keys().map(String::as_str).collect();
    assert_eq!(names, ["ami-builder", "concourse", "concourse-admin"]);
    let vars = vars();
    for (name, p) in &all {
        let bad = problems(p, &vars);
        assert!(
            bad.is_empty(),
            "pipelines/{name}.yml:\n  {}",
            bad.join("\n  ")
        );
    }
}

/// The pipelines that carry test results use our type, so the source/params
/// decoding above is not vacuous.
#[test]
fn our_type_is_used_where_results_flow() {
    let all = pipelines();
    for name in ["concourse", "ami-builder"] {
        let p = &all[name];
        let ours: Vec<&str> = list(p, "resource_types")
            .into_iter()
            .filter(|rt| image_of(rt).ends_with(OUR_IMAGE))
            .map(name_of)
            .collect();
        let used = list(p, "resources")
            .into_iter()
            .filter(|r| ours.contains(&r.get("type").and_then(Value::as_str).unwrap_or("")))
            .count();
        assert!(used > 0, "{name}: no resource of our type");
    }
    // The put in management-dev names its AMI and release from the gets.
    let put = job_steps(list(&all["concourse"], "jobs")[0])
        .into_iter()
        .find(|s| s.contains_key("put"))
        .unwrap();
    assert_eq!(put["params"]["ami_id_file"], "untested-ami/id");
    assert_eq!(put["params"]["release_file"], "ami-test-release/tag");
}

#[test]
fn vars_example_lists_exactly_the_vars_used() {
    let vars = vars();
    let mut used = BTreeSet::new();
    for p in pipelines().values() {
        vars_used(p, &mut used);
    }
    let declared: BTreeSet<String> = vars.keys().cloned().collect();
    assert_eq!(
        used, declared,
        "vars used by the pipelines vs vars.example.yml"
    );
    // Each var has its own comment.
    let text = std::fs::read_to_string(root().join("pipelines/vars.example.yml")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for name in &declared {
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{name}:")))
            .unwrap();
        assert!(
            at > 0 && lines[at - 1].starts_with('#'),
            "{name} has no comment"
        );
    }
}

#[test]
fn management_stays_pinned_and_management_dev_follows() {
    let admin = &pipelines()["concourse-admin"];
    let job = |name: &str| {
        list(admin, "jobs")
            .into_iter()
            .find(|j| name_of(j) == name)
            .unwrap_or_else(|| panic!("no job {name}"))
    };
    assert_eq!(triggers(job("ami-id-update-mgmt")), Vec::<String>::new());
    assert_eq!(
        triggers(job("ami-id-update-mgmt-dev")),
        ["untested-dw-al2-concourse-ami"]
    );
    // The keys each job sets.
    let key = |name: &str| {
        let task = job_steps(job(name))
            .into_iter()
            .find(|s| s.contains_key("task"))
            .unwrap();
        let args: Vec<&str> = task["config"]["run"]["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let at = args.iter().position(|a| *a == "--key").unwrap();
        args[at + 1].to_owned()
    };
    assert_eq!(key("ami-id-update-mgmt-dev"), "concourse_ami_mgmt_dev");
    assert_eq!(key("ami-id-update-mgmt"), "concourse_ami");
}

/// The tasks that run our CLI pass arguments it accepts: run each one in an
/// empty directory with no environment, where it stops at the missing AMI file
/// — after argument parsing (a usage error exits 2), before any network call.
#[test]
fn cli_tasks_use_arguments_the_binary_accepts() {
    let vars = vars();
    let mut seen = 0;
    for (name, p) in pipelines() {
        for job in list(&p, "jobs") {
            for s in job_steps(job) {
                let Some(config) = s.get("config") else {
                    continue;
                };
                if config.pointer("/run/path").and_then(Value::as_str) != Some("ami-test-resource")
                {
                    continue;
                }
                seen += 1;
                let args = substitute(&config["run"]["args"], &vars).unwrap();
                let args: Vec<String> = args
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_owned())
                    .collect();
                let dir = tempfile::tempdir().unwrap();
                let out = Command::new(common::binary())
                    .args(&args)
                    .env_clear()
                    .current_dir(dir.path())
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{name}/{}: {args:?}\n{stderr}",
                    name_of(job)
                );
                assert!(
                    stderr.contains("--ami-file: cannot read"),
                    "{name}/{}: {stderr}",
                    name_of(job)
                );
            }
        }
    }
    assert_eq!(seen, 2, "the two ami-id-update tasks");

    // The same run with a flag the binary does not know is a usage error, so the
    // exit code above does tell accepted arguments from rejected ones.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(common::binary())
        .args(["update-ami-ids", "--secret-id", "s", "--key", "k"])
        .args([
            "--ami-file",
            "x/id",
            "--region",
            "eu-west-2",
            "--dispatch-repo",
            "a/b",
        ])
        .env_clear()
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The validate task of ami-builder — unchanged from today — run on what our
/// `in` writes: it passes on "<untested AMI> SUCCESS" only.
#[test]
fn the_validate_task_accepts_exactly_a_success_for_the_untested_ami() {
    let builder = &pipelines()["ami-builder"];
    let job = list(builder, "jobs")
        .into_iter()
        .find(|j| name_of(j) == "validate-concourse-ami")
        .unwrap();
    let task = job_steps(job)
        .into_iter()
        .find(|s| s.contains_key("task"))
        .unwrap();
    let run = &task["config"]["run"];
    assert_eq!(run["path"], "sh");
    let args: Vec<String> = run["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let inputs: Vec<&str> = task["config"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["untested-dw-al2-concourse-ami", "concourse"]);

    let w = common::World::github();
    w.release("1.4.2");
    w.result("1.4.2", common::AMI_NEW, "SUCCESS");
    w.release("1.4.3");
    w.result("1.4.3", common::AMI_NEW, "FAILED");

    let validate = |version: Value, untested: &str| -> bool {
        let (out, dest) = w.get(version, json!({}));
        assert_eq!(out.code, 0, "{}", out.stderr);
        let build = tempfile::tempdir().unwrap();
        std::fs::create_dir(build.path().join("untested-dw-al2-concourse-ami")).unwrap();
        std::fs::write(
            build.path().join("untested-dw-al2-concourse-ami/id"),
            format!("{untested}\n"),
        )
        .unwrap();
        copy_dir(&dest, &build.path().join("concourse"));
        let out = Command::new("sh")
            .args(&args)
            .current_dir(build.path())
            .output()
            .unwrap();
        out.status.success()
    };
    let success = common::version("1.4.2", common::AMI_NEW, "SUCCESS");
    let failed = common::version("1.4.3", common::AMI_NEW, "FAILED");
    assert!(
        validate(success.clone(), common::AMI_NEW),
        "SUCCESS for the untested AMI"
    );
    assert!(!validate(failed, common::AMI_NEW), "FAILED");
    assert!(
        !validate(success, common::AMI_OTHER),
        "SUCCESS for another AMI"
    );

    // No result at all.
    let build = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(build.path().join("untested-dw-al2-concourse-ami")).unwrap();
    std::fs::create_dir_all(build.path().join("concourse")).unwrap();
    std::fs::write(
        build.path().join("untested-dw-al2-concourse-ami/id"),
        common::AMI_NEW,
    )
    .unwrap();
    let out = Command::new("sh")
        .args(&args)
        .current_dir(build.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "a missing result file");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

// ------------------------------------------------- the checker can fail

/// A small valid pipeline of our type; each broken variant below changes one thing.
const GOOD: &str = r#"
resource_types:
  - name: ami-test
    type: registry-image
    source: {repository: ((image_registry))/ami-test-resource, tag: ((ami_test_resource_tag))}
resources:
  - name: release
    type: github-release
    source: {owner: dwp, repository: aws-concourse}
  - name: concourse
    type: ami-test
    source:
      test_name: concourse
      owner: dwp
      repository: aws-concourse
      access_token: ((github_token))
      github_api_url: https://((ghe_host))/api/v3/
      min_instances: ((concourse_min_instances))
jobs:
  - name: test
    plan:
      - get: release
        trigger: true
      - put: concourse
        params: {ami_id: ami-0123abcd, release_file: release/tag, wait_timeout: 20m}
  - name: use
    plan:
      - get: concourse
        passed: [test]
        params: {require_success: true}
      - task: look
        config:
          platform: linux
          image_resource: {type: registry-image, source: {repository: busybox}}
          run: {path: sh, args: [-c, "true"]}
"#;

fn test_vars() -> Map<String, Value> {
    let mut v = vars();
    v.insert("ghe_host".into(), json!("ghe.example"));
    v
}

fn broken(from: &str, to: &str) -> Vec<String> {
    assert!(GOOD.contains(from), "{from:?} is not in GOOD");
    problems(&yaml(&GOOD.replacen(from, to, 1)), &test_vars())
}

fn assert_caught(problems: Vec<String>, expected: &str) {
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "expected a problem containing {expected:?}, got {problems:#?}"
    );
}

#[test]
fn the_good_example_passes() {
    assert_eq!(problems(&yaml(GOOD), &test_vars()), Vec::<String>::new());
}

#[test]
fn a_missing_resource_is_caught() {
    assert_caught(
        broken("- get: release", "- get: relaese"),
        "get `relaese`: no such resource",
    );
    assert_caught(
        broken("- get: release", "- get: r\n        resource: nope"),
        "get `nope`: no such resource",
    );
    assert_caught(
        broken("- put: concourse", "- put: concours"),
        "put `concours`: no such resource",
    );
}

#[test]
fn a_bad_passed_constraint_is_caught() {
    assert_caught(
        broken("passed: [test]", "passed: [tset]"),
        "passed job `tset` does not exist",
    );
    assert_caught(
        broken(
            "- get: release\n        trigger: true",
            "- get: release\n        trigger: true\n        passed: [use]",
        ),
        "passed job `use` does not use resource `release`",
    );
}

#[test]
fn an_unknown_type_is_caught() {
    assert_caught(
        broken("type: ami-test\n", "type: ami-tset\n"),
        "type `ami-tset`, which is neither",
    );
    assert_caught(
        broken(
            "type: registry-image\n    source: {repository: ((image",
            "type: docker-imag\n    source: {repository: ((image",
        ),
        "not a core type",
    );
}

#[test]
fn a_bad_source_of_our_type_is_caught() {
    assert_caught(
        broken("test_name: concourse", "tset_name: concourse"),
        "unknown key `tset_name` in source",
    );
    assert_caught(
        broken(
            "      owner: dwp\n      repository: aws-concourse\n      access",
            "      owner: dwp\n      access",
        ),
        "source.repository is required",
    );
    assert_caught(
        broken("test_name: concourse", "test_name: con course"),
        "source.test_name",
    );
    // Validation across keys runs too.
    assert_caught(
        broken(
            "min_instances:",
            "ami_ids_secret_id: /x\n      min_instances:",
        ),
        "source.ami_ids_secret_key is required",
    );
    // Vars are substituted before decoding: a bad var value is caught.
    let mut vars = test_vars();
    vars.insert("concourse_min_instances".into(), json!("three"));
    assert_caught(problems(&yaml(GOOD), &vars), "source.min_instances");
    vars.insert("concourse_min_instances".into(), json!("3"));
    vars.insert("ghe_host".into(), json!("user:pw@ghe.example"));
    assert_caught(problems(&yaml(GOOD), &vars), "source.github_api_url");
}

#[test]
fn bad_params_of_our_type_are_caught() {
    assert_caught(
        broken("wait_timeout: 20m", "wait_timeout: forever"),
        "params.wait_timeout",
    );
    assert_caught(
        broken("ami_id: ami-0123abcd, ", ""),
        "params.ami_id or params.ami_id_file is required",
    );
    assert_caught(
        broken(
            "wait_timeout: 20m",
            "wait_timeout: 20m, fail_on_failur: false",
        ),
        "unknown key `fail_on_failur` in params",
    );
    assert_caught(
        broken("require_success: true", "require_succes: true"),
        "unknown key `require_succes` in params",
    );
    assert_caught(
        broken(
            "params: {ami_id:",
            "get_params: {ami_id: x}\n        params: {ami_id:",
        ),
        "(get_params): unknown key `ami_id` in params",
    );
}

#[test]
fn an_incomplete_task_is_caught() {
    assert_caught(
        broken("          platform: linux\n", ""),
        "config.platform is missing",
    );
    assert_caught(
        broken(
            "          image_resource: {type: registry-image, source: {repository: busybox}}\n",
            "",
        ),
        "needs config.image_resource",
    );
    assert_caught(
        broken("run: {path: sh, ", "run: {"),
        "config.run.path is missing",
    );
    assert_caught(broken("config:", "confg:"), "needs `config` or `file`");
    // A task from a file, or with a step-level image, is complete.
    assert!(broken("config:", "file: ci/look.yml\n        confg:").is_empty());
    let image_from_step = GOOD
        .replacen(
            "          image_resource: {type: registry-image, source: {repository: busybox}}\n",
            "",
            1,
        )
        .replacen("- task: look", "- task: look\n        image: release", 1);
    assert_eq!(
        problems(&yaml(&image_from_step), &test_vars()),
        Vec::<String>::new()
    );
}

#[test]
fn an_unknown_var_is_caught() {
    assert_caught(
        broken("((github_token))", "((github_tokn))"),
        "((github_tokn)) is not in vars.example.yml",
    );
    assert_caught(
        broken(
            "tag: ((ami_test_resource_tag))",
            "tag: v((ami_test_resource_tagg))",
        ),
        "((ami_test_resource_tagg))",
    );
}

#[test]
fn unknown_top_level_keys_and_groups_are_caught() {
    assert_caught(
        broken("resources:", "resource:"),
        "unknown top-level key `resource`",
    );
    let mut p = yaml(GOOD);
    p["groups"] = json!([{"name": "g", "jobs": ["test", "tset"]}]);
    assert_caught(
        problems(&p, &test_vars()),
        "group `g`: job `tset` does not exist",
    );
}

#[test]
fn a_trigger_on_the_pinned_job_would_be_caught() {
    let job: Value =
        yaml("name: j\nplan:\n  - in_parallel:\n      - get: a\n        trigger: true\n");
    assert_eq!(triggers(job.as_object().unwrap()), ["a"]);
    let job: Value = yaml("name: j\nplan:\n  - get: a\n  - get: b\n    trigger: false\n");
    assert!(triggers(job.as_object().unwrap()).is_empty());
}

#[test]
fn vars_are_found_and_substituted() {
    assert_eq!(vars_in("a ((x)) b ((y))"), ["x", "y"]);
    let vars: Map<String, Value> = serde_json::from_value(json!({"n": 3, "s": "v"})).unwrap();
    assert_eq!(substitute(&json!("((n))"), &vars).unwrap(), json!(3));
    assert_eq!(
        substitute(&json!("a/((s))/((n))"), &vars).unwrap(),
        json!("a/v/3")
    );
    assert!(substitute(&json!("((missing))"), &vars).is_err());
}

// ------------------------------------------------------- bin/set-pipelines

/// A fake `fly` that logs its arguments, one invocation a line.
fn fake_fly(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fly = bin.join("fly");
    std::fs::write(
        &fly,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\n",
            dir.join("fly.log").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fly, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn set_pipelines(path: &str, args: &[&str]) -> std::process::Output {
    Command::new(root().join("bin/set-pipelines"))
        .args(args)
        .env_clear()
        .env("PATH", path)
        .output()
        .unwrap()
}

#[test]
fn set_pipelines_sets_each_installations_pipelines() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_fly(dir.path());
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let vars = dir.path().join("vars.yml");
    std::fs::copy(root().join("pipelines/vars.example.yml"), &vars).unwrap();
    let vars = vars.to_str().unwrap();

    let out = set_pipelines(&path, &["management-dev", vars]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = set_pipelines(&path, &["--installation", "management", "prod", vars]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = set_pipelines(&path, &["management"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let log = std::fs::read_to_string(dir.path().join("fly.log")).unwrap();
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            format!(
                "-t management-dev set-pipeline -p concourse -c pipelines/concourse.yml -l {vars}"
            ),
            format!("-t prod set-pipeline -p ami-builder -c pipelines/ami-builder.yml -l {vars}"),
            format!(
                "-t prod set-pipeline -p concourse-admin -c pipelines/concourse-admin.yml -l {vars}"
            ),
            "-t management set-pipeline -p ami-builder -c pipelines/ami-builder.yml".to_owned(),
            "-t management set-pipeline -p concourse-admin -c pipelines/concourse-admin.yml"
                .to_owned(),
        ]
    );
}

#[test]
fn set_pipelines_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_fly(dir.path());
    let with_fly = format!("{}:/usr/bin:/bin", bin.display());
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let help = set_pipelines("/usr/bin:/bin", &["--help"]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("management-dev   concourse"), "{text}");
    assert!(
        text.contains("management       ami-builder, concourse-admin"),
        "{text}"
    );

    let no_fly = set_pipelines("/usr/bin:/bin", &["management-dev"]);
    assert_eq!(no_fly.status.code(), Some(2));
    assert!(
        stderr(&no_fly).contains("fly is not on PATH"),
        "{}",
        stderr(&no_fly)
    );

    let unknown = set_pipelines(&with_fly, &["ci"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("--installation"),
        "{}",
        stderr(&unknown)
    );

    let missing = set_pipelines(&with_fly, &["management", "/nonexistent/vars.yml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("does not exist"),
        "{}",
        stderr(&missing)
    );

    let example = root().join("pipelines/vars.example.yml");
    let placeholders = set_pipelines(&with_fly, &["management", example.to_str().unwrap()]);
    assert_eq!(placeholders.status.code(), Some(2));
    assert!(
        stderr(&placeholders).contains("placeholders"),
        "{}",
        stderr(&placeholders)
    );

    assert!(
        !dir.path().join("fly.log").exists(),
        "fly ran on a failed invocation"
    );
}
