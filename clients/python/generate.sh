#!/usr/bin/env bash
# Regenerates the TaskShed Python SDK from the committed OpenAPI spec.
#
#   clients/python/generate.sh            # replaces clients/python/taskshed-client/
#   clients/python/generate.sh OUT_DIR    # writes OUT_DIR/taskshed-client/ instead (check.sh)
#
# The generator and ruff (its formatting post-hook) are pinned in requirements-dev.txt and
# installed into clients/python/.venv, so the output depends only on the spec and this
# directory's config: no network once the venv exists, no timestamps in the output.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
spec="${TASKSHED_OPENAPI:-$here/../../openapi.yaml}"
out_parent="${1:-$here}"
venv="$here/.venv"
python="${PYTHON:-python3}"

if [[ ! -f "$spec" ]]; then
  echo "generate.sh: no OpenAPI spec at $spec" >&2
  exit 2
fi

# Create the venv on first use, and (re)install when requirements-dev.txt changed since.
stamp="$venv/.requirements-dev.sha256"
want="$(sha256sum "$here/requirements-dev.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-dev.txt"
  echo "$want" >"$stamp"
fi

mkdir -p "$out_parent"
target="$out_parent/taskshed-client"
# Generate into a scratch directory and swap it in, so a failed run leaves the old package.
scratch="$(mktemp -d "$out_parent/.taskshed-client.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

# The post-hooks call `ruff` by name: put the venv's pinned copy first on PATH. No ruff
# cache, so nothing but generated sources lands in the output.
PATH="$venv/bin:$PATH" RUFF_NO_CACHE=true \
  "$venv/bin/openapi-python-client" generate \
  --path "$spec" \
  --config "$here/generator-config.yaml" \
  --meta pdm \
  --output-path "$scratch/taskshed-client" \
  --fail-on-warning

rm -rf "$target"
mv "$scratch/taskshed-client" "$target"
echo "generated $target"
