//! Two `out` runs recording on the same release at the same time (two builds
//! of the job, or a manual re-run beside a triggered one). Slow uploads and a
//! slow re-fetch make them overlap: each uploads before the other looks at the
//! release again. They end with exactly one result for the test, and each step
//! says truthfully what it did.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use testkit::github::{Fault, FaultKind, Origin};

const TAG: &str = "1.4.2";

/// Both uploads take 2 s; both re-fetches of the release after the upload
/// (the 5th and 6th GET of the tag: each run looks the release up first, and
/// again right before publishing) are answered 3 s late, with the state as it
/// is then. So each run's re-fetch sees both uploads, whichever order they
/// landed in.
fn overlap(w: &World) {
    w.gh.inject(Fault::new(FaultKind::Slow(Duration::from_secs(2)), 2).on(Origin::Uploads));
    w.gh.inject(
        Fault::new(FaultKind::Slow(Duration::from_secs(3)), 2)
            .on(Origin::Api)
            .method("GET")
            .path(&format!("/releases/tags/{TAG}"))
            .skip(4),
    );
}

fn both(w: &World, a: (&str, Value), b: (&str, Value)) -> (Output, Output) {
    let ra = w.spawn_put_files(w.source(), a.0, TAG, a.1);
    let rb = w.spawn_put_files(w.source(), b.0, TAG, b.1);
    let (oa, ob) = (w.checked(ra.wait()), w.checked(rb.wait()));
    let uploads =
        w.gh.requests()
            .into_iter()
            .filter(|r| r.origin == Origin::Uploads)
            .count();
    assert_eq!(uploads, 2, "both runs uploaded");
    (oa, ob)
}

fn recorded(out: &Output, name: &str) -> bool {
    out.stderr
        .contains(&format!("recorded {name} on release {TAG}"))
}

#[test]
fn different_verdicts_at_once_end_with_one_result_and_both_steps_tell_the_truth() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 2);
    overlap(&w);
    let quiet = json!({"fail_on_failure": false});
    // One tests the AMI the fleet runs (SUCCESS), the other another (FAILED).
    let (pass, fail) = both(&w, (AMI_NEW, quiet.clone()), (AMI_OLD, quiet));
    let (pass_name, fail_name) = (asset(AMI_NEW, "SUCCESS"), asset(AMI_OLD, "FAILED"));
    assert_eq!(pass.code, 0, "{pass:?}");
    assert_eq!(fail.code, 0, "{fail:?}");
    assert_eq!(pass.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
    assert_eq!(fail.json()["version"], version(TAG, AMI_OLD, "FAILED"));
    assert!(recorded(&pass, &pass_name), "{}", pass.stderr);
    assert!(recorded(&fail, &fail_name), "{}", fail.stderr);

    let results = w.complete_results(TAG);
    assert_eq!(results.len(), 1, "{:?}", w.results(TAG));
    // The later upload wins; the earlier run says so, the later one says it
    // removed the earlier one's result.
    let (winner, loser, winner_name, loser_name) = if results[0].0 == pass_name {
        (&pass, &fail, &pass_name, &fail_name)
    } else {
        (&fail, &pass, &fail_name, &pass_name)
    };
    assert_eq!(&results[0].0, winner_name);
    assert!(
        winner
            .stderr
            .contains(&format!("removed the older result {loser_name}")),
        "{}",
        winner.stderr
    );
    assert!(
        !winner.stderr.contains("another build"),
        "{}",
        winner.stderr
    );
    assert!(
        loser.stderr.contains(&format!(
            "note: another build recorded {winner_name} on release {TAG} after this one"
        )),
        "{}",
        loser.stderr
    );
    assert!(!loser.stderr.contains("removed"), "{}", loser.stderr);
    // What check reports is what the release carries.
    let check = w.check(None);
    let winner_version = winner.json()["version"].clone();
    assert_eq!(check.json(), json!([winner_version]));
}

#[test]
fn different_verdicts_at_once_with_fail_on_failure_still_go_red_for_the_failure() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 2);
    overlap(&w);
    let (pass, fail) = both(&w, (AMI_NEW, json!({})), (AMI_OLD, json!({})));
    assert_eq!(pass.code, 0, "{pass:?}");
    assert_eq!((fail.code, fail.stdout.as_str()), (1, ""), "{fail:?}");
    assert!(
        fail.stderr
            .lines()
            .last()
            .unwrap()
            .contains("AMI test FAILED"),
        "{}",
        fail.stderr
    );
    let results = w.complete_results(TAG);
    assert_eq!(results.len(), 1, "{:?}", w.results(TAG));
    // Whichever lost says the other is the current result, even when it goes red.
    let (loser, winner_name) = if results[0].0 == asset(AMI_NEW, "SUCCESS") {
        (&fail, asset(AMI_NEW, "SUCCESS"))
    } else {
        (&pass, asset(AMI_OLD, "FAILED"))
    };
    assert!(
        loser
            .stderr
            .contains(&format!("note: another build recorded {winner_name}")),
        "{}",
        loser.stderr
    );
}

#[test]
fn the_same_verdict_at_once_ends_with_one_result_and_one_removal() {
    let w = World::full();
    w.release(TAG);
    // An older result that both runs will want to remove.
    w.result(TAG, AMI_NEW, "FAILED");
    w.fleet(AMI_NEW, 2);
    overlap(&w);
    let (a, b) = both(&w, (AMI_NEW, json!({})), (AMI_NEW, json!({})));
    let name = asset(AMI_NEW, "SUCCESS");
    for out in [&a, &b] {
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.json()["version"], version(TAG, AMI_NEW, "SUCCESS"));
        assert!(!out.stderr.contains("another build"), "{}", out.stderr);
    }
    // One upload created the asset; the other met it (422 already_exists)
    // and says the release already carries it.
    let statuses: Vec<u16> =
        w.gh.requests()
            .iter()
            .filter(|r| r.origin == Origin::Uploads)
            .map(|r| r.status)
            .collect();
    assert_eq!(
        {
            let mut s = statuses.clone();
            s.sort();
            s
        },
        [201, 422],
        "{statuses:?}"
    );
    let creators = [&a, &b].iter().filter(|o| recorded(o, &name)).count();
    let keepers = [&a, &b]
        .iter()
        .filter(|o| {
            o.stderr
                .contains(&format!("release {TAG} already carries {name}"))
        })
        .count();
    assert_eq!((creators, keepers), (1, 1), "{a:?}\n{b:?}");
    // Both tried to delete the older FAILED; one did, the other found it gone
    // and does not claim it.
    let removal = format!("removed the older result {}", asset(AMI_NEW, "FAILED"));
    let removers = [&a, &b]
        .iter()
        .filter(|o| o.stderr.contains(&removal))
        .count();
    assert_eq!(removers, 1, "{a:?}\n{b:?}");
    assert_eq!(
        w.complete_results(TAG)
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
        [name]
    );
}
