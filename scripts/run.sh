#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs pactumd
# on an embedded (in-process) Kafka with a generated demo stream. It prints the
# bootstrap address and the commands to look at the projections; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/bin/pactumd --embedded --demo "$@"
