//! Test kit for `ami-test-resource`: real servers the black-box tests point
//! the built executable at.
//!
//! - [`moto`]: the AWS emulator, started per test on a free loopback port;
//! - [`github`]: a fake GitHub REST server (api, uploads and storage origins);
//! - [`fault_proxy`]: a fault-injecting proxy in front of moto;
//! - [`run`]: what assert_cmd does not do for the black-box tests: the
//!   `check`/`in`/`out` links, steps in the background (waited for or killed),
//!   the canary checks;
//! - [`http`]: the std-only HTTP/1.1 server and client the others share.

pub mod fault_proxy;
pub mod github;
pub mod http;
pub mod moto;
pub mod run;
