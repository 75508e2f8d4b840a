#!/usr/bin/env python3
"""How long a restarted pactumd takes to be ready (docs/benchmarks.md).

  restart_bench.py --bin build/bin [--baseline-bin DIR] [--contracts 17000] [--rounds 3] [--wait-compaction 0] [--v2-per-mille 0]

Drains the history `pactumctl generate --seed 1 --contracts N --v2-per-mille 0`
(17,000 contracts: 1,022,130 records) with one pactumd (drained: offsets committed
to the end, /readyz 200, and pactum_views_behind_records 0 where the build
reports it, so the views store holds what was committed), then --rounds times: SIGTERM
it and start it again with the same group and transactional id, timing the
start to the first /readyz 200 on its admin port; the median is reported with
each round and where the time went (the restoration's log lines). With
--wait-compaction S, the rounds wait S seconds after the drain first, so the
broker's log cleaner can compact the compacted topics (what a restart hours
later meets). Starts its own broker (scripts/kafka/broker.sh) in build/kafka-bench.
"""
import argparse
import atexit
import json
import pathlib
import shutil
import statistics
import subprocess
import time
import urllib.request
import uuid

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="build/bin")
ap.add_argument("--contracts", type=int, default=17_000)
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--wait-compaction", type=int, default=0)
# 0: the v1-only history of issue 12's figures (1,022,130 records at 17,000 contracts)
ap.add_argument("--v2-per-mille", type=int, default=0)
ap.add_argument("--baseline-bin", help="another build's bin directory, restarted in the same run, interleaved")
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


class contestant:
    """One pactumd build with its own group, transactional id and output topics over the shared events topic."""

    def __init__(self, label, bin_path, state_dir=None):
        self.label, self.bin, self.state_dir = label, pathlib.Path(bin_path).resolve(), state_dir
        self.group = f"restart-{label}-{run}"
        self.names = {k: f"{k}-{label}-{run}" for k in ["views", "termination", "liability", "dlq", "snapshots"]}
        self.proc = None
        self.times = []

    def start(self, log_name):
        self.log_path = work / f"{self.label}-{log_name}"
        log = open(self.log_path, "wb")
        n = self.names
        self.proc = subprocess.Popen([str(self.bin / "pactumd"), "--brokers", brokers, "--group", self.group,
                                      "--transactional-id", self.group, "--events-topic", events,
                                      "--views-topic", n["views"], "--termination-topic", n["termination"],
                                      "--liability-topic", n["liability"], "--dlq-topic", n["dlq"],
                                      "--snapshots-topic", n["snapshots"], "--http-port", "0", "--admin-port", "0"]
                                     + (["--state-dir", str(self.state_dir)] if self.state_dir else []),
                                     stdout=log, stderr=log)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=120)


events = f"events-{run}"
contestants = [contestant("new", args.bin, work / f"state-{run}")]
if args.baseline_bin:
    contestants.insert(0, contestant("baseline", args.baseline_bin))


def admin_port(c):
    log_path, proc = c.log_path, c.proc
    deadline = time.time() + 30
    while time.time() < deadline:
        for line in log_path.read_text().splitlines():
            if '"admin_listening"' in line:
                return int(json.loads(line)["port"])
        if proc.poll() is not None:
            raise SystemExit(f"pactumd exited with {proc.returncode}; see {log_path}")
        time.sleep(0.01)
    raise SystemExit("no admin port")


def wait_ready(port, proc, limit=900):
    deadline = time.time() + limit
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"pactumd exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.02)
    raise SystemExit("not ready")


def committed_all(group):
    out = subprocess.run([str(bin_dir / "pactumctl"), "end-offsets", events, "--brokers", brokers, "--group", group],
                         capture_output=True, text=True)
    lines = [json.loads(l) for l in out.stdout.splitlines()]
    return bool(lines) and all(l["committed"] != "none" and l["committed"] >= l["read_committed_end"] for l in lines)


