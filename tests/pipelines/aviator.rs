//! Renders a pipeline from its sources the way the platform team's aviator
//! does, with the part of spruce those sources use:
//!
//! - aviator: the `spruce:` entry of the aviator file: `base`, then each
//!   `merge: with_in: DIR` (files directly in DIR, by name, filtered by
//!   `regexp` — only the `.*SUFFIX` form is used), then `prune`.
//! - spruce merge: maps merge key by key (a later scalar wins); two lists whose
//!   elements are all maps with a `name` merge by name (same name: merged in
//!   place; new name: appended); other lists merge index by index.
//! - `.: (( inject PATH ))`: the map at PATH (its own injects resolved), merged
//!   with the keys beside the `.`, which win. A step of PATH into a list picks
//!   the element with that `name`.
//!
//! Any other spruce operator is refused, so a source using one cannot be
//! rendered wrongly in silence. `tests/pipelines/merged.rs` checks this
//! renderer against the reference renders of the unchanged sources.

use serde_json::{Map, Value};
use std::path::Path;

use crate::support::load_yaml;

pub fn render(repo: &Path, aviator_file: &str) -> Value {
    let aviator = load_yaml(&repo.join(aviator_file));
    let spruce = &aviator["spruce"][0];
    let base = spruce["base"].as_str().expect("spruce[0].base");
    let mut doc = load_yaml(&repo.join(base));
    for step in spruce["merge"].as_array().expect("spruce[0].merge") {
        let dir = step["with_in"].as_str().expect("merge[].with_in");
        for file in files_in(&repo.join(dir), step["regexp"].as_str()) {
            merge(&mut doc, load_yaml(&file));
        }
    }
    let root = doc.clone();
    let mut out = resolve(doc, &root);
    for key in spruce["prune"].as_array().into_iter().flatten() {
        out.as_object_mut().unwrap().remove(key.as_str().unwrap());
    }
    out
}

/// The files directly in `dir`, sorted by name, that `regexp` matches.
fn files_in(dir: &Path, regexp: Option<&str>) -> Vec<std::path::PathBuf> {
    let suffix = regexp.map(|r| {
        r.strip_prefix(".*")
            .unwrap_or_else(|| panic!("only `.*SUFFIX` regexps are supported, not {r:?}"))
    });
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| suffix.is_none_or(|s| p.to_string_lossy().ends_with(s)))
        .collect();
    files.sort();
    files
}

/// spruce's merge of `from` into `into`.
pub fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if all_named(a) && all_named(&b) => {
            for v in b {
                match a.iter_mut().find(|e| e["name"] == v["name"]) {
                    Some(slot) => merge(slot, v),
                    None => a.push(v),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, v) in b.into_iter().enumerate() {
                match a.get_mut(i) {
                    Some(slot) => merge(slot, v),
                    None => a.push(v),
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn all_named(list: &[Value]) -> bool {
    list.iter()
        .all(|e| e.get("name").is_some_and(Value::is_string))
}

/// Resolves every `.: (( inject PATH ))` in `v`, depth first.
fn resolve(v: Value, root: &Value) -> Value {
    match v {
        Value::Object(mut m) => {
            let injected = m.remove(".").map(|op| inject(&op, root));
            let local: Map<String, Value> =
                m.into_iter().map(|(k, x)| (k, resolve(x, root))).collect();
            match injected {
                Some(mut base) => {
                    merge(&mut base, Value::Object(local));
                    base
                }
                None => Value::Object(local),
            }
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|x| resolve(x, root)).collect()),
        Value::String(s) => {
            refuse_operator(&s);
            Value::String(s)
        }
        other => other,
    }
}

/// The resolved copy of the map an `(( inject PATH ))` names.
fn inject<'a>(op: &Value, root: &'a Value) -> Value {
    let text = op.as_str().unwrap_or_default().trim();
    let path = text
        .strip_prefix("((")
        .and_then(|t| t.strip_suffix("))"))
        .and_then(|t| t.trim().strip_prefix("inject "))
        .unwrap_or_else(|| panic!("`.` must hold (( inject PATH )), not {op}"))
        .trim();
    // A path step into a list picks the element of that name, as in spruce.
    let step = |v: &'a Value, key: &str| match v {
        Value::Array(a) => a.iter().find(|e| e["name"] == key),
        _ => v.get(key),
    };
    let target = path.split('.').fold(root, |v, key| {
        step(v, key).unwrap_or_else(|| panic!("inject: no {path}"))
    });
    resolve(target.clone(), root)
}

/// A spruce operator is `(( word args ))`; a Concourse var `((a.b))` has no
/// space, and stays as it is.
fn refuse_operator(s: &str) {
    if let Some(inner) = s
        .trim()
        .strip_prefix("((")
        .and_then(|t| t.strip_suffix("))"))
    {
        let inner = inner.trim();
        assert!(
            !inner.contains(' '),
            "spruce operator {s:?} is not supported by this renderer"
        );
    }
}
