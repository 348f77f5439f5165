//! The waiting loop with an in-memory fleet and a virtual clock: no real time.

use super::*;
use crate::fleet::State;
use std::cell::{Cell, RefCell};

const NEW: &str = "ami-0b0b5eed0ffee0002";
const OLD: &str = "ami-0a11ce5c0ffee0001";

/// Returns the scripted fleets in turn (the last one repeats).
struct Script(RefCell<Vec<Vec<Instance>>>, Cell<u32>);

impl Fleet for Script {
    async fn describe(&self, _: &Query) -> Result<Vec<Instance>> {
        self.1.set(self.1.get() + 1);
        let mut s = self.0.borrow_mut();
        Ok(if s.len() > 1 {
            s.remove(0)
        } else {
            s[0].clone()
        })
    }
}

struct Failing;
impl Fleet for Failing {
    async fn describe(&self, _: &Query) -> Result<Vec<Instance>> {
        anyhow::bail!("describing instances in eu-west-2: RequestLimitExceeded")
    }
}

fn i(id: &str, image: &str, state: State) -> Instance {
    Instance {
        id: id.into(),
        name: None,
        image_id: image.into(),
        state,
        launch_time: None,
    }
}

fn query() -> Query {
    Query {
        instance_name: "ci-concourse-*".into(),
        filters: Default::default(),
    }
}

async fn run(
    fleet: &impl Fleet,
    timeout: u64,
    interval: u64,
) -> (Result<Observation>, Duration, Vec<String>) {
    let ami: AmiId = NEW.parse().unwrap();
    let clock = VirtualClock::default();
    let mut lines = Vec::new();
    let expect = Expect {
        ami: &ami,
        min_instances: 2,
        secret: None,
    };
    let wait = Wait {
        timeout: Duration::from_secs(timeout),
        interval: Duration::from_secs(interval),
    };
    let r = observe(fleet, &query(), &expect, wait, &clock, &mut |l| {
        lines.push(l)
    })
    .await;
    (r, clock.now(), lines)
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn waits_through_pending_and_shutting_down_until_settled() {
    let fleet = Script(
        RefCell::new(vec![
            vec![
                i("i-1", OLD, State::ShuttingDown),
                i("i-2", NEW, State::Pending),
            ],
            vec![
                i("i-1", OLD, State::Terminated),
                i("i-2", NEW, State::Running),
                i("i-3", NEW, State::Pending),
            ],
            vec![
                i("i-1", OLD, State::Terminated),
                i("i-2", NEW, State::Running),
                i("i-3", NEW, State::Running),
            ],
        ]),
        Cell::new(0),
    );
    let (r, elapsed, lines) = block(run(&fleet, 600, 15));
    let obs = r.unwrap();
    assert_eq!(obs.verdict.result, Outcome::Success);
    assert_eq!(obs.rounds, 3);
    assert_eq!(elapsed, Duration::from_secs(30));
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        format!("0/0 running on {NEW}; 1 pending, 1 shutting-down; next look in 15s, 10m left")
    );
}

#[test]
fn at_the_deadline_the_last_observation_decides() {
    let fleet = Script(
        RefCell::new(vec![vec![
            i("i-1", NEW, State::Running),
            i("i-2", OLD, State::Running),
        ]]),
        Cell::new(0),
    );
    let (r, elapsed, lines) = block(run(&fleet, 40, 15));
    let obs = r.unwrap();
    assert_eq!(obs.verdict.result, Outcome::Failed);
    assert!(obs.verdict.reasons[0].contains(OLD));
    // Looks at 0s, 15s, 30s and at the deadline (40s): the last pause is cut short.
    assert_eq!((obs.rounds, elapsed), (4, Duration::from_secs(40)));
    assert!(lines[2].contains("next look in 10s, 10s left"), "{lines:?}");
}

#[test]
fn no_wait_means_one_look() {
    let fleet = Script(
        RefCell::new(vec![vec![i("i-1", NEW, State::Pending)]]),
        Cell::new(0),
    );
    let (r, elapsed, _) = block(run(&fleet, 0, 15));
    assert_eq!(r.unwrap().verdict.result, Outcome::Failed);
    assert_eq!((fleet.1.get(), elapsed), (1, Duration::ZERO));
}

#[test]
fn an_error_while_waiting_is_an_error_not_a_verdict() {
    let (r, _, _) = block(run(&Failing, 600, 15));
    assert!(r.unwrap_err().to_string().contains("RequestLimitExceeded"));
}
