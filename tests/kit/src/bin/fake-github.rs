//! The fake GitHub as a process, for bin/demo and manual runs.
//!
//!     fake-github [--api-prefix /api/v3] [--uploads-prefix /api/uploads]
//!                 [--token-file PATH] [--exit-on-stdin-eof]
//!
//! Prints one JSON line, `{"api_url":…,"uploads_url":…,"storage_url":…}`,
//! then serves until killed (or until stdin closes, with
//! `--exit-on-stdin-eof`, so a parent that dies takes the fake with it).
//! Seed it through `/_fake/…` on the api origin (see `testkit::github`).

use std::io::Write;
use std::process::ExitCode;
use testkit::github::{FakeGitHub, Options};

const USAGE: &str = "usage: fake-github [--api-prefix P] [--uploads-prefix P] [--token-file PATH] [--exit-on-stdin-eof]";

struct Args {
    opts: Options,
    exit_on_stdin_eof: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        opts: Options::default(),
        exit_on_stdin_eof: false,
    };
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--api-prefix" => parsed.opts.api_prefix = value()?,
            "--uploads-prefix" => parsed.opts.uploads_prefix = value()?,
            "--token-file" => {
                let path = value()?;
                let token = std::fs::read_to_string(&path)
                    .map_err(|e| format!("--token-file {path}: {e}"))?;
                // The file's trailing newline is not part of the token.
                parsed.opts.token = Some(token.trim().to_string());
            }
            "--exit-on-stdin-eof" => parsed.exit_on_stdin_eof = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let gh = FakeGitHub::start_with(args.opts);
    let line = serde_json::json!({
        "api_url": gh.api_url(),
        "uploads_url": gh.uploads_url(),
        "storage_url": gh.storage_origin(),
    });
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    drop(out);
    if args.exit_on_stdin_eof {
        // Reading to EOF blocks until the parent closes our stdin or exits.
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        return ExitCode::SUCCESS;
    }
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags() {
        let args = ["--api-prefix", "/api/v3", "--exit-on-stdin-eof"].map(String::from);
        let a = parse(args.into_iter()).unwrap();
        assert_eq!(a.opts.api_prefix, "/api/v3");
        assert!(a.exit_on_stdin_eof && a.opts.token.is_none());
        assert!(parse(["--bogus".to_string()].into_iter()).is_err());
        assert!(parse(["--token-file".to_string()].into_iter()).is_err());
    }

    #[test]
    fn token_file_is_trimmed() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(b"ghp_abc\n").unwrap();
        let path = f.path().to_str().unwrap().to_string();
        let a = parse(["--token-file".to_string(), path].into_iter()).unwrap();
        assert_eq!(a.opts.token.as_deref(), Some("ghp_abc"));
    }
}
