#!/usr/bin/env python3
"""pactumd against a real Kafka broker: exactly once, end to end.

  pactumd_e2e.py SCENARIO --bin DIR --bootstrap-file FILE [--events N] [--seed S]

Scenarios:
  basic   a generated log is produced; once pactumd has caught up, the latest
          contract-views value per key equals `pactumctl replay` of the events
          topic, and the DLQ holds exactly the rejected records with reasons;
          the compacted topics pactumd created roll segments the cleaner can clean.
  kill    the same while pactumd is SIGKILLed several times mid-stream and
          restarted; read_committed readers never see a version go backwards.
  split   two instances in one group split the partitions; stopping one moves
          its partitions to the other with nothing lost. The second half of the
          log is produced in the binary content mode.
  restart the local state: after a SIGTERM the restarted instance restores
          every partition from its store and replays no event (the warm path
          reads only the tail), then folds the rest of the log into contracts
          it reads back from the store; after a SIGKILL and after its state dir
          is wiped it still converges on the replay.

Every instance keeps its local state (--state-dir) across its restarts, with a
cache of 64 contracts, so contracts are written to and read back from the store.

The expected result is the offline replay of what the events topic holds
(per partition, in offset order): that includes the deadline events pactumd
itself appends by wall clock, and per-contract order is all the fold needs.
"""
import argparse
import json
import pathlib
import random
import select
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from harness import Cluster, log as harness_log  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("scenario", choices=["basic", "kill", "split", "restart"])
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
elif args.scenario == "restart":
    log_path = cluster.work / "pactumd-a.log"

    def recovered_since(mark):
        """The `recovered` lines written after byte `mark` of a's log."""
        text = log_path.read_bytes()[mark:].decode(errors="replace")
        return [json.loads(l) for l in text.splitlines() if '"event":"recovered"' in l]

    def restart(how, wipe=False):
        procs["a"].send_signal(how)
        procs["a"].wait(timeout=60)
        if wipe:
            shutil.rmtree(cluster.state_dir("a"))
        mark = log_path.stat().st_size
        procs["a"] = cluster.start("a").proc
        deadline = time.time() + 120
        while time.time() < deadline and len(recovered_since(mark)) < cluster.partitions:
            time.sleep(0.5)
        return recovered_since(mark)

    cut = len(lines) * 2 // 3
    produce(lines[:cut])
    warm_ok = cluster.wait_until_equal(time.time() + args.timeout)[0]
    lines_after_term = restart(signal.SIGTERM)
    log("after SIGTERM:", [(r.get("partition"), r.get("from"), r.get("tail_events")) for r in lines_after_term])
    warm_ok = warm_ok and len(lines_after_term) == cluster.partitions and all(
        r.get("from") == "local_store" and r.get("tail_events") == "0" and r.get("snapshots") == "0"
        for r in lines_after_term)
    faults.append(f"SIGTERM and restart: every partition from the local store, no event replayed: {warm_ok}")
    produce(lines[cut:])
    warm_ok = cluster.wait_until_equal(time.time() + args.timeout)[0] and warm_ok
    lines_after_kill = restart(signal.SIGKILL)
    faults.append("SIGKILL and restart: " + ", ".join(sorted({r.get("from", "?") for r in lines_after_kill})))
    warm_ok = cluster.wait_until_equal(time.time() + args.timeout)[0] and warm_ok
    lines_after_wipe = restart(signal.SIGTERM, wipe=True)
    wiped_ok = len(lines_after_wipe) == cluster.partitions and all(r.get("from") == "snapshots" for r in lines_after_wipe)
    faults.append(f"state dir wiped and restart: every partition from the snapshots: {wiped_ok}")
    log("faults:", ", ".join(faults))
    if not (warm_ok and wiped_ok):
        log("FAIL: the restarts did not take the expected paths")
        procs["a"].send_signal(signal.SIGKILL)
        print("0 passed, 1 failed")
        sys.exit(1)
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
if args.scenario == "basic":
    # The compacted topics pactumd created roll segments the cleaner can clean
    # (docs/deploy.md, "Compaction": the same values as the KafkaTopics).
    wanted = {"cleanup.policy": "compact", "segment.ms": "3600000", "segment.bytes": "16777216",
              "min.cleanable.dirty.ratio": "0.1"}
    for topic in ["contract-views", "contract-termination-conditions", "contract-breach-liability", "pactum-snapshots"]:
        configs = cluster.topic_configs(topic)
        wrong = {k: configs.get(k) for k, v in wanted.items() if configs.get(k) != v}
        log(f"{topic} created with {wanted if not wrong else wrong}")
        ok = ok and not wrong
    # `tail --follow --received` (the latency benchmark's reader): each record
    # as it arrives, flushed, stamped with when it was read.
    follower = subprocess.Popen([cluster.pactumctl, "tail", cluster.topics["contract-views"], "--brokers", cluster.brokers,
                                 "--follow", "--received"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ready, _, _ = select.select([follower.stdout], [], [], 30)
    first = json.loads(follower.stdout.readline()) if ready else {}
    follower.terminate()
    follower.wait(timeout=30)
    stamped = bool(first) and first["timestamp"] <= first["received"] <= time.time() * 1000
    log(f"tail --follow --received printed a stamped record while following: {stamped}")
    ok = ok and stamped
ok = ok and backwards == 0 and all(c == 0 for c in exit_codes)
print(f"{1 if ok else 0} passed, {0 if ok else 1} failed")
if not ok:
    print(f"logs in {cluster.work}")
sys.exit(0 if ok else 1)
