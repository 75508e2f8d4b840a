#!/usr/bin/env bash
# Installs the Debian packages pactum builds and tests with, only those missing.
# Idempotent; runs `apt-get update` once per machine (or when packages are missing
# and the lists are older than a day). Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev            # Boost.MSM (1.74's MSM does not compile as C++20)
  librdkafka-dev              # 2.0.2
  nlohmann-json3-dev
  librocksdb-dev              # 7.8: pactumd's local store (--state-dir)
  libsimdjson-dev             # the ingest parser (docs/decisions.md)
  libjemalloc-dev             # the allocator of the executables
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libcli11-dev
  prometheus-cpp-dev          # /metrics (its core library)
  wrk                         # the HTTP load run (docs/benchmarks.md)
  graphviz                    # docs/state-machine.svg (scripts/diagram.sh, tests/docs)
  python3 python3-jsonschema  # schema checks of the fixtures
  zsh                         # the demo test pastes the printed curl into bash and zsh
  python3-venv                # .tools/venv: pinned tools from PyPI (scripts/tools-install.sh)
  clang clang-tidy            # clang 14: the release and tidy presets' compiler
  libclang-rt-14-dev          # libFuzzer and the sanitizer runtimes of the fuzz preset (clang 14)
  chromium chromium-driver    # the console's browser test (tests/integration/ui_e2e.py), headless
)
# The test broker (Apache Kafka from Maven Central) needs Java 17+ and Maven;
# take Debian's only where the machine has none.
command -v java >/dev/null || packages+=(default-jre-headless)
command -v mvn >/dev/null || packages+=(maven)
# scripts/tools-install.sh builds kustomize with Go and installs the CRD
# schemas with npm; take Debian's only where the machine has none.
command -v go >/dev/null || packages+=(golang-go)
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# libboost-dev would pull Boost 1.74's headers, which conflict with 1.81's.
if dpkg-query -W -f='${Status}' libboost1.74-dev 2>/dev/null | grep -q "install ok installed"; then
  echo "install-deps: libboost1.74-dev is installed and conflicts with libboost1.81-dev; remove it first" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
