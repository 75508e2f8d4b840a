#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, generates a demo
# stream and runs the whole domain over it offline, printing where to look.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release

demo_dir="${PACTUM_DEMO_DIR:-build/demo}"
mkdir -p "$demo_dir"
build/bin/pactumctl generate --seed 42 --contracts 25 --out "$demo_dir/events.jsonl"
echo "== generated $(wc -l < "$demo_dir/events.jsonl") events in $demo_dir/events.jsonl"
build/bin/pactumctl validate "$demo_dir/events.jsonl" > "$demo_dir/validate.txt" || true
echo "== decode check: $(grep -c '^ok' "$demo_dir/validate.txt") ok, $(grep -vc '^ok' "$demo_dir/validate.txt") rejected at decoding ($demo_dir/validate.txt)"
build/bin/pactumctl replay "$demo_dir/events.jsonl" --now 2026-12-31T00:00:00Z > "$demo_dir/view.json"
python3 - "$demo_dir/view.json" <<'PY'
import json, sys, collections
doc = json.load(open(sys.argv[1]))
print("== read model in", sys.argv[1])
print("stats:", doc["stats"])
print("rejections by reason:", dict(collections.Counter(r["reason"] for r in doc["rejections"])))
for c in doc["contracts"][:10]:
    t = c["liability"]["totals"]
    print(f'{c["contract_id"]:10} {c["state"]:10} v{c["version"]:<4} grounds={len(c["termination"]["grounds"])} '
          f'owed_to_client={t["owed_to_client"]:>10} owed_to_vendor={t["owed_to_vendor"]:>10} '
          f'outstanding={c["settlement"]["totals"]["outstanding"]:>10}')
print("... one contract in full: build/bin/pactumctl replay", sys.argv[1].replace("view.json", "events.jsonl"),
      "--contract", doc["contracts"][0]["contract_id"])
PY
