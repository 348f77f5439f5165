use super::*;
use crate::fleet::State;

const NEW: &str = "ami-0b0b5eed0ffee0002";
const OLD: &str = "ami-0a11ce5c0ffee0001";

fn inst(id: &str, image: &str, state: State) -> Instance {
    Instance {
        id: id.into(),
        name: Some("ci-concourse-worker".into()),
        image_id: image.into(),
        state,
        launch_time: None,
    }
}

fn ami() -> AmiId {
    NEW.parse().unwrap()
}

#[test]
fn all_running_on_the_ami_passes_and_ignores_stopped() {
    let fleet = [
        inst("i-1", NEW, State::Running),
        inst("i-2", NEW, State::Running),
        inst("i-3", OLD, State::Stopped),
        inst("i-4", OLD, State::Terminated),
    ];
    let v = judge(&ami(), 1, &fleet, None);
    assert_eq!(v.result, Outcome::Success, "{:?}", v.reasons);
    assert_eq!(
        v.reasons,
        vec![format!("all 2 running instances run {NEW}")]
    );
    assert_eq!(
        (v.counts.running, v.counts.matching, v.counts.ignored),
        (2, 2, 2)
    );
}

#[test]
fn a_stale_instance_fails_and_is_named_with_its_ami() {
    let fleet = [
        inst("i-1", NEW, State::Running),
        inst("i-stale", OLD, State::Running),
    ];
    let v = judge(&ami(), 1, &fleet, None);
    assert_eq!(v.result, Outcome::Failed);
    assert_eq!(
        v.reasons,
        vec![format!(
            "instance i-stale (ci-concourse-worker) runs {OLD}, not {NEW}"
        )]
    );
}

#[test]
fn an_empty_fleet_never_passes() {
    for min in [0, 1] {
        let v = judge(&ami(), min, &[], None);
        assert_eq!(v.result, Outcome::Failed);
        assert_eq!(
            v.reasons,
            vec!["0 running instances matched, at least 1 required".to_owned()]
        );
    }
    let only_stopped = [inst("i-1", NEW, State::Stopped)];
    assert_eq!(
        judge(&ami(), 1, &only_stopped, None).result,
        Outcome::Failed
    );
}

#[test]
fn fewer_than_min_instances_fails() {
    let fleet = [
        inst("i-1", NEW, State::Running),
        inst("i-2", NEW, State::Running),
    ];
    let v = judge(&ami(), 3, &fleet, None);
    assert_eq!(v.result, Outcome::Failed);
    assert!(v.reasons[0].contains("2 running instances matched, at least 3 required"));
}

#[test]
fn unsettled_states_fail() {
    for state in [
        State::Pending,
        State::Stopping,
        State::ShuttingDown,
        State::Unknown,
    ] {
        let fleet = [inst("i-1", NEW, State::Running), inst("i-2", NEW, state)];
        let v = judge(&ami(), 1, &fleet, None);
        assert_eq!(v.result, Outcome::Failed, "{state:?}");
        assert!(v.reasons[0].contains("has not settled"), "{:?}", v.reasons);
        assert_eq!(v.counts.unsettled, 1);
    }
}

#[test]
fn the_secret_must_agree() {
    let fleet = [inst("i-1", NEW, State::Running)];
    let check = |finding| SecretCheck {
        secret_id: "/ami-ids".into(),
        key: "k".into(),
        finding,
    };
    assert_eq!(
        judge(&ami(), 1, &fleet, Some(&check(SecretFinding::Agrees))).result,
        Outcome::Success
    );
    let v = judge(
        &ami(),
        1,
        &fleet,
        Some(&check(SecretFinding::Names(OLD.parse().unwrap()))),
    );
    assert_eq!(
        v.reasons,
        vec![format!("secret /ami-ids key k names {OLD}, not {NEW}")]
    );
    for f in [SecretFinding::KeyMissing, SecretFinding::NotAnAmi] {
        assert_eq!(
            judge(&ami(), 1, &fleet, Some(&check(f))).result,
            Outcome::Failed
        );
    }
}

#[test]
fn progress_line_counts_what_is_left() {
    let fleet = [
        inst("i-1", NEW, State::Running),
        inst("i-2", OLD, State::Running),
        inst("i-3", OLD, State::Running),
        inst("i-4", NEW, State::Pending),
    ];
    assert_eq!(
        progress_line(&ami(), &fleet),
        format!("1/3 running on {NEW}; 1 pending; 2 on other AMIs ({OLD} ×2)")
    );
}
