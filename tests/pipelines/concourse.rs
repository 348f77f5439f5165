//! What Concourse checks when a pipeline is set (and a little more): every
//! get/put names a resource, every `passed:` job exists and uses that
//! resource, no resource is unused, every resource's type is declared or built
//! in, names are unique, groups name real jobs, tasks are complete. Resources
//! of our type are decoded with the crate's own strict config types.

use ami_test_resource::config::{
    IN_PARAM_KEYS, InParams, OUT_PARAM_KEYS, OutParams, SOURCE_KEYS, Source, strict,
};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

use crate::vars::substitute;
use crate::walk::{job_steps, list, name_of, resource_of, str_at};

/// The resource types a Concourse 7 installation has built in.
const CORE_TYPES: &[&str] = &[
    "bosh-io-release",
    "bosh-io-stemcell",
    "cf",
    "docker-image",
    "git",
    "github-release",
    "hg",
    "mock",
    "pool",
    "registry-image",
    "s3",
    "semver",
    "time",
    "tracker",
];

const PIPELINE_KEYS: &[&str] = &[
    "resource_types",
    "resources",
    "jobs",
    "groups",
    "var_sources",
    "display",
];

/// Our image: a resource type with this repository is ours.
pub const OUR_IMAGE: &str = "dwpdigital/ami-test-resource";

/// Everything wrong with a pipeline, in words; empty when it is fine.
pub fn problems(p: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let Some(top) = p.as_object() else {
        return vec!["the pipeline is not a mapping".into()];
    };
    for key in top.keys().filter(|k| !PIPELINE_KEYS.contains(&k.as_str())) {
        bad.push(format!("unknown top-level key `{key}`"));
    }
    let types = check_types(p, &mut bad);
    let resources = check_resources(p, &types, &mut bad);
    let uses = job_uses(p, &mut bad);
    for job in list(p, "jobs") {
        check_job(job, &resources, &types, &uses, &mut bad);
    }
    let used: BTreeSet<&String> = uses.values().flatten().collect();
    for name in resources.keys().filter(|r| !used.contains(r)) {
        bad.push(format!("resource `{name}` is not used"));
    }
    check_groups(p, &uses, &mut bad);
    bad
}

/// Declared types: name → ours?
fn check_types(p: &Value, bad: &mut Vec<String>) -> BTreeMap<String, bool> {
    let mut types = BTreeMap::new();
    for rt in list(p, "resource_types") {
        let name = name_of(rt);
        let kind = str_at(rt, "type");
        if !CORE_TYPES.contains(&kind) {
            bad.push(format!(
                "resource type `{name}` has type `{kind}`, not a core type"
            ));
        }
        let repository = rt
            .get("source")
            .and_then(|s| s.get("repository"))
            .and_then(Value::as_str);
        let ours = repository.is_some_and(|r| r.ends_with("/ami-test-resource"));
        if types.insert(name.to_owned(), ours).is_some() {
            bad.push(format!("resource type `{name}` is declared twice"));
        }
    }
    types
}

/// Resources: name → type. Our type's `source` must decode.
fn check_resources(
    p: &Value,
    types: &BTreeMap<String, bool>,
    bad: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let mut resources = BTreeMap::new();
    for r in list(p, "resources") {
        let name = name_of(r);
        let kind = str_at(r, "type");
        if !types.contains_key(kind) && !CORE_TYPES.contains(&kind) {
            bad.push(format!(
                "resource `{name}` has type `{kind}`, which is neither declared in resource_types nor a core type"
            ));
        }
        if types.get(kind) == Some(&true) {
            let source = substitute(r.get("source").unwrap_or(&Value::Null));
            if let Err(e) = decode(&source, "source", SOURCE_KEYS, |s: &Source| s.validate()) {
                bad.push(format!("resource `{name}`: {e}"));
            }
        }
        if resources.insert(name.to_owned(), kind.to_owned()).is_some() {
            bad.push(format!("resource `{name}` is declared twice"));
        }
    }
    resources
}

/// The resources each job gets or puts (for `passed:` and unused resources).
fn job_uses(p: &Value, bad: &mut Vec<String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for job in list(p, "jobs") {
        if uses.contains_key(name_of(job)) {
            bad.push(format!("job `{}` is declared twice", name_of(job)));
        }
        let set = uses.entry(name_of(job).to_owned()).or_default();
        for s in job_steps(job) {
            set.extend(resource_of(s, "get").map(str::to_owned));
            set.extend(resource_of(s, "put").map(str::to_owned));
        }
    }
    uses
}

fn check_job(
    job: &Map<String, Value>,
    resources: &BTreeMap<String, String>,
    types: &BTreeMap<String, bool>,
    uses: &BTreeMap<String, BTreeSet<String>>,
    bad: &mut Vec<String>,
) {
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
                check_passed(s, res, &step, uses, bad);
            }
            if types.get(res_type) == Some(&true) {
                check_our_params(s, kind, &step, bad);
            }
        }
        if let Some(task) = s.get("task").and_then(Value::as_str) {
            check_task(s, &format!("job `{job_name}`, task `{task}`"), bad);
        }
    }
}

fn check_passed(
    s: &Map<String, Value>,
    res: &str,
    step: &str,
    uses: &BTreeMap<String, BTreeSet<String>>,
    bad: &mut Vec<String>,
) {
    for passed in s
        .get("passed")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let passed = passed.as_str().unwrap_or("");
        match uses.get(passed) {
            None => bad.push(format!("{step}: passed job `{passed}` does not exist")),
            Some(set) if !set.contains(res) => bad.push(format!(
                "{step}: passed job `{passed}` does not use resource `{res}`"
            )),
            Some(_) => {}
        }
    }
}

fn check_our_params(s: &Map<String, Value>, kind: &str, step: &str, bad: &mut Vec<String>) {
    let params = |key: &str| substitute(s.get(key).unwrap_or(&Value::Null));
    let result = if kind == "put" {
        decode(
            &params("params"),
            "params",
            OUT_PARAM_KEYS,
            |p: &OutParams| p.validate(),
        )
        .and_then(|()| {
            decode(
                &params("get_params"),
                "get_params",
                IN_PARAM_KEYS,
                |_: &InParams| Ok(()),
            )
        })
    } else {
        decode(
            &params("params"),
            "params",
            IN_PARAM_KEYS,
            |_: &InParams| Ok(()),
        )
    };
    if let Err(e) = result {
        bad.push(format!("{step}: {e}"));
    }
}

fn check_task(s: &Map<String, Value>, step: &str, bad: &mut Vec<String>) {
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

fn check_groups(p: &Value, uses: &BTreeMap<String, BTreeSet<String>>, bad: &mut Vec<String>) {
    for group in list(p, "groups") {
        for job in group
            .get("jobs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let job = job.as_str().unwrap_or("");
            if !uses.contains_key(job) {
                bad.push(format!(
                    "group `{}`: job `{job}` does not exist",
                    name_of(group)
                ));
            }
        }
    }
}

/// Decode `value` as our config type `T` with the crate's strict decoder, then
/// run its own validation.
fn decode<T: serde::de::DeserializeOwned>(
    value: &Value,
    what: &str,
    keys: &[&str],
    validate: impl Fn(&T) -> anyhow::Result<()>,
) -> Result<(), String> {
    let t: T = strict::decode(Some(value), what, keys).map_err(|e| format!("{e:#}"))?;
    validate(&t).map_err(|e| format!("{e:#}"))
}
