#!/usr/bin/env python3
"""Chaos against a real broker: exactly once through kills, stops, a broker
restart and a rebalance.

  chaos.py --bin DIR --broker-dir DIR [--events 200000] [--seed S] [--summary FILE]

A generated log of at least 200,000 events is produced at a steady rate while
a seeded schedule of faults hits the pactumd instances: SIGKILL (>= 10, the
instance restarts at once, as Kubernetes would restart it; every third also
loses its local state dir), SIGTERM (>= 3, must
exit 0, restarts), one broker restart, and a second instance joining and later
leaving (two rebalances). After each fault, progress must resume within a bound
(the group's committed offsets move, or reach the end). At the end:
  - the latest view of every contract (read_committed) equals the offline replay;
  - no projection record's version goes backwards per key;
  - the dead-letter topic holds exactly the expected rejections, once each;
  - no transaction is left open: on every topic, read_committed end offsets
    equal read_uncommitted end offsets.
Prints the schedule and the verdict; --summary writes them as JSON.
"""
import argparse
import json
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "integration"))
from harness import TOPIC_NAMES, Cluster, finish, log  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--broker-dir", required=True)
ap.add_argument("--events", type=int, default=200_000)
ap.add_argument("--seed", type=int, default=2026)
ap.add_argument("--kills", type=int, default=10)
ap.add_argument("--terms", type=int, default=3)
ap.add_argument("--rate", type=int, default=1500, help="events per second produced")
ap.add_argument("--progress-bound-s", type=float, default=90)
ap.add_argument("--summary")
args = ap.parse_args()

