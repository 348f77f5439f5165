//! The three pipelines, where their sources are, and how the change is applied.

use crate::aviator;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

/// One pipeline this project changes.
pub struct Pipeline {
    /// The pipeline's name in Concourse (and of `pipelines/NAME.{patch,yml}`).
    pub name: &'static str,
    /// The vendored repository its sources live in.
    pub repo: &'static str,
    /// The aviator file that renders it.
    pub aviator: &'static str,
    /// What the change replaces or adds, by section: every other entry must
    /// stay identical to the original.
    pub changes: Changes,
    /// Vars the change introduces that the original pipeline does not use.
    pub new_vars: &'static [&'static str],
}

#[derive(Debug, PartialEq, Eq, Default)]
pub struct Changes {
    pub resource_types: &'static [&'static str],
    pub resources: &'static [&'static str],
    pub jobs: &'static [&'static str],
}

pub const CONCOURSE: Pipeline = Pipeline {
    name: "concourse",
    repo: "aws-concourse",
    aviator: "aviator_ami_test.yml",
    changes: Changes {
        resource_types: &["ami-test"],
        resources: &["concourse"],
        jobs: &["ami-test"],
    },
    // The put writes results to the release: management-dev needs the GitHub
    // token management already has (README, "Pipelines").
    new_vars: &["dataworks-secrets.concourse_github_pat"],
};

pub const CONCOURSE_ADMIN: Pipeline = Pipeline {
    name: "concourse-admin",
    repo: "aws-concourse",
    aviator: "aviator.yml",
    changes: Changes {
        resource_types: &[],
        resources: &[],
        jobs: &["ami-id-update-mgmt-dev", "ami-id-update-mgmt"],
    },
    new_vars: &[],
};

pub const AMI_BUILDER: Pipeline = Pipeline {
    name: "ami-builder",
    repo: "ami-builder-configs",
    aviator: "aviator.yml",
    changes: Changes {
        resource_types: &["ami-test"],
        resources: &["concourse"],
        jobs: &[],
    },
    new_vars: &[],
};

pub const PIPELINES: [&Pipeline; 3] = [&CONCOURSE, &CONCOURSE_ADMIN, &AMI_BUILDER];

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures/dwp")
}

pub fn load_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

impl Pipeline {
    /// The pipeline as supplied with the reference copies, rendered from the
    /// vendored sources by another script.
    pub fn reference(&self) -> Value {
        load_yaml(&fixtures().join(format!("rendered/{}.original.yml", self.name)))
    }

    /// The original pipeline: the vendored sources, rendered by our aviator
    /// (where it and `reference` disagree, the sources win; see merged.rs).
    pub fn original(&self) -> Value {
        aviator::render(&fixtures().join(self.repo), self.aviator)
    }

    /// The vendored sources with `pipelines/NAME.patch` applied, as the
    /// platform team applies it (`git apply` in their checkout).
    pub fn patched_sources(&self) -> TempDir {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixtures().join(self.repo), dir.path());
        let patch = root().join(format!("pipelines/{}.patch", self.name));
        let out = Command::new("git")
            .args(["apply", "--verbose"])
            .arg(&patch)
            .current_dir(dir.path())
            .output()
            .expect("git is needed to apply pipelines/*.patch (install git)");
        assert!(
            out.status.success(),
            "pipelines/{}.patch does not apply to tests/fixtures/dwp/{}:\n{}",
            self.name,
            self.repo,
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    }

    /// The merged pipeline: the patched sources, rendered.
    pub fn merged(&self) -> Value {
        let sources = self.patched_sources();
        aviator::render(sources.path(), self.aviator)
    }

    /// `pipelines/NAME.yml`: the same change as rendered entries.
    pub fn overlay(&self) -> Value {
        load_yaml(&root().join(format!("pipelines/{}.yml", self.name)))
    }
}

/// The merge bin/set-pipelines does on a live pipeline: each entry of the
/// overlay's sections replaces the same-named entry in place, or is appended.
pub fn merge_overlay(current: &Value, overlay: &Value) -> Value {
    let mut out = current.clone();
    for (section, entries) in overlay.as_object().expect("the overlay is a mapping") {
        let list = out[section.as_str()]
            .as_array_mut()
            .unwrap_or_else(|| panic!("the pipeline has no `{section}` list"));
        for entry in entries.as_array().expect("a section is a list") {
            match list.iter_mut().find(|e| e["name"] == entry["name"]) {
                Some(slot) => *slot = entry.clone(),
                None => list.push(entry.clone()),
            }
        }
    }
    out
}

pub fn copy_dir(from: &Path, to: &Path) {
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

/// A named entry of a section (`jobs`, `resources`, …); panics if absent.
pub fn entry<'a>(p: &'a Value, section: &str, name: &str) -> &'a Value {
    named(p, section)
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {section} entry named {name}"))
}

pub fn named<'a>(p: &'a Value, section: &str) -> impl Iterator<Item = &'a Value> {
    p[section].as_array().into_iter().flatten()
}
