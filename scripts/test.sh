#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test: the release build's suite, the same suite under ASan + UBSan, and
# clang-tidy over every project translation unit.
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

if [ "${PACTUM_SKIP_TIDY:-0}" != 1 ]; then
  echo "== clang-tidy (tidy preset)"
  scripts/build.sh tidy
fi
