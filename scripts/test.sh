#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test: the release build's unit and integration tiers (the integration tier
# installs Apache Kafka from Maven Central, starts and stops it), the unit tier
# under ASan + UBSan, the chaos tier (faults against pactumd and the broker),
# short libFuzzer runs, and clang-tidy over every project translation unit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/tools-install.sh

echo "== release build and tests (unit, then integration against a real Kafka broker)"
scripts/build.sh release
ctest --preset release -j "$(nproc)" -LE "integration|chaos"
# One broker for both tiers (the kafka.broker.start/stop fixture).
ctest --preset release -L "integration|chaos"

if [ "${PACTUM_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== debug (ASan + UBSan) build and tests"
  scripts/build.sh debug
  # Unit tier only: the Kafka tier runs once, against the release build.
  ctest --preset debug -j "$(nproc)" -LE "integration|chaos"
fi

if [ "${PACTUM_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== libFuzzer targets (clang, ASan + UBSan), a short run of each"
  scripts/build.sh fuzz
  ctest --preset fuzz
fi

if [ "${PACTUM_SKIP_TIDY:-0}" != 1 ]; then
  echo "== clang-tidy (tidy preset)"
  scripts/build.sh tidy
fi
