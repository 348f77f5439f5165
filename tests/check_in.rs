//! `check` and `in` against the fake GitHub: results carried from the release
//! listing to the ami-builder pipeline.

mod common;

use common::*;
use serde_json::{Value, json};
use testkit::github::{Fault, FaultKind, Options};

fn versions(out: &Output) -> Vec<Value> {
    assert_eq!(out.code, 0, "{out:?}");
    out.json().as_array().expect("an array of versions").clone()
}

#[test]
fn first_check_returns_only_the_latest_result() {
    let w = World::github();
    for (tag, ami, r) in [
        ("1.0.0", AMI_OLD, "FAILED"),
        ("1.0.1", AMI_OLD, "SUCCESS"),
        ("1.0.2", AMI_NEW, "SUCCESS"),
    ] {
        w.release(tag);
        w.result(tag, ami, r);
    }
    w.release("1.0.3"); // deployed, not yet tested
    assert_eq!(
        versions(&w.check(None)),
        vec![version("1.0.2", AMI_NEW, "SUCCESS")]
    );
}

#[test]
fn check_from_a_version_returns_it_and_newer_ones_oldest_first() {
    let w = World::github();
    for (tag, ami, r) in [
        ("1.0.0", AMI_OLD, "SUCCESS"),
        ("1.0.1", AMI_NEW, "FAILED"),
        ("1.0.2", AMI_NEW, "SUCCESS"),
    ] {
        w.release(tag);
        w.result(tag, ami, r);
    }
    w.release("1.0.3");
    let out = w.check(Some(version("1.0.0", AMI_OLD, "SUCCESS")));
    assert_eq!(
        versions(&out),
        vec![
            version("1.0.0", AMI_OLD, "SUCCESS"),
            version("1.0.1", AMI_NEW, "FAILED"),
            version("1.0.2", AMI_NEW, "SUCCESS")
        ]
    );
    // Nothing new: the given version alone.
    let again = w.check(Some(version("1.0.2", AMI_NEW, "SUCCESS")));
    assert_eq!(versions(&again), vec![version("1.0.2", AMI_NEW, "SUCCESS")]);
}

#[test]
fn the_results_filter_drops_failures() {
    let w = World::github();
    for (tag, ami, r) in [("1.0.0", AMI_OLD, "SUCCESS"), ("1.0.1", AMI_NEW, "FAILED")] {
        w.release(tag);
        w.result(tag, ami, r);
    }
    let mut req = json!({"source": w.source()});
    req["source"]["results"] = json!(["SUCCESS"]);
    let out = w.step("check").request(&req).run();
    assert_eq!(versions(&out), vec![version("1.0.0", AMI_OLD, "SUCCESS")]);
    req["version"] = version("1.0.0", AMI_OLD, "SUCCESS");
    assert_eq!(
        versions(&w.step("check").request(&req).run()),
        vec![version("1.0.0", AMI_OLD, "SUCCESS")]
    );
}

#[test]
fn other_test_names_other_assets_and_drafts_are_ignored() {
    let w = World::github();
    w.release("1.0.0");
    w.result("1.0.0", AMI_OLD, "SUCCESS");
    w.release("1.0.1");
    w.result_for("vault", "1.0.1", AMI_NEW, "SUCCESS");
    w.gh.add_asset(OWNER, REPO, "1.0.1", "concourse.tar.gz", b"binary");
    w.gh.add_asset(
        OWNER,
        REPO,
        "1.0.1",
        "concourse.ami-0b0b5eed0ffee0002.MAYBE.json",
        b"{}",
    );
    w.gh.create_draft_release(OWNER, REPO, "1.0.2");
    w.gh.add_asset(
        OWNER,
        REPO,
        "1.0.2",
        &format!("concourse.{AMI_NEW}.SUCCESS.json"),
        &record(TEST, "1.0.2", AMI_NEW, "SUCCESS"),
    );
    assert_eq!(
        versions(&w.check(None)),
        vec![version("1.0.0", AMI_OLD, "SUCCESS")]
    );
}

#[test]
fn a_replaced_result_and_a_deleted_release() {
    let w = World::github();
    w.release("1.0.0");
    w.result("1.0.0", AMI_OLD, "SUCCESS");
    w.release("1.0.1");
    let failed = w.result("1.0.1", AMI_NEW, "FAILED");
    // A re-run recorded SUCCESS after a crash left the FAILED one: the newest wins.
    w.result("1.0.1", AMI_NEW, "SUCCESS");
    let _ = failed;
    let out = w.check(Some(version("1.0.1", AMI_NEW, "FAILED")));
    assert_eq!(versions(&out), vec![version("1.0.1", AMI_NEW, "SUCCESS")]);
    // The given version's release is gone: the current latest.
    w.gh.delete_release(OWNER, REPO, "1.0.1");
    let out = w.check(Some(version("1.0.1", AMI_NEW, "SUCCESS")));
    assert_eq!(versions(&out), vec![version("1.0.0", AMI_OLD, "SUCCESS")]);
}

