//! The world of a black-box test: the built executable run through
//! check/in/out links with an empty environment, a fake GitHub with a private
//! repository, and (for `out`) a moto server. Every completed run goes through
//! `Run` (run.rs), every background one through `World::checked`: both assert
//! that no canary secret reached stdout, stderr, written files or uploaded
//! records.
#![allow(dead_code)] // each test binary uses a different part of the kit

mod run;
#[allow(unused_imports)] // not every test binary runs a step to completion
pub use run::{Run, binary};

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use testkit::github::{FakeGitHub, LoggedRequest, Options};
use testkit::moto::Moto;
pub use testkit::run::Output;
use testkit::run::{Resource, Running, assert_dir_has_no_canaries, assert_no_canaries};

#[allow(unused_imports)]
pub use testkit::moto::{AMI_NEW, AMI_OLD, AMI_OTHER};

pub const OWNER: &str = "dwp";
pub const REPO: &str = "aws-concourse";
pub const REGION: &str = "eu-west-2";
pub const TEST: &str = "concourse";

/// Values that must never be shown anywhere.
pub const GH_TOKEN: &str = "ghp_CANARYtoken0123456789abcdefABCDEF";
pub const AWS_SECRET: &str = "CANARYawsSecretKey/0123456789abcdefXYZ";
pub const AWS_SESSION: &str = "CANARYsessionToken0123456789";
pub const OTHER_SECRET: &str = "CANARYotherKeyOfTheAmiIdsSecret";
pub const CANARIES: &[&str] = &[GH_TOKEN, AWS_SECRET, AWS_SESSION, OTHER_SECRET];

/// The standard AWS chain's environment for CLI runs, with the canary secret.
pub const CLI_AWS_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLETESTING"),
    ("AWS_SECRET_ACCESS_KEY", AWS_SECRET),
];

pub struct World {
    pub gh: FakeGitHub,
    pub moto: Option<Moto>,
    pub res: Resource,
    pub dir: TempDir,
    tags: std::cell::RefCell<Vec<String>>,
}

/// The environment Concourse gives a step: none to `check` (it may not even
/// have `HOME`), the build's to `in` and `out`.
pub fn step_env(step: &str) -> &'static [(&'static str, &'static str)] {
    if step == "check" { &[] } else { BUILD_ENV }
}

/// The environment Concourse gives `in` and `out`.
pub const BUILD_ENV: &[(&str, &str)] = &[
    ("BUILD_ID", "991"),
    ("BUILD_NAME", "12"),
    ("BUILD_JOB_NAME", "ami-test"),
    ("BUILD_PIPELINE_NAME", "concourse"),
    ("BUILD_TEAM_NAME", "dataworks"),
    ("ATC_EXTERNAL_URL", "https://ci.wip.example"),
];

impl World {
    /// GitHub only (check and in).
    pub fn github() -> World {
        Self::build(None, Options::default())
    }

    /// GitHub and moto (out).
    pub fn full() -> World {
        Self::build(Some(Moto::start()), Options::default())
    }

    pub fn build(moto: Option<Moto>, mut opts: Options) -> World {
        opts.token = Some(GH_TOKEN.to_owned());
        let gh = FakeGitHub::start_with(opts);
        gh.create_repo(OWNER, REPO, true);
        World {
            gh,
            moto,
            res: Resource::new(&binary()),
            dir: tempfile::tempdir().unwrap(),
            tags: Default::default(),
        }
    }

    pub fn moto(&self) -> &Moto {
        self.moto.as_ref().expect("this world has no moto")
    }

    pub fn release(&self, tag: &str) -> u64 {
        self.tags.borrow_mut().push(tag.to_owned());
        self.gh.create_release(OWNER, REPO, tag)
    }

    /// A result asset as `out` would have left it (a minimal valid record).
    pub fn result(&self, tag: &str, ami: &str, result: &str) -> u64 {
        self.result_for(TEST, tag, ami, result)
    }

    pub fn result_for(&self, test: &str, tag: &str, ami: &str, result: &str) -> u64 {
        let name = format!("{test}.{ami}.{result}.json");
        self.gh
            .add_asset(OWNER, REPO, tag, &name, &record(test, tag, ami, result))
    }