broker_sh = str(pathlib.Path(__file__).resolve().parent.parent.parent / "scripts/kafka/broker.sh")
broker_dir = pathlib.Path(args.broker_dir)
rng = random.Random(args.seed)
cluster = Cluster(args.bin, broker_dir / "bootstrap", "chaos")
contracts = max(1, -(-args.events // 59))
lines = cluster.generate(args.seed, contracts)
while len(lines) < args.events:  # the generator's yield per contract varies a little
    contracts += max(1, (args.events - len(lines)) // 50)
    lines = cluster.generate(args.seed, contracts)
log(f"seed {args.seed}: {len(lines)} generated records for {contracts} contracts; topics suffixed {cluster.run_id}")

# The schedule: kills, stops, one broker restart; a second instance joins in
# the first half and leaves (SIGTERM) later.
faults = ["kill"] * args.kills + ["term"] * (args.terms - 1) + ["broker"]
rng.shuffle(faults)
join_at = rng.randrange(1, len(faults) // 2)
faults.insert(join_at, "join")
faults.insert(rng.randrange(join_at + 2, len(faults) + 1), "leave")
gaps = [round(rng.uniform(2.0, 6.0), 1) for _ in faults]
log("schedule: " + ", ".join(f"+{g}s {f}" for g, f in zip(gaps, faults)))

instances = {"a": cluster.start("a")}
failures = []
records = []


def group_progress():
    """Per events partition: (the group's committed offset, the read_committed end); None if unavailable."""
    out = subprocess.run([cluster.pactumctl, "end-offsets", cluster.topics["contract-events"], "--brokers",
                          cluster.brokers, "--group", cluster.group], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    def committed(r):
        return -1 if r["committed"] == "none" else r["committed"]
    return {r["partition"]: (committed(r), r["read_committed_end"]) for r in map(json.loads, out.stdout.splitlines())}


def wait_for_progress(before):
    """Seconds until every partition has moved past its committed offset just
    after the fault, or is fully consumed: the faulted instance's partitions too."""
    started = time.time()
    while time.time() - started < args.progress_bound_s:
        now = group_progress()
        if now is not None and all(committed > (before or {}).get(p, (-1, 0))[0] or committed >= end
                                   for p, (committed, end) in now.items()):
            return time.time() - started
        time.sleep(0.5)
    return None


producer = threading.Thread(target=cluster.produce, args=(lines,), kwargs={"rate": args.rate})
producer.start()
time.sleep(3)
killed = 0
for i, (gap, fault) in enumerate(zip(gaps, faults), 1):
    time.sleep(gap)
    running = [n for n, inst in instances.items() if inst.proc.poll() is None]
    target = rng.choice(running)
    detail = ""
    if fault == "kill":
        instances[target].proc.send_signal(signal.SIGKILL)
        instances[target].proc.wait()
        wipe = killed % 3 == 2  # every third kill also loses the local state (a new node)
        killed += 1
        if wipe:
            shutil.rmtree(cluster.state_dir(target), ignore_errors=True)
        instances[target] = cluster.start(target)
        detail = f"SIGKILL {target}, {'state dir wiped, ' if wipe else ''}restarted"
    elif fault == "term":
        instances[target].proc.send_signal(signal.SIGTERM)
        code = instances[target].proc.wait(timeout=120)
        if code != 0:
            failures.append(f"fault {i}: SIGTERM exit code {code}")
        instances[target] = cluster.start(target)
        detail = f"SIGTERM {target} (exit {code}), restarted"
    elif fault == "broker":
        t0 = time.time()
        subprocess.run([broker_sh, "restart", str(broker_dir)], check=True, capture_output=True)
        detail = f"broker restarted ({time.time() - t0:.0f} s down)"
    elif fault == "join":
        instances["b"] = cluster.start("b")
        detail = "instance b joins (rebalance)"
    elif fault == "leave":
        proc = instances.pop("b").proc
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
        if code != 0:
            failures.append(f"fault {i}: SIGTERM exit code {code} (b leaving)")
        detail = f"SIGTERM b (exit {code}), b leaves (rebalance)"
    # From here: every partition must move past where the group stands now.
    resumed = wait_for_progress(group_progress())
    if resumed is None:
        failures.append(f"fault {i} ({detail}): no progress within {args.progress_bound_s} s")
    records.append({"fault": fault, "detail": detail, "resumed_after_s": None if resumed is None else round(resumed, 1)})
    log(f"fault {i}/{len(faults)}: {detail}; progress after "
        f"{'-' if resumed is None else f'{resumed:.1f} s'}")
producer.join()
log("all records produced")

ok, expected_views, expected_dead = cluster.wait_until_equal(time.time() + 900, poll=10)
if not ok:
    failures.append("the projections do not equal the replay")
backwards = cluster.versions_backwards()
if backwards:
    failures.append(f"{backwards} projection records went back in version")
for name, inst in instances.items():
    inst.proc.send_signal(signal.SIGTERM)
    code = inst.proc.wait(timeout=120)
    if code != 0:
        failures.append(f"final SIGTERM of {name}: exit code {code}")
open_txn = []
for topic in TOPIC_NAMES:
    out = subprocess.run([cluster.pactumctl, "end-offsets", cluster.topics[topic], "--brokers", cluster.brokers],
                         capture_output=True, text=True, check=True)
    for row in map(json.loads, out.stdout.splitlines()):
        if row["read_committed_end"] != row["read_uncommitted_end"]:
            open_txn.append(f"{topic}[{row['partition']}]: {row['read_committed_end']} != {row['read_uncommitted_end']}")
if open_txn:
    failures.append("transactions left open: " + "; ".join(open_txn))
resumes = [r["resumed_after_s"] for r in records if r["resumed_after_s"] is not None]
summary = {
    "seed": args.seed,
    "events_produced": len(lines),
    "contracts": len(expected_views or {}),
    "dead_letters": sum((expected_dead or {}).values()),
    "faults": records,
    "faults_survived": sum(1 for r in records if r["resumed_after_s"] is not None),
    "max_resume_s": max(resumes) if resumes else None,
    "mismatched_contracts": 0 if ok else None,
    "versions_backwards": backwards,
    "open_transactions": len(open_txn),
    "verdict": "pass" if not failures else "fail",
    "failures": failures,
}
if args.summary:
    pathlib.Path(args.summary).write_text(json.dumps(summary, indent=2) + "\n")
log(f"verdict: {summary['verdict']} - {summary['faults_survived']}/{len(records)} faults survived, "
    f"max resume {summary['max_resume_s']} s, {summary['contracts']} contracts equal the replay, "
    f"{summary['dead_letters']} dead letters exactly once, {backwards} versions backwards, "
    f"{len(open_txn)} open transactions")
finish(failures, cluster.work)
