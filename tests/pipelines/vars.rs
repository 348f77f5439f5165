//! Concourse `((vars))`: finding them, and filling them with sample values so
//! that our config types can decode what the pipelines pass them.

use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Every `((name))` in a string.
pub fn vars_in(s: &str) -> Vec<String> {
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
pub fn vars_used(v: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) => out.extend(vars_in(s)),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.iter().for_each(|(k, x)| {
                out.extend(vars_in(k));
                walk(x, out);
            }),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(v, &mut out);
    out
}

/// A plausible value for a credential-manager var, so that our config types
/// can decode what the pipelines pass them (an account ID is 12 digits).
pub fn sample(var: &str) -> String {
    match var {
        v if v.starts_with("aws_account.") => "123456789012".into(),
        "dataworks.aws_region" => "eu-west-2".into(),
        v => format!("sample-{}", v.replace('.', "-")),
    }
}

/// Concourse's interpolation with `sample` values (every var is a string).
pub fn substitute(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            let mut out = s.clone();
            for name in vars_in(s) {
                out = out.replace(&format!("(({name}))"), &sample(&name));
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(substitute).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), substitute(x))).collect())
        }
        other => other.clone(),
    }
}

/// A job's task step `task`, with the sample vars substituted: what the
/// build would run.
pub fn job_task(p: &Value, job: &str, task: &str) -> Map<String, Value> {
    let job_entry = crate::support::entry(p, "jobs", job).as_object().unwrap();
    let step = crate::walk::job_steps(job_entry)
        .into_iter()
        .find(|s| s.get("task").and_then(Value::as_str) == Some(task))
        .unwrap_or_else(|| panic!("job {job} runs no task {task}"));
    substitute(&Value::Object(step.clone()))
        .as_object()
        .unwrap()
        .clone()
}

/// A task config's `run.args`, as the command line it runs.
pub fn run_args(config: &Value) -> Vec<&str> {
    config["run"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}
