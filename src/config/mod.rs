//! Configuration: `source`, `params` and `version`, decoded strictly and validated
//! with messages that name the key and say what was expected.

mod params;
mod source;
pub mod strict;
pub mod values;

pub use params::{Given, IN_PARAM_KEYS, InParams, OUT_PARAM_KEYS, OutParams};
pub use source::{
    AwsSource, DEFAULT_INSTANCE_NAME, Region, SOURCE_KEYS, SecretRef, Source, StaticKeys,
};

#[cfg(test)]
mod tests;
