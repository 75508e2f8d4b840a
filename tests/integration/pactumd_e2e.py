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
import collections
import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid

ap = argparse.ArgumentParser()
ap.add_argument("scenario", choices=["basic", "kill", "split"])
ap.add_argument("--bin", required=True)
ap.add_argument("--bootstrap-file", required=True)
ap.add_argument("--events", type=int, default=100_000)
ap.add_argument("--seed", type=int, default=11)
ap.add_argument("--timeout", type=int, default=600)
args = ap.parse_args()

bin_dir = pathlib.Path(args.bin)
pactumctl, pactumd = str(bin_dir / "pactumctl"), str(bin_dir / "pactumd")
brokers = pathlib.Path(args.bootstrap_file).read_text().strip()
work = pathlib.Path(tempfile.mkdtemp(prefix=f"pactumd-{args.scenario}-"))
run_id = uuid.uuid4().hex[:8]
topics = {name: f"{name}-{run_id}" for name in
          ["contract-events", "contract-views", "contract-termination-conditions", "contract-breach-liability",
           "contract-events-dlq", "pactum-snapshots"]}
group = f"pactum-{run_id}"
rng = random.Random(args.seed)


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}] {args.scenario}:", *a, flush=True)


def start_pactumd(instance):
    out = open(work / f"pactumd-{instance}.log", "ab")
    cmd = [pactumd, "--brokers", brokers, "--group", group, "--transactional-id", f"{group}-{instance}",
           "--events-topic", topics["contract-events"], "--views-topic", topics["contract-views"],
           "--termination-topic", topics["contract-termination-conditions"],
           "--liability-topic", topics["contract-breach-liability"], "--dlq-topic", topics["contract-events-dlq"],
           "--snapshots-topic", topics["pactum-snapshots"], "--partitions", "4", "--commit-interval-ms", "100"]
    return subprocess.Popen(cmd, stdout=out, stderr=out)


def tail(topic):
    out = subprocess.run([pactumctl, "tail", topic, "--brokers", brokers], capture_output=True, check=True)
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


def structured(record):
    """The record as one structured-mode line (binary mode: from its ce_ headers)."""
    headers = record["headers"]
    if "ce_specversion" not in headers:
        return record["value"]
    try:
        data = json.loads(record["value"])
    except ValueError:
        return record["value"]  # malformed either way
    event = {k[3:]: v for k, v in headers.items() if k.startswith("ce_")}
    if "expectedversion" in event and event["expectedversion"].isdigit():
        event["expectedversion"] = int(event["expectedversion"])
    if "content-type" in headers:
        event["datacontenttype"] = headers["content-type"]
    event["data"] = data
    return json.dumps(event, separators=(",", ":"))


def expected_from_topic():
    records = sorted(tail(topics["contract-events"]), key=lambda r: (r["partition"], r["offset"]))
    log_file = work / "topic.jsonl"
    with open(log_file, "wb") as f:
        for r in records:
            f.write(structured(r).encode("utf-8", "surrogateescape") + b"\n")
    out = subprocess.run([pactumctl, "replay", str(log_file)], capture_output=True, check=True)
    doc = json.loads(out.stdout)
    views = {c["contract_id"]: c for c in doc["contracts"]}
    rejected = collections.Counter((records[r["offset"]]["value"], r["reason"]) for r in doc["rejections"])
    return views, rejected, len(records)


def actual():
    latest = {}
    for r in tail(topics["contract-views"]):
        latest[r["key"]] = json.loads(r["value"])
    dead = collections.Counter((r["value"], r["headers"].get("pactum-reason")) for r in tail(topics["contract-events-dlq"]))
    return latest, dead


def versions_never_go_back():
    problems = 0
    for name in ["contract-views", "contract-termination-conditions", "contract-breach-liability"]:
        seen = {}
        for r in sorted(tail(topics[name]), key=lambda r: (r["partition"], r["offset"])):
            v = json.loads(r["value"])["version"]
            if v < seen.get(r["key"], 0):
                problems += 1
            seen[r["key"]] = v
    return problems


def wait_until_equal(deadline):
    last = None
    while time.time() < deadline:
        expected_views, expected_dead, total = expected_from_topic()
        views, dead = actual()
        mismatched = [k for k in expected_views if views.get(k) != expected_views[k]]
        if not mismatched and dead == expected_dead:
            log(f"caught up: {total} records in the events topic, {len(views)} contracts equal the replay, "
                f"{sum(dead.values())} dead letters with their reasons")
            return True
        last = (len(mismatched), sum(dead.values()), sum(expected_dead.values()))
        time.sleep(3)
    log(f"not equal before the timeout: mismatched contracts, dead letters, expected dead letters = {last}")
    return False


# The log: about `events` records from the generator.
contracts = max(1, args.events // 60)
subprocess.run([pactumctl, "generate", "--seed", str(args.seed), "--contracts", str(contracts),
                "--out", str(work / "log.jsonl")], check=True)
lines = (work / "log.jsonl").read_bytes().splitlines(keepends=True)
log(f"{len(lines)} generated records for {contracts} contracts; topics suffixed {run_id}")

procs = {"a": start_pactumd("a")}
time.sleep(3)
if args.scenario == "split":
    procs["b"] = start_pactumd("b")
    time.sleep(5)


def produce(chunk, binary=False):
    path = work / f"chunk-{rng.randrange(1 << 30)}.jsonl"
    path.write_bytes(b"".join(chunk))
    subprocess.run([pactumctl, "produce", str(path), "--brokers", brokers, "--topic", topics["contract-events"]]
                   + (["--binary"] if binary else []), check=True, capture_output=True)


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
        procs["a"] = start_pactumd("a")
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

ok = wait_until_equal(time.time() + args.timeout)
backwards = versions_never_go_back()
log(f"projection records whose version went backwards: {backwards}")
for p in procs.values():
    p.send_signal(signal.SIGTERM)
exit_codes = [p.wait(timeout=60) for p in procs.values()]
log(f"SIGTERM exit codes: {exit_codes}")
if args.scenario == "split":
    b_log = (work / "pactumd-b.log").read_text()
    a_log = (work / "pactumd-a.log").read_text()
    shared = '"event":"assigned"' in b_log and a_log.count('"event":"assigned"') >= 2
    log(f"both instances were assigned partitions and a took over b's: {shared}")
    ok = ok and shared
ok = ok and backwards == 0 and all(c == 0 for c in exit_codes)
print(f"{1 if ok else 0} passed, {0 if ok else 1} failed")
if not ok:
    print(f"logs in {work}")
sys.exit(0 if ok else 1)
