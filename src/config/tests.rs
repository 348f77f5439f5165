//! One test per validation rule of `source` and `params`.

use serde_json::{Value, json};

use super::strict::decode;
use super::*;
use crate::verdict::Outcome;

fn source(extra: Value) -> anyhow::Result<Source> {
    let mut v = json!({"test_name": "concourse", "owner": "dwp", "repository": "aws-concourse"});
    for (k, val) in extra.as_object().unwrap() {
        v[k] = val.clone();
    }
    let s: Source = decode(Some(&v), "source", SOURCE_KEYS)?;
    s.validate()?;
    Ok(s)
}

fn err(extra: Value) -> String {
    format!("{:#}", source(extra).unwrap_err())
}

fn out(params: Value) -> anyhow::Result<OutParams> {
    let p: OutParams = decode(Some(&params), "params", OUT_PARAM_KEYS)?;
    p.validate()?;
    Ok(p)
}

#[test]
fn minimal_source_has_the_documented_defaults() {
    let s = source(json!({})).unwrap();
    assert_eq!(s.instance_name(), "ci-concourse-*");
    assert_eq!(s.min_instances(), 1);
    assert!(s.wants(Outcome::Success) && s.wants(Outcome::Failed));
    assert!(s.secret_ref().unwrap().is_none());
}

#[test]
fn required_keys_are_named() {
    let e = decode::<Source>(
        Some(&json!({"owner": "o", "repository": "r"})),
        "source",
        SOURCE_KEYS,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "source.test_name is required");
}

#[test]
fn test_name_is_restricted() {
    assert!(
        err(json!({"test_name": "con course"})).starts_with("source.test_name: expected letters")
    );
    assert!(err(json!({"test_name": ""})).contains("source.test_name"));
    assert!(source(json!({"test_name": "concourse_mgmt-dev2"})).is_ok());
}

#[test]
fn github_names_and_urls_are_checked() {
    assert!(err(json!({"owner": "a/b"})).starts_with("source.owner:"));
    assert!(err(json!({"github_api_url": "ftp://x/"})).contains("expected an http(s) URL"));
    assert!(err(json!({"github_api_url": "not a url"})).starts_with("source.github_api_url:"));
    assert!(err(json!({"github_uploads_url": "https://u:p@x/"})).contains("credentials"));
    let s = source(json!({"github_api_url": "https://ghe.example/api/v3"})).unwrap();
    assert_eq!(
        s.github_api_url.unwrap().as_str(),
        "https://ghe.example/api/v3/"
    );
}

#[test]
fn min_instances_takes_numbers_and_numeric_strings() {
    assert_eq!(
        source(json!({"min_instances": 3})).unwrap().min_instances(),
        3
    );
    assert_eq!(
        source(json!({"min_instances": "4"}))
            .unwrap()
            .min_instances(),
        4
    );
    assert_eq!(
        source(json!({"min_instances": 0})).unwrap().min_instances(),
        0
    );
    for bad in [
        json!(-1),
        json!(1.5),
        json!("many"),
        json!(true),
        json!([1]),
    ] {
        assert!(
            err(json!({ "min_instances": bad })).starts_with("source.min_instances:"),
            "{bad}"
        );
    }
}

#[test]
fn results_filter_is_a_subset_of_the_outcomes() {
    let s = source(json!({"results": ["SUCCESS"]})).unwrap();
    assert!(s.wants(Outcome::Success) && !s.wants(Outcome::Failed));
    assert!(err(json!({"results": ["PASSED"]})).starts_with("source.results[0]:"));
    assert!(err(json!({"results": []})).contains("non-empty"));
    assert!(err(json!({"results": "SUCCESS"})).starts_with("source.results:"));
}

#[test]
fn instance_filters_are_maps_of_lists() {
    assert!(source(json!({"instance_filters": {"tag:Environment": ["management-dev"]}})).is_ok());
    assert!(
        err(json!({"instance_filters": {"tag:Environment": "x"}}))
            .starts_with("source.instance_filters.tag:Environment:")
    );
    assert!(err(json!({"instance_filters": {"tag:Environment": []}})).contains("non-empty list"));
    assert!(
        err(json!({"instance_filters": {"instance-state-name": ["running"]}}))
            .contains("not allowed")
    );
}

#[test]
fn the_secret_keys_come_in_pairs() {
    assert!(err(json!({"ami_ids_secret_id": "/x"})).contains("ami_ids_secret_key is required"));
    assert!(err(json!({"ami_ids_secret_key": "k"})).contains("ami_ids_secret_id is required"));
    let s = source(json!({"ami_ids_secret_id": "/x", "ami_ids_secret_key": "k"})).unwrap();
    assert_eq!(s.secret_ref().unwrap().unwrap().key, "k");
}

