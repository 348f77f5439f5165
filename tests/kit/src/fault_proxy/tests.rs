use super::*;
use crate::http::ClientResponse;
use crate::moto::{AMI_NEW, Moto, xml_values};
use std::time::Instant;

fn auth(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-2/{service}/aws4_request, SignedHeaders=host, Signature=00"
    )
}

fn query(endpoint: &str, service: &str, form: &str) -> std::io::Result<ClientResponse> {
    query_within(endpoint, service, form, Duration::from_secs(30))
}

fn query_within(
    endpoint: &str,
    service: &str,
    form: &str,
    timeout: Duration,
) -> std::io::Result<ClientResponse> {
    let a = auth(service);
    let headers = [
        ("Authorization", a.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    http::request_with_timeout(
        "POST",
        &format!("{endpoint}/"),
        &headers,
        form.as_bytes(),
        timeout,
    )
}

fn ec2(endpoint: &str, action: &str) -> ClientResponse {
    query(
        endpoint,
        "ec2",
        &format!("Action={action}&Version=2016-11-15"),
    )
    .unwrap()
}

fn secrets(endpoint: &str, op: &str, body: &str) -> ClientResponse {
    let (a, target) = (auth("secretsmanager"), format!("secretsmanager.{op}"));
    let headers = [
        ("Authorization", a.as_str()),
        ("X-Amz-Target", target.as_str()),
        ("Content-Type", "application/x-amz-json-1.1"),
    ];
    http::request("POST", &format!("{endpoint}/"), &headers, body.as_bytes()).unwrap()
}

const ASSUME_ROLE: &str = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fci&RoleSessionName=t";

#[test]
fn proxies_every_protocol_through_to_moto() {
    let moto = Moto::start();
    let ids = moto.run_instances("eu-west-2", AMI_NEW, 2, Some("ci-concourse-web"), &[]);
    let proxy = FaultProxy::start(&moto.endpoint());
    let resp = ec2(&proxy.endpoint(), "DescribeInstances");
    assert_eq!(resp.status, 200, "{}", resp.text());
    let mut seen = xml_values(&resp.text(), "instanceId");
    seen.sort();
    let mut want = ids;
    want.sort();
    assert_eq!(seen, want);

    moto.create_secret(
        "eu-west-2",
        "ami-ids",
        &crate::moto::SecretValue::String("{}".into()),
    );
    let secret = secrets(
        &proxy.endpoint(),
        "GetSecretValue",
        r#"{"SecretId":"ami-ids"}"#,
    );
    assert_eq!(secret.json()["SecretString"], "{}");
    let role = query(&proxy.endpoint(), "sts", ASSUME_ROLE).unwrap();
    assert_eq!(role.status, 200, "{}", role.text());
    assert!(role.text().contains("<AccessKeyId>"));
    assert_eq!(
        proxy.requests(),
        ["DescribeInstances", "GetSecretValue", "AssumeRole"]
    );
}

#[test]
fn throttling_in_each_protocol() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint());
    proxy.inject(AwsFault::new(AwsFaultKind::Throttle, 2).matching("DescribeInstances"));
    proxy.inject(AwsFault::new(AwsFaultKind::Throttle, 1).matching("GetSecretValue"));
    proxy.inject(AwsFault::new(AwsFaultKind::Throttle, 1).matching("AssumeRole"));

    // Other operations pass while the rule is armed.
    assert_eq!(ec2(&proxy.endpoint(), "DescribeImages").status, 200);
    for _ in 0..2 {
        let r = ec2(&proxy.endpoint(), "DescribeInstances");
        assert_eq!(r.status, 503);
        assert!(
            r.text().contains("<Code>RequestLimitExceeded</Code>")
                && r.text().contains("<RequestID>")
        );
    }
    assert_eq!(ec2(&proxy.endpoint(), "DescribeInstances").status, 200);

    let s = secrets(&proxy.endpoint(), "GetSecretValue", r#"{"SecretId":"x"}"#);
    assert_eq!(s.status, 400);
    assert_eq!(s.json()["__type"], "ThrottlingException");
    assert_eq!(s.header("Content-Type"), Some("application/x-amz-json-1.1"));

    let sts = query(&proxy.endpoint(), "sts", ASSUME_ROLE).unwrap();
    assert_eq!(sts.status, 400);
    assert!(
        sts.text()
            .contains("<Type>Sender</Type><Code>Throttling</Code>"),
        "{}",
        sts.text()
    );

    let described = proxy
        .requests()
        .iter()
        .filter(|r| *r == "DescribeInstances")
        .count();
    assert_eq!(described, 3);
}

#[test]
fn status_and_auth_failures_in_each_protocol() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint());
    proxy.inject(AwsFault::new(AwsFaultKind::Status(500), 1).matching("DescribeInstances"));
    let r = ec2(&proxy.endpoint(), "DescribeInstances");
    assert_eq!(r.status, 500);
    assert!(r.text().contains("<Code>InternalError</Code>"));

    proxy.inject(AwsFault::new(AwsFaultKind::AuthFailure, 3));
    let r = ec2(&proxy.endpoint(), "DescribeInstances");
    assert_eq!(r.status, 401);
    assert!(r.text().contains("<Code>AuthFailure</Code>"));
    let s = secrets(&proxy.endpoint(), "GetSecretValue", "{}");
    assert_eq!(
        (s.status, s.json()["__type"].as_str()),
        (400, Some("UnrecognizedClientException"))
    );
    let sts = query(&proxy.endpoint(), "sts", ASSUME_ROLE).unwrap();
    assert_eq!(sts.status, 403);
    assert!(sts.text().contains("<Code>InvalidClientTokenId</Code>"));
}

#[test]
fn drop_and_stall() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint());
    proxy.inject(AwsFault::new(AwsFaultKind::Drop, 1).matching("DescribeInstances"));
    assert!(
        query(
            &proxy.endpoint(),
            "ec2",
            "Action=DescribeInstances&Version=2016-11-15"
        )
        .is_err()
    );
    proxy.inject(AwsFault::new(AwsFaultKind::Stall, 1));
    let started = Instant::now();
    let form = "Action=DescribeInstances&Version=2016-11-15";
    let stalled = query_within(&proxy.endpoint(), "ec2", form, Duration::from_secs(1));
    assert!(stalled.is_err());
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(ec2(&proxy.endpoint(), "DescribeInstances").status, 200);
}

#[test]
fn classifies_protocols_and_names() {
    let req = |headers: Vec<(&str, &str)>, body: &str| Request {
        method: "POST".into(),
        target: "/".into(),
        headers: headers
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    };
    let json = classify(&req(
        vec![("X-Amz-Target", "secretsmanager.PutSecretValue")],
        "{}",
    ));
    assert_eq!(
        (json.protocol, json.name.as_str()),
        (Protocol::Json, "PutSecretValue")
    );
    assert_eq!(json.match_text, "secretsmanager.PutSecretValue");
    let sts_auth = auth("sts");
    let sts = classify(&req(
        vec![("Authorization", &sts_auth)],
        "Action=GetCallerIdentity&Version=2011-06-15",
    ));
    assert_eq!(
        (sts.protocol, sts.name.as_str()),
        (Protocol::Sts, "GetCallerIdentity")
    );
    let ec2 = classify(&req(
        vec![],
        "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3AName",
    ));
    assert_eq!(
        (ec2.protocol, ec2.name.as_str()),
        (Protocol::Ec2, "DescribeInstances")
    );
}
