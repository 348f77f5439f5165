//! The fake's data: repositories, releases, assets, and the logs. Times are
//! minutes on a fake clock (see `payload::timestamp`) so ordering in tests is
//! exact and reproducible.

use super::{Dispatch, Fault, LoggedRequest};

/// A run of a workflow, as a dispatch starts it. `created` is real time
/// (epoch seconds): clients filter runs with `created=>=` the server's `Date`.
#[derive(Clone, Debug)]
pub(crate) struct WorkflowRun {
    pub id: u64,
    pub owner: String,
    pub repo: String,
    pub workflow: String,
    pub head_branch: String,
    pub created: u64,
}

/// Ids beyond `i32::MAX`, as GitHub's asset ids are heading: a client that
/// stores them in 32 bits breaks here, not in production.
const FIRST_ASSET_ID: u64 = 3_000_000_001;
const FIRST_RELEASE_ID: u64 = 190_000_001;
const FIRST_REPO_ID: u64 = 700_000_001;
const FIRST_RUN_ID: u64 = 12_000_000_001;

pub(crate) struct Asset {
    pub id: u64,
    pub name: String,
    pub label: Option<String>,
    pub content_type: String,
    pub content: Vec<u8>,
    pub created: u64,
    pub downloads: u64,
    /// GitHub lists an asset whose upload never completed as `starter`
    /// (size 0); only `uploaded` assets can be downloaded.
    pub uploaded: bool,
}

pub(crate) struct Release {
    pub id: u64,
    pub tag: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub target: String,
    pub draft: bool,
    pub prerelease: bool,
    /// GitHub's `created_at`: the date of the tagged commit, not of the
    /// release (a release cut later on an older commit sorts earlier).
    pub created: u64,
    pub assets: Vec<Asset>,
}

pub(crate) struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub private: bool,
    pub releases: Vec<Release>,
}

/// What `POST /repos/{o}/{r}/releases` (or seeding) asks for.
#[derive(Default)]
pub(crate) struct NewRelease {
    pub tag: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub target: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    /// The tagged commit's date (fake-clock minutes); `None`: a new commit,
    /// dated now.
    pub commit_time: Option<u64>,
}

pub(crate) struct NewAsset<'a> {
    pub name: &'a str,
    pub label: Option<String>,
    pub content_type: &'a str,
    pub content: &'a [u8],
    /// `false`: an upload that never completed (`state: starter`).
    pub uploaded: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AddError {
    NoRelease,
    Duplicate,
}

#[derive(Default)]
pub(crate) struct State {
    pub repos: Vec<Repo>,
    clock: u64,
    releases_made: u64,
    assets_made: u64,
    pub requests: Vec<LoggedRequest>,
    pub dispatches: Vec<Dispatch>,
    pub faults: Vec<Fault>,
    /// Workflow runs that dispatches started, oldest first.
    pub runs: Vec<WorkflowRun>,
    /// API requests answered so far, for `X-RateLimit-Used`.
    pub api_calls: u64,
}

impl Repo {
    pub fn release(&self, id: u64) -> Option<&Release> {
        self.releases.iter().find(|r| r.id == id)
    }

    pub fn release_mut(&mut self, id: u64) -> Option<&mut Release> {
        self.releases.iter_mut().find(|r| r.id == id)
    }

    pub fn release_by_tag(&self, tag: &str) -> Option<&Release> {
        self.releases.iter().find(|r| r.tag == tag)
    }

    /// Newest first, as GitHub lists them: creation time, then id, descending.
    pub fn newest_first(&self, include_drafts: bool) -> Vec<&Release> {
        let mut v: Vec<&Release> = self
            .releases
            .iter()
            .filter(|r| include_drafts || !r.draft)
            .collect();
        v.sort_by_key(|r| std::cmp::Reverse((r.created, r.id)));
        v
    }
}

