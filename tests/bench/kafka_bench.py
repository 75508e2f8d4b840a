#!/usr/bin/env python3
"""pactumd's throughput and event-to-projection latency beside a bare librdkafka
transactional copier, in the same run on the same broker (docs/benchmarks.md).

  kafka_bench.py --bin build/bin [--baseline-bin DIR] [--events 270000] [--rounds 3] [--latency-events 26000 --rate 2000 --warmup-seconds 3]

Fair by construction: one uncounted warm-up round of each contestant first (a
just-started broker made the copier look 2.5x slower), then --rounds rounds
with the contestants interleaved (the order rotates), each draining its own
fresh copy of the same backlog with a fresh group (pactumd appends the deadline
events it fires to its input topic: a shared one would change the next
contestant's input); the median of the rounds is reported (events/s over
the tail after the first committed progress, and over the whole drain from
the process's launch: see drain()), with
CPU seconds per 1,000 events (the process's user + system time from its
launch to no lag, over every event) and the bytes it wrote per byte of input (the on-disk size
of its output topics over the input topic's; pactumd's output topics are
created beforehand without compaction, so nothing written is cleaned away).
A third contestant, the "sized" copier, is the same copier with pactumd's
transaction bounds on a backlog (5 s / 200,000 events, where the baseline's
are 100 ms / 5,000; and a commit when a poll finds nothing): how much of a
ratio is fewer commits, not cheaper work.
With --baseline-bin, another build's pactumd drains too, as a fourth
contestant in the same rotation (a change's cost measured against the build
before it). Latency is measured in steady state: the stream's first
--warmup-seconds go first and are not counted (group joins, recovery,
producers connecting). Each event's latency is measured twice from its input
record's timestamp: to its output record's timestamp (when the contestant
produced it), and to when a read_committed consumer following the output
received it (what a reader sees; the commit included). Starts its own broker
(scripts/kafka/broker.sh) in build/kafka-bench.
"""
import argparse
import atexit
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time
import uuid

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="build/bin")
ap.add_argument("--baseline-bin", help="another build's bin directory: its pactumd is a third contestant")
ap.add_argument("--events", type=int, default=270_000)
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--latency-events", type=int, default=26_000)
ap.add_argument("--warmup-seconds", type=int, default=3, help="of the latency stream, uncounted")
ap.add_argument("--rate", type=int, default=2000)
ap.add_argument("--commit-interval-ms", type=int, default=100)
args = ap.parse_args()

top = pathlib.Path(__file__).resolve().parents[2]
bin_dir = pathlib.Path(args.bin).resolve()
broker_dir = top / "build" / "kafka-bench"
broker_sh = top / "scripts" / "kafka" / "broker.sh"
subprocess.run([str(broker_sh), "start", str(broker_dir)], check=True)


@atexit.register
def remove_broker():
    """Stops the broker and removes its data: a full-size run leaves tens of
    gigabytes of topics behind, and the next run's broker would keep them."""
    subprocess.run([str(broker_sh), "wipe", str(broker_dir)], capture_output=True)

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


def produce(path, name, rate=0, wait=True):
    cmd = [str(bin_dir / "pactumctl"), "produce", str(path), "--brokers", brokers, "--topic", name]
    if rate:
        cmd += ["--rate", str(rate)]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(cmd, check=True, capture_output=True)


def tail(name):
    out = subprocess.run([str(bin_dir / "pactumctl"), "tail", name, "--brokers", brokers], capture_output=True, check=True)
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


