//! TLS trusts the system's CA store, so a worker's corporate bundle works. A
//! private CA signs a server certificate for 127.0.0.1; an HTTPS GitHub stand-in
//! (python's ssl module) serves an empty release list. `check` must refuse it by
//! default and accept it when the bundle is where the system store is read from
//! (`SSL_CERT_FILE`, as a bundle mounted over /etc/ssl/certs would be).

mod common;

use common::*;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn openssl(dir: &Path, args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::null())
        .status();
    assert!(
        ok.expect("openssl is needed for the TLS test").success(),
        "openssl {args:?}"
    );
}

/// A CA, and a certificate for 127.0.0.1 signed by it.
fn make_pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Test Corporate CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "server.pem",
            "-extfile",
            "ext.cnf",
        ],
    );
}

const SERVER: &str = r#"
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("server.pem", "server.key")
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_private_ca_is_trusted_only_through_the_system_store() {
    let dir = tempfile::tempdir().unwrap();
    make_pki(dir.path());
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(SERVER)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is needed for the TLS test");
    let mut port = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let _server = Server(child);
    let url = format!("https://127.0.0.1:{}/", port.trim());
    let req = json!({"source": {"test_name": TEST, "owner": OWNER, "repository": REPO, "github_api_url": url}});
    let check = |bundle: &Path| {
        Run::step("check")
            .request(&req)
            .env("SSL_CERT_FILE", bundle)
            .run()
    };
    // An empty store (no system bundle visible): the certificate is refused.
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let untrusted = check(&empty);
    assert_eq!(untrusted.code, 1, "{untrusted:?}");
    assert!(
        untrusted.stderr.to_lowercase().contains("certificate"),
        "{}",
        untrusted.stderr
    );
    let trusted = check(&dir.path().join("ca.pem"));
    assert_eq!(trusted.code, 0, "{trusted:?}");
    assert_eq!(trusted.json(), json!([]));
}
