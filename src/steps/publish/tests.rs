//! `publish` against an in-memory release store: every path of the sequence.

use super::*;
use crate::config::values::{ReleaseTag, TestName};
use crate::record::{AmiSource, Build, Comparison};
use crate::verdict::{Counts, Outcome};
use std::cell::RefCell;

const NEW: &str = "ami-0b0b5eed0ffee0002";

#[derive(Default)]
struct Memory {
    assets: RefCell<Vec<Asset>>,
    next_id: RefCell<u64>,
    /// Answer the next upload with 422 after storing it (a retry of a landed upload).
    landed_before: RefCell<bool>,
    /// The next upload dies mid-way: a `starter` asset is left, and the retry
    /// (GitHub's client retrying it) gets 422.
    interrupt_next: RefCell<bool>,
    log: RefCell<Vec<String>>,
}

impl Memory {
    fn add(&self, name: &str) -> u64 {
        self.add_in(name, "uploaded")
    }
    /// An upload that never completed, as GitHub lists it.
    fn add_starter(&self, name: &str) -> u64 {
        self.add_in(name, "starter")
    }
    fn add_in(&self, name: &str, state: &str) -> u64 {
        let mut id = self.next_id.borrow_mut();
        *id += 1;
        self.assets.borrow_mut().push(Asset {
            id: *id,
            name: name.into(),
            url: format!("mem://{id}"),
            state: Some(state.into()),
        });
        *id
    }
    fn states(&self) -> Vec<(String, String)> {
        self.assets
            .borrow()
            .iter()
            .map(|a| (a.name.clone(), a.state.clone().unwrap_or_default()))
            .collect()
    }
    fn names(&self) -> Vec<String> {
        self.assets
            .borrow()
            .iter()
            .map(|a| a.name.clone())
            .collect()
    }
    fn release(&self) -> Release {
        Release {
            id: 1,
            tag_name: "1.4.2".into(),
            draft: false,
            upload_url: "mem://upload{?name,label}".into(),
            assets: self.assets.borrow().clone(),
        }
    }
}

impl Releases for Memory {
    async fn list(&self, _: &mut dyn FnMut(&Release) -> bool) -> Result<Vec<Release>> {
        Ok(vec![self.release()])
    }
    async fn by_tag(&self, _: &ReleaseTag) -> Result<Option<Release>> {
        Ok(Some(self.release()))
    }
    async fn download(&self, _: &Asset) -> Result<Vec<u8>> {
        unreachable!("publish never downloads")
    }
    async fn upload(&self, _: &Release, name: &str, _: Vec<u8>) -> Result<Uploaded> {
        self.log.borrow_mut().push(format!("upload {name}"));
        // As GitHub: a taken name, in any state, is 422 `already_exists`.
        if self.assets.borrow().iter().any(|a| a.name == name) {
            return Ok(Uploaded::AlreadyExists);
        }
        if self.interrupt_next.replace(false) {
            self.add_starter(name);
            return Ok(Uploaded::AlreadyExists);
        }
        let id = self.add(name);
        if self.landed_before.replace(false) {
            return Ok(Uploaded::AlreadyExists);
        }
        Ok(Uploaded::Created(
            self.assets
                .borrow()
                .iter()
                .find(|a| a.id == id)
                .unwrap()
                .clone(),
        ))
    }
    async fn delete(&self, asset: &Asset) -> Result<bool> {
        self.log.borrow_mut().push(format!("delete {}", asset.name));
        let mut assets = self.assets.borrow_mut();
        let before = assets.len();
        assets.retain(|a| a.id != asset.id);
        Ok(assets.len() < before)
    }
    async fn check_access(&self) -> Result<()> {
        Ok(())
    }
}

fn record(result: Outcome) -> Record {
    Record {
        schema: 1,
        test_name: TestName::try_from("concourse".to_owned()).unwrap(),
        release: ReleaseTag::try_from("1.4.2".to_owned()).unwrap(),
        test: Comparison {
            ami_id: NEW.parse().unwrap(),
            ami_source: AmiSource {
                param: "ami_id".into(),
                file: None,
            },
            result,
            reasons: vec![],
            tested_at: "2026-12-02T00:00:00Z".into(),
            region: "eu-west-2".into(),
            instance_name: "ci-concourse-*".into(),
            instance_filters: Default::default(),
            min_instances: 1,
            counts: Counts::default(),
            instances: vec![],
            secret_check: None,
        },
        build: Build::default(),
    }
}

