#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test: the release build's suite, then the same suite under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== release build and tests"
scripts/build.sh release
ctest --preset release -j "$(nproc)"

if [ "${PACTUM_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== debug (ASan + UBSan) build and tests"
  scripts/build.sh debug
  ctest --preset debug -j "$(nproc)"
fi
