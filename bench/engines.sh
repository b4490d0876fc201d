#!/usr/bin/env bash
# The store's engines before and after a change, in one run: sync cycles (ListRecords ->
# UpdateRecords, every write durable) and signed ListRecords of 20-record datasets, each through
# cogsync-bench on one cogsync over SQLite and one over PostgreSQL, for two binaries: BASELINE
# (the build before the change) and COGSYNC (the build after). Targets alternate within each
# round, so drift of the machine hits every target alike.
#
# PostgreSQL is a throwaway server (bench/lib.sh's start_postgres: initdb in a temporary
# directory, a free loopback port, default durability). Each binary gets its own database.
# Prints the median of each target and the after/before ratios. Nothing is asserted; the script
# fails only when a run itself fails.
#
# Environment: BASELINE (required: the earlier cogsync binary), BUILD_DIR (default build),
# ROUNDS (3), DURATION seconds per run (5), SYNC_DEVICES (64), SYNC_IDENTITIES (16),
# BENCH_THREADS (2), POSTGRES_BIN (see lib.sh).
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
COGSYNC=${COGSYNC:-$BUILD_DIR/cogsync}
BENCH=${BENCH:-$BUILD_DIR/bench/cogsync-bench}
BASELINE=${BASELINE:-}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
SYNC_DEVICES=${SYNC_DEVICES:-64}
SYNC_IDENTITIES=${SYNC_IDENTITIES:-16}
BENCH_THREADS=${BENCH_THREADS:-2}

[[ -x $COGSYNC && -x $BENCH ]] || { echo "engines.sh: build first ($COGSYNC, $BENCH)" >&2; exit 1; }
[[ -n $BASELINE && -x $BASELINE ]] || { echo "engines.sh: set BASELINE to the earlier cogsync binary" >&2; exit 1; }
COGSYNC=$(realpath "$COGSYNC")
BENCH=$(realpath "$BENCH")
BASELINE=$(realpath "$BASELINE")

WORK=$(mktemp -d)
PIDS=()
source "$(dirname "$0")/lib.sh"  # free_port, wait_http, start_postgres, stop_all_and_clean
trap stop_all_and_clean EXIT

start_postgres "$WORK/pg"  # sets PG_PORT
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U cogsync before
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U cogsync after

export COGSYNC_ACCESS_KEY_ID=AKIDBENCHENGINES0000
export COGSYNC_SECRET_ACCESS_KEY=bench-engines-secret-0123456789

declare -A URLS
start_node() {  # name binary store-url-or-empty
  local name=$1 binary=$2 store=$3 port
  port=$(free_port)
  if [[ -n $store ]]; then
    printf '{"throttle": {"enabled": false}, "store": "%s"}\n' "$store" >"$WORK/$name.json"
  else
    echo '{"throttle": {"enabled": false}}' >"$WORK/$name.json"
  fi
  "$binary" serve --listen "127.0.0.1:$port" --data-dir "$WORK/$name" --no-access-log \
    --config "$WORK/$name.json" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  URLS[$name]=http://127.0.0.1:$port
}
start_node sqlite-before "$BASELINE" ""
start_node sqlite-after "$COGSYNC" ""
start_node postgresql-before "$BASELINE" "postgresql://cogsync@127.0.0.1:$PG_PORT/before"
start_node postgresql-after "$COGSYNC" "postgresql://cogsync@127.0.0.1:$PG_PORT/after"
for name in "${!URLS[@]}"; do wait_http "${URLS[$name]}/healthz"; done

RESULTS=$WORK/results.tsv
: >"$RESULTS"

run() {  # target workload result-op
  local out=$WORK/$1-$2.out
  if ! "$BENCH" run --endpoint "${URLS[$1]}" --workload "$2" --devices "$SYNC_DEVICES" \
      --identities "$SYNC_IDENTITIES" --threads "$BENCH_THREADS" --duration "$DURATION" \
      --warmup 1 >"$out" 2>&1; then
    echo "engines.sh: the $2 run on $1 failed:" >&2
    cat "$out" >&2
    exit 1
  fi
  printf '%s\t%s\t%s\n' "$1" "$2" \
    "$(sed -n "s/^RESULT op=$3 rps=\([0-9.]*\).*$/\1/p" "$out" | head -1)" >>"$RESULTS"
}

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  for engine in sqlite postgresql; do
    for side in before after; do
      run "$engine-$side" sync sync-cycle
      run "$engine-$side" list-records ListRecords
    done
  done
done

python3 - "$RESULTS" "$ROUNDS" "$DURATION" "$SYNC_DEVICES" "$(nproc)" <<'PY'
import statistics, sys
path, rounds, duration, devices, cores = sys.argv[1:]
rows = {}
for line in open(path):
    target, workload, rps = line.rstrip("\n").split("\t")
    rows.setdefault((target, workload), []).append(float(rps))
med = {key: statistics.median(values) for key, values in rows.items()}
print(f"\nreq/s (sync: cycles/s), median of {rounds} alternating rounds of {duration} s; "
      f"{devices} devices; {cores} cores")
print(f"{'target':<20} {'workload':<14} {'median':>9}   all rounds")
for (target, workload), values in rows.items():
    print(f"{target:<20} {workload:<14} {med[(target, workload)]:>9.0f}   "
          f"{' '.join(f'{v:.0f}' for v in values)}")
print("\nafter / before")
for engine in ("sqlite", "postgresql"):
    for workload in ("sync", "list-records"):
        before, after = med[(f"{engine}-before", workload)], med[(f"{engine}-after", workload)]
        print(f"  {engine:<11} {workload:<14} {after / before:.2f}")
PY
