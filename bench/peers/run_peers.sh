#!/usr/bin/env bash
# Runs Python TaskShed 0.10.0 on a throwaway Redis through the scenarios of
# `taskshed-bench` (S1 insert, S2 burn-down, S3 lateness) and prints ONE JSON document on
# stdout; progress goes to stderr. See README.md.
#
#   bench/peers/run_peers.sh [--quick] [--scenarios s1,s2,s3] [--persistence aof-everysec,none]
#                            [--out FILE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
py="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "peers: creating $venv" >&2
    "$py" -m venv "$venv" >&2
fi
# Quiet and idempotent: a no-op when the pinned versions are already installed.
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2

if ! command -v redis-server >/dev/null 2>&1; then
    echo "peers: installing redis-server (Debian package)" >&2
    sudo_=""
    [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq redis-server >&2
fi

exec "$venv/bin/python" "$here/peers.py" "$@"
