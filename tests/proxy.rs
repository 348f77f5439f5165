//! Workers pass `http_proxy`/`https_proxy`/`no_proxy`: both the GitHub and the
//! AWS clients must honour them. Proven by pointing the proxy at a dead port (the
//! call fails) and then exempting the host with `no_proxy` (the call works).

mod common;

use common::*;
use serde_json::json;
use testkit::moto::Moto;

const DEAD_PROXY: &str = "http://127.0.0.1:9";

#[test]
fn check_goes_through_the_proxy_unless_no_proxy_exempts_the_host() {
    let w = World::github();
    w.release("1.0.0");
    w.result("1.0.0", AMI_NEW, "SUCCESS");
    let req = json!({"source": w.source()});
    let proxied = w
        .step("check")
        .request(&req)
        .envs(&[("http_proxy", DEAD_PROXY), ("HTTPS_PROXY", DEAD_PROXY)])
        .run();
    assert_eq!(proxied.code, 1, "the proxy was not used: {proxied:?}");
    assert!(w.gh.requests().is_empty(), "a request bypassed the proxy");
    let exempt = w
        .step("check")
        .request(&req)
        .envs(&[("http_proxy", DEAD_PROXY), ("no_proxy", "127.0.0.1")])
        .run();
    assert_eq!(exempt.code, 0, "{exempt:?}");
}

#[test]
fn the_aws_client_goes_through_the_proxy_unless_no_proxy_exempts_the_host() {
    let moto = Moto::start();
    moto.run_instances(REGION, AMI_NEW, 1, Some("ci-concourse-worker"), &[]);
    let compare = || Run::compare(&moto.endpoint(), AMI_NEW);
    let proxied = compare().env("HTTP_PROXY", DEAD_PROXY).run();
    assert_eq!(proxied.code, 2, "the proxy was not used: {proxied:?}");
    let exempt = compare()
        .env("HTTP_PROXY", DEAD_PROXY)
        .env("NO_PROXY", "127.0.0.1")
        .run();
    assert_eq!(exempt.code, 0, "{exempt:?}");
}
