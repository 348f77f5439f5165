//! The at-most-once rule against a scripted GitHub and a virtual clock.

use super::*;
use crate::steps::observe::VirtualClock;
use std::cell::{Cell, RefCell};

/// Answers dispatches from a script; a dispatch that "lands" starts a run
/// that the listing shows from the `visible_after`-th listing on.
struct Scripted {
    answers: RefCell<Vec<(Attempt, bool)>>,
    runs: RefCell<Vec<u64>>,
    /// Listings a new run stays invisible for (GitHub's delay).
    delay: usize,
    pending: RefCell<Vec<(u64, usize)>>,
    dispatches: Cell<u32>,
}

impl Scripted {
    fn new(existing: &[u64], delay: usize, answers: Vec<(Attempt, bool)>) -> Scripted {
        Scripted {
            answers: RefCell::new(answers),
            runs: RefCell::new(existing.to_vec()),
            delay,
            pending: RefCell::new(Vec::new()),
            dispatches: Cell::new(0),
        }
    }
    fn started(&self) -> usize {
        self.runs.borrow().len() + self.pending.borrow().len()
    }
}

impl Workflows for Scripted {
    fn describe(&self) -> String {
        "deploy.yml on acme/infra at master".into()
    }
    async fn newest_run(&self) -> Result<Option<Run>> {
        let mut pending = self.pending.borrow_mut();
        for (id, wait) in pending.iter_mut() {
            if *wait == 0 {
                self.runs.borrow_mut().push(*id);
            }
            *wait = wait.saturating_sub(1);
        }
        pending.retain(|(id, _)| !self.runs.borrow().contains(id));
        Ok(self.runs.borrow().iter().max().map(|&id| Run {
            id,
            html_url: format!("https://github.example/runs/{id}"),
        }))
    }
    async fn dispatch_once(&self) -> Result<Attempt> {
        self.dispatches.set(self.dispatches.get() + 1);
        let (attempt, lands) = self.answers.borrow_mut().remove(0);
        if lands {
            let id = 100 + self.started() as u64;
            self.pending.borrow_mut().push((id, self.delay));
        }
        Ok(attempt)
    }
}

fn unknown() -> Attempt {
    Attempt::Unknown {
        problem: "GitHub answered 502 Bad Gateway".into(),
        wait: Duration::from_secs(1),
    }
}

fn not_done() -> Attempt {
    Attempt::NotDone {
        problem: "could not connect: Connection refused".into(),
        wait: Duration::from_secs(1),
    }
}

fn run(w: &Scripted) -> (Result<Dispatched>, Vec<String>, Duration) {
    let clock = VirtualClock::default();
    let mut lines = Vec::new();
    let rt = crate::steps::runtime().unwrap();
    let r = rt.block_on(dispatch(w, &clock, &mut |l| lines.push(l)));
    (r, lines, clock.now())
}

#[test]
fn an_accepted_dispatch_is_sent_once() {
    let w = Scripted::new(&[7], 0, vec![(Attempt::Accepted, true)]);
    let (r, lines, _) = run(&w);
    assert_eq!(
        r.unwrap(),
        Dispatched {
            attempts: 1,
            confirmed: None
        }
    );
    assert!(lines.is_empty());
    assert_eq!(w.dispatches.get(), 1);
}

#[test]
fn a_lost_answer_whose_run_appears_is_not_sent_again() {
    // The run shows up on the third listing after the dispatch.
    let w = Scripted::new(&[7], 2, vec![(unknown(), true)]);
    let (r, _, elapsed) = run(&w);
    let d = r.unwrap();
    assert_eq!(d.confirmed.as_ref().map(|(run, _)| run.id), Some(101));
    assert_eq!(w.dispatches.get(), 1);
    assert_eq!(w.started(), 2, "the old run and this one, no duplicate");
    assert!(elapsed < CONFIRM_WINDOW, "{elapsed:?}");
}

#[test]
fn an_unclear_answer_with_no_run_is_sent_again_after_the_window() {
    let w = Scripted::new(&[], 0, vec![(unknown(), false), (Attempt::Accepted, true)]);
    let (r, lines, elapsed) = run(&w);
    assert_eq!(r.unwrap().attempts, 2);
    assert_eq!(w.started(), 1);
    assert!(elapsed >= CONFIRM_WINDOW, "{elapsed:?}");
    assert!(
        lines[0].contains("no run started, dispatching again"),
        "{lines:?}"
    );
}

#[test]
fn a_request_that_never_left_is_retried_without_waiting_for_runs() {
    let w = Scripted::new(
        &[7],
        0,
        vec![(not_done(), false), (Attempt::Accepted, true)],
    );
    let (r, _, elapsed) = run(&w);
    assert_eq!(r.unwrap().attempts, 2);
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn giving_up_after_unclear_answers_says_a_run_may_still_start() {
    let answers = (0..MAX_ATTEMPTS).map(|_| (unknown(), false)).collect();
    let w = Scripted::new(&[7], 0, answers);
    let err = run(&w).0.unwrap_err().to_string();
    assert!(err.contains("GitHub may still start one"), "{err}");
    assert!(err.contains("look at the workflow's runs"), "{err}");
}

#[test]
fn giving_up_after_clear_refusals_says_nothing_started() {
    let answers = (0..MAX_ATTEMPTS).map(|_| (not_done(), false)).collect();
    let w = Scripted::new(&[7], 0, answers);
    let err = run(&w).0.unwrap_err().to_string();
    assert!(err.contains("no run was started"), "{err}");
    assert_eq!(w.dispatches.get(), MAX_ATTEMPTS);
}