    /// Result asset names on a release, in upload order.
    pub fn results(&self, tag: &str) -> Vec<String> {
        self.gh
            .assets(OWNER, REPO, tag)
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    /// `source` for GitHub (and AWS when moto runs), with canary credentials.
    pub fn source(&self) -> Value {
        let mut s = json!({
            "test_name": TEST,
            "owner": OWNER,
            "repository": REPO,
            "access_token": GH_TOKEN,
            "github_api_url": self.gh.api_url(),
        });
        if let Some(m) = &self.moto {
            s["aws_region"] = json!(REGION);
            s["aws_endpoint"] = json!(m.endpoint());
            s["aws_access_key_id"] = json!("AKIAEXAMPLETESTING");
            s["aws_secret_access_key"] = json!(AWS_SECRET);
            s["aws_session_token"] = json!(AWS_SESSION);
        }
        s
    }

    pub fn check(&self, version: Option<Value>) -> Output {
        let mut req = json!({"source": self.source()});
        if let Some(v) = version {
            req["version"] = v;
        }
        self.step("check").request(&req).run()
    }

    /// `in` into a fresh directory under the world's temp dir.
    pub fn get(&self, version: Value, params: Value) -> (Output, PathBuf) {
        let dest = self.dir.path().join(format!("get-{}", rand_suffix()));
        let req = json!({"source": self.source(), "version": version, "params": params});
        let out = self.step("in").arg(&dest).request(&req).run();
        (out, dest)
    }

    /// The sources directory of a put, with `untested-ami/id` and
    /// `ami-test-release/tag` as the pipeline's gets leave them.
    pub fn sources(&self, ami: &str, tag: &str) -> PathBuf {
        let dir = self.dir.path().join(format!("src-{}", rand_suffix()));
        std::fs::create_dir_all(dir.join("untested-ami")).unwrap();
        std::fs::create_dir_all(dir.join("ami-test-release")).unwrap();
        std::fs::write(dir.join("untested-ami/id"), format!("{ami}\n")).unwrap();
        std::fs::write(dir.join("ami-test-release/tag"), tag).unwrap();
        dir
    }

    pub fn put(&self, source: Value, params: Value, sources: &Path) -> Output {
        let req = json!({"source": source, "params": params});
        self.step("out").arg(sources).request(&req).run()
    }

    /// The usual put: AMI and release from files.
    pub fn put_files(&self, source: Value, ami: &str, tag: &str, extra: Value) -> Output {
        let sources = self.sources(ami, tag);
        let mut params =
            json!({"ami_id_file": "untested-ami/id", "release_file": "ami-test-release/tag"});
        for (k, v) in extra.as_object().unwrap() {
            params[k] = v.clone();
        }
        self.put(source, params, &sources)
    }

    /// A Concourse fleet: `n` running `ci-concourse-*` instances on `ami`.
    pub fn fleet(&self, ami: &str, n: usize) -> Vec<String> {
        self.moto()
            .run_instances(REGION, ami, n, Some("ci-concourse-worker"), &[])
    }
}

pub fn version(tag: &str, ami: &str, result: &str) -> Value {
    json!({"release": tag, "ami_id": ami, "result": result})
}

/// A minimal valid record, as a seeded asset's content.
pub fn record(test: &str, tag: &str, ami: &str, result: &str) -> Vec<u8> {
    serde_json::to_vec_pretty(&json!({
        "schema": 1, "test_name": test, "release": tag, "ami_id": ami,
        "ami_source": {"param": "ami_id", "file": null},
        "result": result, "reasons": [format!("seeded {result}")],
        "tested_at": "2026-12-01T10:00:00Z", "region": REGION,
        "instance_name": "ci-concourse-*", "instance_filters": {}, "min_instances": 1,
        "counts": {"observed": 1, "running": 1, "matching": 1, "mismatched": 0, "unsettled": 0, "ignored": 0},
        "instances": [], "secret_check": null,
        "build": {"id": null, "name": null, "job": null, "pipeline": null, "team": null, "url": null}
    }))
    .unwrap()
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

/// stderr is one line (the prelude's error contract).
pub fn one_error_line(out: &Output) -> &str {
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr: {out:?}");
    lines[0]
}

/// Background steps (crash and concurrency tests), kept apart from the block
/// above so each test file's helpers stay easy to find.
impl World {
    /// The leak checks every step goes through (`Run` and background steps):
    /// stdout, stderr, every written file and every uploaded record.
    pub fn checked(&self, out: Output) -> Output {
        assert_no_canaries(CANARIES, &[&out.stdout, &out.stderr]);
        assert_dir_has_no_canaries(CANARIES, self.dir.path());
        for tag in self.tags.borrow().iter() {
            for (name, content) in self.gh.assets(OWNER, REPO, tag) {
                let text = String::from_utf8_lossy(&content);
                assert_no_canaries(CANARIES, &[&name, &text]);
            }
        }
        out
    }

    /// Starts a step in the background, with the environment `step` gives it.
    /// End it with `w.checked(running.wait())` or `w.checked(running.kill())`.
    pub fn spawn(&self, step: &str, args: &[&str], request: &Value) -> Running {
        self.res
            .spawn_step(step, args, request.to_string().as_bytes(), step_env(step))
    }

    /// `put_files`, started in the background.
    pub fn spawn_put_files(&self, source: Value, ami: &str, tag: &str, extra: Value) -> Running {
        let sources = self.sources(ami, tag);
        let mut params =
            json!({"ami_id_file": "untested-ami/id", "release_file": "ami-test-release/tag"});
        for (k, v) in extra.as_object().unwrap() {
            params[k] = v.clone();
        }
        let req = json!({"source": source, "params": params});
        self.spawn("out", &[sources.to_str().unwrap()], &req)
    }

    /// Waits until the fake GitHub has logged a request `matches` accepts, and
    /// returns it; panics with the log after `limit`.
    pub fn wait_for_request(
        &self,
        limit: Duration,
        matches: impl Fn(&LoggedRequest) -> bool,
    ) -> LoggedRequest {
        let started = Instant::now();
        loop {
            if let Some(r) = self.gh.requests().into_iter().find(|r| matches(r)) {
                return r;
            }
            assert!(
                started.elapsed() < limit,
                "the awaited request did not come within {limit:?}; log: {:#?}",
                self.gh.requests()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `source` with AWS reached through `endpoint` (a fault proxy).
    pub fn source_via(&self, endpoint: &str) -> Value {
        let mut s = self.source();
        s["aws_endpoint"] = json!(endpoint);
        s
    }

    /// The release's assets parsed as records; panics unless every one is a
    /// complete record whose name is `<test>.<ami>.<RESULT>.json` of its own
    /// content and whose release is `tag`. Returns (asset name, record).
    pub fn complete_results(&self, tag: &str) -> Vec<(String, Value)> {
        self.gh
            .assets(OWNER, REPO, tag)
            .into_iter()
            .map(|(name, content)| {
                let rec: Value = serde_json::from_slice(&content).unwrap_or_else(|e| {
                    panic!(
                        "{name} on release {tag} is not a JSON record ({e}): {}",
                        String::from_utf8_lossy(&content)
                    )
                });
                let expected = format!(
                    "{}.{}.{}.json",
                    rec["test_name"].as_str().unwrap_or("?"),
                    rec["ami_id"].as_str().unwrap_or("?"),
                    rec["result"].as_str().unwrap_or("?")
                );
                assert_eq!(name, expected, "asset name vs its record: {rec}");
                assert_eq!(rec["release"], tag, "{name}: {rec}");
                assert!(
                    rec["reasons"].as_array().is_some_and(|r| !r.is_empty()),
                    "{name} has no reasons: {rec}"
                );
                (name, rec)
            })
            .collect()
    }
}

/// The asset name of a result of the default test.
pub fn asset(ami: &str, result: &str) -> String {
    format!("{TEST}.{ami}.{result}.json")
}

/// Runs scenarios on their own threads at once (for tests that mostly wait on
/// timeouts), then panics naming every scenario that failed; each failure's
/// own message is printed as it happens, under the scenario's thread name.
pub fn side_by_side(scenarios: &[(&str, fn())]) {
    let failed: Vec<&str> = std::thread::scope(|s| {
        let handles: Vec<_> = scenarios
            .iter()
            .map(|(name, f)| {
                let h = std::thread::Builder::new()
                    .name((*name).to_owned())
                    .spawn_scoped(s, f)
                    .expect("spawn a scenario thread");
                (*name, h)
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|(name, h)| h.join().is_err().then_some(name))
            .collect()
    });
    assert!(failed.is_empty(), "scenarios failed: {failed:?}");
}
