//! Workers pass `http_proxy`/`https_proxy`/`no_proxy`: both the GitHub and the
//! AWS clients must honour them. Proven by pointing the proxy at a dead port (the
//! call fails) and then exempting the host with `no_proxy` (the call works).

mod common;

use common::*;
use serde_json::json;
use testkit::moto::Moto;
use testkit::run::cli;

const DEAD_PROXY: &str = "http://127.0.0.1:9";

#[test]
fn check_goes_through_the_proxy_unless_no_proxy_exempts_the_host() {
    let w = World::github();
    w.release("1.0.0");
    w.result("1.0.0", AMI_NEW, "SUCCESS");
    let req = json!({"source": w.source()}).to_string();
    let proxied = w.res.step_env(
        "check",
        &[],
        req.as_bytes(),
        &[("http_proxy", DEAD_PROXY), ("HTTPS_PROXY", DEAD_PROXY)],
    );
    assert_eq!(proxied.code, 1, "the proxy was not used: {proxied:?}");
    assert!(w.gh.requests().is_empty(), "a request bypassed the proxy");
    let exempt = w.res.step_env(
        "check",
        &[],
        req.as_bytes(),
        &[("http_proxy", DEAD_PROXY), ("no_proxy", "127.0.0.1")],
    );
    assert_eq!(exempt.code, 0, "{exempt:?}");
}

#[test]
fn the_aws_client_goes_through_the_proxy_unless_no_proxy_exempts_the_host() {
    let moto = Moto::start();
    moto.run_instances(REGION, AMI_NEW, 1, Some("ci-concourse-worker"), &[]);
    let endpoint = moto.endpoint();
    let args = [
        "compare",
        "--ami",
        AMI_NEW,
        "--region",
        REGION,
        "--endpoint",
        &endpoint,
    ];
    let mut env = CLI_AWS_ENV.to_vec();
    env.push(("HTTP_PROXY", DEAD_PROXY));
    let proxied = cli(&binary(), &args, &env);
    assert_eq!(proxied.code, 2, "the proxy was not used: {proxied:?}");
    env.push(("NO_PROXY", "127.0.0.1"));
    let exempt = cli(&binary(), &args, &env);
    assert_eq!(exempt.code, 0, "{exempt:?}");
}