#[test]
fn an_unchanged_check_costs_one_request_over_a_long_history() {
    let w = World::github();
    for n in 0..260 {
        let tag = format!("1.0.{n}");
        w.release(&tag);
        if n % 3 == 0 {
            w.result(&tag, AMI_OLD, "SUCCESS");
        }
    }
    let latest = version("1.0.258", AMI_OLD, "SUCCESS");
    assert_eq!(versions(&w.check(None)), vec![latest.clone()]);
    w.gh.clear_requests();
    assert_eq!(
        versions(&w.check(Some(latest))),
        vec![version("1.0.258", AMI_OLD, "SUCCESS")]
    );
    let reqs = w.gh.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert!(reqs[0].path.contains("per_page=100"), "{reqs:?}");
    // From an old version, paging goes back to it, and no further.
    w.gh.clear_requests();
    let out = w.check(Some(version("1.0.120", AMI_OLD, "SUCCESS")));
    assert_eq!(versions(&out).len(), 47);
    assert_eq!(w.gh.requests().len(), 2);
}

#[test]
fn in_writes_the_files_and_the_validate_task_accepts_success_only() {
    let w = World::github();
    w.release("1.0.0");
    w.result("1.0.0", AMI_NEW, "SUCCESS");
    w.release("1.0.1");
    w.result("1.0.1", AMI_NEW, "FAILED");
    let (ok, dest) = w.get(version("1.0.0", AMI_NEW, "SUCCESS"), json!({}));
    assert_eq!(ok.code, 0, "{ok:?}");
    assert_eq!(ok.json()["version"], version("1.0.0", AMI_NEW, "SUCCESS"));
    let read = |p: &str| std::fs::read_to_string(dest.join(p)).unwrap();
    assert_eq!(read("ami_id"), format!("{AMI_NEW}\n"));
    assert_eq!(read("result"), "SUCCESS\n");
    assert_eq!(read("release"), "1.0.0\n");
    assert_eq!(
        read("results/concourse.test"),
        format!("{AMI_NEW} SUCCESS\n")
    );
    assert_eq!(
        read("record.json").as_bytes(),
        record(TEST, "1.0.0", AMI_NEW, "SUCCESS")
    );
    let meta: Vec<String> = ok.json()["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        meta.contains(&"ami_id".to_owned()) && meta.contains(&"result".to_owned()),
        "{meta:?}"
    );
    assert!(
        validate_task(&dest, AMI_NEW),
        "validate-concourse-ami rejected a SUCCESS"
    );
    let (failed, dest) = w.get(version("1.0.1", AMI_NEW, "FAILED"), json!({}));
    assert_eq!(failed.code, 0, "{failed:?}");
    assert!(
        !validate_task(&dest, AMI_NEW),
        "validate-concourse-ami accepted a FAILED"
    );
}

/// The `validate-concourse-ami` task of the ami-builder pipeline, unchanged: for
/// each test input `i`, `i/results/i.test` must equal "<AMI> SUCCESS".
fn validate_task(get_dir: &std::path::Path, ami: &str) -> bool {
    let build = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(get_dir, build.path().join("concourse")).unwrap();
    let script = r#"set -eu
for i in concourse; do
  test -f "$i/results/$i.test" || { echo "no result for $i"; exit 1; }
  got="$(cat "$i/results/$i.test")"
  [ "$got" = "$AMI SUCCESS" ] || { echo "$i: '$got' is not '$AMI SUCCESS'"; exit 1; }
done"#;
    let out = Run::program("sh")
        .args(["-c", script])
        .current_dir(build.path())
        .envs(&[("PATH", "/usr/bin:/bin"), ("AMI", ami)])
        .run();
    out.code == 0
}

#[test]
fn in_fails_when_the_version_is_gone_and_require_success_gates() {
    let w = World::github();
    w.release("1.0.0");
    w.result("1.0.0", AMI_NEW, "FAILED");
    let (gone, _) = w.get(version("1.0.0", AMI_NEW, "SUCCESS"), json!({}));
    assert_eq!((gone.code, gone.stdout.as_str()), (1, ""));
    assert!(
        one_error_line(&gone).contains("is no longer on release 1.0.0"),
        "{gone:?}"
    );
    let (no_release, _) = w.get(version("9.9.9", AMI_NEW, "SUCCESS"), json!({}));
    assert!(
        one_error_line(&no_release).contains("the release does not exist"),
        "{no_release:?}"
    );
    let (gated, dest) = w.get(
        version("1.0.0", AMI_NEW, "FAILED"),
        json!({"require_success": true}),
    );
    assert_eq!(gated.code, 1);
    assert!(
        one_error_line(&gated).contains("require_success"),
        "{gated:?}"
    );
    // The files are written first, so a later step can show them.
    assert!(dest.join("record.json").exists());
}

