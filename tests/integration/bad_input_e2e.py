#!/usr/bin/env python3
"""Bad input never stops pactumd and is never lost (real broker).

  bad_input_e2e.py --bin DIR --bootstrap-file FILE --fixtures DIR

The good events of fixtures/events/good.jsonl with every record of
fixtures/bad/cases.jsonl interleaved (truncated JSON, wrong types, huge
numbers, deep nesting, a 1 MiB value, invalid UTF-8, NUL bytes, binary mode
without headers, key != subject, ...), produced as raw Kafka records. Then:
each bad record is in the dead-letter topic, byte for byte, with its reason;
nothing else is; and the views equal the offline replay of the good records.
"""
import argparse
import base64
import collections
import json
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from harness import Cluster, finish, log, structured  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--bootstrap-file", required=True)
ap.add_argument("--fixtures", required=True)
args = ap.parse_args()

fixtures = pathlib.Path(args.fixtures)
good = (fixtures / "events/good.jsonl").read_bytes().splitlines()
cases = [json.loads(l) for l in (fixtures / "bad/cases.jsonl").read_text().splitlines()]


def value_of(case):
    value = base64.b64decode(case["value_base64"]) if "value_base64" in case else case["value"].encode()
    if "pad_to" in case:
        at = value.index(b'""') + 1
        value = value[:at] + b"x" * (case["pad_to"] - len(value)) + value[at:]
    return value


def raw_line(key, value, headers):
    record = {"key": key, "headers": headers}
    record["value_base64"] = base64.b64encode(value).decode()
    return (json.dumps(record) + "\n").encode()


bad = [(c, value_of(c)) for c in cases]
lines = []
for i, g in enumerate(good):
    lines.append(raw_line(json.loads(g)["subject"], g, {"content-type": "application/cloudevents+json"}))
    for c, v in bad:
        if c["after"] == i:
            lines.append(raw_line(c["key"], v, c["headers"]))
check_sizes = {c["name"]: len(v) for c, v in bad}
log(f"{len(good)} good records, {len(bad)} bad ones: " + ", ".join(f"{c['name']} ({check_sizes[c['name']]} B)" for c, _ in bad))

cluster = Cluster(args.bin, args.bootstrap_file, "bad-input")
inst = cluster.start("a")
path = cluster.work / "mixed.jsonl"
path.write_bytes(b"".join(lines))
subprocess.run([cluster.pactumctl, "produce", str(path), "--raw", "--brokers", cluster.brokers, "--topic",
                cluster.topics["contract-events"], "-X", "message.max.bytes=8388608"], check=True)

expected_dead = collections.Counter((v, c["expect"]) for c, v in bad)
bad_values = {v for _, v in bad}


def raw_value(record):
    return base64.b64decode(record["value_base64"]) if "value_base64" in record else record["value"].encode()


failures = []
deadline = time.time() + 180
while True:
    dead = collections.Counter((raw_value(r), r["headers"].get("pactum-reason")) for r in cluster.tail("contract-events-dlq"))
    records = sorted(cluster.tail("contract-events"), key=lambda r: (r["partition"], r["offset"]))
    good_records = [r for r in records if raw_value(r) not in bad_values]
    replay_in = cluster.work / "good.jsonl"
    replay_in.write_bytes(b"".join(structured(r).encode() + b"\n" for r in good_records))
    replay = json.loads(subprocess.run([cluster.pactumctl, "replay", str(replay_in)], capture_output=True,
                                       check=True).stdout)
    expected_views = {c["contract_id"]: c for c in replay["contracts"]}
    views = {r["key"]: json.loads(r["value"]) for r in cluster.tail("contract-views")}
    if dead == expected_dead and views == expected_views:
        break
    if time.time() > deadline:
        missing = expected_dead - dead
        extra = dead - expected_dead
        failures.append(f"dead letters: missing {[(len(v), r) for v, r in missing]}, unexpected {[(v[:80], r) for v, r in extra]}")
        if views != expected_views:
            failures.append("views differ from the replay of the good records")
        break
    time.sleep(2)

for c, v in bad:
    ok = (v, c["expect"]) in dead
    log(f"{'ok  ' if ok else 'FAIL'} {c['name']}: {c['expect']}")
log(f"{len(expected_views)} contracts equal the replay of the {len(good_records)} good records "
    f"({replay['stats']['accepted']} applied)")
# Byte for byte: a record without a key is dead-lettered without one (not an
# empty key), and a header without a value keeps no value.
no_key = [c for c, _ in bad if c["key"] is None]
for c in no_key:
    letters = [r for r in cluster.tail("contract-events-dlq") if raw_value(r) == value_of(c)]
    ok = len(letters) == 1 and letters[0]["key"] is None and all(
        letters[0]["headers"].get(k, "absent") == v for k, v in c["headers"].items())
    log(f"{'ok  ' if ok else 'FAIL'} {c['name']}: key and headers as they came ({letters[:1]})")
    if not ok:
        failures.append(f"{c['name']}: dead letter {letters}")

# end-offsets: a group that never committed has "none", not librdkafka's -1001;
# pactumd's group has a number on every partition it consumed.
for group, want_none in (("pactum-never-committed", True), (cluster.group, False)):
    out = subprocess.run([cluster.pactumctl, "end-offsets", cluster.topics["contract-events"], "--brokers",
                          cluster.brokers, "--group", group], capture_output=True, text=True, check=True)
    rows = [json.loads(l) for l in out.stdout.splitlines()]
    consumed = [r for r in rows if r["read_committed_end"] > 0]
    ok = all(r["committed"] == "none" for r in rows) if want_none else \
        consumed and all(isinstance(r["committed"], int) and r["committed"] >= 0 for r in consumed)
    log(f"{'ok  ' if ok else 'FAIL'} end-offsets --group {group}: {[r['committed'] for r in rows]}")
    if not ok:
        failures.append(f"end-offsets --group {group}: {rows}")
alive = inst.proc.poll() is None
if not alive:
    failures.append("pactumd exited")
inst.proc.terminate()
code = inst.proc.wait(timeout=60)
if code != 0:
    failures.append(f"SIGTERM exit code {code}")
finish(failures, cluster.work)
