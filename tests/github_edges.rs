//! GitHub's real edge cases, through the built binary: uploads that never
//! completed (`state: starter`), releases cut on older commits, a result
//! replaced while `out` waits, pasted tokens with whitespace, and a 404 that
//! means "no access" rather than "gone".

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use testkit::github::{Fault, FaultKind, Origin};

const TAG: &str = "1.4.2";

fn versions(out: &Output) -> Vec<Value> {
    assert_eq!(out.code, 0, "{out:?}");
    out.json().as_array().expect("an array").clone()
}

fn states(w: &World, tag: &str) -> Vec<(String, String)> {
    w.gh.asset_states(OWNER, REPO, tag)
}

fn uploaded(name: String) -> (String, String) {
    (name, "uploaded".to_string())
}

#[test]
fn an_upload_cut_off_mid_way_is_cleared_and_uploaded_again() {
    let w = World::full();
    w.release(TAG);
    w.result(TAG, AMI_NEW, "FAILED");
    w.fleet(AMI_NEW, 2);
    // The connection dies mid-upload: GitHub keeps a `starter` asset under the
    // name, and the client's retry is answered 422 `already_exists`.
    w.gh.inject(Fault::new(FaultKind::InterruptUpload, 1).on(Origin::Uploads));
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
    assert_eq!(states(&w, TAG), [uploaded(asset(AMI_NEW, "SUCCESS"))]);
    let (got, dest) = w.get(version(TAG, AMI_NEW, "SUCCESS"), json!({}));
    assert_eq!(got.code, 0, "{got:?}");
    assert_eq!(
        std::fs::read_to_string(dest.join("results/concourse.test")).unwrap(),
        format!("{AMI_NEW} SUCCESS\n")
    );
}

#[test]
fn an_unfinished_upload_left_by_a_killed_build_is_never_a_result() {
    let w = World::full();
    w.release(TAG);
    w.result(TAG, AMI_NEW, "FAILED");
    w.gh.add_starter_asset(OWNER, REPO, TAG, &asset(AMI_NEW, "SUCCESS"));
    let failed = version(TAG, AMI_NEW, "FAILED");
    let current = vec![failed.clone()];
    assert_eq!(versions(&w.check(None)), current);
    assert_eq!(versions(&w.check(Some(failed.clone()))), current);
    let (unfinished, _) = w.get(version(TAG, AMI_NEW, "SUCCESS"), json!({}));
    assert_eq!(unfinished.code, 1, "{unfinished:?}");
    assert!(
        one_error_line(&unfinished).contains("its upload never completed"),
        "{unfinished:?}"
    );
    assert_eq!(w.get(failed, json!({})).0.code, 0);
    // The next `out` removes the unfinished upload and records in its place.
    w.fleet(AMI_NEW, 1);
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(states(&w, TAG), [uploaded(asset(AMI_NEW, "SUCCESS"))]);
    assert!(
        out.stderr
            .contains(&format!("recorded {}", asset(AMI_NEW, "SUCCESS"))),
        "{}",
        out.stderr
    );
}

#[test]
fn a_result_replaced_while_out_waits_is_not_mistaken_for_this_one() {
    let w = World::full();
    w.release(TAG);
    w.result(TAG, AMI_NEW, "SUCCESS");
    w.fleet(AMI_NEW, 1);
    let straggler = w.fleet(AMI_OLD, 1);
    let extra = json!({"wait_timeout": "60s", "wait_interval": "1s"});
    let running = w.spawn_put_files(w.source(), AMI_NEW, TAG, extra);
    // Once it is waiting, another build replaces the result with FAILED…
    w.wait_for_request(Duration::from_secs(30), |r| r.path.contains("/tags/"));
    std::thread::sleep(Duration::from_millis(1500));
    w.result(TAG, AMI_NEW, "FAILED");
    assert!(w.gh.delete_asset(OWNER, REPO, TAG, &asset(AMI_NEW, "SUCCESS")));
    // …and then the straggler goes, so this build observes SUCCESS.
    w.moto().terminate_instances(REGION, &straggler);
    let out = w.checked(running.wait());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
    // The version `out` emitted is the one the release carries.
    assert_eq!(states(&w, TAG), [uploaded(asset(AMI_NEW, "SUCCESS"))]);
    assert_eq!(versions(&w.check(None)), [version(TAG, AMI_NEW, "SUCCESS")]);
}

