#!/usr/bin/env python3
"""Measuring half of bin/bench: seeding, timed runs, the report.

Standard library only, except `seed-moto`, which uses the boto3 that moto's
venv already holds. Every timed run goes through bench/rusage.c, a tiny
launcher that reaps it with wait4(), whose rusage covers the child and all of
its reaped descendants: CPU is user+sys of the whole process tree (for the
shell baseline: sh, the $( ) subshell, aws and jq), peak RSS is the largest
single process in that tree (what GNU time's %M reports). Wall time is taken
here, around the launcher. Records go to a JSON-lines file; `report`
renders them. Nothing here asserts on a time: a run fails only if a command
exits with the wrong code or prints the wrong thing.
"""

import argparse
import base64
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

MIB = 1024 * 1024


def die(msg):
    print(f"bench.py: {msg}", file=sys.stderr)
    sys.exit(1)


def record(path, rec):
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


# --------------------------------------------------------------------------
# One measured run


def run_once(argv, env, cwd=None, stdin_bytes=None, capture_stdout=False):
    """(exit code, wall s, cpu s, peak rss KiB, stdout bytes or None, stderr).

    Through bench/rusage.c (path in $BENCH_RUSAGE): wait4() from Python
    itself would charge every child with Python's own RSS (see rusage.c)."""
    launcher = os.environ.get("BENCH_RUSAGE") or die("BENCH_RUSAGE is not set")
    err = tempfile.TemporaryFile()
    out = tempfile.TemporaryFile() if capture_stdout else subprocess.DEVNULL
    inp = tempfile.TemporaryFile()
    if stdin_bytes is not None:
        inp.write(stdin_bytes)
        inp.seek(0)
    with tempfile.NamedTemporaryFile("r") as figures:
        t0 = time.perf_counter()
        p = subprocess.Popen([launcher, figures.name] + list(argv), env=env, cwd=cwd,
                             stdin=inp, stdout=out, stderr=err)
        p.wait()
        wall = time.perf_counter() - t0
        text = figures.read().split()
    err.seek(0)
    stderr = err.read().decode(errors="replace")
    if len(text) != 3:
        die(f"{argv[0]}: the launcher wrote no figures (exit {p.returncode}): {stderr[-500:]}")
    code, cpu_us, rss_kib = (int(x) for x in text)
    stdout = None
    if capture_stdout:
        out.seek(0)
        stdout = out.read()
    return code, wall, cpu_us / 1e6, rss_kib, stdout, stderr


def check_code(label, code, expect, stderr):
    ok = code == expect if expect != "nonzero" else code != 0
    if not ok:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        die(f"{label}: exit {code}, expected {expect}\n--- stderr (tail) ---\n{tail}")


def load_cmd(path):
    with open(path) as f:
        spec = json.load(f)
    env = dict(spec["env"])
    return spec["argv"], env, spec.get("cwd")


# --------------------------------------------------------------------------
# moto


def ec2_client(endpoint, region):
    import boto3  # from moto's venv

    return boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def launch(ec2, ami, name, count, batch):
    """`count` instances in reservations of at most `batch` (moto's
    MaxResults counts reservations; a page holds 100 of them)."""
    ids = []
    left = count
    while left > 0:
        n = min(left, batch)
        r = ec2.run_instances(
            ImageId=ami,
            MinCount=n,
            MaxCount=n,
            InstanceType="t3.micro",
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}
            ],
        )
        ids += [i["InstanceId"] for i in r["Instances"]]
        left -= n
    return ids


