#!/usr/bin/env bash
# CI drift check: regenerates the SDK from the committed openapi.yaml into a temporary
# directory and compares it with the committed clients/python/taskshed-client/.
# Exits 1 (and prints the diff) when they differ: run generate.sh and commit the result.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$here/generate.sh" "$tmp" >/dev/null

# Ignore bytecode and other local artefacts the committed tree may have picked up
# (pip install -e leaves .pdm-build/, *.egg-info or __pycache__ next to the sources).
if diff -ru \
  --exclude=__pycache__ --exclude='*.egg-info' --exclude=.ruff_cache --exclude=.pdm-build \
  "$here/taskshed-client" "$tmp/taskshed-client"; then
  echo "SDK is up to date with openapi.yaml"
else
  echo "SDK drift: run clients/python/generate.sh and commit clients/python/taskshed-client/" >&2
  exit 1
fi
