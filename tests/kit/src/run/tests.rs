use super::*;
use std::os::unix::fs::PermissionsExt;

/// A stand-in for the resource binary: a shell script that reports how it
/// was run. Uses only shell built-ins, as the environment has no PATH.
fn fake_binary(dir: &Path) -> PathBuf {
    let script = r#"#!/bin/sh
read -r input
printf '{"name":"%s","args":"%s","input":"%s","home":"%s","foo":"%s","pwd_empty":%s}\n' \
  "${0##*/}" "$*" "$input" "${HOME-unset}" "${FOO-unset}" "$(set -- *; [ "$1" = '*' ] && echo true || echo false)"
echo "to stderr" >&2
[ "$1" = fail ] && exit 3
[ "$1" = sleep ] && while :; do :; done
exit 0
"#;
    let path = dir.join("ami-test-resource");
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn background_steps_run_through_named_links_with_an_empty_environment() {
    let dir = tempfile::tempdir().unwrap();
    let resource = Resource::new(&fake_binary(dir.path()));
    let out = resource.spawn_step("check", &[], b"ping\n", &[]).wait();
    assert_eq!(out.code, 0, "{}", out.describe());
    let v = out.json();
    assert_eq!(v["name"], "check");
    assert_eq!(v["input"], "ping");
    assert_eq!(v["home"], "unset");
    assert_eq!(v["pwd_empty"], true);
    assert_eq!(out.stderr, "to stderr\n");
    let out = resource
        .spawn_step("in", &["/tmp/dest"], b"\n", &[("FOO", "bar")])
        .wait();
    let v = out.json();
    assert_eq!(
        (v["name"].as_str(), v["args"].as_str()),
        (Some("in"), Some("/tmp/dest"))
    );
    assert_eq!(v["foo"], "bar");
    let out = resource.spawn_step("out", &["fail"], b"\n", &[]).wait();
    assert_eq!(out.code, 3, "{}", out.describe());
}

#[test]
fn overrunning_background_steps_are_killed_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let resource = Resource::new(&fake_binary(dir.path()));
    let out = resource
        .spawn_step("out", &["sleep"], b"\n", &[])
        .wait_limited(Duration::from_millis(300));
    assert_eq!(out.code, -1);
    assert!(out.stderr.contains("[test] killed"), "{}", out.stderr);
    assert!(out.elapsed < Duration::from_secs(5));
}

#[test]
fn background_steps_can_be_killed() {
    let dir = tempfile::tempdir().unwrap();
    let resource = Resource::new(&fake_binary(dir.path()));
    let mut busy = resource.spawn_step("out", &["sleep"], b"\n", &[]);
    thread::sleep(Duration::from_millis(200));
    assert!(!busy.has_exited());
    let pid = busy.id();
    let out = busy.kill();
    assert_eq!(out.code, -1, "{}", out.describe());
    // Reaped: no such process any more.
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn a_dropped_background_step_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let resource = Resource::new(&fake_binary(dir.path()));
    let busy = resource.spawn_step("out", &["sleep"], b"\n", &[]);
    let pid = busy.id();
    drop(busy);
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
#[should_panic(expected = "stdout is not one JSON document")]
fn json_insists_on_one_document() {
    let out = Output {
        code: 0,
        stdout: "{} {}".into(),
        stderr: String::new(),
        elapsed: Duration::ZERO,
    };
    out.json();
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("should panic");
    err.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn canary_reports_say_where_but_never_what() {
    let canary = "AKIAFAKECANARY0000001";
    assert_no_canaries(&[canary], &["clean", "also clean"]);
    let leaked = format!(
        "{}Authorization: {canary}{}",
        "x".repeat(100),
        "y".repeat(100)
    );
    let msg = panic_message(|| assert_no_canaries(&[canary], &["clean", &leaked]));
    assert!(
        msg.contains("text #1") && msg.contains("byte 115") && msg.contains("<canary #0>"),
        "{msg}"
    );
    assert!(!msg.contains(canary) && !msg.contains("AKIAFAKE"), "{msg}");
}

#[test]
fn directory_scans_cover_nested_files_and_names() {
    let canary = "s3cr3t-canary-value";
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("results")).unwrap();
    fs::write(dir.path().join("results/concourse.test"), "ami-1 SUCCESS\n").unwrap();
    assert_dir_has_no_canaries(&[canary], dir.path());
    fs::write(
        dir.path().join("results/record.json"),
        format!("{{\"token\":\"{canary}\"}}"),
    )
    .unwrap();
    let msg = panic_message(|| assert_dir_has_no_canaries(&[canary], dir.path()));
    assert!(
        msg.contains("results/record.json") && msg.contains("byte 10"),
        "{msg}"
    );
    assert!(!msg.contains(canary), "{msg}");
    fs::remove_file(dir.path().join("results/record.json")).unwrap();
    fs::write(dir.path().join(format!("{canary}.txt")), "").unwrap();
    let msg = panic_message(|| assert_dir_has_no_canaries(&[canary], dir.path()));
    assert!(msg.contains("file name") && !msg.contains(canary), "{msg}");
}
