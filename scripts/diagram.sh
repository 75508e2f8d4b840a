#!/usr/bin/env bash
# Redraws docs/state-machine.{dot,mmd,svg} from the Boost.MSM tables (after a
# change to statemachine/src/contract.cpp; tests/docs/check_diagram.sh fails
# until then). Needs a release build (scripts/build.sh release) and Graphviz.
set -euo pipefail
cd "$(dirname "$0")/.."
ctl=${1:-build/bin/pactumctl}
"$ctl" diagram --format dot > docs/state-machine.dot
"$ctl" diagram --format mermaid > docs/state-machine.mmd
dot -Tsvg docs/state-machine.dot > docs/state-machine.svg
echo "diagram.sh: docs/state-machine.{dot,mmd,svg} redrawn"
