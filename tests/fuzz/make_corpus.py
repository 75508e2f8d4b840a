#!/usr/bin/env python3
"""Seeds a fuzz target's corpus from the fixtures.

  make_corpus.py decode|replay FIXTURES_DIR CORPUS_DIR

decode: every good, invalid and bad fixture record on its own (bad binary-mode
records as `name: value` header lines, a blank line, the value).
replay: the good fixture log whole and in prefixes, so sequences start valid.
Both: the inputs in tests/fuzz/regressions/ that once failed.
"""
import base64
import json
import pathlib
import sys

target, fixtures, corpus = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
corpus.mkdir(parents=True, exist_ok=True)
good = (fixtures / "events/good.jsonl").read_bytes().splitlines()
invalid = (fixtures / "events/invalid_data.jsonl").read_bytes().splitlines()
seeds = []
if target == "decode":
    seeds += good + invalid
    for line in (fixtures / "bad/cases.jsonl").read_text().splitlines():
        case = json.loads(line)
        if "pad_to" in case:
            continue  # beyond -max_len
        value = base64.b64decode(case["value_base64"]) if "value_base64" in case else case["value"].encode()
        head = [f"key: {case['key']}"] + [f"{k}: {v}" for k, v in case["headers"].items()]
        seeds.append(value)
        seeds.append("\n".join(head).encode() + b"\n\n" + value)
else:
    seeds.append(b"\n".join(good))
    for n in (2, 4, 8, 12, 16):
        seeds.append(b"\n".join(good[:n]))
    seeds.append(b"\n".join(good[:6] + invalid[:6]))
# Inputs that once failed (tests/fuzz/regressions/<target>-*) stay in the corpus.
for path in sorted((pathlib.Path(__file__).parent / "regressions").glob(f"{target}-*")):
    seeds.append(path.read_bytes())
for i, seed in enumerate(seeds):
    (corpus / f"seed-{i:03d}").write_bytes(seed)
print(f"{len(seeds)} seeds in {corpus}")
