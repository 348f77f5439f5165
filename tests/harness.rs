//! The test harness's own guarantees (`Run`, tests/common/run.rs), on a stand-in
//! program: every other test relies on them without saying so.

mod common;

use common::{CANARIES, GH_TOKEN, Run};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A shell script that reports how it was run, using only built-ins (its
/// environment has no PATH); `sleep` as first argument loops forever.
fn stand_in(dir: &Path) -> PathBuf {
    let script = r#"#!/bin/sh
read -r input
printf '{"args":"%s","input":"%s","home":"%s","foo":"%s","pwd_empty":%s}\n' \
  "$*" "$input" "${HOME-unset}" "${FOO-unset}" "$(set -- *; [ "$1" = '*' ] && echo true || echo false)"
echo "to stderr" >&2
[ "$1" = sleep ] && while :; do :; done
exit 4
"#;
    let path = dir.join("stand-in");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn a_run_gets_its_args_env_and_stdin_only_in_an_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = Run::program(stand_in(dir.path()))
        .args(["a", "b"])
        .env("FOO", "bar")
        .stdin("ping\n")
        .run();
    assert_eq!(out.code, 4, "{out:?}");
    let v = out.json();
    assert_eq!(
        (v["args"].as_str(), v["input"].as_str()),
        (Some("a b"), Some("ping"))
    );
    assert_eq!(
        (v["foo"].as_str(), v["home"].as_str()),
        (Some("bar"), Some("unset"))
    );
    assert_eq!(v["pwd_empty"], true);
    assert_eq!(out.stderr, "to stderr\n");
}

/// stdin is a pipe (assert_cmd's); a program that reads it when the test
/// gave no input gets end-of-input at once rather than waiting out the limit.
#[test]
fn a_run_without_input_reads_end_of_input_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = Run::program(stand_in(dir.path()))
        .limit(Duration::from_secs(20))
        .run();
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.json()["input"], "");
    assert!(out.elapsed < Duration::from_secs(10), "{out:?}");
}

#[test]
fn an_overrunning_run_is_killed_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = Run::program(stand_in(dir.path()))
        .arg("sleep")
        .limit(Duration::from_millis(300))
        .run();
    assert_eq!(out.code, -1, "{out:?}");
    assert!(out.stderr.contains("[test] killed"), "{}", out.stderr);
    assert!(out.elapsed < Duration::from_secs(5), "{out:?}");
}

/// The leak check is part of running: a run whose output shows a canary
/// fails, and the failure does not show it either.
#[test]
fn a_canary_in_the_output_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let program = stand_in(dir.path());
    let leak = std::panic::catch_unwind(|| Run::program(&program).env("FOO", GH_TOKEN).run());
    let err = leak.expect_err("a leaked canary passed");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("canary #0"), "{msg}");
    assert!(CANARIES.iter().all(|c| !msg.contains(c)), "{msg}");
}
