//! Strict decoding: unknown keys are an error naming the key (with a suggestion),
//! and a wrong value is an error naming its full key path.

use anyhow::{Result, anyhow};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Decode `value` (an object, or absent/`null`, which decodes as `{}`) into `T`,
/// after checking its keys against `known`. `what` names the object in messages,
/// e.g. `source` or `params`.
pub fn decode<T: DeserializeOwned>(value: Option<&Value>, what: &str, known: &[&str]) -> Result<T> {
    let empty = Value::Object(Map::new());
    let value = match value {
        None | Some(Value::Null) => &empty,
        Some(v @ Value::Object(_)) => v,
        Some(other) => {
            return Err(anyhow!(
                "{what} must be a JSON object, got {}",
                kind_of(other)
            ));
        }
    };
    check_keys(value, what, known)?;
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(value, &mut track);
    T::deserialize(de).map_err(|e| {
        // serde echoes keys and values; a newline in one must not forge a log line.
        let path = escape_controls(&track.path().to_string());
        let msg = escape_controls(&e.to_string());
        // serde says "missing field `x`" at the object itself; name it in our terms.
        if let Some(field) = msg.strip_prefix("missing field ") {
            anyhow!("{what}.{} is required", field.trim_matches('`'))
        } else if path.is_empty() || path == "." {
            anyhow!("{what}: {msg}")
        } else {
            anyhow!("{what}.{path}: {msg}")
        }
    })
}

/// The error for the first key of `value` that is not in `known`.
pub fn check_keys(value: &Value, what: &str, known: &[&str]) -> Result<()> {
    let Some(map) = value.as_object() else {
        return Ok(());
    };
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => {
            let hint = closest(key, known)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            Err(anyhow!(
                "unknown key `{}` in {what} (known: {}){hint}",
                key.escape_debug(),
                known.join(", ")
            ))
        }
    }
}

/// Control characters (newlines, ANSI escapes) as `\n`, `\u{1b}`: user input
/// quoted in an error must stay on its one line and cannot colour the log.
pub fn escape_controls(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The known key within edit distance 2 of `key`, if one is clearly the closest.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance with adjacent transpositions (a typo's usual shape).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_key_names_it_and_suggests() {
        let err = check_keys(
            &json!({"aws_regoin": "x"}),
            "source",
            &["aws_region", "owner"],
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "unknown key `aws_regoin` in source (known: aws_region, owner); did you mean `aws_region`?"
        );
    }

    #[test]
    fn no_suggestion_when_nothing_is_close() {
        let err = check_keys(&json!({"zzzzzz": 1}), "params", &["ami_id"]).unwrap_err();
        assert!(!err.to_string().contains("did you mean"));
    }

    #[test]
    fn non_object_is_rejected() {
        let err = decode::<Map<String, Value>>(Some(&json!([1])), "params", &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "params must be a JSON object, got an array"
        );
    }

    #[test]
    fn quoted_input_cannot_break_the_line() {
        // From the fuzzer (fuzz/regressions/decode-*-newline.json).
        let v = json!({"results": ["SUCCESS\nFAKE LOG LINE"], "f": {"tag:Name\n\u{1b}[31m": 1}});
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            results: Vec<crate::verdict::Outcome>,
        }
        let err = decode::<S>(
            Some(&json!({"results": v["results"]})),
            "source",
            &["results"],
        )
        .unwrap_err();
        assert!(!err.to_string().contains('\n'), "{err}");
        assert!(err.to_string().contains("SUCCESS\\nFAKE LOG LINE"), "{err}");
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct F {
            f: std::collections::BTreeMap<String, Vec<String>>,
        }
        let err = decode::<F>(Some(&json!({"f": v["f"]})), "source", &["f"]).unwrap_err();
        assert!(!err.to_string().contains(['\n', '\u{1b}']), "{err}");
    }

    #[test]
    fn distance_counts_transpositions_as_one() {
        assert_eq!(distance("regoin", "region"), 1);
        assert_eq!(distance("abc", "abc"), 0);
    }
}
