//! A corpus of malformed requests over the three steps: each must exit non-zero
//! with empty stdout and one line on stderr that names the culprit. No server is
//! needed: validation happens before any network call (the URLs point nowhere).

mod common;

use common::{CANARIES, Run};

const SRC: &str = r#""test_name":"concourse","owner":"dwp","repository":"aws-concourse","github_api_url":"http://127.0.0.1:9/""#;

/// (step, stdin, what stderr must contain)
fn corpus() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let s = |json: String| json.into_bytes();
    let src = |extra: &str| format!(r#"{{"source":{{{SRC}{extra}}}}}"#);
    let out = |params: &str| {
        format!(r#"{{"source":{{{SRC},"aws_region":"eu-west-2"}},"params":{params}}}"#)
    };
    vec![
        ("check", vec![], "no request on stdin"),
        ("in", b"   \n".to_vec(), "no request on stdin"),
        ("check", b"not json".to_vec(), "not valid JSON"),
        ("out", b"{\"source\":".to_vec(), "not valid JSON"),
        (
            "check",
            b"[]".to_vec(),
            "must be a JSON object, got an array",
        ),
        (
            "check",
            b"\"source\"".to_vec(),
            "must be a JSON object, got a string",
        ),
        (
            "check",
            b"{\"source\":{\"test_name\":\"\xff\xfe\"}}".to_vec(),
            "not UTF-8",
        ),
        (
            "check",
            s(r#"{"source":null}"#.into()),
            "source is required",
        ),
        ("in", s(r#"{}"#.into()), "source is required"),
        (
            "check",
            s(r#"{"source":[1]}"#.into()),
            "source must be a JSON object, got an array",
        ),
        (
            "check",
            s(r#"{"source":{},"sauce":1}"#.into()),
            "unknown key `sauce` in the request",
        ),
        (
            "check",
            s(src(r#","aws_regoin":"eu-west-2""#)),
            "unknown key `aws_regoin` in source",
        ),
        (
            "check",
            s(r#"{"source":{"owner":"dwp","repository":"r"}}"#.into()),
            "source.test_name is required",
        ),
        (
            "check",
            s(src(r#","min_instances":"lots""#)),
            "source.min_instances",
        ),
        (
            "check",
            s(src(r#","github_api_url":"ftp://ghe/""#)),
            "source.github_api_url",
        ),
        (
            "check",
            s(src(r#","aws_endpoint":"not a url""#)),
            "source.aws_endpoint",
        ),
        (
            "check",
            s(src(r#","results":["PASSED"]"#)),
            "source.results[0]",
        ),
        (
            "check",
            s(src(r#","instance_filters":{"tag:Env":"x"}"#)),
            "source.instance_filters.tag:Env",
        ),
        ("check", s(src(r#","owner":42"#)), "source.owner"),
        (
            "check",
            s(format!(
                r#"{{"source":{{{SRC}}},"version":{{"release":1,"ami_id":"ami-0123abcd","result":"SUCCESS"}}}}"#
            )),
            "version.release",
        ),
        (
            "check",
            s(format!(
                r#"{{"source":{{{SRC}}},"version":{{"release":"1","ami_id":"ami-0123abcd","result":"PASSED"}}}}"#
            )),
            "version.result",
        ),
        (
            "in",
            s(format!(
                r#"{{"source":{{{SRC}}},"version":{{"release":"1","ami_id":"ami-BAD","result":"SUCCESS"}}}}"#
            )),
            "version.ami_id",
        ),
        (
            "in",
            s(format!(
                r#"{{"source":{{{SRC}}},"version":{{"release":"1","ami_id":"ami-0123abcd","result":"SUCCESS","extra":"x"}}}}"#
            )),
            "unknown key `extra` in version",
        ),
        (
            "in",
            s(format!(r#"{{"source":{{{SRC}}}}}"#)),
            "version is required",
        ),
        (
            "in",
            s(format!(
                r#"{{"source":{{{SRC}}},"version":{{"release":"1","ami_id":"ami-0123abcd","result":"SUCCESS"}},"params":{{"require_success":"maybe"}}}}"#
            )),
            "params.require_success",
        ),
        (
            "check",
            s(format!(r#"{{"source":{{{SRC}}},"params":{{"x":1}}}}"#)),
            "params are not used by check",
        ),
        (
            "out",
            s(format!(
                r#"{{"source":{{{SRC}}},"params":{{"ami_id":"ami-0123abcd","release":"1"}}}}"#
            )),
            "source.aws_region is required",
        ),
        (
            "out",
            s(out(
                r#"{"ami_id":"ami-0123abcd","ami_id_file":"a/id","release":"1"}"#,
            )),
            "either ami_id or ami_id_file",
        ),
        (
            "out",
            s(out(r#"{"release":"1"}"#)),
            "params.ami_id or params.ami_id_file is required",
        ),
        (
            "out",
            s(out(r#"{"ami_id":"ami-0123abcd"}"#)),
            "params.release or params.release_file is required",
        ),
        (
            "out",
            s(out(r#"{"ami_id":"ami-0123ABCD","release":"1"}"#)),
            "params.ami_id",
        ),
        (
            "out",
            s(out(r#"{"ami_id_file":"../../etc/passwd","release":"1"}"#)),
            "params.ami_id_file",
        ),
        (
            "out",
            s(out(r#"{"ami_id_file":"/etc/hostname","release":"1"}"#)),
            "params.ami_id_file",
        ),
        (
            "out",
            s(out(
                r#"{"ami_id":"ami-0123abcd","release_file":"x/../../tag"}"#,
            )),
            "params.release_file",
        ),
        (
            "out",
            s(out(
                r#"{"ami_id":"ami-0123abcd","release":"1","wait_timeout":"ten minutes"}"#,
            )),
            "params.wait_timeout",
        ),
        (
            "out",
            s(out(
                r#"{"ami_id":"ami-0123abcd","release":"1","wait_interval":"0s"}"#,
            )),
            "params.wait_interval",
        ),
        (
            "out",
            s(out(
                r#"{"ami_id":"ami-0123abcd","release":"1","fail_on_failure":"yes"}"#,
            )),
            "params.fail_on_failure",
        ),
        (
            "out",
            s(out(
                r#"{"ami_id":"ami-0123abcd","release":"1","wait":"5m"}"#,
            )),
            "unknown key `wait` in params",
        ),
        (
            "out",
            s(out(r#"{"ami_id_file":"missing/id","release":"1"}"#)),
            "params.ami_id_file: cannot read missing/id",
        ),
        (
            "out",
            s(format!(
                r#"{{"source":{{{SRC},"aws_region":"eu-west-2","aws_secret_access_key":"{}"}},"params":{{"ami_id":"ami-0123abcd","release":"1"}}}}"#,
                CANARIES[1]
            )),
            "aws_access_key_id is required",
        ),
    ]
}

#[test]
fn every_malformed_request_fails_with_one_line_naming_the_culprit() {
    let dir = tempfile::tempdir().unwrap();
    let cases = corpus();
    assert!(cases.len() >= 25);
    for (step, stdin, expected) in &cases {
        let args: Vec<&str> = if *step == "check" {
            vec![]
        } else {
            vec![dir.path().to_str().unwrap()]
        };
        let out = Run::step(step).args(&args).stdin(stdin.clone()).run();
        let shown = String::from_utf8_lossy(stdin);
        assert_ne!(out.code, 0, "{step} accepted {shown}");
        assert_eq!(out.stdout, "", "{step} printed on stdout for {shown}");
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "{step} {shown}: stderr is not one line: {:?}",
            out.stderr
        );
        assert!(
            lines[0].starts_with("error: "),
            "{step} {shown}: {}",
            lines[0]
        );
        assert!(
            lines[0].contains(expected),
            "{step} {shown}: expected {expected:?} in {:?}",
            lines[0]
        );
    }
}

#[test]
fn a_typo_gets_a_suggestion() {
    let req = format!(r#"{{"source":{{{SRC},"aws_regoin":"eu-west-2"}}}}"#);
    let out = Run::step("check").stdin(req).run();
    assert!(
        out.stderr
            .contains("unknown key `aws_regoin` in source (known: test_name, owner"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .trim_end()
            .ends_with("did you mean `aws_region`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_oversized_request_is_refused() {
    let big = format!(r#"{{"source":{{{SRC}}},"pad":"{}"}}"#, "x".repeat(2 << 20));
    let out = Run::step("check").stdin(big).run();
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert!(out.stderr.contains("larger than 1 MiB"), "{}", out.stderr);
}

#[test]
fn the_binary_runs_under_any_path_to_the_links_and_as_a_cli() {
    let out = Run::cli(&["--version"]).run();
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with("ami-test-resource "),
        "{}",
        out.stdout
    );
    let help = Run::cli(&["--help"]).run();
    for sub in ["check", "in", "out", "compare", "update-ami-ids"] {
        assert!(
            help.stdout.contains(sub),
            "--help lacks {sub}: {}",
            help.stdout
        );
    }
}

/// Every input the fuzzer found (fuzz/regressions/) replayed through the real
/// binary: one line on stderr, no raw control character in it.
#[test]
fn fuzzer_findings_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions exists") {
        let input = std::fs::read(entry.unwrap().path()).unwrap();
        for step in ["check", "in", "out"] {
            let tmp = tempfile::tempdir().unwrap();
            let args: Vec<&str> = if step == "check" {
                vec![]
            } else {
                vec![tmp.path().to_str().unwrap()]
            };
            let out = Run::step(step).args(&args).stdin(input.clone()).run();
            assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{step}: {out:?}");
            let line = out.stderr.strip_suffix('\n').unwrap_or(&out.stderr);
            assert!(
                !line.chars().any(char::is_control),
                "{step}: control character in {line:?}"
            );
        }
        seen += 1;
    }
    assert!(seen > 0, "no regression inputs found in {}", dir.display());
}
