#!/usr/bin/env python3
"""The query API under load (wrk, Debian), beside its baseline in the same run.

  api_bench.py --bin DIR --bootstrap-file FILE [--contracts N] [--seconds S] [--connections C]

One pactumd on a real broker holds the views of a generated stream. wrk then
drives, in turn: GET /healthz (the baseline: the same server, threads and
connections, no token check, no lookup, a tiny body), then with an admin token
over random contracts: GET /v1/contracts/{id}, the view as of an instant, the
timeline and the explanation (these three recomputed from the contract's
records on each request). Prints requests/s, p50 and p99 of each and the
views' ratio to the baseline; docs/benchmarks.md keeps the figures.
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "integration"))
from harness import Cluster, log  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--bootstrap-file", required=True)
ap.add_argument("--contracts", type=int, default=2000)
ap.add_argument("--seconds", type=int, default=20)
ap.add_argument("--connections", type=int, default=32)
ap.add_argument("--threads", type=int, default=2, help="wrk threads")
args = ap.parse_args()

token = "bench-admin-token-0123456789"
cluster = Cluster(args.bin, args.bootstrap_file, "api-bench")
tokens = cluster.work / "tokens"
tokens.write_text(f"{token} admin\n")
lines = cluster.generate(17, args.contracts)
inst = cluster.start("bench", ["--api-tokens", str(tokens)])
port, admin_port = inst.http_port(), inst.admin_port()
cluster.produce(lines)
ok, expected, _ = cluster.wait_until_equal(time.time() + 600, poll=5)
if not ok:
    sys.exit("pactumd did not catch up")


deadline = time.time() + 60
while time.time() < deadline:
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics").read().decode()
    held = sum(float(v) for v in re.findall(r'^pactum_contracts\{.*\} (\S+)$', metrics, re.M))
    if held >= len(expected):
        break
    time.sleep(1)
log(f"pactumd holds {int(held)} views; wrk: {args.threads} threads, {args.connections} connections, {args.seconds} s each")

def random_contract_script(name, suffix):
    """A wrk script asking for a random contract's resource `suffix`."""
    path = cluster.work / f"{name}.lua"
    path.write_text(
        "local ids = {" + ",".join(json.dumps(i) for i in ids) + "}\n"
        "math.randomseed(7)\n"
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        "request = function()\n"
        f"  return wrk.format(\"GET\", \"/v1/contracts/\" .. ids[math.random(#ids)] .. {json.dumps(suffix)})\n"
        "end\n")
    return path


ids = sorted(expected)
# The evidence is recomputed per request from the contract's records (spec
# section 16): the records follower reads the same topic; give it a moment.
time.sleep(5)
resources = [("GET /v1/contracts/{id}", ""),
             ("GET .../{id}?as_of=T", "?as_of=2026-06-30T23:59:59Z"),
             ("GET .../{id}/timeline", "/timeline?limit=50"),
             ("GET .../{id}/explain", "/explain")]


def wrk(path, extra=(), on=None):
    out = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.seconds}s",
                          "--latency", *extra, f"http://127.0.0.1:{on or port}{path}"], capture_output=True, text=True,
                         check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+(\S+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat.get("50"), lat.get("99"), int(errors.group(1)) if errors else 0


base = wrk("/healthz", on=admin_port)  # the admin listener (1 thread)
results = [(label, wrk("/", ["-s", str(random_contract_script(f"r{n}", suffix))])) for n, (label, suffix) in enumerate(resources)]
inst.proc.terminate()
inst.proc.wait(timeout=60)
print(f"{'endpoint':<28}{'requests/s':>12}{'p50':>10}{'p99':>10}{'non-2xx':>9}")
print(f"{'GET /healthz (baseline)':<28}{base[0]:>12,.0f}{base[1]:>10}{base[2]:>10}{base[3]:>9}")
for label, r in results:
    print(f"{label:<28}{r[0]:>12,.0f}{r[1]:>10}{r[2]:>10}{r[3]:>9}")
views = results[0][1]
print(f"ratio: {views[0] / base[0]:.2f}x the baseline's requests/s ({len(ids)} contracts)")
# as_of may name an instant before a contract was drafted: 404 is an answer there.
sys.exit(0 if all(r[3] == 0 for label, r in results if "as_of" not in label) and base[3] == 0 else 1)
