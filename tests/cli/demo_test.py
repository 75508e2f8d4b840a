#!/usr/bin/env python3
"""The README's run command as a newcomer meets it: `pactumd --embedded --demo`.
The summary is the last thing printed and says the stream was consumed (and
/readyz agrees); the printed curl works pasted into bash and zsh; the demo token
file is private and gone after exit; dead letters are summarised at info, one
line per record only at debug; the contracts are in a mix of states today.
Usage: demo_test.py PACTUMD"""
import json
import os
import pathlib
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

pactumd = sys.argv[1]
passed, failed = 0, 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_demo(extra_args, inspect):
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="pactumd-demo-test-"))
    port, admin_port = free_port(), free_port()
    out_path, err_path = tmp / "stdout", tmp / "stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        soft = min(256, hard)
        proc = subprocess.Popen([pactumd, "--embedded", "--demo", "--http-port", str(port), "--admin-port",
                                 str(admin_port), *extra_args],
                                stdout=out, stderr=err, env={**os.environ, "TMPDIR": str(tmp)},
                                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)))
        deadline = time.time() + 150
        while time.time() < deadline and "Stop with Ctrl-C" not in out_path.read_text(errors="replace"):
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        limits = pathlib.Path(f"/proc/{proc.pid}/limits").read_text()
        open_files = re.search(r"^Max open files\s+(\d+)\s+(\d+)", limits, re.M)
        check("pactumd raises its soft descriptor limit to the hard one",
              open_files and open_files.group(1) == open_files.group(2) == str(hard), open_files and open_files.group(0))
        try:
            inspect(tmp, port, admin_port, out_path.read_text(errors="replace"))
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                rc = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = None
    check("exits 0 on Ctrl-C", rc == 0, f"rc={rc}")
    left = [p for p in tmp.iterdir() if p.name.startswith("pactumd-demo-")]
    check("the demo token directory is removed on exit", not left, str(left))
    stderr = err_path.read_text(errors="replace")
    shutil.rmtree(tmp, ignore_errors=True)
    return stderr


def get(url, token=None):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def inspect(tmp, port, admin_port, stdout):
    lines = [l for l in stdout.splitlines() if l.strip()]
    check("the summary is the last thing printed", lines and lines[-1].strip() == "Stop with Ctrl-C.", repr(lines[-3:]))
    check("the summary says the stream was consumed", "Consumed: every record committed" in stdout, stdout)
    check("the summary names /readyz on the admin port", f"curl 'http://127.0.0.1:{admin_port}/readyz'" in stdout)
    status, body = get(f"http://127.0.0.1:{admin_port}/readyz")
    check("/readyz is 200 once the summary is printed", status == 200, body)
    check("/readyz reports demo_consumed", json.loads(body)["checks"].get("demo_consumed") is True, body)

    curl_lines = [l.strip() for l in lines if l.strip().startswith("curl -H")]
    check("one curl command with a token", len(curl_lines) == 1, repr(curl_lines))
    token = re.search(r"Bearer (\S+)'", curl_lines[0]).group(1) if curl_lines else ""
    check("the token is printed once", stdout.count(token) == 1 and len(token) >= 32, token)
    for shell in ("bash", "zsh"):
        res = subprocess.run([shell, "-c", curl_lines[0] + " --silent --show-error --fail"], capture_output=True, text=True)
        ok = res.returncode == 0
        contracts = json.loads(res.stdout)["contracts"] if ok else []
        check(f"the curl works pasted into {shell}", ok and 1 <= len(contracts) <= 5, res.stderr + res.stdout[:200])
        check(f"the curl's filter holds in {shell}", all(c["state"] == "in_breach" for c in contracts))

    dirs = [p for p in tmp.iterdir() if p.name.startswith("pactumd-demo-")]
    check("one private directory for the token", len(dirs) == 1, str(dirs))
    if dirs:
        check("the directory is 0700", stat.S_IMODE(dirs[0].stat().st_mode) == 0o700, oct(dirs[0].stat().st_mode))
        tokens = dirs[0] / "tokens"
        check("the token file is 0600", stat.S_IMODE(tokens.lstat().st_mode) == 0o600, oct(tokens.lstat().st_mode))
        check("the token file holds the printed token as admin", tokens.read_text() == f"{token} admin\n")

    status, body = get(f"http://127.0.0.1:{port}/v1/contracts?limit=500", token)
    states = {c["state"] for c in json.loads(body)["contracts"]} if status == 200 else set()
    check("the contracts are in a mix of states today", {"signed", "in_breach", "terminated"} <= states, str(states))
    # The evidence (spec section 16) on the embedded cluster too: the summary's example.
    sample = re.search(r"Evidence \(same token\): (\S+)/timeline", stdout)
    check("the summary names a contract's evidence", sample is not None, stdout)
    if sample:
        code, answer = get(sample.group(1) + "/timeline?limit=500", token)
        check("its timeline lists its records", code == 200 and json.loads(answer)["records"], answer[:200])
        code, answer = get(sample.group(1) + "/explain", token)
        check("its explanation explains figures", code == 200 and json.loads(answer)["figures"], answer[:200])
        code, answer = get(sample.group(1) + "/breach-liability?as_of=2026-06-30T23:59:59Z", token)
        check("a part as of a date answers", code in (200, 404), answer[:200])
    # The console (issue 18) is served on the same port; the browser test is tests/integration/ui_e2e.py.
    console = re.search(r"Console: +(\S+/ui/) in a browser", stdout)
    check("the summary names the console", console is not None, stdout)
    if console:
        with urllib.request.urlopen(console.group(1), timeout=10) as r:
            page = r.read().decode()
            check("the console's page is served with a CSP",
                  "app.js" in page and "script-src 'self'" in r.headers.get("Content-Security-Policy", ""), page[:200])
    today = time.strftime("%Y-%m-%d", time.gmtime())
    live = [c for c in json.loads(body)["contracts"] if c["state"] in ("signed", "in_breach")] if status == 200 else []
    check("live contracts end after today", live and all(c["end_date"] >= today for c in live),
          str([c["end_date"] for c in live][:5]))


stderr = run_demo([], inspect)
logs = [json.loads(l) for l in stderr.splitlines() if l.startswith("{")]
check("no per-record rejected line at info", not any(l["event"] == "rejected" for l in logs))
summaries = [l for l in logs if l["event"] == "dead_letters"]
check("dead letters are summarised with counts by reason",
      summaries and all(re.fullmatch(r"([a-z_]+=\d+ ?)+", s["by_reason"]) for s in summaries), str(summaries[:1]))
check("the summaries count every dead letter", sum(int(s["records"]) for s in summaries) > 50, str(summaries))

stderr = run_demo(["--log-level", "debug"], lambda *a: None)
logs = [json.loads(l) for l in stderr.splitlines() if l.startswith("{")]
check("a rejected line per record at debug", sum(1 for l in logs if l["event"] == "rejected") > 50)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