fn name(result: &str) -> String {
    format!("concourse.{NEW}.{result}.json")
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn a_first_result_is_uploaded() {
    let m = Memory::default();
    m.add("concourse.tar.gz");
    let p = block(publish(&m, &m.release(), &record(Outcome::Success))).unwrap();
    assert!(p.uploaded && p.removed.is_empty() && p.superseded_by.is_none());
    assert_eq!(
        m.names(),
        vec!["concourse.tar.gz".to_owned(), name("SUCCESS")]
    );
}

#[test]
fn a_new_verdict_is_uploaded_before_the_old_one_is_deleted() {
    let m = Memory::default();
    m.add(&name("FAILED"));
    m.add(&format!("vault.{NEW}.FAILED.json"));
    let p = block(publish(&m, &m.release(), &record(Outcome::Success))).unwrap();
    assert_eq!(p.removed, vec![name("FAILED")]);
    assert_eq!(
        *m.log.borrow(),
        vec![
            format!("upload {}", name("SUCCESS")),
            format!("delete {}", name("FAILED"))
        ]
    );
    assert_eq!(
        m.names(),
        vec![format!("vault.{NEW}.FAILED.json"), name("SUCCESS")]
    );
}

#[test]
fn an_identical_rerun_writes_nothing() {
    let m = Memory::default();
    m.add(&name("SUCCESS"));
    let p = block(publish(&m, &m.release(), &record(Outcome::Success))).unwrap();
    assert!(!p.uploaded);
    assert!(m.log.borrow().is_empty());
}

#[test]
fn after_a_crash_two_results_converge_to_one() {
    // Killed between upload (SUCCESS) and delete (FAILED): the next identical run cleans up.
    let m = Memory::default();
    m.add(&name("FAILED"));
    m.add(&name("SUCCESS"));
    let p = block(publish(&m, &m.release(), &record(Outcome::Success))).unwrap();
    assert!(!p.uploaded);
    assert_eq!(m.names(), vec![name("SUCCESS")]);
}

#[test]
fn a_stale_copy_behind_a_newer_result_is_recorded_again() {
    let m = Memory::default();
    m.add(&name("FAILED"));
    m.add(&name("SUCCESS"));
    let p = block(publish(&m, &m.release(), &record(Outcome::Failed))).unwrap();
    assert!(p.uploaded && p.superseded_by.is_none(), "{p:?}");
    assert_eq!(m.names(), vec![name("FAILED")]);
    // The release never lacked a result: the delete of the stale copy came first,
    // while the newer SUCCESS was still there.
    assert_eq!(m.log.borrow()[0], format!("delete {}", name("FAILED")));
}

#[test]
fn an_upload_that_had_landed_is_recognised() {
    let m = Memory::default();
    m.add(&name("FAILED"));
    *m.landed_before.borrow_mut() = true;
    let p = block(publish(&m, &m.release(), &record(Outcome::Success))).unwrap();
    assert!(!p.uploaded);
    assert_eq!(m.names(), vec![name("SUCCESS")]);
}

#[test]
fn an_unfinished_upload_of_this_result_is_replaced_not_kept() {
    // A build died mid-upload: GitHub lists `starter`, size 0, nothing to download.
    let m = Memory::default();
    m.add(&name("FAILED"));
    m.add_starter(&name("SUCCESS"));
    let p = block(publish(&m, &m.release(), &record(Outcome::Success))).unwrap();
    assert!(p.uploaded, "{p:?}");
    assert_eq!(m.states(), [(name("SUCCESS"), "uploaded".to_owned())]);
    // The complete FAILED result stayed until the new one was uploaded.
    let log = m.log.borrow();
    let upload = log
        .iter()
        .position(|l| *l == format!("upload {}", name("SUCCESS")));
    let delete_failed = log
        .iter()
        .position(|l| *l == format!("delete {}", name("FAILED")));
    assert!(upload < delete_failed, "{log:?}");
}

#[test]
fn a_422_on_an_unfinished_upload_is_cleared_and_uploaded_again() {
    let m = Memory::default();
    m.add(&name("FAILED"));
    *m.interrupt_next.borrow_mut() = true;
    let p = block(publish(&m, &m.release(), &record(Outcome::Success))).unwrap();
    assert!(p.uploaded, "{p:?}");
    assert_eq!(m.states(), [(name("SUCCESS"), "uploaded".to_owned())]);
}

#[test]
fn unfinished_uploads_of_other_results_are_removed() {
    let m = Memory::default();
    m.add_starter(&name("FAILED"));
    let p = block(publish(&m, &m.release(), &record(Outcome::Success))).unwrap();
    assert_eq!(
        p.removed,
        [format!("{} (unfinished upload)", name("FAILED"))]
    );
    assert_eq!(m.states(), [(name("SUCCESS"), "uploaded".to_owned())]);
}
