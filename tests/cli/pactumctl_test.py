#!/usr/bin/env python3
"""pactumctl as a person uses it: validate, replay and generate, end to end.
Usage: pactumctl_test.py PACTUMCTL FIXTURE_DIR"""
import datetime
import hashlib
import json
import pathlib
import re
import subprocess
import sys
import tempfile

pactumctl, fixtures = sys.argv[1], pathlib.Path(sys.argv[2])
passed, failed = 0, 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def run(*args, stdin=None):
    return subprocess.run([pactumctl, *args], capture_output=True, input=stdin)


good = (fixtures / "good.jsonl").read_bytes().splitlines()
work = pathlib.Path(tempfile.mkdtemp(prefix="pactumctl-test-"))

# validate: one line out per line in, in order; ok or the code and its sentence.
mixed_lines = [
    good[0],
    good[2][: len(good[2]) // 2],                                 # truncated JSON
    b"",                                                          # an empty line is a record
    good[2].replace(b'"party":"client"', b'"party":7'),           # wrong type
    good[4].replace(b"12000", b"1" + b"0" * 30),                  # huge number
    b"[" * 2000 + b"]" * 2000,                                    # deep nesting
    good[3][:-2] + b',"pad":"' + b"x" * (1 << 20) + b'"}}',      # a 1 MiB value
    good[3].replace(b"Vic Vendor", b"Vic \xff\xfe Vendor"),       # invalid UTF-8
    good[3].replace(b"Vic Vendor", b"Vic \x00 Vendor"),           # a NUL byte
    good[3].replace(b'"pactum.contract.signed.v1"', b'"pactum.contract.sneezed.v1"'),
    good[3].replace(b'"specversion":"1.0"', b'"specversion":"0.3"'),
    good[5],
]
mixed = work / "mixed.jsonl"
mixed.write_bytes(b"\n".join(mixed_lines) + b"\n")
out = run("validate", str(mixed))
lines = out.stdout.decode().splitlines()
codes = [l.split(" ", 1)[0] for l in lines]
check("validate exits non-zero when a line is rejected", out.returncode == 1, out.returncode)
check("validate prints one line per input line", len(lines) == len(mixed_lines), len(lines))
expected = ["ok", "malformed_json", "malformed_json", "invalid_data", "malformed_json", "malformed_json", "too_large",
            "malformed_json", "malformed_json", "unknown_type", "invalid_envelope", "ok"]
check("validate codes in order", codes == expected, codes)
check("every rejection has a sentence", all(len(l.split(" ", 1)) == 2 and len(l.split(" ", 1)[1]) > 5 for l in lines), lines)
check("the sentence names the field", "/data/party" in lines[3], lines[3])

out = run("validate", str(fixtures / "good.jsonl"))
check("validate exits 0 on good events", out.returncode == 0, out.stdout[-300:])
out = run("validate", "-", stdin=good[0] + b"\n" + good[1])
check("validate reads stdin; a final record needs no LF", out.stdout.decode().count("ok") == 2, out.stdout)
out = run("validate", str(work / "missing.jsonl"))
check("validate on a missing file exits 2", out.returncode == 2, out.returncode)

# replay: the section 13 document.
out = run("replay", str(fixtures / "good.jsonl"), "--now", "2026-12-31T00:00:00Z")
check("replay exits 0", out.returncode == 0, out.stderr)
doc = json.loads(out.stdout)
check("replay document has contracts, rejections, stats", list(doc) == ["contracts", "rejections", "stats"], list(doc))
c1 = doc["contracts"][0]
check("contracts sorted by id", [c["contract_id"] for c in doc["contracts"]] == ["C-FIX-1", "C-FIX-2"])
check("--now fires the mutual termination", c1["termination"]["terminated"] == {"at": "2026-09-30T00:00:00Z", "by": "both", "ground": "mutual"}, c1["termination"])
# The fixture's deadline.reached names a deadline that has fired: a duplicate (spec 15).
check("stats add up", doc["stats"] == {"events": 25, "accepted": 24, "rejected": 0, "duplicates": 1}, doc["stats"])
out = run("replay", str(mixed))
doc = json.loads(out.stdout)
check("replay lists rejections in input order with offsets", [r["offset"] for r in doc["rejections"]] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], doc["rejections"])
check("an invoice for a contract never signed is invalid_state", doc["rejections"][-1]["reason"] == "invalid_state", doc["rejections"][-1])
out = run("replay", str(fixtures / "good.jsonl"), "--contract", "C-FIX-2")
doc = json.loads(out.stdout)
check("--contract keeps one contract", [c["contract_id"] for c in doc["contracts"]] == ["C-FIX-2"])
out = run("replay", str(fixtures / "good.jsonl"), "--now", "yesterday")
check("a bad --now exits 2 with a message", out.returncode == 2 and b"--now" in out.stderr, out.stderr)

