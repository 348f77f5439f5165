//! The AMI ID type: validated once, so every other module can trust it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An EC2 image ID: `ami-` followed by 8 (old style) or 17 lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AmiId(String);

impl AmiId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `s` has the shape of an AMI ID. Used where a value must not be
    /// echoed unless it is one (a secret key may hold something else entirely).
    pub fn is_valid(s: &str) -> bool {
        match s.strip_prefix("ami-") {
            Some(hex) => {
                (hex.len() == 8 || hex.len() == 17)
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            }
            None => false,
        }
    }
}

impl FromStr for AmiId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if Self::is_valid(s) {
            Ok(AmiId(s.to_owned()))
        } else {
            Err(format!(
                "expected an AMI ID (ami- followed by 8 or 17 lowercase hex digits), got {}",
                shown(s)
            ))
        }
    }
}

/// Quote a user value for an error message, shortened so a pasted blob (or a
/// secret put in the wrong field) does not end up in the log whole.
pub fn shown(s: &str) -> String {
    if s.is_empty() {
        return "an empty string".to_owned();
    }
    let mut short: String = s.chars().take(40).collect();
    if short.len() < s.len() {
        short.push('…');
    }
    format!("`{}`", short.escape_debug())
}

impl TryFrom<String> for AmiId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<AmiId> for String {
    fn from(a: AmiId) -> String {
        a.0
    }
}

impl fmt::Display for AmiId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_lengths() {
        assert!("ami-0123abcd".parse::<AmiId>().is_ok());
        assert!("ami-0a11ce5c0ffee0001".parse::<AmiId>().is_ok());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "ami-",
            "ami-0123abc",
            "ami-0123ABCD",
            "ami-0123abcdz",
            "ami-0a11ce5c0ffee000",
            "AMI-0123abcd",
            " ami-0123abcd",
            "ami-0123abcd\n",
            "snap-0123abcd",
        ] {
            let err = bad.parse::<AmiId>().unwrap_err();
            assert!(err.contains("expected an AMI ID"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn shown_truncates_long_values() {
        let long = "x".repeat(100);
        assert!(shown(&long).chars().count() < 50);
        assert_eq!(shown(""), "an empty string");
    }
}
