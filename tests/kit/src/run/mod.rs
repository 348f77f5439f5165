//! What the black-box tests need beyond assert_cmd (which runs a program to
//! completion): the `check`, `in` and `out` links to the built executable (as
//! in `/opt/resource/`), a step started in the background and then waited for
//! or killed (crash and concurrency tests), the `Output` both kinds of run end
//! in, and the canary checks that every run's output goes through.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// A step running longer than this is killed (and its Output says so).
pub const STEP_LIMIT: Duration = Duration::from_secs(180);

#[derive(Debug)]
pub struct Output {
    /// Exit code; -1 if killed by a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Output {
    /// stdout as exactly one JSON document (as Concourse reads it); panics
    /// showing both streams otherwise.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}).\n{}",
                self.describe()
            )
        })
    }

    /// Both streams and the exit code, for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "exit code {} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

pub struct Resource {
    dir: tempfile::TempDir,
}

impl Resource {
    /// A directory with `check`, `in` and `out` linked to `binary`.
    pub fn new(binary: &Path) -> Resource {
        let binary = binary
            .canonicalize()
            .unwrap_or_else(|e| panic!("resource binary {}: {e}", binary.display()));
        let dir = tempfile::Builder::new()
            .prefix("testkit-resource-")
            .tempdir()
            .expect("temp dir");
        for name in ["check", "in", "out"] {
            std::os::unix::fs::symlink(&binary, dir.path().join(name))
                .expect("symlink resource step");
        }
        Resource { dir }
    }

    /// The link for a step, e.g. `…/check`.
    pub fn path(&self, name: &str) -> PathBuf {
        assert!(
            ["check", "in", "out"].contains(&name),
            "no resource step named {name:?}"
        );
        self.dir.path().join(name)
    }

    /// Starts a step in the background with only `env` in its environment and
    /// `stdin` written to it; `Running::wait` or `Running::kill` ends it.
    pub fn spawn_step(
        &self,
        name: &str,
        args: &[&str],
        stdin: &[u8],
        env: &[(&str, &str)],
    ) -> Running {
        spawn(&self.path(name), args, stdin, env)
    }
}

/// Starts the program in a fresh working directory with only `env`, feeding
/// `stdin` and draining both pipes on threads: a child blocked on a full
/// pipe, or one that never reads its input, must not deadlock the test.
fn spawn(program: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Running {
    let cwd = tempfile::Builder::new()
        .prefix("testkit-cwd-")
        .tempdir()
        .expect("temp dir");
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .current_dir(cwd.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    if let Some(mut pipe) = child.stdin.take() {
        let data = stdin.to_vec();
        thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    Running {
        child,
        stdout: Some(stdout),
        stderr: Some(stderr),
        started,
        _cwd: cwd,
    }
}

/// A step started in the background (`Resource::spawn_step`): its standard
/// input written, its output collected. Waited for or killed once; dropping
/// it unwaited kills it, so a failing test leaves no process behind.
pub struct Running {
    child: Child,
    stdout: Option<thread::JoinHandle<String>>,
    stderr: Option<thread::JoinHandle<String>>,
    started: Instant,
    _cwd: tempfile::TempDir,
}

impl Running {
    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the step has exited (its output stays to be collected).
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits for the step to end on its own (killed after the usual limit).
    pub fn wait(self) -> Output {
        self.wait_limited(STEP_LIMIT)
    }

    /// SIGKILL, as when a worker dies or a build is aborted hard: the step
    /// gets no chance to clean up. `code` is -1 unless it had already exited.
    pub fn kill(mut self) -> Output {
        let _ = self.child.kill();
        self.collect()
    }

    fn wait_limited(mut self, limit: Duration) -> Output {
        let killed = wait_limited(&mut self.child, limit).1;
        let mut out = self.collect();
        if killed {
            out.stderr
                .push_str(&format!("\n[test] killed: still running after {limit:?}\n"));
        }
        out
    }

    /// Reaps the child and joins the pipe threads (the pipes close with it).
    fn collect(mut self) -> Output {
        let status = self.child.wait().expect("wait for child");
        let elapsed = self.started.elapsed();
        let join = |h: Option<thread::JoinHandle<String>>| {
            h.map(|h| h.join().unwrap_or_default()).unwrap_or_default()
        };
        Output {
            code: status.code().unwrap_or(-1),
            stdout: join(self.stdout.take()),
            stderr: join(self.stderr.take()),
            elapsed,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Waits for the child, killing it past `limit`. Returns (status, killed).
fn wait_limited(child: &mut Child, limit: Duration) -> (ExitStatus, bool) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            return (status, false);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            return (child.wait().expect("wait for killed child"), true);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Panics if any canary (e.g. a token or secret key) occurs in any text. The
/// message says where, masking the canary: a failing test must not itself
/// leak the secret into CI logs.
pub fn assert_no_canaries(canaries: &[&str], texts: &[&str]) {
    check_canaries(canaries);
    for (t, text) in texts.iter().enumerate() {
        if let Some((c, pos)) = find_canary(canaries, text.as_bytes()) {
            panic!(
                "canary #{c} ({} bytes) found in text #{t} at byte {pos}: …{}…",
                canaries[c].len(),
                masked_context(canaries, text)
            );
        }
    }
}

/// Like `assert_no_canaries` for every file (contents, names and symlink
/// targets) under `dir`, recursively.
pub fn assert_dir_has_no_canaries(canaries: &[&str], dir: &Path) {
    check_canaries(canaries);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let shown = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        if let Some((c, pos)) = find_canary(canaries, shown.as_bytes()) {
            panic!(
                "canary #{c} found in the file name {:?} at byte {pos}",
                mask(canaries, &shown)
            );
        }
        let meta =
            fs::symlink_metadata(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let bytes = if meta.is_dir() {
            let entries = fs::read_dir(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            stack.extend(entries.map(|e| e.expect("dir entry").path()));
            continue;
        } else if meta.file_type().is_symlink() {
            fs::read_link(&path)
                .expect("read link")
                .into_os_string()
                .into_encoded_bytes()
        } else {
            fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        if let Some((c, pos)) = find_canary(canaries, &bytes) {
            panic!(
                "canary #{c} ({} bytes) found in {}/{shown} at byte {pos}",
                canaries[c].len(),
                dir.display()
            );
        }
    }
}

fn check_canaries(canaries: &[&str]) {
    // An empty canary would match everywhere and make the check meaningless.
    assert!(canaries.iter().all(|c| !c.is_empty()), "a canary is empty");
}

/// The first occurrence of any canary: (canary index, byte offset).
fn find_canary(canaries: &[&str], hay: &[u8]) -> Option<(usize, usize)> {
    canaries
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            hay.windows(c.len())
                .position(|w| w == c.as_bytes())
                .map(|p| (i, p))
        })
        .min_by_key(|&(_, p)| p)
}

fn mask(canaries: &[&str], text: &str) -> String {
    canaries
        .iter()
        .enumerate()
        .fold(text.to_string(), |t, (i, c)| {
            t.replace(c, &format!("<canary #{i}>"))
        })
}

/// About 40 bytes either side of the first occurrence. Masking the whole
/// text before cutting means no cut can split a canary and show part of it.
fn masked_context(canaries: &[&str], text: &str) -> String {
    let masked = mask(canaries, text);
    let at = masked.find("<canary #").unwrap_or(0);
    let start = floor_boundary(&masked, at.saturating_sub(40));
    let end = ceil_boundary(&masked, (at + 60).min(masked.len()));
    masked[start..end].to_string()
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests;
