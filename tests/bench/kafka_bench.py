#!/usr/bin/env python3
"""pactumd's throughput and event-to-projection latency beside a bare librdkafka
transactional copier, in the same run on the same broker (docs/benchmarks.md).

  kafka_bench.py --bin build/bin [--events 200000] [--latency-events 20000 --rate 2000]

Starts its own broker (scripts/kafka/broker.sh) in build/kafka-bench.
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time
import uuid

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="build/bin")
ap.add_argument("--events", type=int, default=200_000)
ap.add_argument("--latency-events", type=int, default=20_000)
ap.add_argument("--rate", type=int, default=2000)
ap.add_argument("--commit-interval-ms", type=int, default=100)
args = ap.parse_args()

top = pathlib.Path(__file__).resolve().parents[2]
bin_dir = pathlib.Path(args.bin).resolve()
broker_dir = top / "build" / "kafka-bench"
broker_sh = top / "scripts" / "kafka" / "broker.sh"
subprocess.run([str(broker_sh), "start", str(broker_dir)], check=True)
brokers = (broker_dir / "bootstrap").read_text().strip()
work = broker_dir / "work"
work.mkdir(exist_ok=True)
run = uuid.uuid4().hex[:6]


def topic(name, partitions=4):
    subprocess.run([str(broker_sh), "topic", str(broker_dir), name, str(partitions)], check=True)
    return name


def lag(group, name):
    out = subprocess.run([str(bin_dir / "kafka_copier"), "lag", "--brokers", brokers, "--group", group, "--topic", name],
                         capture_output=True, text=True)
    return int(out.stdout.strip() or -1)


def produce(path, name, rate=0):
    cmd = [str(bin_dir / "pactumctl"), "produce", str(path), "--brokers", brokers, "--topic", name]
    if rate:
        cmd += ["--rate", str(rate)]
    subprocess.run(cmd, check=True, capture_output=True)


def tail(name):
    out = subprocess.run([str(bin_dir / "pactumctl"), "tail", name, "--brokers", brokers], capture_output=True, check=True)
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


def pactumd(group, events_topic, suffix):
    log = open(work / f"pactumd-{suffix}.log", "wb")
    names = {k: f"{k}-{suffix}" for k in ["views", "termination", "liability", "dlq", "snapshots"]}
    return subprocess.Popen([str(bin_dir / "pactumd"), "--brokers", brokers, "--group", group, "--transactional-id", group,
                             "--events-topic", events_topic, "--views-topic", names["views"],
                             "--termination-topic", names["termination"], "--liability-topic", names["liability"],
                             "--dlq-topic", names["dlq"], "--snapshots-topic", names["snapshots"],
                             "--commit-interval-ms", str(args.commit_interval_ms), "--http-port", "0"],
                            stdout=log, stderr=log), names


def copier(group, source, target):
    return subprocess.Popen([str(bin_dir / "kafka_copier"), "copy", "--brokers", brokers, "--from", source, "--to", target,
                             "--group", group, "--txn-id", group, "--commit-interval-ms", str(args.commit_interval_ms)])


def drain(proc, group, name, total):
    """Seconds from the first committed progress to no lag (start-up excluded)."""
    first = None
    deadline = time.time() + 900
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{group} exited with {proc.returncode}")
        remaining = lag(group, name)
        now = time.time()
        if first is None and 0 <= remaining < total:
            first = now
        if remaining == 0:
            return now - (first or now)
        time.sleep(0.1)
    raise SystemExit(f"{group} did not drain")


def stop(proc):
    proc.terminate()
    proc.wait(timeout=60)


# ---- throughput: the same backlog, drained by each
contracts = max(1, args.events // 60)
log_path = work / f"throughput-{run}.jsonl"
subprocess.run([str(bin_dir / "pactumctl"), "generate", "--seed", "9", "--contracts", str(contracts), "--out", str(log_path)],
               check=True)
records = sum(1 for _ in open(log_path, "rb"))
source = topic(f"bench-events-{run}")
produce(log_path, source)
copy_target = topic(f"bench-copy-{run}")

results = {}
proc = copier(f"copier-{run}", source, copy_target)
results["copier"] = drain(proc, f"copier-{run}", source, records)
stop(proc)
proc, _ = pactumd(f"pactumd-{run}", source, f"t{run}")
results["pactumd"] = drain(proc, f"pactumd-{run}", source, records)
stop(proc)

# ---- latency: a steady stream below capacity
lat_log = work / f"latency-{run}.jsonl"
subprocess.run([str(bin_dir / "pactumctl"), "generate", "--seed", "10", "--contracts", str(max(1, args.latency_events // 60)),
                "--bad-per-mille", "0", "--out", str(lat_log)], check=True)
lat_source = topic(f"bench-lat-{run}")
lat_copy = topic(f"bench-lat-copy-{run}")
cp = copier(f"latcopier-{run}", lat_source, lat_copy)
pd, names = pactumd(f"latpactumd-{run}", lat_source, f"l{run}")
time.sleep(8)  # both assigned and recovered
produce(lat_log, lat_source, rate=args.rate)
lat_records = sum(1 for _ in open(lat_log, "rb"))
while lag(f"latpactumd-{run}", lat_source) != 0 or lag(f"latcopier-{run}", lat_source) != 0:
    time.sleep(0.5)
time.sleep(1)
stop(cp)
stop(pd)

inputs = tail(lat_source)
copies = {r["value"]: r["timestamp"] for r in tail(lat_copy)}
copier_lat = [copies[r["value"]] - r["timestamp"] for r in inputs if r["value"] in copies]
views = {}
for r in sorted(tail(names["views"]), key=lambda r: r["timestamp"]):
    v = json.loads(r["value"])
    views.setdefault(r["key"], []).append((r["timestamp"], v["stream_time"]))
pactumd_lat = []
for r in inputs:
    e = json.loads(r["value"])
    for ts, stream_time in views.get(r["key"], []):
        # the first view written after the event arrived that has seen its time
        if ts >= r["timestamp"] and stream_time >= e["time"][:19]:
            pactumd_lat.append(ts - r["timestamp"])
            break


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


print(f"records {records} (throughput), {lat_records} at {args.rate}/s (latency); commit interval {args.commit_interval_ms} ms")
print(f"{'':24}{'events/s':>12}{'x copier':>10}{'p50 ms':>10}{'p99 ms':>10}")
for name, lat in [("copier (baseline)", copier_lat), ("pactumd", pactumd_lat)]:
    key = "copier" if name.startswith("copier") else "pactumd"
    rate = records / results[key] if results[key] > 0 else float("inf")
    print(f"{name:24}{rate:12.0f}{results['copier'] / results[key]:10.2f}{pct(lat, 50):10.0f}{pct(lat, 99):10.0f}")
print(f"latency samples: copier {len(copier_lat)}, pactumd {len(pactumd_lat)} of {len(inputs)}")
subprocess.run([str(broker_sh), "stop", str(broker_dir)])
