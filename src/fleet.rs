//! The fleet: EC2 instances as our own `Instance` type, behind the `Fleet` trait so
//! the verdict and the waiting loop can be tested without AWS.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One observed instance, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub name: Option<String>,
    pub image_id: String,
    pub state: State,
    pub launch_time: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Pending,
    Running,
    Stopping,
    Stopped,
    ShuttingDown,
    Terminated,
    #[serde(other)]
    Unknown,
}

/// How the verdict treats a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `running`: must run the AMI under test.
    Judged,
    /// Coming or going: the fleet has not settled, so it cannot pass yet.
    Unsettled,
    /// `stopped`/`terminated`: not serving; listed in the record, not judged.
    Ignored,
}

impl State {
    pub fn parse(s: &str) -> State {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).unwrap_or(State::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Running => "running",
            State::Stopping => "stopping",
            State::Stopped => "stopped",
            State::ShuttingDown => "shutting-down",
            State::Terminated => "terminated",
            State::Unknown => "unknown",
        }
    }

    pub fn class(self) -> Class {
        match self {
            State::Running => Class::Judged,
            State::Stopped | State::Terminated => Class::Ignored,
            // An unknown state is treated as not settled: fail closed.
            State::Pending | State::Stopping | State::ShuttingDown | State::Unknown => {
                Class::Unsettled
            }
        }
    }
}

/// Which instances make up the Concourse fleet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// Value of the `tag:Name` filter; EC2 wildcards (`*`, `?`) apply.
    pub instance_name: String,
    /// Further EC2 filters, e.g. `tag:Environment = [management-dev]`.
    pub filters: BTreeMap<String, Vec<String>>,
}

/// EC2 filters on the state. `instance-state-name=running` is exactly the old
/// shell test's filter, and `instance-state-code=16` the same in numbers: both
/// hide pending, stopping and shutting-down instances, which would turn a
/// rollout still in progress into a pass.
const STATE_FILTERS: &[&str] = &["instance-state-name", "instance-state-code"];

/// Refuses a filter the test cannot take (the reason, for the caller's key).
pub fn check_filter_name(name: &str) -> Result<(), String> {
    if STATE_FILTERS.contains(&name.trim()) {
        return Err(format!(
            "`{}` is not allowed: it would hide pending, stopping and shutting-down instances; \
             the test sees every state and judges the running ones itself",
            name.trim()
        ));
    }
    Ok(())
}

#[allow(async_fn_in_trait)] // one current-thread runtime: no Send bound needed
pub trait Fleet {
    /// Every instance matching the query, in every state, across all pages.
    async fn describe(&self, query: &Query) -> Result<Vec<Instance>>;
}

/// The real fleet: EC2 `DescribeInstances`.
pub struct Ec2Fleet {
    pub client: aws_sdk_ec2::Client,
    pub region: String,
}

impl Fleet for Ec2Fleet {
    async fn describe(&self, query: &Query) -> Result<Vec<Instance>> {
        use aws_sdk_ec2::types::Filter;
        let mut request = self.client.describe_instances().filters(
            Filter::builder()
                .name("tag:Name")
                .values(&query.instance_name)
                .build(),
        );
        for (name, values) in &query.filters {
            request = request.filters(
                Filter::builder()
                    .name(name)
                    .set_values(Some(values.clone()))
                    .build(),
            );
        }
        // 1000 is EC2's largest page (moto counts reservations, EC2 instances);
        // the paginator follows NextToken either way.
        let mut pages = request.max_results(1000).into_paginator().send();
        let mut instances = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page
                .map_err(crate::aws::sdk_error("DescribeInstances"))
                .with_context(|| format!("describing instances in {}", self.region))?;
            for reservation in page.reservations() {
                instances.extend(reservation.instances().iter().map(from_ec2));
            }
        }
        Ok(instances)
    }
}

fn from_ec2(i: &aws_sdk_ec2::types::Instance) -> Instance {
    let name = i
        .tags()
        .iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .map(str::to_owned);
    Instance {
        id: i.instance_id().unwrap_or("unknown").to_owned(),
        name,
        image_id: i.image_id().unwrap_or("").to_owned(),
        state: i
            .state()
            .and_then(|s| s.name())
            .map_or(State::Unknown, |n| State::parse(n.as_str())),
        launch_time: i
            .launch_time()
            .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
    }
}
