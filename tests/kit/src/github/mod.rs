//! A fake GitHub REST server on three loopback origins (api, uploads,
//! storage), usable in-process and as a process (`fake-github`).

mod admin;
mod api;
mod fault;
mod handle;
mod inner;
mod payload;
mod runs;
mod state;
mod storage;

pub use fault::{Fault, FaultKind, Origin};

use crate::http::Server;
use serde_json::{Value, json};
use state::{NewAsset, NewRelease, State};
use std::hash::RandomState;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// How the fake presents itself. Prefixes emulate GitHub Enterprise
/// (`/api/v3`, `/api/uploads`); with `token` set, only that token is valid.
#[derive(Default, Clone)]
pub struct Options {
    pub api_prefix: String,
    pub uploads_prefix: String,
    pub token: Option<String>,
}

/// One request as the fake saw it. Never holds the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub origin: Origin,
    /// Path plus query.
    pub path: String,
    /// 0 when a fault dropped or stalled the connection.
    pub status: u16,
    pub authenticated: bool,
    pub accept: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispatch {
    pub owner: String,
    pub repo: String,
    pub workflow: String,
    pub git_ref: String,
    pub inputs: Value,
}

/// How a request authenticated: no `Authorization`, the right token (any
/// token when none is configured), or a wrong one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    Anonymous,
    Valid,
    Invalid,
}

pub(crate) struct Inner {
    opts: Options,
    api_origin: String,
    uploads_origin: String,
    storage_origin: String,
    state: Mutex<State>,
    /// Keys the fake "pre-signed" storage URLs, so storage only serves URLs
    /// the api handed out.
    signer: RandomState,
    /// Epoch seconds: the rate-limit window's start.
    started: u64,
    /// For request ids; atomic because handlers call it holding the state lock.
    request_seq: AtomicU64,
}

pub struct FakeGitHub {
    inner: Arc<Inner>,
    _servers: Vec<Server>,
}

impl FakeGitHub {
    pub fn start() -> FakeGitHub {
        FakeGitHub::start_with(Options::default())
    }

    pub fn start_with(opts: Options) -> FakeGitHub {
        let opts = Options {
            api_prefix: normalise_prefix(&opts.api_prefix),
            uploads_prefix: normalise_prefix(&opts.uploads_prefix),
            token: opts.token,
        };
        let listeners = [Server::bind(), Server::bind(), Server::bind()];
        let origin = |i: usize| format!("http://{}", listeners[i].local_addr().expect("addr"));
        let inner = Arc::new(Inner {
            api_origin: origin(0),
            uploads_origin: origin(1),
            storage_origin: origin(2),
            opts,
            state: Mutex::new(State::default()),
            signer: RandomState::new(),
            started: epoch_secs(),
            request_seq: AtomicU64::new(0),
        });
        let origins = [Origin::Api, Origin::Uploads, Origin::Storage];
        let servers = listeners
            .into_iter()
            .zip(origins)
            .map(|(l, o)| {
                let inner = inner.clone();
                Server::start(l, Arc::new(move |req| handle::handle(&inner, o, req)))
            })
            .collect();
        FakeGitHub {
            inner,
            _servers: servers,
        }
    }

    /// Base URL for `github_api_url`, always with a trailing slash.
    pub fn api_url(&self) -> String {
        format!("{}/", self.inner.api_base())
    }

    /// Base URL for `github_uploads_url`, always with a trailing slash.
    pub fn uploads_url(&self) -> String {
        format!("{}/", self.inner.uploads_base())
    }

    /// The storage origin, `http://127.0.0.1:PORT` (downloads redirect here).
    pub fn storage_origin(&self) -> String {
        self.inner.storage_origin.clone()
    }

    pub fn create_repo(&self, owner: &str, repo: &str, private: bool) {
        self.inner.state().create_repo(owner, repo, private);
    }

    /// A published release (the repository is created public if missing).
    /// Panics if the tag exists.
    pub fn create_release(&self, owner: &str, repo: &str, tag: &str) -> u64 {
        self.add_release(owner, repo, tag, false)
    }

    pub fn create_draft_release(&self, owner: &str, repo: &str, tag: &str) -> u64 {
        self.add_release(owner, repo, tag, true)
    }

    fn add_release(&self, owner: &str, repo: &str, tag: &str, draft: bool) -> u64 {
        self.add_release_on(owner, repo, tag, draft, None)
    }

    /// A published release of a tag on an older commit: GitHub's `created_at`
    /// is the commit's date (`commit_time`, fake-clock minutes; releases made
    /// by `create_release` are dated 1, 2, 3… in creation order), so it lists
    /// by that date while its id still says when it was created.
    pub fn create_release_on_commit(
        &self,
        owner: &str,
        repo: &str,
        tag: &str,
        commit_time: u64,
    ) -> u64 {
        self.add_release_on(owner, repo, tag, false, Some(commit_time))
    }