/// Releases on the given commit dates (fake-clock minutes), each with a result.
fn releases_on(w: &World, tags_and_commits: &[(&str, u64)]) {
    for (tag, commit) in tags_and_commits {
        w.gh.create_release_on_commit(OWNER, REPO, tag, *commit);
        w.result(tag, AMI_NEW, "SUCCESS");
    }
}

#[test]
fn a_release_cut_later_on_an_older_commit_is_newer() {
    let w = World::github();
    // 1.0.2 is created last, on 1.0.0's commit: GitHub dates it (`created_at`)
    // and lists it with that commit, below 1.0.1.
    releases_on(&w, &[("1.0.0", 100), ("1.0.1", 200), ("1.0.2", 100)]);
    let v = |tag| version(tag, AMI_NEW, "SUCCESS");
    assert_eq!(versions(&w.check(None)), [v("1.0.2")]);
    assert_eq!(
        versions(&w.check(Some(v("1.0.1")))),
        [v("1.0.1"), v("1.0.2")]
    );
    assert_eq!(
        versions(&w.check(Some(v("1.0.0")))),
        [v("1.0.0"), v("1.0.1"), v("1.0.2")]
    );
}

#[test]
fn releases_on_one_commit_follow_their_creation_order() {
    let w = World::github();
    releases_on(&w, &[("2.0.0", 300), ("2.0.1", 300), ("2.0.2", 300)]);
    let v = |tag| version(tag, AMI_NEW, "SUCCESS");
    assert_eq!(versions(&w.check(None)), [v("2.0.2")]);
    assert_eq!(
        versions(&w.check(Some(v("2.0.1")))),
        [v("2.0.1"), v("2.0.2")]
    );
}

#[test]
fn a_pasted_token_with_a_trailing_newline_still_authenticates() {
    let w = World::github();
    w.release(TAG);
    w.result(TAG, AMI_NEW, "SUCCESS");
    let mut source = w.source();
    source["access_token"] = json!(format!("  {GH_TOKEN}\n"));
    let out = w.step("check").request(&json!({"source": source})).run();
    assert_eq!(versions(&out), [version(TAG, AMI_NEW, "SUCCESS")]);
    let dest = w.dir.path().join("pasted-token-get");
    let req = json!({"source": source, "version": version(TAG, AMI_NEW, "SUCCESS")});
    let got = w.step("in").arg(&dest).request(&req).run();
    assert_eq!(got.code, 0, "{got:?}");
    let api: Vec<_> =
        w.gh.requests()
            .into_iter()
            .filter(|r| r.origin == Origin::Api)
            .collect();
    assert!(api.iter().all(|r| r.authenticated), "{api:?}");
}

#[test]
fn a_token_with_whitespace_inside_is_refused_naming_the_key() {
    let w = World::github();
    let mut source = w.source();
    source["access_token"] = json!(format!("{GH_TOKEN}\nsecond line"));
    let out = w.step("check").request(&json!({"source": source})).run();
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
    let line = one_error_line(&out);
    assert!(line.contains("source.access_token"), "{line}");
    assert!(line.contains("not shown"), "{line}");
    assert!(w.gh.requests().is_empty(), "nothing was sent");
}

#[test]
fn in_on_a_private_repository_it_cannot_see_blames_access_not_the_version() {
    let w = World::github();
    w.release(TAG);
    w.result(TAG, AMI_NEW, "SUCCESS");
    let mut source = w.source();
    source.as_object_mut().unwrap().remove("access_token");
    let dest = w.dir.path().join("no-token-get");
    let req = json!({"source": source, "version": version(TAG, AMI_NEW, "SUCCESS")});
    let out = w.step("in").arg(&dest).request(&req).run();
    assert_eq!(out.code, 1, "{out:?}");
    let line = one_error_line(&out);
    assert!(
        line.contains("cannot see repository dwp/aws-concourse"),
        "{line}"
    );
    assert!(line.contains("no access_token is configured"), "{line}");
    assert!(!line.contains("no longer on release"), "{line}");
    // With access, a deleted release is what it is: gone.
    w.gh.delete_release(OWNER, REPO, TAG);
    let (gone, _) = w.get(version(TAG, AMI_NEW, "SUCCESS"), json!({}));
    assert!(
        one_error_line(&gone).contains("is no longer on release 1.4.2: the release does not exist"),
        "{gone:?}"
    );
}
