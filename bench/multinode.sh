#!/usr/bin/env bash
# Sync-cycle throughput (ListRecords -> UpdateRecords, cogsync-bench --workload sync) of one
# cogsync on SQLite, one cogsync on PostgreSQL, and two cogsync nodes on one PostgreSQL database,
# in one run, alternating targets each round so drift of the machine hits every target alike.
#
# The two-node figure runs two cogsync-bench instances at once, each with half the devices and
# identities and half the client threads, one per node, and adds their throughputs. Every
# target gets the same number of client threads in total.
#
# PostgreSQL is a throwaway server (initdb in a temporary directory, a free loopback port,
# default durability settings: fsync and synchronous_commit on, like SQLite's fsync per write).
# As root it runs as the `postgres` system user. Everything is removed at exit.
#
# Prints the median of each target and the ratios. Nothing is asserted; the script fails only
# when a run itself fails (errors other than 409 conflicts).
#
# Environment: BUILD_DIR (default build), ROUNDS (3), DURATION seconds per run (5),
# SYNC_DEVICES (64), SYNC_IDENTITIES (16), BENCH_THREADS (2), POSTGRES_BIN (else pg_config
# --bindir, else initdb on PATH), POSTGRES_POOL_SIZE (cogsync's sessions per node, default 8).
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
COGSYNC=${COGSYNC:-$BUILD_DIR/cogsync}
BENCH=${BENCH:-$BUILD_DIR/bench/cogsync-bench}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
SYNC_DEVICES=${SYNC_DEVICES:-64}
SYNC_IDENTITIES=${SYNC_IDENTITIES:-16}
BENCH_THREADS=${BENCH_THREADS:-2}
POSTGRES_POOL_SIZE=${POSTGRES_POOL_SIZE:-8}

for tool in python3 curl; do
  command -v "$tool" >/dev/null || { echo "multinode.sh: $tool is missing" >&2; exit 1; }
done
[[ -x $COGSYNC && -x $BENCH ]] || { echo "multinode.sh: build first ($COGSYNC, $BENCH)" >&2; exit 1; }
COGSYNC=$(realpath "$COGSYNC")
BENCH=$(realpath "$BENCH")
if (( SYNC_DEVICES < 2 || SYNC_IDENTITIES < 2 || BENCH_THREADS < 2 )); then
  echo "multinode.sh: SYNC_DEVICES, SYNC_IDENTITIES and BENCH_THREADS must be >= 2 (split in two)" >&2
  exit 1
fi

WORK=$(mktemp -d)
PIDS=()
source "$(dirname "$0")/lib.sh"  # free_port, wait_http, start_postgres, stop_all_and_clean
trap stop_all_and_clean EXIT

# --- PostgreSQL -------------------------------------------------------------------------------------
start_postgres "$WORK/pg"  # sets PG_BIN, PG_PORT
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U cogsync cogsync
PG_URL=postgresql://cogsync@127.0.0.1:$PG_PORT/cogsync

# --- cogsync: one SQLite node, two PostgreSQL nodes on one database --------------------------------
export COGSYNC_ACCESS_KEY_ID=AKIDBENCHMULTINODE00
export COGSYNC_SECRET_ACCESS_KEY=bench-multinode-secret-0123456789
# Benchmarks measure the server's speed, so throttling (per source address and identity) is off.
echo '{"throttle": {"enabled": false}}' >"$WORK/sqlite.json"
printf '{"throttle": {"enabled": false}, "store": "%s", "postgres_pool_size": %d}\n' \
  "$PG_URL" "$POSTGRES_POOL_SIZE" >"$WORK/pg.json"

start_node() {  # name config: starts it in the background and sets NODE_URL
  local name=$1 config=$2 port
  port=$(free_port)
  "$COGSYNC" serve --listen "127.0.0.1:$port" --data-dir "$WORK/$name" --no-access-log \
    --config "$config" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  NODE_URL=http://127.0.0.1:$port
}
start_node sqlite "$WORK/sqlite.json"
SQLITE_URL=$NODE_URL
start_node pg1 "$WORK/pg.json"
PG1_URL=$NODE_URL
start_node pg2 "$WORK/pg.json"
PG2_URL=$NODE_URL
wait_http "$SQLITE_URL/healthz"
wait_http "$PG1_URL/healthz"
wait_http "$PG2_URL/healthz"

