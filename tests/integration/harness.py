"""Shared by the integration and chaos tests: pactumd instances on a real
broker with their own topics, the offline replay of what the events topic
holds, and what the projection topics say."""
import collections
import json
import pathlib
import re
import shutil
import subprocess
import tempfile
import time
import uuid

BROKER_SH = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "kafka" / "broker.sh"
TOPIC_NAMES = ["contract-events", "contract-views", "contract-termination-conditions", "contract-breach-liability",
               "contract-events-dlq", "pactum-snapshots"]


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)


class Instance:
    def __init__(self, proc, log_path):
        self.proc = proc
        self.log_path = log_path
        self._port = None
        self._admin_port = None

    def _port_of(self, event, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.log_path.read_text(errors="replace")
            ports = re.findall(r'"event":"' + event + r'".*?"port":"(\d+)"', text)
            if ports:
                return int(ports[-1])
            time.sleep(0.2)
        raise RuntimeError(f"no {event} line in {self.log_path}")

    def http_port(self, timeout=30):
        """The port of the instance's HTTP API, /v1 (it is started with --http-port 0)."""
        if self._port is None:
            self._port = self._port_of("http_listening", timeout)
        return self._port

    def admin_port(self, timeout=30):
        """The port of /healthz, /readyz and /metrics (it is started with --admin-port 0)."""
        if self._admin_port is None:
            self._admin_port = self._port_of("admin_listening", timeout)
        return self._admin_port


class Cluster:
    """pactumd instances sharing one group and a fresh set of topics."""

    def __init__(self, bin_dir, bootstrap_file, name, partitions=4):
        bin_dir = pathlib.Path(bin_dir)
        self.pactumctl, self.pactumd = str(bin_dir / "pactumctl"), str(bin_dir / "pactumd")
        self.brokers = pathlib.Path(bootstrap_file).read_text().strip()
        self.broker_dir = pathlib.Path(bootstrap_file).parent
        self.work = pathlib.Path(tempfile.mkdtemp(prefix=f"pactumd-{name}-"))
        self.run_id = uuid.uuid4().hex[:8]
        self.topics = {t: f"{t}-{self.run_id}" for t in TOPIC_NAMES}
        self.group = f"pactum-{self.run_id}"
        self.partitions = partitions
        self._chunks = 0

    def state_dir(self, instance):
        return self.work / f"state-{instance}"

    def start(self, instance, extra=(), cache_contracts=64):
        """An instance with its own local state dir (kept across its restarts) and
        a small contract cache, so that contracts go to and come from the store."""
        out = open(self.work / f"pactumd-{instance}.log", "ab")
        t = self.topics
        cmd = [self.pactumd, "--brokers", self.brokers, "--group", self.group,
               "--transactional-id", f"{self.group}-{instance}",
               "--events-topic", t["contract-events"], "--views-topic", t["contract-views"],
               "--termination-topic", t["contract-termination-conditions"],
               "--liability-topic", t["contract-breach-liability"], "--dlq-topic", t["contract-events-dlq"],
               "--snapshots-topic", t["pactum-snapshots"], "--partitions", str(self.partitions),
               "--commit-interval-ms", "100", "--http-address", "127.0.0.1", "--http-port", "0",
               "--admin-address", "127.0.0.1", "--admin-port", "0",
               "--state-dir", str(self.state_dir(instance)), "--state-cache-contracts", str(cache_contracts), *extra]
        return Instance(subprocess.Popen(cmd, stdout=out, stderr=out), self.work / f"pactumd-{instance}.log")

    def generate(self, seed, contracts):
        path = self.work / "log.jsonl"
        subprocess.run([self.pactumctl, "generate", "--seed", str(seed), "--contracts", str(contracts),
                        "--out", str(path)], check=True)
        return path.read_bytes().splitlines(keepends=True)

    def produce(self, lines, binary=False, rate=0):
        self._chunks += 1
        path = self.work / f"chunk-{self._chunks}.jsonl"
        path.write_bytes(b"".join(lines))
        cmd = [self.pactumctl, "produce", str(path), "--brokers", self.brokers, "--topic", self.topics["contract-events"]]
        if binary:
            cmd.append("--binary")
        if rate:
            cmd += ["--rate", str(rate)]
        subprocess.run(cmd, check=True, capture_output=True)

    def topic_configs(self, topic):
        """The configs set on one of the cluster's topics (not the broker's defaults)."""
        out = subprocess.run([str(BROKER_SH), "configs", str(self.broker_dir), self.topics[topic]],
                             capture_output=True, check=True, text=True)
        return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)

    def tail(self, topic, isolation=None):
        out = subprocess.run([self.pactumctl, "tail", self.topics.get(topic, topic), "--brokers", self.brokers],
                             capture_output=True, check=True)
        return [json.loads(l) for l in out.stdout.decode().splitlines()]

    def expected(self):
        """The offline replay of the events topic (per partition, in offset order):
        views by contract, rejections as (value, reason) counts, number of records."""
        records = sorted(self.tail("contract-events"), key=lambda r: (r["partition"], r["offset"]))
        log_file = self.work / "topic.jsonl"
        with open(log_file, "wb") as f:
            for r in records:
                f.write(structured(r).encode("utf-8", "surrogateescape") + b"\n")
        out = subprocess.run([self.pactumctl, "replay", str(log_file)], capture_output=True, check=True)
        doc = json.loads(out.stdout)
        views = {c["contract_id"]: c for c in doc["contracts"]}
        rejected = collections.Counter((records[r["offset"]]["value"], r["reason"]) for r in doc["rejections"])
        return views, rejected, len(records)

    def actual(self):
        """The latest view per key (read_committed) and the dead letters as (value, reason) counts."""
        latest = {}
        for r in self.tail("contract-views"):
            latest[r["key"]] = json.loads(r["value"])
        dead = collections.Counter((r["value"], r["headers"].get("pactum-reason"))
                                   for r in self.tail("contract-events-dlq"))
        return latest, dead

    def versions_backwards(self):
        """Projection records whose version is lower than an earlier one of the same key."""
        problems = 0
        for name in ["contract-views", "contract-termination-conditions", "contract-breach-liability"]:
            seen = {}
            for r in sorted(self.tail(name), key=lambda r: (r["partition"], r["offset"])):
                v = json.loads(r["value"])["version"]
                if v < seen.get(r["key"], 0):
                    problems += 1
                seen[r["key"]] = v
        return problems

    def wait_until_equal(self, deadline, poll=3):
        """Until the projections equal the replay, twice in a row with the same
        number of records; returns (ok, expected views, expected dead letters).
        Once a drain is done, pactumd fires the deadlines the wall clock has
        passed (deadline events appended to the events topic, within a deadline
        poll): equal once can be the moment before they are."""
        last = None
        settled = None
        while time.time() < deadline:
            expected_views, expected_dead, total = self.expected()
            views, dead = self.actual()
            mismatched = [k for k in expected_views if views.get(k) != expected_views[k]]
            if not mismatched and dead == expected_dead:
                if settled == total:
                    log(f"caught up: {total} records in the events topic, {len(views)} contracts equal the replay, "
                        f"{sum(dead.values())} dead letters with their reasons")
                    return True, expected_views, expected_dead
                settled = total
            else:
                settled = None
            last = (len(mismatched), sum(dead.values()), sum(expected_dead.values()))
            time.sleep(poll)
        log(f"not equal before the timeout: mismatched contracts, dead letters, expected dead letters = {last}")
        return False, None, None


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


def finish(failures, work):
    """Prints the failures and the CTest-friendly verdict line; exits 0 or 1."""
    import sys
    for f in failures:
        log("FAIL:", f)
    print(f"{0 if failures else 1} passed, {len(failures)} failed")
    if failures:
        print(f"logs in {work}")
    else:  # a chaos run leaves half a gigabyte of state dirs and logs: kept only to read a failure
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)
