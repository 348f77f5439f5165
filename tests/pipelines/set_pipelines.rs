//! bin/set-pipelines against a fake fly that serves the original pipelines
//! (`get-pipeline --json`) and keeps what it is asked to set: what it sets is
//! the merged pipeline, never the change alone, and a pipeline that does not
//! exist is refused.

use crate::common::{Output, Run};
use crate::support::{AMI_BUILDER, CONCOURSE, CONCOURSE_ADMIN, PIPELINES, root};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A fake `fly`: logs each invocation's arguments; `get-pipeline -p NAME`
/// prints live/NAME.json or fails as fly does; `set-pipeline -p NAME -c FILE`
/// copies FILE to set/NAME.json.
const FAKE_FLY: &str = r#"#!/usr/bin/env bash
set -euo pipefail
echo "$*" >> "$FAKE_FLY_DIR/fly.log"
name="$5"
case "$3" in
  get-pipeline)
    [ -f "$FAKE_FLY_DIR/live/$name.json" ] || { echo "error: pipeline not found" >&2; exit 1; }
    cat "$FAKE_FLY_DIR/live/$name.json" ;;
  set-pipeline) cp "$7" "$FAKE_FLY_DIR/set/$name.json" ;;
esac
"#;

struct Fly {
    dir: tempfile::TempDir,
}

impl Fly {
    /// A fake fly serving `live` pipelines as the originals.
    fn serving(live: &[&crate::support::Pipeline]) -> Fly {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["bin", "live", "set"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let fly = dir.path().join("bin/fly");
        std::fs::write(&fly, FAKE_FLY).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fly, std::fs::Permissions::from_mode(0o755)).unwrap();
        for p in live {
            let json = serde_json::to_string(&p.original()).unwrap();
            std::fs::write(dir.path().join(format!("live/{}.json", p.name)), json).unwrap();
        }
        Fly { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        let path = format!("{}:/usr/bin:/bin", self.dir.path().join("bin").display());
        set_pipelines(&path, self.dir.path(), args)
    }

    fn log(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.path().join("fly.log")).unwrap_or_default();
        log.lines().map(str::to_owned).collect()
    }

    fn set(&self, name: &str) -> Option<Value> {
        let text =
            std::fs::read_to_string(self.dir.path().join(format!("set/{name}.json"))).ok()?;
        Some(serde_json::from_str(&text).unwrap())
    }
}

fn set_pipelines(path: &str, fly_dir: &Path, args: &[&str]) -> Output {
    let venv: PathBuf = root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "{} is missing: run bin/test (or bin/venv) first",
        venv.display()
    );
    Run::program(root().join("bin/set-pipelines"))
        .args(args)
        .env("PATH", path)
        .env("FAKE_FLY_DIR", fly_dir)
        .run()
}

#[test]
fn set_pipelines_sets_each_live_pipeline_merged_with_the_change() {
    let fly = Fly::serving(&PIPELINES);
    for target in ["dev-aws-concourse", "aws-concourse"] {
        let out = fly.run(&[target]);
        assert_eq!(out.code, 0, "{target}: {}", out.stderr);
    }
    let log = fly.log();
    let expected = [
        ("dev-aws-concourse", "get", "concourse"),
        ("dev-aws-concourse", "set", "concourse"),
        ("aws-concourse", "get", "ami-builder"),
        ("aws-concourse", "set", "ami-builder"),
        ("aws-concourse", "get", "concourse-admin"),
        ("aws-concourse", "set", "concourse-admin"),
    ];
    assert_eq!(log.len(), expected.len(), "{log:#?}");
    for (line, (target, kind, name)) in log.iter().zip(expected) {
        let ok = match kind {
            "get" => *line == format!("-t {target} get-pipeline -p {name} --json"),
            _ => {
                line.starts_with(&format!("-t {target} set-pipeline -p {name} -c "))
                    && line.ends_with(&format!("/{name}.json --check-creds"))
            }
        };
        assert!(ok, "{line}");
    }
    for p in [&CONCOURSE, &AMI_BUILDER, &CONCOURSE_ADMIN] {
        assert!(
            fly.set(p.name) == Some(p.merged()),
            "{}: set something else than the merged pipeline",
            p.name
        );
    }
}

#[test]
fn set_pipelines_never_sets_a_change_alone() {
    // management-dev has no `concourse` pipeline: nothing is set.
    let fly = Fly::serving(&[]);
    let out = fly.run(&["--installation", "management-dev", "ci-dev"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("only an existing pipeline is changed"),
        "{}",
        out.stderr
    );
    assert_eq!(fly.log(), ["-t ci-dev get-pipeline -p concourse --json"]);
    assert_eq!(fly.set("concourse"), None);
}

#[test]
fn set_pipelines_passes_non_interactive_to_fly() {
    let fly = Fly::serving(&[&CONCOURSE]);
    let out = fly.run(&["-n", "management-dev"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        fly.log()[1].ends_with("--check-creds -n"),
        "{:?}",
        fly.log()
    );
}

#[test]
fn set_pipelines_fails_clearly() {
    let fly = Fly::serving(&PIPELINES);
    let help = fly.run(&["--help"]);
    assert_eq!(help.code, 0, "{help:?}");
    let text = &help.stdout;
    assert!(text.contains("management-dev   concourse"), "{text}");
    assert!(
        text.contains("management       ami-builder, concourse-admin"),
        "{text}"
    );

    let cases: [(&str, &[&str], &str); 4] = [
        ("/usr/bin:/bin", &["management-dev"], "fly is not on PATH"),
        ("", &["ci"], "--installation"),
        (
            "",
            &["--installation", "prod", "ci"],
            "unknown installation 'prod'",
        ),
        ("", &["--bogus", "management"], "unknown option --bogus"),
    ];
    for (path, args, says) in cases {
        let out = if path.is_empty() {
            fly.run(args)
        } else {
            set_pipelines(path, fly.dir.path(), args)
        };
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
    assert!(
        fly.log().is_empty(),
        "fly ran on a failed invocation: {:?}",
        fly.log()
    );
}
