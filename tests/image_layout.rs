//! The image's layout, without a container engine. `bin/image` (run by
//! `bin/test` wherever podman or Docker can be had) builds the real image and
//! runs the steps inside it; what is here holds on any machine: the Dockerfile
//! links /opt/resource/{check,in,out} to the binary on PATH, and the same links,
//! recreated here, make the binary act as each step with an empty environment
//! (as Concourse runs `check`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BINARY_IN_IMAGE: &str = "/usr/local/bin/ami-test-resource";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(trimmed);
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `(target, link)` of every `ln -s[f] TARGET LINK` in a RUN instruction.
fn symlinks(instructions: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for inst in instructions.iter().filter(|i| i.starts_with("RUN ")) {
        for command in inst[4..].split("&&").flat_map(|c| c.split(';')) {
            let words: Vec<&str> = command.split_whitespace().collect();
            if words.first() != Some(&"ln") {
                continue;
            }
            let operands: Vec<&str> = words[1..]
                .iter()
                .copied()
                .filter(|w| !w.starts_with('-'))
                .collect();
            let symbolic = words[1..]
                .iter()
                .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('s'));
            assert!(symbolic, "a hard link in the Dockerfile: {command}");
            assert_eq!(
                operands.len(),
                2,
                "ln with other than TARGET LINK: {command}"
            );
            out.push((operands[0].to_owned(), operands[1].to_owned()));
        }
    }
    out
}

fn dockerfile() -> String {
    std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile")
}

#[test]
fn the_steps_are_links_to_the_binary_on_path() {
    let mut links = symlinks(&instructions(&dockerfile()));
    links.sort();
    assert_eq!(
        links,
        ["check", "in", "out"]
            .map(|s| (BINARY_IN_IMAGE.to_owned(), format!("/opt/resource/{s}")))
            .to_vec()
    );
    assert!(
        !instructions(&dockerfile())
            .iter()
            .any(|i| i.starts_with("ENTRYPOINT") || i.starts_with("CMD")),
        "no entrypoint is needed: Concourse runs /opt/resource/* itself"
    );
}

#[test]
fn the_builder_builds_the_locked_release() {
    let all = instructions(&dockerfile());
    let froms: Vec<&String> = all.iter().filter(|i| i.starts_with("FROM ")).collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    assert!(
        all.iter()
            .any(|i| i.starts_with("RUN ") && i.contains("cargo build --release --locked")),
        "the builder runs cargo build --release --locked"
    );
}

#[test]
fn the_build_context_leaves_out_build_output_and_history() {
    let text = std::fs::read_to_string(root().join(".dockerignore")).expect(".dockerignore");
    let patterns: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_start_matches('/').trim_end_matches('/'))
        .collect();
    for dir in ["target", ".venv", ".git"] {
        assert!(
            patterns.contains(&dir) || patterns.contains(&format!("{dir}/**").as_str()),
            ".dockerignore does not exclude {dir}: {patterns:?}"
        );
    }
}

/// Run `path` with `args`, an empty environment and `stdin`.
fn run(path: &Path, args: &[&str], stdin: &str, cwd: &Path) -> (Option<i32>, String, String) {
    use std::io::Write;
    let mut child = Command::new(path)
        .args(args)
        .env_clear()
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_links_make_the_binary_each_step_with_no_environment() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_ami-test-resource"));
    let tmp = tempfile::tempdir().unwrap();
    // The image's tree, under tmp: the binary's place and the links the
    // Dockerfile makes, each pointing where the Dockerfile says (re-rooted).
    let image = tmp.path().join("image");
    let in_image = |p: &str| image.join(p.trim_start_matches('/'));
    let placed = in_image(BINARY_IN_IMAGE);
    std::fs::create_dir_all(placed.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&binary, &placed).unwrap();
    let links = symlinks(&instructions(&dockerfile()));
    assert_eq!(links.len(), 3);
    for (target, link) in &links {
        let link = in_image(link);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(in_image(target), &link).unwrap();
    }

    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let dir = work.to_str().unwrap();
    for (step, args) in [("check", vec![]), ("in", vec![dir]), ("out", vec![dir])] {
        let path = in_image(&format!("/opt/resource/{step}"));
        let (code, stdout, stderr) = run(&path, &args, r#"{"source":null}"#, &work);
        assert_eq!(code, Some(1), "{step}: {stderr}");
        assert_eq!(stdout, "", "{step}: stdout must stay empty on error");
        assert_eq!(stderr.trim_end(), "error: source is required", "{step}");
    }

    // Under its own name it is the CLI.
    let (code, stdout, stderr) = run(&placed, &["--version"], "", &work);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("ami-test-resource {}", env!("CARGO_PKG_VERSION"))
    );
}