def count_matching(ec2):
    pages = ec2.get_paginator("describe_instances").paginate(
        Filters=[
            {"Name": "tag:Name", "Values": ["ci-concourse-*"]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ]
    )
    return sum(len(r["Instances"]) for p in pages for r in p["Reservations"])


def cmd_seed_moto(a):
    ec2 = ec2_client(a.endpoint, a.region)
    t0 = time.perf_counter()
    web = max(1, a.running // 10)
    workers = a.running - web
    stopped_n = max(2, a.running // 20)
    other_n = max(2, a.running // 20)
    launch(ec2, a.ami, "ci-concourse-worker", workers, a.batch)
    launch(ec2, a.ami, "ci-concourse-web", web, a.batch)
    # Stopped Concourse instances on the previous AMI: the state filter must drop them.
    stopped = launch(ec2, a.old_ami, "ci-concourse-worker", stopped_n, a.batch)
    ec2.stop_instances(InstanceIds=stopped)
    # Another application on another AMI: the name filter must drop it.
    launch(ec2, a.old_ami, "other-app", other_n, a.batch)
    seconds = time.perf_counter() - t0
    seen = count_matching(ec2)
    if seen != a.running:
        die(f"seed-moto: {seen} running ci-concourse-* instances, wanted {a.running}")
    summary = {
        "kind": "seed-moto",
        "fleet": a.running,
        "running_concourse": a.running,
        "stopped_concourse": stopped_n,
        "other_app": other_n,
        "reservation_batch": a.batch,
        "seconds": round(seconds, 2),
    }
    record(a.results, summary)
    print(
        f"  seeded {a.running} running ci-concourse-* + {stopped_n} stopped + "
        f"{other_n} other-app in {seconds:.1f} s",
        file=sys.stderr,
    )


def cmd_add_mismatch(a):
    ec2 = ec2_client(a.endpoint, a.region)
    launch(ec2, a.other_ami, "ci-concourse-worker", 1, 1)


def cmd_raw_describe(a):
    """moto alone: the filtered DescribeInstances as one raw curl call."""
    auth = (
        f"Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{a.region}/ec2/"
        "aws4_request, SignedHeaders=host, Signature=00"
    )
    form = (
        "Action=DescribeInstances&Version=2016-11-15"
        "&Filter.1.Name=tag%3AName&Filter.1.Value.1=ci-concourse-%2A"
        "&Filter.2.Name=instance-state-name&Filter.2.Value.1=running"
    )
    walls, size = [], 0
    for _ in range(a.runs):
        out = subprocess.run(
            ["curl", "-sS", "-o", a.save or "/dev/null", "-D", (a.save + ".headers") if a.save else "/dev/null", "-w", "%{http_code} %{time_total} %{size_download}",
             "-H", auth, "-H", "Content-Type: application/x-www-form-urlencoded",
             "--data", form, a.endpoint + "/"],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        if out[0] != "200":
            die(f"raw DescribeInstances: HTTP {out[0]}")
        walls.append(float(out[1]))
        size = int(out[2])
    paged = bool(a.save) and b"<nextToken>" in open(a.save, "rb").read()
    rec = {"kind": "moto-alone", "fleet": a.fleet, "walls": walls, "bytes": size, "paged": paged}
    record(a.results, rec)
    print(f"  moto alone (raw curl): median {statistics.median(walls):.3f} s, "
          f"{size} bytes", file=sys.stderr)


def cmd_replay(a):
    """Serves one recorded DescribeInstances reply from memory to every POST:
    the clients' own cost, with the emulator's time taken out. The reply is
    moto's, for the same filters both tools send, and has no nextToken."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = open(a.body, "rb").read()
    if b"<nextToken>" in body:
        die("replay: the recorded reply is paged; replay serves one page only")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


# --------------------------------------------------------------------------
# A against B, alternating


def cmd_pair(a):
    cmds = {"old": load_cmd(a.old), "new": load_cmd(a.new)}
    runs = {"old": [], "new": []}

    def one(tool, warm):
        argv, env, cwd = cmds[tool]
        code, wall, cpu, rss, _, err = run_once(argv, env, cwd)
        check_code(f"{a.fleet} instances, {tool}{' (warm-up)' if warm else ''}",
                   code, a.expect, err)
        if not warm:
            runs[tool].append({"wall": wall, "cpu": cpu, "rss_kib": rss})

    one("old", True)
    one("new", True)
    for i in range(a.runs):
        one("old", False)
        one("new", False)
        print(f"  run {i + 1}/{a.runs}: old {runs['old'][-1]['wall']:.3f} s, "
              f"new {runs['new'][-1]['wall']:.3f} s", file=sys.stderr)
    record(a.results, {"kind": a.kind, "fleet": a.fleet, "runs": runs})


def cmd_expect(a):
    """One unmeasured run that must exit with the given code."""
    argv, env, cwd = load_cmd(a.cmd)
    code, _, _, _, _, err = run_once(argv, env, cwd)
    check_code(a.label, code, a.expect, err)
    print(f"  {a.label}: exit {code} (as required)", file=sys.stderr)


# --------------------------------------------------------------------------
# The fake GitHub


def http_call(base, method, path, body=None, token=True):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    headers = {"Content-Type": "application/json", "Accept": "application/vnd.github+json"}
    if token:
        headers["Authorization"] = "token bench"  # the fake accepts any token when none is set
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, u.path.rstrip("/") + path, body=data, headers=headers)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, payload


def ami_of(i):
    return f"ami-0b0b5eed0{i:08x}"


def cmd_seed_github(a):
    """`n` releases, oldest first; every 2nd (2, 4, …, so the newest too when
    n is even) carries a result asset; every 5th result is FAILED."""
    api = a.api
    st, body = http_call(api, "POST", "/_fake/repos",
                         {"owner": a.owner, "repo": a.repo, "private": False})
    if st != 204:
        die(f"create repo: HTTP {st} {body[:200]!r}")
    t0 = time.perf_counter()
    versions = []
    for i in range(1, a.releases + 1):
        tag = f"v1.0.{i}"
        st, body = http_call(api, "POST", f"/repos/{a.owner}/{a.repo}/releases",
                             {"tag_name": tag, "name": tag})
        if st != 201:
            die(f"create release {tag}: HTTP {st} {body[:200]!r}")
        if i % 2 == 0:
            result = "FAILED" if (i // 2) % 5 == 0 else "SUCCESS"
            ami = ami_of(i)
            name = f"{a.test_name}.{ami}.{result}.json"
            content = json.dumps({"ami_id": ami, "result": result, "release": tag}).encode()
            st, body = http_call(api, "POST", "/_fake/assets", {
                "owner": a.owner, "repo": a.repo, "tag": tag, "name": name,
                "content_base64": base64.b64encode(content).decode(),
            })
            if st != 201:
                die(f"add asset {name}: HTTP {st} {body[:200]!r}")
            versions.append({"release": tag, "ami_id": ami, "result": result})
    seconds = time.perf_counter() - t0
    record(a.results, {"kind": "seed-github", "releases": a.releases,
                       "results": len(versions), "seconds": round(seconds, 2)})
    with open(a.versions_out, "w") as f:
        json.dump(versions, f)
    print(f"  seeded {a.releases} releases ({len(versions)} with a result) in "
          f"{seconds:.1f} s ({(a.releases + len(versions)) / seconds:.0f} requests/s)",
          file=sys.stderr)


def requests_log(api):
    st, body = http_call(api, "GET", "/_fake/requests", token=False)
    if st != 200:
        die(f"GET /_fake/requests: HTTP {st}")
    return json.loads(body)


def clear_requests(api):
    st, _ = http_call(api, "DELETE", "/_fake/requests", token=False)
    if st != 204:
        die(f"DELETE /_fake/requests: HTTP {st}")


def cmd_check(a):
    with open(a.versions) as f:
        versions = json.load(f)
    latest, oldest = versions[-1], versions[0]
    source = {"test_name": a.test_name, "owner": a.owner, "repository": a.repo,
              "github_api_url": a.api}
    cases = {
        # label: (request, expected output)
        "first": ({"source": source}, [latest]),
        "unchanged": ({"source": source, "version": latest}, [latest]),
        # Not a target: the cost of a version as old as the whole history.
        "oldest": ({"source": source, "version": oldest}, versions),
    }
    # Concourse runs check with no build environment: no HOME, no PATH.
    env = {}
    res = {k: {"walls": [], "requests": [], "paths": None, "cpu": [], "rss_kib": []}
           for k in cases}
    for i in range(a.runs + 1):  # the first round is the warm-up
        for label, (req, want) in cases.items():
            clear_requests(a.api)
            code, wall, cpu, rss, out, err = run_once(
                [a.check], env, stdin_bytes=json.dumps(req).encode(), capture_stdout=True)
            check_code(f"check ({label}, {a.releases} releases)", code, 0, err)
            try:
                got = json.loads(out)
            except ValueError:
                die(f"check ({label}): stdout is not JSON: {out[:300]!r}")
            if got != want:
                die(f"check ({label}, {a.releases} releases): printed "
                    f"{json.dumps(got)[:300]}, expected {json.dumps(want)[:300]}")
            log = requests_log(a.api)
            if i == 0:
                continue
            r = res[label]
            r["walls"].append(wall)
            r["cpu"].append(cpu)
            r["rss_kib"].append(rss)
            r["requests"].append(len(log))
            r["paths"] = [f"{x['method']} {x['path']} {x['status']}" for x in log]
    record(a.results, {"kind": "check", "releases": a.releases, "cases": res})
    for label, r in res.items():
        print(f"  {label:9} {statistics.median(r['walls']) * 1000:7.1f} ms, "
              f"requests {sorted(set(r['requests']))}", file=sys.stderr)


# --------------------------------------------------------------------------
# Report


def med(xs):
    return statistics.median(xs)


def fmt_s(x):
    return f"{x:.3f} s" if x < 10 else f"{x:.2f} s"


def cmd_report(a):
    recs = [json.loads(line) for line in open(a.results) if line.strip()]
    out = []
    w = out.append
    meta = next((r for r in recs if r["kind"] == "meta"), {})
    w("# bin/bench results\n")
    if meta:
        w(f"- when: {meta.get('when')}; command: `{meta.get('command')}`")
        w(f"- machine: {meta.get('nproc')} CPUs ({meta.get('cpu')}), {meta.get('mem')} memory")
        w(f"- tools: {meta.get('tools')}")
        end = next((r for r in recs if r["kind"] == "load-end"), {})
        w(f"- load average (1/5/15 min) at start: {meta.get('load')}; at end: {end.get('load', '?')}")
        w(f"- runs per figure: {meta.get('runs')} (alternating old/new after one warm-up each); "
          "figures are medians, min–max in brackets")
        w("")

    fleets = [r for r in recs if r["kind"] == "fleet"]
    if fleets:
        report_fleets(recs, fleets, w)
    checks = [r for r in recs if r["kind"] == "check"]
    if checks:
        report_checks(recs, checks, w)
    size = next((r for r in recs if r["kind"] == "binary"), None)
    if size:
        w("## binary\n")
        w(f"`{size['path']}`: {size['bytes']} bytes = {size['bytes'] / 1e6:.2f} MB "
          f"({size['bytes'] / MIB:.2f} MiB); {size['file']}\n")
    text = "\n".join(out)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


def report_fleets(recs, fleets, w):
    w("## compare: the shell comparison (old) vs `ami-test-resource compare` (new)\n")
    w("CPU = user+sys of the whole process tree; peak RSS = largest single process "
      "in the tree. moto's own time is not in CPU (another process) but is in wall.\n")
    w("| fleet | tool | wall | CPU | peak RSS | moto alone (raw curl) |")
    w("|---:|---|---:|---:|---:|---:|")
    seeds = {r["fleet"]: r for r in recs if r["kind"] == "seed-moto"}
    moto = {r["fleet"]: r for r in recs if r["kind"] == "moto-alone"}
    ratios = []
    for r in fleets:
        n = r["fleet"]
        row = {}
        for tool in ("old", "new"):
            rs = r["runs"][tool]
            walls = [x["wall"] for x in rs]
            cpus = [x["cpu"] for x in rs]
            rss = [x["rss_kib"] / 1024 for x in rs]
            row[tool] = (med(walls), med(cpus), med(rss))
            m = moto.get(n)
            mtxt = (f"{med(m['walls']):.3f} s ({m['bytes'] / 1e6:.2f} MB"
                    f"{', first page only' if m.get('paged') else ''})") if m else ""
            w(f"| {n} | {tool} | {fmt_s(med(walls))} [{min(walls):.3f}–{max(walls):.3f}] "
              f"| {fmt_s(med(cpus))} [{min(cpus):.3f}–{max(cpus):.3f}] "
              f"| {med(rss):.1f} MiB [{min(rss):.1f}–{max(rss):.1f}] | {mtxt if tool == 'old' else ''} |")
        o, nw = row["old"], row["new"]
        ratios.append((n, o[0] / nw[0], o[1] / nw[1], o[2] / nw[2]))
    w("")
    w("| fleet | wall old/new | CPU old/new | peak RSS old/new |")
    w("|---:|---:|---:|---:|")
    for n, rw, rc, rr in ratios:
        w(f"| {n} | {rw:.1f}× | {rc:.1f}× | {rr:.1f}× |")
    w("")
    replays = [r for r in recs if r["kind"] == "fleet-replay"]
    if replays:
        w("### The same, against a canned reply (moto's recorded answer served from memory)\n")
        w("The emulator's time taken out: what each client costs by itself.\n")
        w("| fleet | old wall | new wall | wall old/new | old CPU | new CPU | CPU old/new | old RSS | new RSS |")
        w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in replays:
            o = r["runs"]["old"]
            nw = r["runs"]["new"]
            ow, nww = med([x["wall"] for x in o]), med([x["wall"] for x in nw])
            oc, nc = med([x["cpu"] for x in o]), med([x["cpu"] for x in nw])
            orss = med([x["rss_kib"] for x in o]) / 1024
            nrss = med([x["rss_kib"] for x in nw]) / 1024
            w(f"| {r['fleet']} | {fmt_s(ow)} | {fmt_s(nww)} | {ow / nww:.1f}× | {fmt_s(oc)} | "
              f"{fmt_s(nc)} | {oc / nc:.1f}× | {orss:.1f} MiB | {nrss:.1f} MiB |")
        w("")
    for r in [r for r in recs if r["kind"] == "startup"]:
        o = r["runs"]["old"]
        nw = r["runs"]["new"]
        w(f"Start-up floor (`aws --version` vs `ami-test-resource --version`): wall "
          f"{med([x['wall'] for x in o]):.3f} s vs {med([x['wall'] for x in nw]):.3f} s, "
          f"CPU {med([x['cpu'] for x in o]):.3f} s vs {med([x['cpu'] for x in nw]):.3f} s, "
          f"peak RSS {med([x['rss_kib'] for x in o]) / 1024:.1f} vs "
          f"{med([x['rss_kib'] for x in nw]) / 1024:.1f} MiB.")
        fl = r["runs"]["floor"]
        w(f"Measuring floor (`true` through bench/rusage.c): CPU "
          f"{med([x['cpu'] for x in fl]) * 1000:.2f} ms, peak RSS "
          f"{med([x['rss_kib'] for x in fl]) / 1024:.2f} MiB.\n")
    if seeds:
        w("Fleets (moto, reset between sizes): " + "; ".join(
            f"{n}: {s['running_concourse']} running ci-concourse-* + {s['stopped_concourse']} "
            f"stopped + {s['other_app']} other-app, seeded in {s['seconds']} s"
            for n, s in seeds.items()) + f" (reservations of ≤ "
            f"{next(iter(seeds.values()))['reservation_batch']} instances).\n")


def report_checks(recs, checks, w):
    w("## check against the fake GitHub (every 2nd release has a result)\n")
    w("| releases | check | requests | wall | CPU | peak RSS |")
    w("|---:|---|---:|---:|---:|---:|")
    for r in checks:
        for label, c in r["cases"].items():
            reqs = sorted(set(c["requests"]))
            rq = str(reqs[0]) if len(reqs) == 1 else f"{reqs} (varied!)"
            name = {"first": "first (no version)", "unchanged": "unchanged (version = latest)",
                    "oldest": "version = oldest result (not a target)"}[label]
            w(f"| {r['releases']} | {name} | {rq} | {med(c['walls']) * 1000:.1f} ms "
              f"[{min(c['walls']) * 1000:.1f}–{max(c['walls']) * 1000:.1f}] "
              f"| {med(c['cpu']) * 1000:.1f} ms | {med(c['rss_kib']) / 1024:.1f} MiB |")
    w("")
    for r in checks:
        paths = r["cases"]["unchanged"]["paths"]
        w(f"- {r['releases']} releases, unchanged check requests: "
          + ", ".join(f"`{p}`" for p in paths))
    w("")
    sg = [r for r in recs if r["kind"] == "seed-github"]
    if sg:
        w("Seeding through HTTP (one connection per request; the fake closes each): " + "; ".join(
            f"{r['releases']} releases + {r['results']} assets in {r['seconds']} s" for r in sg) + ".\n")


def cmd_startup(a):
    cmds = {"old": load_cmd(a.old), "new": load_cmd(a.new)}
    # The measuring floor: the smallest program there is, through the launcher.
    cmds["floor"] = (["true"], cmds["new"][1], cmds["new"][2])
    runs = {"old": [], "new": [], "floor": []}
    for i in range(a.runs + 1):
        for tool in ("old", "new", "floor"):
            argv, env, cwd = cmds[tool]
            code, wall, cpu, rss, _, err = run_once(argv, env, cwd)
            check_code(f"startup {tool}", code, 0, err)
            if i:
                runs[tool].append({"wall": wall, "cpu": cpu, "rss_kib": rss})
    record(a.results, {"kind": "startup", "runs": runs})


def cmd_spec(argv):
    """spec OUT CWD PATH HOME REGION -- ARGV...: a command as `pair` and
    `expect` run it, with the clean environment both tools get."""
    if len(argv) < 7 or argv[5] != "--":
        die("usage: spec OUT CWD PATH HOME REGION -- ARGV...")
    out, cwd, path, home, region = argv[:5]
    spec = {"argv": argv[6:], "cwd": cwd, "env": {
        "PATH": path, "HOME": home,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region, "AWS_EC2_METADATA_DISABLED": "true"}}
    with open(out, "w") as f:
        json.dump(spec, f)


def main():
    if sys.argv[1:2] == ["spec"]:  # argv is the command's own: no option parsing
        return cmd_spec(sys.argv[2:])
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("seed-moto")
    s.add_argument("--endpoint", required=True)
    s.add_argument("--region", required=True)
    s.add_argument("--ami", required=True)
    s.add_argument("--old-ami", required=True)
    s.add_argument("--running", type=int, required=True)
    s.add_argument("--batch", type=int, default=100)
    s.add_argument("--results", required=True)
    s.set_defaults(f=cmd_seed_moto)

    s = sub.add_parser("add-mismatch")
    s.add_argument("--endpoint", required=True)
    s.add_argument("--region", required=True)
    s.add_argument("--other-ami", required=True)
    s.set_defaults(f=cmd_add_mismatch)

    s = sub.add_parser("raw-describe")
    s.add_argument("--endpoint", required=True)
    s.add_argument("--region", required=True)
    s.add_argument("--fleet", type=int, required=True)
    s.add_argument("--runs", type=int, required=True)
    s.add_argument("--results", required=True)
    s.add_argument("--save", help="keep the last reply's body here (for `replay`)")
    s.set_defaults(f=cmd_raw_describe)

    s = sub.add_parser("replay")
    s.add_argument("--body", required=True)
    s.add_argument("--port-file", required=True)
    s.set_defaults(f=cmd_replay)

    for name, f in (("pair", cmd_pair), ("startup", cmd_startup)):
        s = sub.add_parser(name)
        s.add_argument("--old", required=True, help="JSON {argv, env, cwd}")
        s.add_argument("--new", required=True)
        s.add_argument("--runs", type=int, required=True)
        s.add_argument("--results", required=True)
        if name == "pair":
            s.add_argument("--fleet", type=int, required=True)
            s.add_argument("--expect", type=int, default=0)
            s.add_argument("--kind", default="fleet")
        s.set_defaults(f=f)

    s = sub.add_parser("expect")
    s.add_argument("--cmd", required=True)
    s.add_argument("--expect", required=True, help="an exit code or `nonzero`")
    s.add_argument("--label", required=True)
    s.set_defaults(f=lambda a: cmd_expect(argparse.Namespace(
        **{**vars(a), "expect": a.expect if a.expect == "nonzero" else int(a.expect)})))

    for name, f in (("seed-github", cmd_seed_github), ("check", cmd_check)):
        s = sub.add_parser(name)
        s.add_argument("--api", required=True)
        s.add_argument("--owner", default="o")
        s.add_argument("--repo", required=True)
        s.add_argument("--test-name", default="concourse")
        s.add_argument("--releases", type=int, required=True)
        s.add_argument("--results", required=True)
        if name == "seed-github":
            s.add_argument("--versions-out", required=True)
        else:
            s.add_argument("--versions", required=True)
            s.add_argument("--check", required=True, help="path of a program named `check`")
            s.add_argument("--runs", type=int, required=True)
        s.set_defaults(f=f)

    s = sub.add_parser("report")
    s.add_argument("--results", required=True)
    s.add_argument("--out")
    s.set_defaults(f=cmd_report)

    a = p.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