def pactumd(group, events_topic, suffix, build=bin_dir):
    log = open(work / f"pactumd-{suffix}.log", "wb")
    names = {k: f"{k}-{suffix}" for k in ["views", "termination", "liability", "dlq", "snapshots"]}
    # Created here without compaction, so that what the disk holds afterwards
    # is what was written: the 16 MiB segments pactumd gives the topics it
    # creates let the broker's cleaner run during a drain and hide bytes.
    for name in names.values():
        topic(name)
    help_text = subprocess.run([str(build / "pactumd"), "--help"], capture_output=True, text=True).stdout
    # a state dir on the work disk, as deployed (a build before the local state has none)
    state = ["--state-dir", str(work / f"state-{suffix}")] if "--state-dir" in help_text else []
    launched = time.time()
    return launched, subprocess.Popen([str(build / "pactumd"), "--brokers", brokers, "--group", group, "--transactional-id", group,
                             "--events-topic", events_topic, "--views-topic", names["views"],
                             "--termination-topic", names["termination"], "--liability-topic", names["liability"],
                             "--dlq-topic", names["dlq"], "--snapshots-topic", names["snapshots"],
                             "--commit-interval-ms", str(args.commit_interval_ms), "--http-port", "0",
                             "--admin-port", "0"] + state,
                            stdout=log, stderr=log), names


# pactumd's transaction bounds on a backlog (--backlog-commit-interval-ms,
# --backlog-commit-max-events): the "sized copier" drains with them.
# It commits too when a poll finds nothing, as pactumd does at a backlog's end.
backlog_bounds = ["--commit-interval-ms", "5000", "--commit-max-events", "200000", "--commit-when-dry", "yes"]


def copier(group, source, target, bounds=None):
    bounds = bounds or ["--commit-interval-ms", str(args.commit_interval_ms)]
    launched = time.time()
    return launched, subprocess.Popen([str(bin_dir / "kafka_copier"), "copy", "--brokers", brokers, "--from", source, "--to", target,
                                       "--group", group, "--txn-id", group] + bounds)


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drain(proc, group, name, total, launched):
    """(seconds, events) from the first committed progress to no lag (start-up
    excluded; no seconds when the first progress drained it all), and the
    seconds and the process's CPU seconds from `launched` to no lag (every
    event, start-up included). Only the events still to drain at the first
    progress count in the first: the first transaction's are not timed, and a
    contestant whose first transaction is larger must not gain from it. But
    the tail then counts the events it had prefetched during that first
    commit and may be one transaction: the whole drain, its start-up paid
    by every contestant alike, cannot flatter that way."""
    first = None
    counted = total
    deadline = time.time() + 1800
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{group} exited with {proc.returncode}")
        remaining = lag(group, name)
        now = time.time()
        if first is None and 0 <= remaining < total:
            first, counted = now, remaining
        if remaining == 0:
            return now - first, counted, now - launched, cpu_seconds(proc.pid)
        time.sleep(0.1)
    raise SystemExit(f"{group} did not drain")


def topic_bytes(name):
    """The bytes of the topic's record batches on the broker's disk (the .log segments), every partition."""
    data = broker_dir / "data"
    return sum(f.stat().st_size for d in data.glob(f"{name}-[0-9]*") if d.is_dir() for f in d.glob("*.log"))


def stop(proc):
    proc.terminate()
    proc.wait(timeout=60)


