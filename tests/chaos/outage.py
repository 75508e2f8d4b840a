#!/usr/bin/env python3
"""A 30 s broker outage mid-stream (real broker).

  outage.py --bin DIR --broker-dir DIR [--events N] [--outage-s 30]

pactumd processes the first half of a generated log; the broker is stopped for
30 s while pactumd is busy with the second half's first records; during the
outage pactumd must stay alive with /healthz 200 and /readyz 503; after the
broker is back it must resume, and the projections must equal the offline
replay with the dead-letter topic holding each rejection exactly once.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "integration"))
from harness import Cluster, finish, log  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--broker-dir", required=True)
ap.add_argument("--events", type=int, default=60_000)
ap.add_argument("--outage-s", type=int, default=30)
ap.add_argument("--seed", type=int, default=23)
args = ap.parse_args()

broker_sh = str(pathlib.Path(__file__).resolve().parent.parent.parent / "scripts/kafka/broker.sh")
broker_dir = pathlib.Path(args.broker_dir)
cluster = Cluster(args.bin, broker_dir / "bootstrap", "outage")
lines = cluster.generate(args.seed, max(1, args.events // 60))
half = len(lines) // 2
inst = cluster.start("a")
port = inst.admin_port()  # the probes
failures = []


def status(path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


cluster.produce(lines[:half])
log(f"produced {half} of {len(lines)} records; waiting for pactumd to start on them")
deadline = time.time() + 60
while status("/readyz") != 200 and time.time() < deadline:
    time.sleep(0.5)
# The second half goes in while the broker goes away: the producer retries.
producer = threading.Thread(target=cluster.produce, args=(lines[half:],), kwargs={"rate": 4000})
producer.start()
time.sleep(2)
log(f"stopping the broker for {args.outage_s} s")
subprocess.run([broker_sh, "stop", str(broker_dir)], check=True)
stopped = time.time()
samples = []
while time.time() - stopped < args.outage_s:
    samples.append((status("/healthz"), status("/readyz"), inst.proc.poll() is None))
    time.sleep(1)
subprocess.run([broker_sh, "start", str(broker_dir)], check=True, capture_output=True)
back = time.time()
log(f"broker back after {back - stopped:.0f} s")
healthz = [s[0] for s in samples]
readyz = [s[1] for s in samples]
if not all(alive for _, _, alive in samples):
    failures.append("pactumd exited during the outage")
if any(h != 200 for h in healthz):
    failures.append(f"/healthz was not always 200 during the outage: {healthz}")
if 503 not in readyz:
    failures.append(f"/readyz never reported not-ready during the outage: {readyz}")
log(f"during the outage: /healthz {sorted(set(healthz))}, /readyz {sorted(set(map(str, readyz)))}, "
    f"{len(samples)} samples")
producer.join()

deadline = time.time() + 120
while status("/readyz") != 200 and time.time() < deadline:
    time.sleep(0.5)
ready_after = time.time() - back
if status("/readyz") != 200:
    failures.append("/readyz did not recover")
log(f"ready again {ready_after:.1f} s after the broker came back")
ok, _, _ = cluster.wait_until_equal(time.time() + 300)
if not ok:
    failures.append("the projections do not equal the replay (something lost or doubled)")
backwards = cluster.versions_backwards()
if backwards:
    failures.append(f"{backwards} projection records went back in version")
inst.proc.terminate()
code = inst.proc.wait(timeout=90)
if code != 0:
    failures.append(f"SIGTERM exit code {code}")
retries = pathlib.Path(inst.log_path).read_text(errors="replace").count('"transaction_retry"')
log(f"transaction retries logged: {retries}; exit code {code}")
finish(failures, cluster.work)
