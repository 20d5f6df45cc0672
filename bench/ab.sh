#!/usr/bin/env bash
# A/B of two builds in one session: `bench/ab.sh A_DIR B_DIR [ROUNDS] [SCENARIOS...]`.
#
# Each *_DIR is a checkout whose `target/dist/` holds the bench and the service (`cargo
# build --profile dist --workspace` there). Rounds alternate A B, B A, … (ABBA), so a
# drift of the machine's speed over the session falls on both sides alike; only ratios
# within the session mean anything (BENCHMARKS.md). Each run's full report goes to
# $AB_OUT/<round>-<side>/ (default bench/results/ab), and the S2/S3 lines are printed as
# each run ends.
set -euo pipefail
a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
rounds=${3:-4}
shift $(( $# < 3 ? $# : 3 ))
scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(burndown lateness)
out=$(realpath -m "${AB_OUT:-bench/results/ab}")
mkdir -p "$out"
run() {
  local side=$1 dir=$2 round=$3
  echo "== round $round, $side ($(git -C "$dir" rev-parse --short HEAD)), $(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg)"
  (cd "$dir" && target/dist/taskshed-bench --out "$out/$round-$side" "${scenarios[@]}") 2>&1 \
    | grep -E '^\| S[23] ' | cut -d'|' -f2-4
}
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then
    run A "$a" "$round"; run B "$b" "$round"
  else
    run B "$b" "$round"; run A "$a" "$round"
  fi
done
