//! moto (the AWS emulator) in server mode, one process per `Moto`, on a free
//! loopback port, with a fixed image catalogue. Killed on drop.

mod seed;

pub use seed::{SecretValue, xml_values};

use crate::http;
use std::fs::{self, File};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The AMIs in moto's catalogue (17 lowercase hex digits, like real ones).
pub const AMI_OLD: &str = "ami-0a11ce5c0ffee0001";
pub const AMI_NEW: &str = "ami-0b0b5eed0ffee0002";
pub const AMI_OTHER: &str = "ami-0c0ffee0deadbee03";

const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts at starting moto: the free port we pick can be taken by someone
/// else before moto binds it.
const START_ATTEMPTS: usize = 3;

pub struct Moto {
    child: Child,
    port: u16,
    // Holds the image catalogue and the log for the process's lifetime.
    dir: tempfile::TempDir,
}

impl Moto {
    /// Starts moto and waits until it answers. Panics with a clear message
    /// (and moto's log) if it cannot: a test that needs moto never skips.
    pub fn start() -> Moto {
        let bin = find_server();
        let dir = tempfile::Builder::new()
            .prefix("testkit-moto-")
            .tempdir()
            .expect("temp dir");
        let amis = dir.path().join("amis.json");
        fs::write(&amis, amis_json()).expect("write MOTO_AMIS_PATH file");
        let mut last_log = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            let log = dir.path().join(format!("moto-{port}.log"));
            let mut child = spawn(&bin, port, &amis, &log);
            match wait_ready(&mut child, port) {
                Ok(()) => return Moto { child, port, dir },
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_log = format!(
                        "{why}\n--- moto log ({}) ---\n{}",
                        log.display(),
                        read_log(&log)
                    );
                }
            }
        }
        panic!(
            "moto_server ({}) did not come up: {last_log}",
            bin.display()
        );
    }

    /// `http://127.0.0.1:PORT`: the one endpoint for EC2, Secrets Manager and STS.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Wipes all state (instances, secrets) in every region.
    pub fn reset(&self) {
        let url = format!("{}/moto-api/reset", self.endpoint());
        let resp = http::request("POST", &url, &[], b"").expect("POST /moto-api/reset");
        assert_eq!(resp.status, 200, "moto reset failed: {}", resp.text());
    }

    /// The server's combined stdout/stderr so far, for failure messages.
    pub fn log(&self) -> String {
        read_log(&self.dir.path().join(format!("moto-{}.log", self.port)))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `MOTO_SERVER`, else the project's venv, else `PATH`.
fn find_server() -> PathBuf {
    if let Some(p) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
    if venv.is_file() {
        return venv;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "moto_server not found (looked at $MOTO_SERVER, {}, and $PATH): \
                 run bin/test, which installs the pinned moto into .venv",
                venv.display()
            )
        })
}

fn spawn(bin: &Path, port: u16, amis: &Path, log: &Path) -> Child {
    let out = File::create(log).expect("create moto log");
    let err = out.try_clone().expect("clone log handle");
    Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_AMIS_PATH", amis)
        // Any ImageId is accepted, so tests may launch AMIs outside the catalogue.
        .env_remove("MOTO_ENABLE_AMI_VALIDATION")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "moto_server not startable at {}: {e}; run bin/test",
                bin.display()
            )
        })
}

fn wait_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let url = format!("http://127.0.0.1:{port}/moto-api/");
    let started = Instant::now();
    while started.elapsed() < READY_TIMEOUT {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("moto_server exited early ({status})"));
        }
        let probe = http::request_with_timeout("GET", &url, &[], b"", Duration::from_secs(2));
        if probe.is_ok_and(|r| r.status == 200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("GET {url} did not answer within {READY_TIMEOUT:?}"))
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    l.local_addr().expect("local addr").port()
}

fn read_log(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| format!("(no log: {e})"))
}

/// The `MOTO_AMIS_PATH` catalogue. No `creation_date`: moto up to 5.2.1
/// parses it in place in a list shared by all regions, so the second
/// region's backend fails ("Parser must be a string ... not datetime") and
/// every call there answers 500 (fixed by 5.2.5; omitting it works on both).
fn amis_json() -> String {
    let images: Vec<_> = [(AMI_OLD, "old"), (AMI_NEW, "new"), (AMI_OTHER, "other")]
        .iter()
        .map(|(id, label)| {
            serde_json::json!({
                "ami_id": id,
                "name": format!("concourse-{label}"),
                "description": format!("testkit {label} Concourse image"),
                "state": "available",
                "public": false,
                "owner_id": "123456789012",
                "image_location": format!("123456789012/concourse-{label}"),
                "image_type": "machine",
                "architecture": "x86_64",
                "virtualization_type": "hvm",
                "hypervisor": "xen",
                "root_device_type": "ebs",
                "root_device_name": "/dev/xvda",
                "sriov": "simple",
                "platform": null
            })
        })
        .collect();
    serde_json::to_string_pretty(&images).expect("JSON")
}

#[cfg(test)]
mod tests;
