//! `compare`: the AMI test for a person, from a laptop or a task. Credentials come
//! from the standard AWS chain. Exit 0 on SUCCESS, 1 on FAILED, 2 on error.

use anyhow::Result;
use clap::Args;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use super::{AmiArgs, AwsArgs};
use crate::config::{DEFAULT_INSTANCE_NAME, SecretRef};
use crate::fleet::{Ec2Fleet, Query};
use crate::report::{self, Style};
use crate::secrets::SecretsManager;
use crate::steps::observe::{self, Plan, TokioClock, Wait};
use crate::steps::put::check_secret;
use crate::verdict::Outcome;

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    ami: AmiArgs,
    #[command(flatten)]
    aws: AwsArgs,
    /// Value of the tag:Name filter (EC2 wildcards apply).
    #[arg(long, default_value = DEFAULT_INSTANCE_NAME, value_name = "PATTERN")]
    instance_name: String,
    /// An extra EC2 filter, NAME=VALUE[,VALUE…]; repeatable.
    #[arg(long = "filter", value_name = "NAME=VALUES", value_parser = parse_filter)]
    filters: Vec<(String, Vec<String>)>,
    /// Fewer running instances than this is FAILED (an empty fleet always is).
    #[arg(long, default_value_t = 1, value_name = "N")]
    min_instances: u32,
    /// Cross-check: the secret whose key must name the AMI too.
    #[arg(long, requires = "secret_key", value_name = "ID")]
    secret_id: Option<String>,
    #[arg(long, requires = "secret_id", value_name = "KEY")]
    secret_key: Option<String>,
    /// Keep looking until SUCCESS or this long has passed (e.g. 10m).
    #[arg(long, default_value = "0s", value_parser = crate::config::values::parse_duration)]
    wait: Duration,
    /// Pause between looks while waiting (at least 1s: DescribeInstances is
    /// throttled per account and region).
    #[arg(long, default_value = "15s", value_parser = crate::config::values::parse_interval)]
    interval: Duration,
    /// Print the comparison as JSON (the record's fields) instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_filter(s: &str) -> Result<(String, Vec<String>), String> {
    let (name, values) = s.split_once('=').ok_or("expected NAME=VALUE[,VALUE…]")?;
    let values: Vec<String> = values
        .split(',')
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    if name.is_empty() || values.is_empty() {
        return Err("expected NAME=VALUE[,VALUE…]".into());
    }
    crate::fleet::check_filter_name(name)?;
    Ok((name.to_owned(), values))
}

pub async fn run(args: CompareArgs) -> Result<Outcome> {
    let (ami, ami_source) = args.ami.resolve()?;
    let conf = args.aws.sdk_config().await?;
    let region = args.aws.region.clone();
    let fleet = Ec2Fleet {
        client: aws_sdk_ec2::Client::new(&conf),
        region: region.clone(),
    };
    let secret = args
        .secret_id
        .clone()
        .zip(args.secret_key.clone())
        .map(|(secret_id, key)| SecretRef { secret_id, key });
    let secrets = SecretsManager {
        client: aws_sdk_secretsmanager::Client::new(&conf),
        region: region.clone(),
    };
    let secret_check = check_secret(&secrets, secret.as_ref(), &ami).await?;
    let plan = Plan {
        query: Query {
            instance_name: args.instance_name.clone(),
            filters: args.filters.iter().cloned().collect::<BTreeMap<_, _>>(),
        },
        ami,
        ami_source,
        min_instances: args.min_instances,
        region,
        wait: Wait {
            timeout: args.wait,
            interval: args.interval,
        },
    };
    let mut log = |line: String| eprintln!("{line}");
    let c = observe::compare(&fleet, &plan, secret_check, &TokioClock::new(), &mut log).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        let style = Style {
            color: std::io::stdout().is_terminal(),
        };
        print!("{}", report::comparison(&c, &style, true));
    }
    Ok(c.result)
}
