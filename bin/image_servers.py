"""The servers bin/image-smoke runs the image against, all on 127.0.0.1 so that
a container on the host's network reaches them: moto (EC2, STS, Secrets
Manager), the kit's fake GitHub, and an HTTPS stand-in for GitHub whose
certificate a private CA signed (as a corporate proxy's would be)."""

import http.server
import json
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(cwd, *args):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d: Path):
    """A CA, and a certificate for 127.0.0.1 signed by it."""
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=Smoke Test Corporate CA", "-keyout", "ca.key", "-out", "ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr")
    (d / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    openssl(d, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-out", "server.pem", "-extfile", "ext.cnf")


class EmptyReleases(http.server.BaseHTTPRequestHandler):
    """Every GET is an empty release list: all `check` needs to succeed."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


class Servers:
    def __init__(self, work: Path, fake_github, moto, token):
        self.work, self.fake_github, self.moto, self.token = work, fake_github, moto, token
        self.procs = []

    def __enter__(self):
        try:
            self._start_moto()
            self._start_fake_github()
            self._start_tls()
            self._wait_for_moto()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_):
        for p in self.procs:
            p.kill()
            p.wait()
        if getattr(self, "tls", None):
            self.tls.shutdown()

    def _start_moto(self):
        self.moto_port = free_port()
        log = open(self.work / "moto.log", "wb")
        self.procs.append(subprocess.Popen(
            [self.moto, "-H", "127.0.0.1", "-p", str(self.moto_port)], stdout=log, stderr=log))

    def _wait_for_moto(self):
        url = f"http://127.0.0.1:{self.moto_port}/moto-api/"
        for _ in range(150):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"moto did not start (see {self.work}/moto.log)")

    def _start_fake_github(self):
        (self.work / "token").write_text(self.token)
        p = subprocess.Popen(
            [self.fake_github, "--token-file", str(self.work / "token"), "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        line = p.stdout.readline()
        if not line:
            raise RuntimeError("the fake GitHub did not start")
        self.api_url = json.loads(line)["api_url"]

    def _start_tls(self):
        pki = self.work / "pki"
        pki.mkdir()
        make_pki(pki)
        # What a worker mounts over /etc/ssl/certs: a bundle holding its CA.
        self.ca_dir = self.work / "worker-certs"
        self.ca_dir.mkdir()
        (self.ca_dir / "ca-certificates.crt").write_bytes((pki / "ca.pem").read_bytes())
        self.tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EmptyReleases)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki / "server.pem", pki / "server.key")
        self.tls.socket = ctx.wrap_socket(self.tls.socket, server_side=True)
        self.tls_url = f"https://127.0.0.1:{self.tls.server_address[1]}/"
        threading.Thread(target=self.tls.serve_forever, daemon=True).start()

    def github(self, method, path, body):
        req = urllib.request.Request(
            self.api_url + path, method=method, data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).close()

    def create_release(self, owner, repo, tag):
        self.github("POST", "_fake/repos", {"owner": owner, "repo": repo, "private": True})
        self.github("POST", f"repos/{owner}/{repo}/releases", {"tag_name": tag})

    def seed_fleet(self, amis, name):
        """One running instance per AMI in `amis`, tagged Name=`name`."""
        import boto3  # from .venv, beside moto

        ec2 = boto3.client("ec2", region_name="eu-west-2", aws_access_key_id="smoke",
                           aws_secret_access_key="smoke",
                           endpoint_url=f"http://127.0.0.1:{self.moto_port}")
        tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]
        for ami in amis:
            ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, TagSpecifications=tags)
