//! The `ami-ids` secret: `secrets::cross_check` and `secrets::with_key` on
//! arbitrary payload bytes, in both of Secrets Manager's forms.
//!
//! Invariants: never panic; no error message (`{}` or `{:#}`) and no `Debug`
//! output contains the payload (checked when it is longer than 8 bytes, and for
//! its first 16 bytes when longer than 16), unless the fixed text of the
//! message holds those bytes anyway (it is compared with the error for a
//! neutral payload of the same form).

#![no_main]

use ami_test_resource::ami::AmiId;
use ami_test_resource::config::SecretRef;
use ami_test_resource::secrets::{Payload, cross_check, with_key};
use libfuzzer_sys::fuzz_target;

const SECRET_ID: &str = "/concourse/dataworks/ami-ids";
const KEY: &str = "concourse_ami_mgmt_dev";
const AMI: &str = "ami-0b0b5eed0ffee0002";

fn contains(haystack: &str, needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w == needle)
}

/// Fail if `text` shows the payload (or its start) and `baseline` does not.
fn no_leak(what: &str, text: &str, baseline: &str, raw: &[u8]) {
    let mut needles: Vec<&[u8]> = Vec::new();
    if raw.len() > 8 {
        needles.push(raw);
    }
    if raw.len() > 16 {
        needles.push(&raw[..16]);
    }
    for n in needles {
        assert!(
            !contains(text, n) || contains(baseline, n),
            "{what} shows the payload: {text:?}"
        );
    }
}

fn errors<T>(r: anyhow::Result<T>) -> Option<[String; 2]> {
    r.err().map(|e| [e.to_string(), format!("{e:#}")])
}

fn check(payload: &Payload, neutral: &Payload, raw: &[u8]) {
    let ami: AmiId = AMI.parse().unwrap();
    let secret = SecretRef {
        secret_id: SECRET_ID.into(),
        key: KEY.into(),
    };

    no_leak(
        "Debug",
        &format!("{payload:?}"),
        &format!("{neutral:?}"),
        raw,
    );

    let base = errors(cross_check(neutral, &secret, &ami)).expect("neutral payload is an error");
    if let Some(errs) = errors(cross_check(payload, &secret, &ami)) {
        for (e, b) in errs.iter().zip(&base) {
            no_leak("cross_check error", e, b, raw);
        }
    }

    let base =
        errors(with_key(neutral, SECRET_ID, KEY, &ami)).expect("neutral payload is an error");
    match with_key(payload, SECRET_ID, KEY, &ami) {
        Err(e) => {
            for (e, b) in [e.to_string(), format!("{e:#}")].iter().zip(&base) {
                no_leak("with_key error", e, b, raw);
            }
        }
        Ok(Some(updated)) => {
            // Same form, and the key now holds the AMI.
            assert_eq!(updated.form(), payload.form());
            let map = updated
                .object(SECRET_ID)
                .expect("the rewrite is a JSON object");
            assert_eq!(map.get(KEY).and_then(|v| v.as_str()), Some(AMI));
            assert_eq!(with_key(&updated, SECRET_ID, KEY, &ami).unwrap(), None);
        }
        Ok(None) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    check(
        &Payload::Binary(data.to_vec()),
        &Payload::Binary(b"\x01".to_vec()),
        data,
    );
    if let Ok(s) = std::str::from_utf8(data) {
        check(
            &Payload::String(s.to_owned()),
            &Payload::String("\u{1}".to_owned()),
            data,
        );
    }
});