impl State {
    /// Records the run a dispatch starts; returns its id.
    pub fn start_run(&mut self, d: &Dispatch, created: u64) -> u64 {
        let id = FIRST_RUN_ID + self.runs.len() as u64;
        self.runs.push(WorkflowRun {
            id,
            owner: d.owner.clone(),
            repo: d.repo.clone(),
            workflow: d.workflow.clone(),
            head_branch: d.git_ref.clone(),
            created,
        });
        id
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Owner and repository names are case-insensitive on GitHub.
    pub fn repo(&self, owner: &str, name: &str) -> Option<&Repo> {
        self.repos
            .iter()
            .find(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    pub fn repo_mut(&mut self, owner: &str, name: &str) -> Option<&mut Repo> {
        self.repos
            .iter_mut()
            .find(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    pub fn repo_by_id(&self, id: u64) -> Option<&Repo> {
        self.repos.iter().find(|r| r.id == id)
    }

    /// Creates the repository, or changes its visibility if it exists.
    pub fn create_repo(&mut self, owner: &str, name: &str, private: bool) {
        if let Some(r) = self.repo_mut(owner, name) {
            r.private = private;
            return;
        }
        let id = FIRST_REPO_ID + self.repos.len() as u64;
        let (owner, name) = (owner.to_string(), name.to_string());
        self.repos.push(Repo {
            id,
            owner,
            name,
            private,
            releases: Vec::new(),
        });
    }

    /// Adds a release; `Err(())` if the tag is taken. A missing repository
    /// is created public, so seeding needs no ceremony.
    pub fn add_release(&mut self, owner: &str, name: &str, new: NewRelease) -> Result<u64, ()> {
        if self.repo(owner, name).is_none() {
            self.create_repo(owner, name, false);
        }
        if self
            .repo(owner, name)
            .and_then(|r| r.release_by_tag(&new.tag))
            .is_some()
        {
            return Err(());
        }
        let now = self.tick();
        let created = new.commit_time.unwrap_or(now);
        let id = FIRST_RELEASE_ID + self.releases_made;
        self.releases_made += 1;
        let release = Release {
            id,
            tag: new.tag,
            name: new.name,
            body: new.body,
            target: new.target.unwrap_or_else(|| "main".into()),
            draft: new.draft,
            prerelease: new.prerelease,
            created,
            assets: Vec::new(),
        };
        self.repo_mut(owner, name)
            .expect("repo just ensured")
            .releases
            .push(release);
        Ok(id)
    }

    pub fn add_asset(
        &mut self,
        owner: &str,
        repo: &str,
        release: u64,
        new: NewAsset,
    ) -> Result<u64, AddError> {
        let rel = self
            .repo(owner, repo)
            .and_then(|r| r.release(release))
            .ok_or(AddError::NoRelease)?;
        if rel.assets.iter().any(|a| a.name == new.name) {
            return Err(AddError::Duplicate);
        }
        let created = self.tick();
        let id = FIRST_ASSET_ID + self.assets_made;
        self.assets_made += 1;
        let asset = Asset {
            id,
            name: new.name.to_string(),
            label: new.label,
            content_type: new.content_type.to_string(),
            content: if new.uploaded {
                new.content.to_vec()
            } else {
                Vec::new()
            },
            created,
            downloads: 0,
            uploaded: new.uploaded,
        };
        let rel = self
            .repo_mut(owner, repo)
            .and_then(|r| r.release_mut(release))
            .expect("release checked");
        rel.assets.push(asset);
        Ok(id)
    }

    /// Removes an asset by id anywhere in the repository; false if missing.
    pub fn delete_asset(&mut self, owner: &str, repo: &str, asset: u64) -> bool {
        let Some(r) = self.repo_mut(owner, repo) else {
            return false;
        };
        for rel in &mut r.releases {
            if let Some(i) = rel.assets.iter().position(|a| a.id == asset) {
                rel.assets.remove(i);
                return true;
            }
        }
        false
    }

    pub fn find_asset(&self, asset: u64) -> Option<(&Repo, &Release, &Asset)> {
        self.repos.iter().find_map(|repo| {
            repo.releases.iter().find_map(|rel| {
                rel.assets
                    .iter()
                    .find(|a| a.id == asset)
                    .map(|a| (repo, rel, a))
            })
        })
    }

    pub fn find_asset_mut(&mut self, asset: u64) -> Option<&mut Asset> {
        self.repos
            .iter_mut()
            .flat_map(|r| r.releases.iter_mut())
            .flat_map(|rel| rel.assets.iter_mut())
            .find(|a| a.id == asset)
    }

    /// The first armed fault matching the request, consuming one of its
    /// `times`; exhausted faults are dropped. A matching rule that still has
    /// requests to `skip` counts this one off and lets it on to later rules.
    pub fn take_fault(
        &mut self,
        origin: super::Origin,
        method: &str,
        target: &str,
    ) -> Option<Fault> {
        let mut found = None;
        for (i, f) in self.faults.iter_mut().enumerate() {
            if f.times == 0 || !f.matches(origin, method, target) {
                continue;
            }
            if f.skip > 0 {
                f.skip -= 1;
                continue;
            }
            found = Some(i);
            break;
        }
        let i = found?;
        self.faults[i].times -= 1;
        let fault = self.faults[i].clone();
        if self.faults[i].times == 0 {
            self.faults.remove(i);
        }
        Some(fault)
    }
}
