//! `Run`: the one way a test runs a program to completion. assert_cmd does the
//! running (empty environment, a fresh working directory, stdin written, output
//! drained, killed at the step limit); `Run` adds the defaults Concourse gives
//! (the `check`/`in`/`out` links, the build environment) and the canary checks,
//! which no completed run can skip: stdout and stderr always, and in a `World`
//! also every written file and uploaded record. A test then reads given →
//! when → then: `w.step("check").request(&req).env(k, v).run()`.
//!
//! What assert_cmd cannot do (a step started in the background, then waited
//! for or killed) stays in `testkit::run::Running`; both end in one `Output`.

use super::{CANARIES, CLI_AWS_ENV, World};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use testkit::run::{Output, Resource, STEP_LIMIT, assert_no_canaries};

/// The built executable, as cargo built it for these tests.
pub fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("ami-test-resource").to_path_buf()
}

/// One run of a program, configured by chaining, ended by `run`.
pub struct Run<'w> {
    cmd: assert_cmd::Command,
    stdin: Vec<u8>,
    /// Killed past this (SIGKILL, by assert_cmd).
    limit: Duration,
    /// Where leaks are looked for beyond stdout and stderr.
    world: Option<&'w World>,
    /// Kept until the run ends: the links it runs through, its working directory.
    _links: Option<Resource>,
    _cwd: TempDir,
}

impl Run<'static> {
    /// The command-line face: the executable under its own name, with `args`
    /// and the standard AWS chain's environment (canary secret key).
    pub fn cli(args: &[&str]) -> Self {
        let mut run = Run::program(binary());
        run.cmd.args(args).envs(CLI_AWS_ENV.iter().copied());
        run
    }

    /// `compare --ami AMI --region eu-west-2 --endpoint ENDPOINT`; add flags
    /// with `args`.
    pub fn compare(endpoint: &str, ami: &str) -> Self {
        Run::cli(&[
            "compare",
            "--ami",
            ami,
            "--region",
            super::REGION,
            "--endpoint",
            endpoint,
        ])
    }

    /// A resource step (`check`, `in`, `out`) through its own links, with no
    /// world around it: for input that is refused before any network call.
    pub fn step(name: &str) -> Self {
        let links = Resource::new(&binary());
        let mut run = Run::program(links.path(name));
        run._links = Some(links);
        run
    }
}

impl World {
    /// A step through this world's links, with the environment Concourse gives
    /// it (`step_env`); its run is checked for leaks into this world's files
    /// and records too.
    pub fn step(&self, name: &str) -> Run<'_> {
        let mut run = Run::program(self.res.path(name)).envs(super::step_env(name));
        run.world = Some(self);
        run
    }
}

impl Run<'_> {
    /// Any program under test (a shipped script, a pipeline's task), with an
    /// empty environment in a fresh, empty working directory.
    pub fn program(program: impl AsRef<OsStr>) -> Self {
        let cwd = tempfile::Builder::new()
            .prefix("run-cwd-")
            .tempdir()
            .expect("temp dir");
        let mut cmd = assert_cmd::Command::new(program);
        cmd.env_clear().current_dir(cwd.path());
        Run {
            cmd,
            stdin: Vec::new(),
            limit: STEP_LIMIT,
            world: None,
            _links: None,
            _cwd: cwd,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn envs(mut self, vars: &[(&str, &str)]) -> Self {
        self.cmd.envs(vars.iter().copied());
        self
    }

    /// Kills the program past `limit` instead of the step limit.
    pub fn limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// Runs in `dir` instead of a fresh empty directory.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = bytes.into();
        self
    }

    /// A request on stdin, as Concourse sends it.
    pub fn request(self, request: &Value) -> Self {
        self.stdin(request.to_string())
    }

    /// Runs to completion and checks for leaks.
    ///
    /// stdin is always written, if only to close it at once: assert_cmd pipes
    /// it, and what a step reads is then the test's statement rather than
    /// whichever of its dependencies happens to close the pipe. The limit
    /// counts from the end of that write (assert_cmd joins its writer first):
    /// every program here reads its input whole or exits, which ends the write.
    pub fn run(mut self) -> Output {
        let started = Instant::now();
        let out = self
            .cmd
            .write_stdin(std::mem::take(&mut self.stdin))
            .timeout(self.limit)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", self.cmd.get_program()));
        let elapsed = started.elapsed();
        let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        // assert_cmd kills at the limit with SIGKILL: no exit code. Say so, as
        // the code alone (-1) would read like a crash.
        if out.status.code().is_none() && elapsed >= self.limit {
            let limit = self.limit;
            stderr.push_str(&format!("\n[test] killed: still running after {limit:?}\n"));
        }
        let out = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr,
            elapsed,
        };
        match self.world {
            Some(world) => world.checked(out),
            None => {
                assert_no_canaries(CANARIES, &[&out.stdout, &out.stderr]);
                out
            }
        }
    }
}
