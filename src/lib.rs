//! ami-test-resource: a Concourse resource type that tests whether every running
//! Concourse instance runs the AMI under test, and carries the verdict between
//! pipelines as GitHub release assets.

pub mod ami;
pub mod aws;
pub mod cli;
pub mod config;
pub mod dispatch;
pub mod fleet;
pub mod github;
pub mod protocol;
pub mod record;
pub mod releases;
pub mod report;
pub mod secrets;
pub mod steps;
pub mod verdict;
