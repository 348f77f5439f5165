//! Request decoding and configuration validation, for the three steps.
//!
//! Invariants: nothing panics, and every error's Display (and its `{:#}` chain)
//! is one line: no '\n' (a multi-line message can forge log lines), and no other
//! control character either (CR, ESC…), as tests/malformed.rs demands of the
//! binary's stderr.
//!
//! With `AMI_FUZZ_REPORT_MULTILINE=1` a multi-line error is printed (once per
//! shape of message) instead of being a crash; panics are still crashes.

#![no_main]

use ami_test_resource::aws::Settings;
use ami_test_resource::config::{IN_PARAM_KEYS, InParams, OUT_PARAM_KEYS, OutParams, Source};
use ami_test_resource::protocol::{StepSpec, decode};
use ami_test_resource::steps::NoParams;
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;
use std::sync::Mutex;

const CHECK: StepSpec = StepSpec {
    name: "check",
    param_keys: None,
};
const IN: StepSpec = StepSpec {
    name: "in",
    param_keys: Some(IN_PARAM_KEYS),
};
const OUT: StepSpec = StepSpec {
    name: "out",
    param_keys: Some(OUT_PARAM_KEYS),
};

fn one_line<T>(what: &str, r: anyhow::Result<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            let shown = e.to_string();
            let chain = format!("{e:#}");
            for (form, text) in [("Display", &shown), ("chain ({:#})", &chain)] {
                // '\n' breaks the line; any other control character (CR, ESC…)
                // can forge or colour log output just as well.
                if text.chars().any(char::is_control) {
                    multi_line(what, form, text);
                }
            }
            None
        }
    }
}

/// A multi-line error: a crash, unless `AMI_FUZZ_REPORT_MULTILINE=1`, which
/// prints each new shape of such message once and goes on (to look past a
/// known, reported one for other findings).
fn multi_line(what: &str, form: &str, text: &str) {
    if std::env::var_os("AMI_FUZZ_REPORT_MULTILINE").is_none_or(|v| v != "1") {
        panic!("{what}: error {form} is not one line (holds a control character): {text:?}");
    }
    // The shape: the message with its words and values blurred, so that one cause
    // is reported once however the fuzzer varies the value.
    let mut shape = String::from(what);
    shape.push_str(" | ");
    let mut last = ' ';
    for c in text.chars() {
        let c = if c.is_alphanumeric() || c == '_' || c == '-' {
            'x'
        } else {
            c
        };
        if !(c == 'x' && last == 'x') {
            shape.push(c);
        }
        last = c;
    }
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap();
    let seen = seen.get_or_insert_with(HashSet::new);
    if seen.len() < 200 && seen.insert(shape.clone()) {
        eprintln!(
            "MULTILINE #{}: {what}: {form}: {text:?}  [shape {shape:?}]",
            seen.len()
        );
    }
}

/// What every step may ask of a decoded `source`.
fn exercise_source(step: &str, source: &Source) {
    one_line(&format!("{step}: source.secret_ref()"), source.secret_ref());
    if let Some(aws) = one_line(&format!("{step}: source.aws()"), source.aws()) {
        let _ = Settings::from_source(&aws, "fuzz".into());
    }
    let _ = source.instance_name();
    let _ = source.min_instances();
    let _ = source.wants(ami_test_resource::verdict::Outcome::Success);
    let _ = source.wants(ami_test_resource::verdict::Outcome::Failed);
}

fuzz_target!(|data: &[u8]| {
    if let Some(req) = one_line("check: decode", decode::<NoParams>(data, &CHECK)) {
        exercise_source("check", &req.source);
    }
    if let Some(req) = one_line("in: decode", decode::<InParams>(data, &IN)) {
        exercise_source("in", &req.source);
        let _ = req.params.require_success();
    }
    if let Some(req) = one_line("out: decode", decode::<OutParams>(data, &OUT)) {
        exercise_source("out", &req.source);
        let p = &req.params;
        one_line("out: params.validate()", p.validate());
        one_line("out: params.ami()", p.ami());
        one_line("out: params.release()", p.release());
        let _ = (p.wait_timeout(), p.wait_interval(), p.fail_on_failure());
    }
});