#[test]
fn a_public_repository_needs_no_token_and_a_private_one_says_so() {
    let w = World::github();
    w.gh.create_repo(OWNER, "public-repo", false);
    w.gh.create_release(OWNER, "public-repo", "2.0.0");
    let name = format!("{TEST}.{AMI_NEW}.SUCCESS.json");
    w.gh.add_asset(
        OWNER,
        "public-repo",
        "2.0.0",
        &name,
        &record(TEST, "2.0.0", AMI_NEW, "SUCCESS"),
    );
    let mut source = w.source();
    source.as_object_mut().unwrap().remove("access_token");
    source["repository"] = json!("public-repo");
    let out = w.step("check").request(&json!({"source": source})).run();
    assert_eq!(versions(&out), vec![version("2.0.0", AMI_NEW, "SUCCESS")]);
    let dest = w.dir.path().join("public-get");
    let req = json!({"source": source, "version": version("2.0.0", AMI_NEW, "SUCCESS")});
    let got = w.step("in").arg(&dest).request(&req).run();
    assert_eq!(got.code, 0, "{got:?}");
    // The private repository without a token: 404, said plainly.
    source["repository"] = json!(REPO);
    let private = w.step("check").request(&json!({"source": source})).run();
    assert_eq!(private.code, 1);
    assert!(
        one_error_line(&private).contains("no access_token is configured"),
        "{private:?}"
    );
}

#[test]
fn a_wrong_token_is_reported_as_rejected() {
    let w = World::github();
    let mut source = w.source();
    source["access_token"] = json!("ghp_wrong");
    let out = w.step("check").request(&json!({"source": source})).run();
    assert_eq!(out.code, 1);
    assert!(
        one_error_line(&out).contains("GitHub rejected the token (401"),
        "{out:?}"
    );
}

#[test]
fn github_enterprise_with_a_path_prefix() {
    let opts = Options {
        api_prefix: "/api/v3".into(),
        uploads_prefix: "/api/uploads".into(),
        token: None,
    };
    let w = World::build(None, opts);
    assert!(w.gh.api_url().ends_with("/api/v3/"));
    w.release("1.0.0");
    w.result("1.0.0", AMI_NEW, "SUCCESS");
    assert_eq!(
        versions(&w.check(None)),
        vec![version("1.0.0", AMI_NEW, "SUCCESS")]
    );
    let (got, dest) = w.get(version("1.0.0", AMI_NEW, "SUCCESS"), json!({}));
    assert_eq!(got.code, 0, "{got:?}");
    assert!(dest.join("results/concourse.test").exists());
}

#[test]
fn transient_502s_and_a_429_are_survived() {
    let w = World::github();
    w.release("1.0.0");
    w.result("1.0.0", AMI_NEW, "SUCCESS");
    w.gh.inject(Fault::new(FaultKind::Status(502), 2).path("/releases"));
    w.gh.inject(
        Fault::new(
            FaultKind::TooManyRequests {
                retry_after_secs: 1,
            },
            1,
        )
        .path("/releases"),
    );
    let out = w.check(None);
    assert_eq!(versions(&out), vec![version("1.0.0", AMI_NEW, "SUCCESS")]);
    assert!(out.stderr.contains("GitHub answered 502"), "{}", out.stderr);
    assert!(out.stderr.contains("429"), "{}", out.stderr);
    // The download redirect and the storage hop are retried too.
    w.gh.inject(Fault::new(FaultKind::Drop, 1).path("/releases/assets/"));
    let (got, _) = w.get(version("1.0.0", AMI_NEW, "SUCCESS"), json!({}));
    assert_eq!(got.code, 0, "{got:?}");
}

#[test]
fn a_persistent_500_fails_within_two_minutes_saying_what_was_tried() {
    let w = World::github();
    w.gh.inject(Fault::new(FaultKind::Status(500), 1000));
    let out = w.check(None);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    let last = out.stderr.lines().last().unwrap();
    assert!(
        last.contains("listing releases of dwp/aws-concourse: gave up after 6 attempts"),
        "{last}"
    );
    assert!(out.elapsed.as_secs() < 120, "{:?}", out.elapsed);
}