# generate: deterministic, to stdout or --out.
a = run("generate", "--seed", "5", "--contracts", "3").stdout
b = run("generate", "--seed", "5", "--contracts", "3", "--out", str(work / "gen.jsonl"))
check("generate is deterministic", a == (work / "gen.jsonl").read_bytes() and b.returncode == 0)
check("another seed, another log", a != run("generate", "--seed", "6", "--contracts", "3").stdout)
first = run("replay", str(work / "gen.jsonl"), "--now", "2030-01-01T00:00:00Z").stdout
check("replay of a generated log is byte-identical twice", first == run("replay", str(work / "gen.jsonl"), "--now", "2030-01-01T00:00:00Z").stdout)

# Old logs (spec section 17): a v1-only log replays to the views pactum gave
# before v2 existed, apart from the fields section 17 adds. The digest is of
# the replay of this log by the release before it (canonical JSON).
OLD_V1_REPLAY_SHA256 = "4818311b252a2a3943f9858d9f13eab8c446f79ae8fde69e015ae10a2f7a541a"
old_log = work / "v1-only.jsonl"
run("generate", "--seed", "11", "--contracts", "200", "--v2-per-mille", "0", "--out", str(old_log))
old_doc = json.loads(run("replay", str(old_log), "--now", "2028-06-01T00:00:00Z").stdout)
added_ok = True
for c in old_doc["contracts"]:
    settlement = c["settlement"]
    for inv in settlement["invoices"]:
        added_ok &= inv.pop("lines") is None and set(inv.pop("reconciliation")) == {"status", "expected", "differences"}
    settlement.pop("reconciliation")
