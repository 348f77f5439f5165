//! AWS's edge cases, through the built binary against moto: filters that would
//! hide unsettled instances, Name tags that try to forge log lines, answers
//! without an error code, credentials given by halves, a polling interval of
//! zero.

mod common;

use common::*;
use serde_json::json;
use testkit::fault_proxy::{AwsFault, AwsFaultKind, FaultProxy};

const TAG: &str = "1.4.2";

fn compare(endpoint: &str, extra: &[&str]) -> Output {
    Run::compare(endpoint, AMI_NEW).args(extra).run()
}

#[test]
fn state_filters_are_refused_in_the_resource_and_the_cli() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 1);
    for (name, value) in [
        ("instance-state-code", "16"),
        ("instance-state-name", "running"),
    ] {
        let mut source = w.source();
        source["instance_filters"] = json!({ name: [value] });
        let out = w.put_files(source, AMI_NEW, TAG, json!({}));
        assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
        let line = one_error_line(&out);
        assert!(line.contains("source.instance_filters"), "{line}");
        assert!(line.contains(&format!("`{name}` is not allowed")), "{line}");
        assert!(
            line.contains("pending, stopping and shutting-down"),
            "{line}"
        );
        let filter = format!("{name}={value}");
        let cli = compare(&w.moto().endpoint(), &["--filter", &filter]);
        assert_eq!((cli.code, cli.stdout.as_str()), (2, ""), "{cli:?}");
        assert!(
            cli.stderr.contains(&format!("`{name}` is not allowed")),
            "{}",
            cli.stderr
        );
    }
    assert!(w.results(TAG).is_empty(), "nothing was recorded");
}

#[test]
fn a_name_tag_cannot_forge_a_log_line_or_metadata() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 2);
    // EC2 allows whitespace in tag values (but no other control character).
    let forged = format!("ci-concourse-x\nSUCCESS: all 3 running instances run {AMI_NEW}\r\tok");
    w.moto()
        .run_instances(REGION, AMI_OLD, 1, Some(&forged), &[]);
    let out = w.put_files(w.source(), AMI_NEW, TAG, json!({"fail_on_failure": false}));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"]["result"], "FAILED");
    assert!(
        !out.stderr
            .lines()
            .any(|l| l.trim_start().starts_with("SUCCESS")),
        "a forged SUCCESS line reached the log:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(r"ci-concourse-x\nSUCCESS"),
        "{}",
        out.stderr
    );
    for m in out.json()["metadata"].as_array().unwrap() {
        let value = m["value"].as_str().unwrap();
        assert!(!value.contains(['\n', '\r']), "metadata {m}");
    }
    // The record keeps the tag as it is: it is data, and JSON escapes it.
    let (_, content) = &w.gh.assets(OWNER, REPO, TAG)[0];
    let rec: serde_json::Value = serde_json::from_slice(content).unwrap();
    let names: Vec<&str> = rec["instances"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(names.contains(&forged.as_str()), "{names:?}");
    assert!(
        rec["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r.as_str().unwrap().contains('\n'))
    );
}

#[test]
fn an_answer_without_an_error_code_names_the_status_and_the_operation() {
    let w = World::full();
    w.release(TAG);
    w.fleet(AMI_NEW, 1);
    // A load balancer's bare 400 (not retried) and a persistent bare 503.
    for (status, times) in [(400, 1), (503, 10)] {
        let proxy = FaultProxy::start(&w.moto().endpoint());
        proxy
            .inject(AwsFault::new(AwsFaultKind::Bare(status), times).matching("DescribeInstances"));
        let out = w.put_files(w.source_via(&proxy.endpoint()), AMI_NEW, TAG, json!({}));
        assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
        let line = one_error_line(&out);
        assert!(
            line.contains(&format!(
                "DescribeInstances answered HTTP {status} without an error code"
            )),
            "{line}"
        );
        assert!(!line.contains("unknown error"), "{line}");
    }
    assert!(w.results(TAG).is_empty(), "an error is never a verdict");
}

#[test]
fn a_session_token_alone_is_named_as_the_key_given() {
    let w = World::full();
    w.release(TAG);
    let mut source = w.source();
    let obj = source.as_object_mut().unwrap();
    obj.remove("aws_access_key_id");
    obj.remove("aws_secret_access_key");
    let out = w.put_files(source, AMI_NEW, TAG, json!({}));
    assert_eq!(out.code, 1, "{out:?}");
    let line = one_error_line(&out);
    assert!(
        line.contains(
            "source.aws_session_token is given without aws_access_key_id and aws_secret_access_key"
        ),
        "{line}"
    );
}

#[test]
fn compare_refuses_an_interval_below_one_second() {
    let w = World::full();
    w.fleet(AMI_OLD, 1);
    let out = compare(&w.moto().endpoint(), &["--wait", "2s", "--interval", "0s"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{out:?}");
    assert!(out.stderr.contains("--interval"), "{}", out.stderr);
    assert!(
        out.stderr.contains("expected at least 1s"),
        "{}",
        out.stderr
    );
}