    fn add_release_on(
        &self,
        owner: &str,
        repo: &str,
        tag: &str,
        draft: bool,
        commit_time: Option<u64>,
    ) -> u64 {
        let new = NewRelease {
            tag: tag.into(),
            name: Some(tag.into()),
            draft,
            commit_time,
            ..NewRelease::default()
        };
        let added = self.inner.state().add_release(owner, repo, new);
        added.unwrap_or_else(|()| panic!("release {tag} already exists in {owner}/{repo}"))
    }

    /// Attaches an asset to the release with `tag` (drafts included); panics
    /// if there is no such release or the name is taken.
    pub fn add_asset(&self, owner: &str, repo: &str, tag: &str, name: &str, content: &[u8]) -> u64 {
        self.attach(owner, repo, tag, name, content, true)
    }

    /// An asset whose upload never completed, as GitHub lists it after a
    /// client died mid-upload: `state: starter`, size 0, not downloadable;
    /// its name is taken (a new upload of it answers 422 `already_exists`).
    pub fn add_starter_asset(&self, owner: &str, repo: &str, tag: &str, name: &str) -> u64 {
        self.attach(owner, repo, tag, name, b"", false)
    }

    fn attach(
        &self,
        owner: &str,
        repo: &str,
        tag: &str,
        name: &str,
        content: &[u8],
        uploaded: bool,
    ) -> u64 {
        let release = self
            .release_id(owner, repo, tag)
            .unwrap_or_else(|| panic!("no release {tag} in {owner}/{repo}: create it first"));
        let new = NewAsset {
            name,
            label: None,
            content_type: content_type_for(name),
            content,
            uploaded,
        };
        let added = self.inner.state().add_asset(owner, repo, release, new);
        added.unwrap_or_else(|e| panic!("cannot add asset {name} to {owner}/{repo}@{tag}: {e:?}"))
    }

    pub fn release_id(&self, owner: &str, repo: &str, tag: &str) -> Option<u64> {
        self.inner
            .state()
            .repo(owner, repo)?
            .release_by_tag(tag)
            .map(|r| r.id)
    }

    /// Removes the release and its assets; no-op if missing.
    pub fn delete_release(&self, owner: &str, repo: &str, tag: &str) {
        if let Some(r) = self.inner.state().repo_mut(owner, repo) {
            r.releases.retain(|rel| rel.tag != tag);
        }
    }

    /// Deletes the release's asset of that name (as another build would);
    /// false if there is none.
    pub fn delete_asset(&self, owner: &str, repo: &str, tag: &str, name: &str) -> bool {
        let mut st = self.inner.state();
        let id = st
            .repo(owner, repo)
            .and_then(|r| r.release_by_tag(tag))
            .and_then(|rel| rel.assets.iter().find(|a| a.name == name))
            .map(|a| a.id);
        id.is_some_and(|id| st.delete_asset(owner, repo, id))
    }

    /// (name, `state`) of the release's assets in upload order: `uploaded`,
    /// or `starter` for an upload that never completed.
    pub fn asset_states(&self, owner: &str, repo: &str, tag: &str) -> Vec<(String, String)> {
        let st = self.inner.state();
        let Some(rel) = st.repo(owner, repo).and_then(|r| r.release_by_tag(tag)) else {
            return Vec::new();
        };
        rel.assets
            .iter()
            .map(|a| (a.name.clone(), payload::asset_state(a).to_string()))
            .collect()
    }

    /// How many workflow runs dispatches have started.
    pub fn workflow_run_count(&self) -> usize {
        self.inner.state().runs.len()
    }

    /// (name, content) of the release's assets in upload order; empty if the
    /// release does not exist.
    pub fn assets(&self, owner: &str, repo: &str, tag: &str) -> Vec<(String, Vec<u8>)> {
        let st = self.inner.state();
        let Some(rel) = st.repo(owner, repo).and_then(|r| r.release_by_tag(tag)) else {
            return Vec::new();
        };
        rel.assets
            .iter()
            .map(|a| (a.name.clone(), a.content.clone()))
            .collect()
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.inner.state().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.inner.state().requests.clear();
    }

    pub fn dispatches(&self) -> Vec<Dispatch> {
        self.inner.state().dispatches.clone()
    }

    pub fn inject(&self, fault: Fault) {
        self.inner.state().faults.push(fault);
    }
}

impl LoggedRequest {
    pub fn to_json(&self) -> Value {
        json!({
            "method": self.method, "origin": self.origin.as_str(), "path": self.path,
            "status": self.status, "authenticated": self.authenticated, "accept": self.accept,
        })
    }
}

impl Dispatch {
    pub fn to_json(&self) -> Value {
        json!({
            "owner": self.owner, "repo": self.repo, "workflow": self.workflow,
            "ref": self.git_ref, "inputs": self.inputs,
        })
    }
}

/// `api/v3/` → `/api/v3`; empty stays empty.
fn normalise_prefix(p: &str) -> String {
    let p = p.trim_matches('/');
    if p.is_empty() {
        String::new()
    } else {
        format!("/{p}")
    }
}

fn content_type_for(name: &str) -> &'static str {
    if name.ends_with(".json") {
        "application/json"
    } else {
        "application/octet-stream"
    }
}

fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