# ---- throughput: the same backlog, drained by each, warm, interleaved, median
contracts = max(1, args.events // 60)
log_path = work / f"throughput-{run}.jsonl"
subprocess.run([str(bin_dir / "pactumctl"), "generate", "--seed", "9", "--contracts", str(contracts), "--out", str(log_path)],
               check=True)
records = sum(1 for _ in open(log_path, "rb"))
input_bytes = None


def contest(name, r):
    """One drain of a fresh copy of the backlog: pactumd appends the deadline
    events it fires to its events topic, so a shared topic would hand the next
    contestant more records (and transaction markers a copier never commits past)."""
    global input_bytes
    suffix = f"{name[0]}{r}-{run}"
    group = f"{name}-{suffix}"
    source = topic(f"bench-events-{suffix}")
    produce(log_path, source)
    time.sleep(2)
    input_bytes = input_bytes or topic_bytes(source)
    # Each contestant's output topics are created before its launch is timed:
    # a topic is a JVM tool run (~0.75 s), and pactumd has five to the copier's one.
    if name in ("copier", "sized"):
        target = topic(f"bench-copy-{suffix}")
        launched, proc = copier(group, source, target, backlog_bounds if name == "sized" else None)
        outputs = [target]
    else:
        build = pathlib.Path(args.baseline_bin).resolve() if name == "baseline" else bin_dir
        launched, proc, names = pactumd(group, source, suffix, build)
        outputs = list(names.values())
    seconds, counted, whole, cpu = drain(proc, group, source, records, launched)
    stop(proc)
    shutil.rmtree(work / f"state-{suffix}", ignore_errors=True)
    time.sleep(2)  # the last segment flushed
    return {"rate": counted / seconds if seconds > 0 else float("nan"), "whole_rate": records / whole,
            "cpu_per_1000": 1000 * cpu / records,
            "bytes_ratio": sum(topic_bytes(t) for t in outputs) / input_bytes}


names_in_order = ["copier", "pactumd", "sized"] + (["baseline"] if args.baseline_bin else [])
for name in names_in_order:  # warm-up rounds, not counted
    contest(name, 0)
rounds = {name: [] for name in names_in_order}
for r in range(1, args.rounds + 1):
    shift = (r - 1) % len(names_in_order)  # the order rotates: each goes first in turn
    for name in names_in_order[shift:] + names_in_order[:shift]:
        rounds[name].append(contest(name, r))
        print(f"round {r} {name}: {rounds[name][-1]}", flush=True)
median = {name: {k: statistics.median(x[k] for x in rs) for k in rs[0]} for name, rs in rounds.items()}

# ---- latency: a steady stream below capacity
lat_log = work / f"latency-{run}.jsonl"
subprocess.run([str(bin_dir / "pactumctl"), "generate", "--seed", "10", "--contracts", str(max(1, args.latency_events // 60)),
                "--bad-per-mille", "0", "--out", str(lat_log)], check=True)
# The same stream into two topics at once, one per contestant (pactumd appends
# its deadline events to its own).
lat_copier_source = topic(f"bench-lat-c-{run}")
lat_pactumd_source = topic(f"bench-lat-p-{run}")
lat_copy = topic(f"bench-lat-copy-{run}")
_, cp = copier(f"latcopier-{run}", lat_copier_source, lat_copy)
_, pd, names = pactumd(f"latpactumd-{run}", lat_pactumd_source, f"l{run}")
# Steady state, not start-up: the log's first --warmup-seconds of records go
# first (both contestants joining their groups, recovering, connecting their
# producers, the feeds' producers too), uncounted; once both have caught up
# with them, the rest is the measured stream.
lat_lines = open(lat_log, "rb").read().splitlines(keepends=True)
split = min(len(lat_lines) // 2, args.rate * args.warmup_seconds)
parts = {"warmup": lat_lines[:split], "measured": lat_lines[split:]}
followers = []
for part, chunk in parts.items():
    if part == "measured":
        # What a reader sees: read_committed consumers following each
        # contestant's output, stamping each record as it arrives.
        for name in (lat_copy, names["views"]):
            out = open(work / f"received-{name}.jsonl", "wb")
            followers.append((name, out, subprocess.Popen(
                [str(bin_dir / "pactumctl"), "tail", name, "--brokers", brokers, "--follow", "--received"],
                stdout=out, stderr=subprocess.DEVNULL)))
        time.sleep(3)  # they have read what the warm-up wrote
    path = work / f"latency-{run}-{part}.jsonl"
    path.write_bytes(b"".join(chunk))
    feeds = [produce(path, t, rate=args.rate, wait=False) for t in (lat_copier_source, lat_pactumd_source)]
    for f in feeds:
        f.wait()
    while lag(f"latpactumd-{run}", lat_pactumd_source) != 0 or lag(f"latcopier-{run}", lat_copier_source) != 0:
        time.sleep(0.5)
lat_records = len(parts["measured"])
time.sleep(1)
stop(cp)
stop(pd)
received = {}
for name, out, proc in followers:
    proc.terminate()
    proc.wait()
    out.close()
    received[name] = [json.loads(l) for l in open(work / f"received-{name}.jsonl", "rb").read().splitlines()]

# Two measures per event, both from the input record's timestamp (its
# producer's clock when the feed handed it over): until the output record's
# timestamp (when the contestant handed it to its producer: the copier does so
# as it reads, inside a transaction that commits up to an interval later;
# pactumd when it commits), and until a read_committed consumer received it
# (what a reader sees: the commit included, for both).
originals = {line.decode("utf-8").rstrip("\n") for line in parts["measured"]}
copies = {r["value"]: (r["timestamp"], r["received"]) for r in received[lat_copy]}
copier_in = [r for r in tail(lat_copier_source) if r["value"] in copies and r["value"] in originals]
copier_lat = [copies[r["value"]][0] - r["timestamp"] for r in copier_in]
copier_seen = [copies[r["value"]][1] - r["timestamp"] for r in copier_in]
inputs = [r for r in tail(lat_pactumd_source) if r["value"] in originals]
views = {}
for r in sorted(received[names["views"]], key=lambda r: r["received"]):
    v = json.loads(r["value"])
    views.setdefault(r["key"], []).append((r["timestamp"], r["received"], v["stream_time"]))
pactumd_lat = []
pactumd_seen = []
for r in inputs:
    e = json.loads(r["value"])
    for ts, seen, stream_time in views.get(r["key"], []):
        # the first view written after the event arrived that has seen its time
        if ts >= r["timestamp"] and stream_time >= e["time"][:19]:
            pactumd_lat.append(ts - r["timestamp"])
            pactumd_seen.append(seen - r["timestamp"])
            break


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


print(f"records {records} ({input_bytes / records:.0f} bytes each on disk) drained {args.rounds} times after a warm-up, "
      f"median; {lat_records} at {args.rate}/s (latency, after {split} uncounted); commit interval {args.commit_interval_ms} ms")
print(f"{'':24}{'events/s':>10}{'x copier':>10}{'whole ev/s':>12}{'x copier':>10}{'CPU s/1k ev':>13}{'bytes out/in':>14}"
      f"{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'read p50':>10}{'read p99':>10}{'read max':>10}")
for name, lat, seen in [("copier", copier_lat, copier_seen), ("pactumd", pactumd_lat, pactumd_seen), ("sized", None, None),
                        ("baseline", None, None)]:
    if name not in median:
        continue
    m = median[name]
    label = {"copier": "copier (baseline)", "sized": "copier, 5 s/200k txns", "baseline": "pactumd, --baseline-bin"}.get(name, name)
    latency = (f"{pct(lat, 50):8.0f}{pct(lat, 99):8.0f}{max(lat) if lat else float('nan'):8.0f}"
               f"{pct(seen, 50):10.0f}{pct(seen, 99):10.0f}{max(seen) if seen else float('nan'):10.0f}" if lat is not None
               else "")
    print(f"{label:24}{m['rate']:10.0f}{m['rate'] / median['copier']['rate']:10.2f}"
          f"{m['whole_rate']:12.0f}{m['whole_rate'] / median['copier']['whole_rate']:10.2f}{m['cpu_per_1000']:13.3f}"
          f"{m['bytes_ratio']:14.2f}{latency}")
print("events/s: from the first committed progress to no lag (nan: the first commit drained it all); whole ev/s: every "
      "event, from the process's launch (start-up included) to no lag; CPU: the process's, launch to no lag, per event")
print(f"latency samples: copier {len(copier_lat)}, pactumd {len(pactumd_lat)} of {lat_records}; p50/p99/max: until the "
      f"output record's timestamp; read p50/p99/max: until a read_committed consumer received it")
