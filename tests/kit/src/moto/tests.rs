use super::*;

#[test]
fn starts_answers_and_serves_the_fixed_catalogue() {
    let moto = Moto::start();
    let xml = moto.ec2_call("eu-west-2", "DescribeImages", &[]);
    let mut images = xml_values(&xml, "imageId");
    images.sort();
    assert_eq!(images, [AMI_OLD, AMI_NEW, AMI_OTHER]);
    // A second region gets the same catalogue (see amis_json on why this
    // is worth a test).
    let xml = moto.ec2_call("us-east-1", "DescribeImages", &[]);
    assert_eq!(xml_values(&xml, "imageId").len(), 3);
}

#[test]
fn instances_live_in_their_region_only() {
    let moto = Moto::start();
    let ids = moto.run_instances(
        "eu-west-2",
        AMI_OLD,
        3,
        Some("ci-concourse-web"),
        &[("Environment", "dev")],
    );
    assert_eq!(ids.len(), 3);
    let xml = moto.ec2_call("eu-west-2", "DescribeInstances", &[]);
    let mut seen = xml_values(&xml, "instanceId");
    seen.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(seen, want);
    assert!(
        xml.contains("<value>ci-concourse-web</value>") && xml.contains("<key>Environment</key>")
    );
    assert!(xml.contains(AMI_OLD));
    let elsewhere = moto.ec2_call("eu-west-1", "DescribeInstances", &[]);
    assert!(
        xml_values(&elsewhere, "instanceId").is_empty(),
        "{elsewhere}"
    );

    moto.stop_instances("eu-west-2", &ids[..1]);
    moto.terminate_instances("eu-west-2", &ids[1..2]);
    let xml = moto.ec2_call("eu-west-2", "DescribeInstances", &[]);
    assert!(xml.contains("<name>stopped</name>") && xml.contains("<name>terminated</name>"));

    moto.reset();
    let xml = moto.ec2_call("eu-west-2", "DescribeInstances", &[]);
    assert!(xml_values(&xml, "instanceId").is_empty());
}

#[test]
fn untagged_and_batched_launches() {
    let moto = Moto::start();
    let ids = moto.run_instances("eu-west-2", "ami-00000000000000000", 501, None, &[]);
    assert_eq!(ids.len(), 501);
    let xml = moto.ec2_call("eu-west-2", "DescribeInstances", &[]);
    assert_eq!(xml_values(&xml, "reservationId").len(), 2);
}

#[test]
fn secrets_round_trip_binary_and_string() {
    let moto = Moto::start();
    let binary = SecretValue::Binary(b"{\"concourse\":\"ami-0a11ce5c0ffee0001\"}\n\xff".to_vec());
    moto.create_secret("eu-west-2", "ami-ids", &binary);
    assert_eq!(moto.get_secret("eu-west-2", "ami-ids"), binary);
    assert_eq!(moto.secret_version_count("eu-west-2", "ami-ids"), 1);

    let string = SecretValue::String("{\"concourse\":\"ami-0b0b5eed0ffee0002\"}".into());
    moto.create_secret("eu-west-2", "ami-ids-string", &string);
    assert_eq!(moto.get_secret("eu-west-2", "ami-ids-string"), string);

    moto.secrets_call(
        "eu-west-2",
        "PutSecretValue",
        &serde_json::json!({"SecretId": "ami-ids", "SecretString": "x"}),
    );
    assert_eq!(moto.secret_version_count("eu-west-2", "ami-ids"), 2);
}

#[test]
#[should_panic(expected = "failed")]
fn seeding_errors_show_motos_answer() {
    let moto = Moto::start();
    moto.get_secret("eu-west-2", "no-such-secret");
}
