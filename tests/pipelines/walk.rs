//! Walking a pipeline: its named lists, every step of a job (nested ones and
//! hooks included), the resource a get/put step uses.

use serde_json::{Map, Value};

const HOOKS: &[&str] = &["on_success", "on_failure", "on_abort", "on_error", "ensure"];

pub fn list<'a>(p: &'a Value, key: &str) -> Vec<&'a Map<String, Value>> {
    p.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

pub fn name_of(m: &Map<String, Value>) -> &str {
    str_at(m, "name")
}

pub fn str_at<'a>(m: &'a Map<String, Value>, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).unwrap_or("")
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
pub fn job_steps(job: &Map<String, Value>) -> Vec<&Map<String, Value>> {
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
pub fn resource_of<'a>(step: &'a Map<String, Value>, kind: &str) -> Option<&'a str> {
    let name = step.get(kind)?.as_str()?;
    Some(step.get("resource").and_then(Value::as_str).unwrap_or(name))
}

/// The names of the resources a job's gets with `trigger: true` use.
pub fn triggers(job: &Map<String, Value>) -> Vec<String> {
    job_steps(job)
        .into_iter()
        .filter(|s| s.get("trigger") == Some(&Value::Bool(true)))
        .filter_map(|s| resource_of(s, "get").map(str::to_owned))
        .collect()
}
