//! The real pipelines with this project's change merged in (the patch applied
//! to the vendored sources, rendered as aviator does), checked as Concourse
//! would and against the originals: only what the resource replaces changes.

use crate::concourse::problems;
use crate::support::AMI_BUILDER;
use crate::support::{Changes, PIPELINES, Pipeline, entry, merge_overlay, named};
use crate::vars::vars_used;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Our renderer gives what the reference render gives for the unchanged
/// sources, so the merged pipelines below are what aviator makes of the
/// patched ones. One known difference: the reference was rendered with a YAML
/// 1.1 parser, which reads the time resource's `start: 19:00` as the base-60
/// number 1140; Concourse's parser (like ours) keeps the string "19:00".
#[test]
fn the_renderer_reproduces_the_reference_renders() {
    for p in PIPELINES {
        let found = changes(&p.reference(), &p.original());
        let expected: &[&str] = match p.name {
            "ami-builder" => &["resources: changed \"utc-7pm-trigger\""],
            _ => &[],
        };
        assert_eq!(
            found, expected,
            "{}: our render vs rendered/{}.original.yml",
            p.name, p.name
        );
    }
    let ours = AMI_BUILDER.original();
    let reference = AMI_BUILDER.reference();
    let time = |p: &Value| entry(p, "resources", "utc-7pm-trigger")["source"].clone();
    assert_eq!(
        time(&ours),
        json!({"location": "UTC", "start": "19:00", "stop": "20:00"})
    );
    assert_eq!(
        time(&reference),
        json!({"location": "UTC", "start": 1140, "stop": 1200})
    );
}

/// The checker accepts the real pipelines as they are (so a problem it reports
/// on a merged pipeline comes from the change).
#[test]
fn the_original_pipelines_pass_the_checks() {
    for p in PIPELINES {
        assert_eq!(problems(&p.original()), Vec::<String>::new(), "{}", p.name);
    }
}

#[test]
fn the_merged_pipelines_pass_the_checks() {
    for p in PIPELINES {
        let bad = problems(&p.merged());
        assert!(bad.is_empty(), "{} merged:\n  {}", p.name, bad.join("\n  "));
    }
}

/// Per section, the names whose entries were added, removed or changed.
pub fn changes(original: &Value, merged: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for section in ["resource_types", "resources", "jobs", "groups"] {
        let before: Vec<&Value> = named(original, section).collect();
        let after: Vec<&Value> = named(merged, section).collect();
        for e in &after {
            match before.iter().find(|b| b["name"] == e["name"]) {
                None => out.push(format!("{section}: added {}", e["name"])),
                Some(b) if *b != *e => out.push(format!("{section}: changed {}", e["name"])),
                Some(_) => {}
            }
        }
        for b in before
            .iter()
            .filter(|b| !after.iter().any(|e| e["name"] == b["name"]))
        {
            out.push(format!("{section}: removed {}", b["name"]));
        }
    }
    out
}

/// What `Changes` allows: the new type added, the named resources added or
/// changed, the named jobs changed.
fn allowed(p: &Pipeline, change: &str) -> bool {
    let Changes {
        resource_types,
        resources,
        jobs,
    } = &p.changes;
    let (section, rest) = change.split_once(": ").unwrap();
    let (how, name) = rest.split_once(' ').unwrap();
    let name = name.trim_matches('"');
    match section {
        "resource_types" => how == "added" && resource_types.contains(&name),
        "resources" => how != "removed" && resources.contains(&name),
        "jobs" => how == "changed" && jobs.contains(&name),
        _ => false,
    }
}

/// Everything that makes `merged` more than `p`'s change to `original`: an
/// entry changed, added or removed that the change does not name, a named one
/// left as it was, a var the original pipeline does not use (and the change
/// does not declare in `new_vars`).
pub fn change_problems(p: &Pipeline, original: &Value, merged: &Value) -> Vec<String> {
    let found = changes(original, merged);
    let mut bad: Vec<String> = found
        .iter()
        .filter(|c| !allowed(p, c))
        .map(|c| format!("not part of the change: {c}"))
        .collect();
    let Changes {
        resource_types,
        resources,
        jobs,
    } = &p.changes;
    for (section, names) in [
        ("resource_types", resource_types),
        ("resources", resources),
        ("jobs", jobs),
    ] {
        for name in names.iter() {
            let quoted = format!("\"{name}\"");
            if !found
                .iter()
                .any(|c| c.starts_with(section) && c.ends_with(&quoted))
            {
                bad.push(format!("{section} {name}: the change does not change it"));
            }
        }
    }
    let before = vars_used(original);
    for var in vars_used(merged).difference(&before) {
        if !p.new_vars.contains(&var.as_str()) {
            bad.push(format!("(({var})) is not a var the original pipeline uses"));
        }
    }
    bad
}

/// Every entry the change does not name is identical to the original: every
/// other job, resource, type and group; types are only added, jobs only
/// changed, and each named entry does change. Vars: only those the original
/// uses, and the ones `new_vars` declares.
#[test]
fn only_what_the_resource_replaces_changes() {
    for p in PIPELINES {
        let bad = change_problems(p, &p.original(), &p.merged());
        assert!(bad.is_empty(), "{}:\n  {}", p.name, bad.join("\n  "));
        let new: BTreeSet<String> = vars_used(&p.merged())
            .difference(&vars_used(&p.original()))
            .cloned()
            .collect();
        assert_eq!(new.len(), p.new_vars.len(), "{}: {new:?}", p.name);
    }
}

/// `pipelines/NAME.yml`, merged into the original as bin/set-pipelines does,
/// gives the same pipeline as the patch.
#[test]
fn the_overlays_hold_the_same_change_as_the_patches() {
    for p in PIPELINES {
        let merged = merge_overlay(&p.original(), &p.overlay());
        assert!(
            merged == p.merged(),
            "{}: pipelines/{}.yml and pipelines/{}.patch differ: {:#?}",
            p.name,
            p.name,
            p.name,
            changes(&p.merged(), &merged)
        );
    }
}

/// The one var management-dev needs that it did not use is one management has.
#[test]
fn the_new_var_is_one_management_already_has() {
    let management: BTreeSet<String> = [
        &crate::support::CONCOURSE_ADMIN,
        &crate::support::AMI_BUILDER,
    ]
    .iter()
    .flat_map(|p| vars_used(&p.original()))
    .collect();
    for v in crate::support::CONCOURSE.new_vars {
        assert!(management.contains(*v), "{v} is not a var management uses");
    }
}
