#!/usr/bin/env python3
"""The published JSON Schemas (events/schemas) and the decoder must not drift.

- every schema is a valid JSON Schema 2020-12 and every event type has one;
- every fixture in tests/fixtures/events/good.jsonl validates against the
  schema of its type, and `pactumctl validate` accepts it;
- every fixture in tests/fixtures/events/invalid_data.jsonl is rejected both by
  its schema and by the decoder (invalid_data).

Usage: check_schemas.py SCHEMA_DIR FIXTURE_DIR PACTUMCTL
"""
import json
import pathlib
import subprocess
import sys

import jsonschema

schema_dir, fixture_dir, pactumctl = (pathlib.Path(a) for a in sys.argv[1:4])

store = {}
for path in sorted(schema_dir.glob("*.schema.json")):
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    store[schema["$id"]] = schema
failures = []


def validator_for(event_type):
    schema = store.get("urn:pactum:schemas:" + event_type)
    if schema is None:
        return None
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def decoder_verdicts(path):
    out = subprocess.run([str(pactumctl), "validate", str(path)], capture_output=True, text=True)
    return [line.split(" ", 1)[0] for line in out.stdout.splitlines()]


types_seen = set()
good = fixture_dir / "good.jsonl"
for number, (line, verdict) in enumerate(zip(good.read_text().splitlines(), decoder_verdicts(good))):
    event = json.loads(line)
    types_seen.add(event["type"])
    validator = validator_for(event["type"])
    if validator is None:
        failures.append(f"good.jsonl:{number}: no schema for {event['type']}")
        continue
    errors = [e.message for e in validator.iter_errors(event)]
    if errors:
        failures.append(f"good.jsonl:{number}: schema rejects a good event: {errors[0]}")
    if verdict != "ok":
        failures.append(f"good.jsonl:{number}: decoder rejects a good event: {verdict}")

schema_types = {s["title"] for s in store.values() if s["$id"] != "urn:pactum:schemas:defs"}
for missing in sorted(schema_types - types_seen):
    failures.append(f"no good fixture for {missing}")

bad = fixture_dir / "invalid_data.jsonl"
for number, (line, verdict) in enumerate(zip(bad.read_text().splitlines(), decoder_verdicts(bad))):
    event = json.loads(line)
    validator = validator_for(event["type"])
    if validator is not None and validator.is_valid(event):
        failures.append(f"invalid_data.jsonl:{number}: schema accepts what the decoder rejects")
    if verdict != "invalid_data":
        failures.append(f"invalid_data.jsonl:{number}: decoder says {verdict}, expected invalid_data")

for f in failures:
    print("FAIL", f)
checked = len(good.read_text().splitlines()) + len(bad.read_text().splitlines())
print(f"{checked - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