#[test]
fn out_needs_a_region_and_whole_static_keys() {
    let s = source(json!({})).unwrap();
    assert!(format!("{:#}", s.aws().unwrap_err()).contains("source.aws_region is required"));
    assert!(err(json!({"aws_region": "EU WEST"})).starts_with("source.aws_region:"));
    let half = source(json!({"aws_region": "eu-west-2", "aws_secret_access_key": "x"})).unwrap();
    assert!(
        half.aws()
            .unwrap_err()
            .to_string()
            .contains("aws_access_key_id is required")
    );
    let whole = source(json!({"aws_region": "eu-west-2", "aws_access_key_id": "AKIA", "aws_secret_access_key": "x"})).unwrap();
    assert!(whole.aws().unwrap().static_keys.is_some());
}

#[test]
fn debug_never_shows_credentials() {
    let s = source(json!({
        "access_token": "canary-gh-token",
        "aws_region": "eu-west-2",
        "aws_access_key_id": "AKIAEXAMPLE",
        "aws_secret_access_key": "canary-aws-secret",
        "aws_session_token": "canary-session-token"
    }))
    .unwrap();
    let shown = format!("{s:?} {:?}", s.aws().unwrap());
    assert!(!shown.contains("canary"), "{shown}");
}

#[test]
fn out_params_pairs_are_exactly_one() {
    assert!(out(json!({"ami_id": "ami-0123abcd", "release": "1.0.0"})).is_ok());
    let both =
        out(json!({"ami_id": "ami-0123abcd", "ami_id_file": "a/id", "release": "1"})).unwrap_err();
    assert!(both.to_string().contains("not both"));
    let neither = out(json!({"release": "1"})).unwrap_err();
    assert!(
        neither
            .to_string()
            .contains("params.ami_id or params.ami_id_file is required")
    );
    let no_release = out(json!({"ami_id": "ami-0123abcd"})).unwrap_err();
    assert!(
        no_release
            .to_string()
            .contains("params.release or params.release_file")
    );
}

#[test]
fn out_params_values_are_checked() {
    let e = |p: Value| format!("{:#}", out(p).unwrap_err());
    assert!(
        e(json!({"ami_id": "ami-XYZ", "release": "1"}))
            .starts_with("params.ami_id: expected an AMI ID")
    );
    assert!(
        e(json!({"ami_id_file": "/etc/passwd", "release": "1"})).starts_with("params.ami_id_file:")
    );
    assert!(
        e(json!({"ami_id_file": "a/../../x", "release": "1"})).starts_with("params.ami_id_file:")
    );
    assert!(e(json!({"ami_id": "ami-0123abcd", "release": "1 2"})).starts_with("params.release:"));
    assert!(
        e(json!({"ami_id": "ami-0123abcd", "release": "1", "wait_timeout": "soon"}))
            .starts_with("params.wait_timeout: expected a duration")
    );
    assert!(
        e(json!({"ami_id": "ami-0123abcd", "release": "1", "wait_timeout": 30}))
            .starts_with("params.wait_timeout:")
    );
    assert!(
        e(json!({"ami_id": "ami-0123abcd", "release": "1", "wait_interval": "0s"}))
            .contains("at least 1s")
    );
    assert!(
        e(json!({"ami_id": "ami-0123abcd", "release": "1", "fail_on_failure": "yes"}))
            .starts_with("params.fail_on_failure:")
    );
}

#[test]
fn out_params_defaults_and_string_flags() {
    let p = out(json!({"ami_id": "ami-0123abcd", "release": "1", "wait_timeout": "20m"})).unwrap();
    assert_eq!(p.wait_timeout().as_secs(), 1200);
    assert_eq!(p.wait_interval().as_secs(), 15);
    assert!(p.fail_on_failure());
    let p =
        out(json!({"ami_id": "ami-0123abcd", "release": "1", "fail_on_failure": "false"})).unwrap();
    assert!(!p.fail_on_failure());
}

#[test]
fn in_params_require_success_flag() {
    let p: InParams = decode(
        Some(&json!({"require_success": true})),
        "params",
        IN_PARAM_KEYS,
    )
    .unwrap();
    assert!(p.require_success());
    let p: InParams = decode(None, "params", IN_PARAM_KEYS).unwrap();
    assert!(!p.require_success());
    let e = decode::<InParams>(
        Some(&json!({"require_succes": true})),
        "params",
        IN_PARAM_KEYS,
    )
    .unwrap_err();
    assert!(e.to_string().contains("did you mean `require_success`?"));
}