def views_behind(port):
    """pactum_views_behind_records from /metrics; None from a build without it."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("pactum_views_behind_records"):
                return float(line.split()[-1])
    return None


def rss_mib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def topic_mib(name):
    data = broker_dir / "data"
    return sum(f.stat().st_size for d in data.glob(f"{name}-[0-9]*") if d.is_dir() for f in d.glob("*.log")) / 2**20


history = work / f"history-{args.contracts}-v2-{args.v2_per_mille}.jsonl"
if not history.exists():
    subprocess.run([str(bin_dir / "pactumctl"), "generate", "--seed", "1", "--contracts", str(args.contracts),
                    "--v2-per-mille", str(args.v2_per_mille), "--out", str(history)], check=True)
records = sum(1 for _ in open(history, "rb"))
# The events topic; pactumd creates the others (compacted ones with its segment settings).
subprocess.run([str(broker_sh), "topic", str(broker_dir), events, "4"], check=True)
subprocess.run([str(bin_dir / "pactumctl"), "produce", str(history), "--brokers", brokers, "--topic", events],
               check=True, capture_output=True)
print(f"history: {records} records, {args.contracts} contracts; topics suffixed {run}", flush=True)

for c in contestants:  # one at a time: each drains alone
    c.start("drain.log")
    began = time.time()
    while not committed_all(c.group):
        if c.proc.poll() is not None:
            raise SystemExit(f"{c.label}: pactumd exited with {c.proc.returncode}")
        time.sleep(0.5)
    wait_ready(admin_port(c), c.proc)
    # Drained means the query side too: the views follower has read what was committed.
    while (behind := views_behind(admin_port(c))) is not None and behind != 0:
        time.sleep(0.5)
    drained, at_drained = time.time() - began, rss_mib(c.proc.pid)
    # The last backlog transaction's contracts (up to ~1 GB for 17,000) are
    # freed once it commits and handed back when the loop idles: what stays
    # is read 2 s later.
    time.sleep(2)
    print(f"{c.label}: drained in {drained:.1f} s; RSS {at_drained:.0f} MiB then, "
          f"{rss_mib(c.proc.pid):.0f} MiB 2 s later", flush=True)
if args.wait_compaction:
    time.sleep(args.wait_compaction)
for c in contestants:
    sizes = {k: round(topic_mib(v)) for k, v in c.names.items()}
    print(f"{c.label}: topic sizes on disk (MiB): {sizes}", flush=True)

def recovery(c):
    """What the restoration's log lines say: where from, how many snapshots and tail events."""
    recovered = [json.loads(l) for l in c.log_path.read_text().splitlines() if '"recovered"' in l]
    tail = sum(int(r["tail_events"]) for r in recovered)
    snapshots = sum(int(r.get("snapshots", r.get("contracts", 0))) for r in recovered)  # "contracts": older builds
    sources = sorted({r.get("from", "snapshots") for r in recovered})
    return f"from {'+'.join(sources)}: {snapshots} snapshots, {tail} tail events"


for i in range(args.rounds):
    for c in contestants if i % 2 == 0 else reversed(contestants):  # interleaved, the order alternating
        c.stop()
        t0 = time.time()
        c.start(f"restart-{i}.log")
        wait_ready(admin_port(c), c.proc)
        took = time.time() - t0
        c.times.append(took)
        print(f"round {i + 1}, {c.label}: /readyz 200 after {took:.2f} s ({recovery(c)}); "
              f"RSS {rss_mib(c.proc.pid):.0f} MiB", flush=True)
# The new build once more per round with its state dir wiped (a new node): the snapshots path.
new = contestants[-1]
wiped = []
for i in range(args.rounds):
    new.stop()
    shutil.rmtree(new.state_dir)
    t0 = time.time()
    new.start(f"wiped-{i}.log")
    wait_ready(admin_port(new), new.proc)
    wiped.append(time.time() - t0)
    print(f"wiped round {i + 1}, {new.label}: /readyz 200 after {wiped[-1]:.2f} s ({recovery(new)}); "
          f"RSS {rss_mib(new.proc.pid):.0f} MiB", flush=True)
for c in contestants:
    c.stop()
    print(f"{c.label}: restart to ready, median of {args.rounds}: {statistics.median(c.times):.2f} s", flush=True)
print(f"{new.label}, state dir wiped: restart to ready, median of {args.rounds}: {statistics.median(wiped):.2f} s",
      flush=True)
