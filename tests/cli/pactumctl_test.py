#!/usr/bin/env python3
"""pactumctl as a person uses it: validate, replay and generate, end to end.
Usage: pactumctl_test.py PACTUMCTL FIXTURE_DIR"""
import json
import pathlib
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
check("stats add up", doc["stats"] == {"events": 24, "accepted": 23, "rejected": 0, "duplicates": 1}, doc["stats"])
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

for verb in ([], ["validate"], ["replay"], ["generate"]):
    out = run(*verb, "--help")
    check(f"--help for {verb or 'pactumctl'}", out.returncode == 0 and b"Usage" in out.stdout, out.stdout[:200])

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