RESULTS=$WORK/results.tsv
: >"$RESULTS"

# bench OUT ENDPOINT DEVICES IDENTITIES THREADS: one cogsync-bench run in the background.
bench() {
  "$BENCH" run --endpoint "$2" --workload sync --devices "$3" --identities "$4" --threads "$5" \
    --duration "$DURATION" --warmup 1 >"$1" 2>&1 &
  BENCH_PID=$!
}

rps_of() {  # bench output -> sync cycles per second
  sed -n 's/^RESULT op=sync-cycle rps=\([0-9.]*\)$/\1/p' "$1"
}

check() {  # exit status, output, target
  if [[ $1 != 0 ]]; then
    echo "multinode.sh: the $3 run failed:" >&2
    cat "$2" >&2
    exit 1
  fi
}

one_node() {  # name endpoint
  local out=$WORK/$1.out status=0
  bench "$out" "$2" "$SYNC_DEVICES" "$SYNC_IDENTITIES" "$BENCH_THREADS"
  wait "$BENCH_PID" || status=$?
  check "$status" "$out" "$1"
  printf '%s\t%s\n' "$1" "$(rps_of "$out")" >>"$RESULTS"
}

two_nodes() {  # name: half the devices, identities and client threads on each node
  local a=$WORK/$1-a.out b=$WORK/$1-b.out pid_a pid_b status=0
  bench "$a" "$PG1_URL" $((SYNC_DEVICES / 2)) $((SYNC_IDENTITIES / 2)) $((BENCH_THREADS / 2))
  pid_a=$BENCH_PID
  bench "$b" "$PG2_URL" $((SYNC_DEVICES - SYNC_DEVICES / 2)) \
    $((SYNC_IDENTITIES - SYNC_IDENTITIES / 2)) $((BENCH_THREADS - BENCH_THREADS / 2))
  pid_b=$BENCH_PID
  wait "$pid_a" || status=$?
  check "$status" "$a" "$1 (node 1)"
  wait "$pid_b" || status=$?
  check "$status" "$b" "$1 (node 2)"
  printf '%s\t%s\n' "$1" "$(python3 -c 'import sys; print(float(sys.argv[1]) + float(sys.argv[2]))' \
    "$(rps_of "$a")" "$(rps_of "$b")")" >>"$RESULTS"
}

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  one_node sqlite-1-node "$SQLITE_URL"
  one_node postgresql-1-node "$PG1_URL"
  two_nodes postgresql-2-nodes
done

python3 - "$RESULTS" "$ROUNDS" "$DURATION" "$SYNC_DEVICES" "$SYNC_IDENTITIES" "$BENCH_THREADS" \
  "$(nproc)" <<'EOF'
import statistics, sys
path, rounds, duration, devices, identities, threads, cores = sys.argv[1:]
rows = {}
for line in open(path):
    name, rps = line.split("\t")
    rows.setdefault(name, []).append(float(rps))
med = {name: statistics.median(values) for name, values in rows.items()}
print(f"\nsync cycles/s, median of {rounds} alternating rounds of {duration} s; {devices} devices, "
      f"{identities} identities, {threads} client threads in total; {cores} cores")
print(f"{'target':<22} {'median':>9}   all rounds")
for name, values in rows.items():
    print(f"{name:<22} {med[name]:>9.0f}   {' '.join(f'{v:.0f}' for v in values)}")
print("\nratios")
print(f"  postgresql-1-node / sqlite-1-node       {med['postgresql-1-node'] / med['sqlite-1-node']:.2f}")
print(f"  postgresql-2-nodes / postgresql-1-node  {med['postgresql-2-nodes'] / med['postgresql-1-node']:.2f}")
print(f"  postgresql-2-nodes / sqlite-1-node      {med['postgresql-2-nodes'] / med['sqlite-1-node']:.2f}")
EOF