check("a v1 invoice's new fields: lines null and a reconciliation", added_ok)
digest = hashlib.sha256(json.dumps(old_doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
check("a v1-only log replays to the views of the release before v2", digest == OLD_V1_REPLAY_SHA256, digest)

# A generated log with v2 invoices: every difference is one of the generator's
# deliberate ones, so pactum's reconciliation agrees with what was billed.
v2_log = work / "v2.jsonl"
run("generate", "--seed", "12", "--contracts", "150", "--out", str(v2_log))
v2_doc = json.loads(run("replay", str(v2_log)).stdout)
statuses = {}
unexpected = []
for c in v2_doc["contracts"]:
    for inv in c["settlement"]["invoices"]:
        if inv["lines"] is None:
            continue
        r = inv["reconciliation"]
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        deliberate = [{"kind": "other", "invoiced": "25.00", "expected": "0.00"}], \
            [d for d in r["differences"] if d["kind"] == "credit" and d["invoiced"] == "0.00"]
        if r["status"] == "differs" and r["differences"] not in (deliberate[0], deliberate[1]):
            unexpected.append(r["differences"])
check("generated v2 invoices match or differ only deliberately", statuses.get("matches", 0) > 100 and not unexpected,
      f"{statuses} {unexpected[:3]}")
check("bad v2 records are invalid_data",
      any(r["type"] == "pactum.invoice.issued.v2" and r["reason"] == "invalid_data" for r in v2_doc["rejections"]))

# replay --as-of T (spec section 16): the log reduced to the records whose
# envelope time is at or before T (unreadable times dropped), replayed with
# --now T. The reduction is done here independently and compared, per contract,
# at instants before drafting, between records, at each record's time +- 1 ms
# and after the last record.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")


def envelope_ms(line):
    try:
        text = json.loads(line).get("time")
    except (ValueError, AttributeError):
        return None
    if not isinstance(text, str) or not RFC3339.match(text):
        return None
    try:
        t = datetime.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    frac = re.search(r"\.(\d+)", text)
    ms = int((frac.group(1) + "00")[:3]) if frac else 0  # truncated to the millisecond, as pactum reads it
    return int(t.replace(microsecond=0).timestamp()) * 1000 + ms


def rfc3339(ms):
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + \
        f".{ms % 1000:03d}Z"


as_of_log = work / "as-of.jsonl"
run("generate", "--seed", "11", "--contracts", "4", "--out", str(as_of_log))
as_of_lines = as_of_log.read_bytes().splitlines()
times = sorted({t for t in map(envelope_ms, as_of_lines) if t is not None})
instants = [times[0] - 1, times[0], times[len(times) // 3] - 1, times[len(times) // 3] + 1, times[len(times) // 2],
            times[-1] - 1, times[-1], times[-1] + 86_400_000 * 400]
ids = [c["contract_id"] for c in json.loads(run("replay", str(as_of_log)).stdout)["contracts"]]
as_of_ok, mismatches = 0, []
for t in instants:
    reduced = work / f"reduced-{t}.jsonl"
    reduced.write_bytes(b"".join(l + b"\n" for l in as_of_lines if envelope_ms(l) is not None and envelope_ms(l) <= t))
    for cid in ids:
        got = run("replay", str(as_of_log), "--as-of", rfc3339(t), "--contract", cid).stdout
        want = json.loads(run("replay", str(reduced), "--now", rfc3339(t), "--contract", cid).stdout)["contracts"]
        if json.loads(got)["contracts"] == want:
            as_of_ok += 1
        else:
            mismatches.append((cid, rfc3339(t)))
check("--as-of equals the replay of the log reduced to T, per contract and instant", not mismatches and as_of_ok > 8,
      mismatches[:3])
before = json.loads(run("replay", str(as_of_log), "--as-of", rfc3339(times[0] - 1)).stdout)
check("before the first record no contract exists", before["contracts"] == [] and before["stats"]["events"] == 0, before)
last = rfc3339(times[-1] + 86_400_000 * 400)
check("after the last record --as-of gives the full replay's views (with --now)",
      json.loads(run("replay", str(as_of_log), "--as-of", last).stdout)["contracts"] ==
      json.loads(run("replay", str(as_of_log), "--now", last).stdout)["contracts"])
out = run("replay", str(as_of_log), "--as-of", "yesterday")
check("a bad --as-of exits 2 with a message", out.returncode == 2 and b"--as-of" in out.stderr, out.stderr)
out = run("replay", str(as_of_log), "--as-of", last, "--now", last)
check("--as-of with --now exits 2", out.returncode == 2, out.returncode)

# explain (spec section 16): for a person, each figure with its sentence,
# records and terms; --json is the API's document, whose values are the view's.
cid = ids[0]
view = next(c for c in json.loads(run("replay", str(as_of_log)).stdout)["contracts"] if c["contract_id"] == cid)
out = run("explain", str(as_of_log), "--contract", cid)
text = out.stdout.decode()
check("explain prints the contract and its version first", out.returncode == 0 and
      text.startswith(f"Contract {cid}, version {view['version']}\n"), text[:200])
for total in view["liability"]["totals"]:
    check(f"explain has the total {total} with its sentence",
          re.search(rf"^/liability/totals/{total} = .*\n  because ", text, re.M) is not None)
check("explain shows records and terms with their values",
      re.search(r"^  record  \d{4}-\d\d-\d\dT.*Z  pactum\.", text, re.M) is not None and
      re.search(r"^  terms   /fees/monthly_base = \"", text, re.M) is not None, text[:400])
doc = json.loads(run("explain", str(as_of_log), "--contract", cid, "--json").stdout)


def at_pointer(value, pointer):
    for part in pointer.split("/")[1:]:
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


check("explain --json: every figure's value is the view's", doc["version"] == view["version"] and doc["figures"] and
      all(f["value"] == at_pointer(view, f["path"]) for f in doc["figures"]))
mid = rfc3339(times[len(times) // 2])
then = json.loads(run("explain", str(as_of_log), "--contract", cid, "--json", "--as-of", mid).stdout)
view_then = json.loads(run("replay", str(as_of_log), "--as-of", mid, "--contract", cid).stdout)["contracts"]
check("explain --as-of explains the view as of then", view_then and then["as_of"] == mid and
      all(f["value"] == at_pointer(view_then[0], f["path"]) for f in then["figures"]))
out = run("explain", str(as_of_log), "--contract", cid, "--as-of", rfc3339(times[0] - 1))
check("explain before the contract existed exits 1 with a message", out.returncode == 1 and b"no contract" in out.stderr)
out = run("explain", str(as_of_log), "--contract", cid, "--as-of", "soon")
check("explain with a bad --as-of exits 2", out.returncode == 2, out.returncode)

for verb in ([], ["validate"], ["replay"], ["generate"], ["explain"]):
    out = run(*verb, "--help")
    check(f"--help for {verb or 'pactumctl'}", out.returncode == 0 and b"Usage" in out.stdout, out.stdout[:200])

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
