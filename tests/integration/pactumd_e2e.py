#!/usr/bin/env python3
"""pactumd against a real Kafka broker: exactly once, end to end.

  pactumd_e2e.py SCENARIO --bin DIR --bootstrap-file FILE [--events N] [--seed S]

Scenarios:
  basic   a generated log is produced; once pactumd has caught up, the latest
          contract-views value per key equals `pactumctl replay` of the events
          topic, and the DLQ holds exactly the rejected records with reasons.
  kill    the same while pactumd is SIGKILLed several times mid-stream and
          restarted; read_committed readers never see a version go backwards.
  split   two instances in one group split the partitions; stopping one moves
          its partitions to the other with nothing lost. The second half of the
          log is produced in the binary content mode.

The expected result is the offline replay of what the events topic holds
(per partition, in offset order): that includes the deadline events pactumd
itself appends by wall clock, and per-contract order is all the fold needs.
"""
import argparse
import pathlib
import random
import signal
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from harness import Cluster, log as harness_log  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("scenario", choices=["basic", "kill", "split"])
ap.add_argument("--bin", required=True)
ap.add_argument("--bootstrap-file", required=True)
ap.add_argument("--events", type=int, default=100_000)
ap.add_argument("--seed", type=int, default=11)
ap.add_argument("--timeout", type=int, default=600)
args = ap.parse_args()

cluster = Cluster(args.bin, args.bootstrap_file, args.scenario)
rng = random.Random(args.seed)


def log(*a):
    harness_log(f"{args.scenario}:", *a)


# The log: about `events` records from the generator.
contracts = max(1, args.events // 60)
lines = cluster.generate(args.seed, contracts)
log(f"{len(lines)} generated records for {contracts} contracts; topics suffixed {cluster.run_id}")

procs = {"a": cluster.start("a").proc}
time.sleep(3)
if args.scenario == "split":
    procs["b"] = cluster.start("b").proc
    time.sleep(5)
produce = cluster.produce

faults = []
if args.scenario == "kill":
    chunks = 8
    size = (len(lines) + chunks - 1) // chunks
    for i in range(chunks):
        produce(lines[i * size:(i + 1) * size])
        time.sleep(rng.uniform(0.5, 2.5))
        procs["a"].send_signal(signal.SIGKILL)
        procs["a"].wait()
        faults.append(f"SIGKILL after chunk {i + 1}")
        procs["a"] = cluster.start("a").proc
    log("faults:", ", ".join(faults))
elif args.scenario == "split":
    half = len(lines) // 2
    produce(lines[:half])
    time.sleep(5)
    procs["b"].send_signal(signal.SIGTERM)
    code = procs["b"].wait(timeout=60)
    faults.append(f"instance b stopped by SIGTERM (exit {code})")
    produce(lines[half:], binary=True)  # the second half in the binary content mode
    log("faults:", ", ".join(faults))
else:
    produce(lines)

ok = cluster.wait_until_equal(time.time() + args.timeout)[0]
backwards = cluster.versions_backwards()
log(f"projection records whose version went backwards: {backwards}")
for p in procs.values():
    p.send_signal(signal.SIGTERM)
exit_codes = [p.wait(timeout=60) for p in procs.values()]
log(f"SIGTERM exit codes: {exit_codes}")
if args.scenario == "split":
    b_log = (cluster.work / "pactumd-b.log").read_text()
    a_log = (cluster.work / "pactumd-a.log").read_text()
    shared = '"event":"assigned"' in b_log and a_log.count('"event":"assigned"') >= 2
    log(f"both instances were assigned partitions and a took over b's: {shared}")
    ok = ok and shared
ok = ok and backwards == 0 and all(c == 0 for c in exit_codes)
print(f"{1 if ok else 0} passed, {0 if ok else 1} failed")
if not ok:
    print(f"logs in {cluster.work}")
sys.exit(0 if ok else 1)
