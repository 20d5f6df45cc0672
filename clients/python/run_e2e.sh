#!/usr/bin/env bash
# Runs the SDK end-to-end test against a TaskShed started here, then stops it.
#
#   clients/python/run_e2e.sh [pytest args...]
#
# - Installs requirements-dev.txt and the committed SDK (editable) into clients/python/.venv.
# - Builds the debug binary (`cargo build`, much faster than --release) unless TASKSHED_BIN
#   names one.
# - Uses DATABASE_URL when set; otherwise the binary's embedded PostgreSQL in a fresh
#   temporary directory (removed afterwards). The data directory is created directly under
#   /tmp because, when run as root, TaskShed runs PostgreSQL as the `postgres` user, which
#   must be able to traverse every parent directory.
# - Listens on a free loopback port, waits for /readyz, runs pytest, sends SIGTERM on exit.
# Exits with pytest's status.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

log() { echo "run_e2e: $*" >&2; }

# ---- Python side ----------------------------------------------------------------------
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$here/requirements-dev.txt" -e "$here/taskshed-client"

# ---- TaskShed -------------------------------------------------------------------------
if [[ -z "${TASKSHED_BIN:-}" ]]; then
  log "building TaskShed (cargo build)"
  (cd "$root" && cargo build --quiet --bin taskshed)
  TASKSHED_BIN="$root/target/debug/taskshed"
fi

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
service_log="$(mktemp /tmp/taskshed-sdk-log.XXXXXX)"
data_dir=""
# Options first: --listen belongs to the top-level command, not to `serve`.
args=(--listen "127.0.0.1:$port")
if [[ -n "${DATABASE_URL:-}" ]]; then
  log "using DATABASE_URL"
else
  data_dir="$(mktemp -d /tmp/taskshed-sdk.XXXXXX)"
  # Throwaway cluster: skip fsync.
  args+=(--data-dir "$data_dir" --embedded-durable false)
  log "using an embedded PostgreSQL in $data_dir"
fi

# Run with auth enforced, as deployed: an admin key installed at start (--admin-key), which
# the test sends as a bearer token.
api_key="$("$venv/bin/python" -c 'import secrets, string; a = string.digits + string.ascii_letters; print("tsk_" + "".join(secrets.choice(a) for _ in range(43)))')"

service_pid=""
cleanup() {
  local status=$?
  if [[ -n "$service_pid" ]] && kill -0 "$service_pid" 2>/dev/null; then
    kill -TERM "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 ]]; then
    log "TaskShed log ($service_log), last lines:"
    tail -n 40 "$service_log" >&2 || true
  fi
  [[ -n "$data_dir" ]] && rm -rf "$data_dir"
  rm -f "$service_log"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TASKSHED_ADMIN_KEY="$api_key" TASKSHED_LOG="${TASKSHED_LOG:-info}" "$TASKSHED_BIN" "${args[@]}" serve >"$service_log" 2>&1 &
service_pid=$!

url="http://127.0.0.1:$port"
log "waiting for $url/readyz"
ready=""
for _ in $(seq 1 600); do   # up to 60 s: initdb of an embedded cluster takes a few seconds
  if ! kill -0 "$service_pid" 2>/dev/null; then
    log "TaskShed exited before becoming ready"
    exit 1
  fi
  if "$venv/bin/python" - "$url/readyz" <<'PY' 2>/dev/null; then
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=1) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
    ready=1
    break
  fi
  sleep 0.1
done
if [[ -z "$ready" ]]; then
  log "TaskShed did not become ready within 60 s"
  exit 1
fi

set +e
TASKSHED_URL="$url" TASKSHED_API_KEY="$api_key" "$venv/bin/python" -m pytest --rootdir "$here" -p no:cacheprovider \
  "$here/test_sdk_e2e.py" "$@"
status=$?
set -e
exit "$status"
