#!/usr/bin/env bash
# The project's pinned Python tools (scripts/requirements-tools.txt, from PyPI)
# in .tools/venv. Idempotent: does nothing when the venv matches the pins.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/.tools/venv
req=$root/scripts/requirements-tools.txt
if [[ -x $venv/bin/python && -f $venv/.pins ]] && cmp -s "$req" "$venv/.pins"; then
  exit 0
fi
echo "tools-venv: installing the pinned tools into $venv"
rm -rf "$venv"
/usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
cp "$req" "$venv/.pins"
