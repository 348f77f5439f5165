//! `set_key` against an in-memory Secrets Manager with staging labels, and
//! another writer interleaved at each point of the read-modify-write.

use super::*;
use std::cell::RefCell;

const ID: &str = "/concourse/dataworks/ami-ids";
const NEW: &str = "ami-0b0b5eed0ffee0002";
const OLD: &str = "ami-0a11ce5c0ffee0001";

/// What another writer does around one of our writes.
#[derive(Clone, Copy)]
enum Other {
    Nothing,
    /// Reads and writes `key` just before our write lands.
    Before(&'static str),
    /// Writes `key` on top of the version before ours, just after our write
    /// (it read before we wrote): our change is lost.
    AfterStale(&'static str),
    /// Reads our version and writes `key` on top of it, just after our write.
    AfterFresh(&'static str),
}

struct Memory {
    /// Versions in write order; the last is AWSCURRENT, the one before AWSPREVIOUS.
    versions: RefCell<Vec<Versioned>>,
    /// One entry per write of ours; missing entries mean `Nothing`.
    script: RefCell<Vec<Other>>,
    our_writes: RefCell<u32>,
}

impl Memory {
    fn new(json: &str, script: &[Other]) -> Memory {
        let first = Versioned {
            version_id: "v0".into(),
            payload: Payload::Binary(json.as_bytes().to_vec()),
        };
        Memory {
            versions: RefCell::new(vec![first]),
            script: RefCell::new(script.to_vec()),
            our_writes: RefCell::new(0),
        }
    }

    fn push(&self, payload: Payload) -> String {
        let mut v = self.versions.borrow_mut();
        let id = format!("v{}", v.len());
        v.push(Versioned {
            version_id: id.clone(),
            payload,
        });
        id
    }

    fn nth_from_end(&self, n: usize) -> Versioned {
        let v = self.versions.borrow();
        v[v.len() - 1 - n].clone()
    }

    /// Another writer sets `key` on top of `base` (plain put, as any tool).
    fn other_writes(&self, base: &Versioned, key: &str) {
        let mut map = base.payload.object(ID).unwrap();
        map.insert(key.into(), Value::String(OLD.into()));
        self.push(base.payload.with_object(&map));
    }

    fn current(&self) -> serde_json::Map<String, Value> {
        self.nth_from_end(0).payload.object(ID).unwrap()
    }
}

impl Secrets for Memory {
    async fn read(&self, _: &str, stage: Stage) -> Result<Versioned> {
        Ok(self.nth_from_end(match stage {
            Stage::Current => 0,
            Stage::Previous => 1,
        }))
    }

    async fn write(&self, _: &str, payload: &Payload) -> Result<String> {
        let n = {
            let mut w = self.our_writes.borrow_mut();
            *w += 1;
            *w as usize
        };
        let other = self
            .script
            .borrow()
            .get(n - 1)
            .copied()
            .unwrap_or(Other::Nothing);
        if let Other::Before(key) = other {
            self.other_writes(&self.nth_from_end(0), key);
        }
        let before_ours = self.nth_from_end(0);
        let mine = self.push(payload.clone());
        match other {
            Other::AfterStale(key) => self.other_writes(&before_ours, key),
            Other::AfterFresh(key) => self.other_writes(&self.nth_from_end(0), key),
            _ => {}
        }
        Ok(mine)
    }
}

fn set(store: &Memory) -> Result<Outcome> {
    let rt = crate::steps::runtime().unwrap();
    rt.block_on(set_key(
        store,
        ID,
        "concourse_ami_mgmt_dev",
        &NEW.parse().unwrap(),
    ))
}

const START: &str =
    r#"{"concourse_ami":"ami-0a11ce5c0ffee0001","concourse_ami_mgmt_dev":"ami-0a11ce5c0ffee0001"}"#;

fn written(outcome: Outcome) -> Written {
    match outcome {
        Outcome::Written(w) => w,
        other => panic!("expected a write, got {other:?}"),
    }
}

#[test]
fn an_uncontested_write_is_verified_once() {
    let store = Memory::new(START, &[]);
    let w = written(set(&store).unwrap());
    assert_eq!(w.attempts, 1);
    assert_eq!(w.was, Was::Ami(OLD.parse().unwrap()));
    assert_eq!((w.others, w.form), (1, "SecretBinary"));
    assert!(
        w.verified.contains("replaced the version read"),
        "{}",
        w.verified
    );
    assert_eq!(store.current()["concourse_ami_mgmt_dev"], NEW);
    assert_eq!(store.current()["concourse_ami"], OLD);
}

#[test]
fn a_write_that_replaced_another_writers_version_restores_its_change() {
    let store = Memory::new(START, &[Other::Before("other_key")]);
    let w = written(set(&store).unwrap());
    assert_eq!(w.attempts, 2);
    assert!(w.verified.contains("concurrent write"), "{}", w.verified);
    let now = store.current();
    assert_eq!(now["concourse_ami_mgmt_dev"], NEW);
    assert_eq!(now["other_key"], OLD, "the other writer's key survives");
    assert_eq!(w.others, 2);
}

#[test]
fn a_write_lost_to_a_stale_later_writer_is_written_again() {
    let store = Memory::new(START, &[Other::AfterStale("other_key")]);
    let w = written(set(&store).unwrap());
    assert_eq!(w.attempts, 2);
    let now = store.current();
    assert_eq!(now["concourse_ami_mgmt_dev"], NEW);
    assert_eq!(now["other_key"], OLD);
}

#[test]
fn a_later_writer_that_kept_our_value_is_fine() {
    let store = Memory::new(START, &[Other::AfterFresh("other_key")]);
    let w = written(set(&store).unwrap());
    assert_eq!(w.attempts, 1);
    assert!(w.verified.contains("later writer"), "{}", w.verified);
    assert_eq!(store.versions.borrow().len(), 3, "no extra write");
}

#[test]
fn endless_interference_is_an_error_that_says_the_value_is_unsure() {
    let script = [Other::AfterStale("other_key"); 10];
    let store = Memory::new(START, &script);
    let err = set(&store).unwrap_err().to_string();
    assert!(err.contains("may not hold ami-0b0b5eed0ffee0002"), "{err}");
    assert_eq!(*store.our_writes.borrow(), MAX_ATTEMPTS);
}

#[test]
fn a_key_already_set_is_not_written() {
    let json = format!(r#"{{"concourse_ami_mgmt_dev":"{NEW}"}}"#);
    let store = Memory::new(&json, &[]);
    assert_eq!(set(&store).unwrap(), Outcome::AlreadySet);
    assert_eq!(*store.our_writes.borrow(), 0);
}

#[test]
fn a_value_that_is_not_an_ami_is_never_repeated() {
    let store = Memory::new(r#"{"concourse_ami_mgmt_dev":"hunter2"}"#, &[]);
    let w = written(set(&store).unwrap());
    assert_eq!(w.was, Was::NotAnAmi);
    assert!(!format!("{w:?}").contains("hunter2"));
}
