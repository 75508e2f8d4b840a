#!/usr/bin/env bash
# The drawings in docs/ are what `pactumctl diagram` draws from the Boost.MSM
# tables now: a row added to the table changes them (scripts/diagram.sh redraws).
set -euo pipefail
ctl=$1
docs=$(cd "$(dirname "$0")/../../docs" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ctl" diagram --format dot > "$tmp/state-machine.dot"
"$ctl" diagram --format mermaid > "$tmp/state-machine.mmd"
dot -Tsvg "$tmp/state-machine.dot" > "$tmp/state-machine.svg"
status=0
for f in state-machine.dot state-machine.mmd state-machine.svg; do
  if ! diff -u "$docs/$f" "$tmp/$f" > "$tmp/$f.diff"; then
    echo "docs/$f is not what pactumctl diagram draws now (run scripts/diagram.sh):" >&2
    head -40 "$tmp/$f.diff" >&2
    status=1
  fi
done
exit $status
