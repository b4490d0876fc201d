#!/usr/bin/env bash
# The scale run: does cogsync stay fast, small and quick to start with a large store?
#
#   1. starts a "small" cogsync on a fresh data dir and reads its idle resident memory;
#   2. starts a "big" cogsync on another fresh data dir and fills it through the API
#      (cogsync-bench fill): IDENTITIES identities, RECORDS records in datasets of
#      RECORDS_PER_DATASET records, one UpdateRecords per dataset;
#   3. restarts the big one and times its start-up to a ready /healthz;
#   4. alternating small and big, ROUNDS times: signed ListRecords (20 records) and full sync
#      cycles (ListRecords + UpdateRecords, every write fsync'd) with cogsync-bench run, sampling
#      the big server's VmRSS while it is under load;
#   5. prints the medians and the ratios against the targets (issue #6):
#      big/small p99 <= 1.5 for ListRecords and UpdateRecords, RSS under load <= 150 MB,
#      start-up <= 200 ms, idle RSS <= 20 MB.
# Targets are reported, never asserted; the script fails only when a run itself fails.
# Both servers bound SQLite's page cache with sqlite_cache_kib (per connection).
#
# Environment (defaults are the full size; the smoke size runs in seconds:
#   IDENTITIES=2000 RECORDS=20000 DURATION=2 ROUNDS=1 bench/scale.sh):
#   BUILD_DIR (build), IDENTITIES (1000000), RECORDS (10000000), RECORDS_PER_DATASET (100),
#   FILL_CONNECTIONS (64), SQLITE_CACHE_KIB (8192), SQLITE_READERS (8), ROUNDS (3),
#   DURATION seconds per measured run (10), DEVICES (64), SCALE_DIR (parent of the data dirs;
#   default a fresh temp dir), KEEP_DATA=1 keeps the data dirs.
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
COGSYNC=${COGSYNC:-$BUILD_DIR/cogsync}
BENCH=${BENCH:-$BUILD_DIR/bench/cogsync-bench}
IDENTITIES=${IDENTITIES:-1000000}
RECORDS=${RECORDS:-10000000}
RECORDS_PER_DATASET=${RECORDS_PER_DATASET:-100}
FILL_CONNECTIONS=${FILL_CONNECTIONS:-64}
SQLITE_CACHE_KIB=${SQLITE_CACHE_KIB:-8192}
SQLITE_READERS=${SQLITE_READERS:-8}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
DEVICES=${DEVICES:-64}
DATA_IDENTITIES=$(((RECORDS + RECORDS_PER_DATASET - 1) / RECORDS_PER_DATASET))
((DATA_IDENTITIES <= IDENTITIES)) || {
  echo "scale.sh: RECORDS / RECORDS_PER_DATASET exceeds IDENTITIES" >&2
  exit 1
}

for tool in python3 curl; do
  command -v "$tool" >/dev/null || { echo "scale.sh: $tool is missing" >&2; exit 1; }
done
[[ -x $COGSYNC && -x $BENCH ]] || { echo "scale.sh: build first ($COGSYNC, $BENCH)" >&2; exit 1; }
COGSYNC=$(realpath "$COGSYNC")
BENCH=$(realpath "$BENCH")

if [[ -n ${SCALE_DIR:-} ]]; then
  mkdir -p "$SCALE_DIR"
  WORK=$(mktemp -d "$SCALE_DIR/scale.XXXXXX")
else
  WORK=$(mktemp -d)
fi
declare -A PID=()
cleanup() {
  for name in "${!PID[@]}"; do kill "${PID[$name]}" 2>/dev/null || true; done
  for name in "${!PID[@]}"; do wait "${PID[$name]}" 2>/dev/null || true; done
  if [[ ${KEEP_DATA:-0} == 1 ]]; then
    echo "scale.sh: data kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

source "$(dirname "$0")/lib.sh"  # free_port, wait_http

export COGSYNC_ACCESS_KEY_ID=AKIDBENCHSCALE000000
export COGSYNC_SECRET_ACCESS_KEY=bench-scale-secret-0123456789
# Benchmarks measure the server, so throttling is off; the page cache is bounded.
cat >"$WORK/cogsync.json" <<EOF
{"throttle": {"enabled": false}, "sqlite_cache_kib": $SQLITE_CACHE_KIB,
 "sqlite_read_connections": $SQLITE_READERS}
EOF

declare -A PORT=()
# start NAME [PORT]: starts cogsync on $WORK/NAME; sets PID[NAME] and PORT[NAME].
start() {
  local name=$1
  PORT[$name]=${2:-$(free_port)}
  "$COGSYNC" serve --listen "127.0.0.1:${PORT[$name]}" --data-dir "$WORK/$name" \
    --no-access-log --config "$WORK/cogsync.json" >>"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
}

stop() {  # NAME: SIGTERM, then wait for the graceful shutdown
  kill "${PID[$1]}"
  wait "${PID[$1]}" 2>/dev/null || true
  unset "PID[$1]"
}

url() { echo "http://127.0.0.1:${PORT[$1]}"; }

rss_kib() {  # PID
  sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

# `start NAME`, then sets START_MS to the milliseconds from the spawn to the first 200 on
# /healthz. A poller started beforehand tries every millisecond, so the figure is the server's
# (process start, store open, listen), not the polling's.
timed_start() {
  local name=$1 begin ready port
  port=$(free_port)
  python3 - "$port" >"$WORK/ready.ns" <<'EOF' &
import http.client, sys, time
deadline = time.time() + 30
while time.time() < deadline:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=1)
        conn.request("GET", "/healthz")
        if conn.getresponse().status == 200:
            print(time.time_ns())
            break
    except OSError:
        pass
    time.sleep(0.001)
EOF
  local poller=$!
  sleep 0.3  # the poller is running
  begin=$(date +%s%N)
  start "$name" "$port"
  wait "$poller"
  ready=$(cat "$WORK/ready.ns")
  [[ -n $ready ]] || { echo "scale.sh: $name did not become ready" >&2; exit 1; }
  START_MS=$(((ready - begin) / 1000000))
}

RESULTS=$WORK/results.tsv
: >"$RESULTS"
note() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS"; }

# --- the small store: fresh, idle -----------------------------------------------------------------
timed_start small
sleep 1
note small-start-ms "$START_MS"
note small-idle-rss-kib "$(rss_kib "${PID[small]}")"

# --- the big store: fill, restart, time the start-up ----------------------------------------------
start big
wait_http "$(url big)/healthz"
echo "scale.sh: filling $IDENTITIES identities, $RECORDS records ($DATA_IDENTITIES datasets of" \
  "$RECORDS_PER_DATASET), $FILL_CONNECTIONS connections" >&2
"$BENCH" fill --endpoint "$(url big)" --identities "$IDENTITIES" \
  --data-identities "$DATA_IDENTITIES" --datasets 1 --records "$RECORDS_PER_DATASET" \
  --value-bytes 32 --connections "$FILL_CONNECTIONS" --progress | tee "$WORK/fill.out"
note fill-seconds "$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$WORK/fill.out")"
note fill-rss-kib "$(rss_kib "${PID[big]}")"
stop big
note big-db-mib "$(du -sm "$WORK/big" | cut -f1)"
timed_start big
note big-start-ms "$START_MS"
note big-start-ms-logged "$(sed -n 's/.*ready in \([0-9]*\) ms.*/\1/p' "$WORK/big.log" | tail -1)"
sleep 1
note big-idle-rss-kib "$(rss_kib "${PID[big]}")"

# bench_run NAME WORKLOAD: one measured run; appends "NAME-WORKLOAD-OP p99_us rps" rows and, for
# the big store, the highest VmRSS sampled every 50 ms while it ran.
bench_run() {
  local name=$1 workload=$2 out=$WORK/$1-$2.out sampler=$WORK/rss.samples
  : >"$sampler"
  (while kill -0 "${PID[$name]}" 2>/dev/null; do
    rss_kib "${PID[$name]}" >>"$sampler"
    sleep 0.05
  done) &
  local sampler_pid=$!
  local args=(--endpoint "$(url "$name")" --workload "$workload" --devices "$DEVICES"
    --identities 16 --duration "$DURATION" --warmup 1)
  if ! "$BENCH" run "${args[@]}" >"$out" 2>&1; then
    kill "$sampler_pid" 2>/dev/null || true
    echo "scale.sh: $name $workload failed:" >&2
    cat "$out" >&2
    exit 1
  fi
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sed -n "s/^RESULT op=\([A-Za-z]*\) rps=\([0-9.]*\) p50_us=[0-9]* p99_us=\([0-9]*\) .*/$name-$workload-\1-p99-us\t\3\n$name-$workload-\1-rps\t\2/p" \
    "$out" >>"$RESULTS"
  note "$name-$workload-max-rss-kib" "$(sort -n "$sampler" | tail -1)"
}

for round in $(seq 1 "$ROUNDS"); do
  echo "scale.sh: round $round/$ROUNDS" >&2
  for name in small big; do
    bench_run "$name" list-records
    bench_run "$name" sync
  done
done
sleep 1
note small-idle-after-rss-kib "$(rss_kib "${PID[small]}")"
note big-idle-after-rss-kib "$(rss_kib "${PID[big]}")"

python3 - "$RESULTS" "$IDENTITIES" "$RECORDS" "$ROUNDS" "$DURATION" "$DEVICES" "$SQLITE_CACHE_KIB" \
  "$SQLITE_READERS" <<'EOF'
import statistics, sys
path, identities, records, rounds, duration, devices, cache_kib, readers = sys.argv[1:]
rows = {}
for line in open(path):
    name, value = line.rstrip("\n").split("\t")
    if value:
        rows.setdefault(name, []).append(float(value))
med = {n: statistics.median(v) for n, v in rows.items()}
mx = {n: max(v) for n, v in rows.items()}
print(f"\nscale run: {int(identities):,} identities, {int(records):,} records; "
      f"medians of {rounds} alternating rounds, {duration} s each, {devices} devices; "
      f"sqlite_cache_kib={cache_kib} x ({readers} readers + 1 writer)")
print(f"fill: {med['fill-seconds']:.0f} s; big store on disk: {med['big-db-mib']:.0f} MiB")
print(f"{'measure':<34} {'small':>10} {'big':>10} {'big/small':>10}")
for label, key in (("ListRecords (20 records) p99 ms", "list-records-ListRecords-p99-us"),
                   ("ListRecords (20 records) req/s", "list-records-ListRecords-rps"),
                   ("sync ListRecords p99 ms", "sync-ListRecords-p99-us"),
                   ("sync UpdateRecords p99 ms", "sync-UpdateRecords-p99-us"),
                   ("sync UpdateRecords req/s", "sync-UpdateRecords-rps")):
    s, b = med[f"small-{key}"], med[f"big-{key}"]
    if key.endswith("-us"):
        s, b = s / 1000, b / 1000
    print(f"{label:<34} {s:>10.2f} {b:>10.2f} {b / max(s, 1e-9):>10.2f}")
load_rss = max(mx["big-list-records-max-rss-kib"], mx["big-sync-max-rss-kib"]) / 1024
small_load_rss = max(mx["small-list-records-max-rss-kib"], mx["small-sync-max-rss-kib"]) / 1024
print(f"{'RSS under load, MiB (max)':<34} {small_load_rss:>10.1f} {load_rss:>10.1f}")
print(f"{'RSS idle after start, MiB':<34} {med['small-idle-rss-kib'] / 1024:>10.1f} "
      f"{med['big-idle-rss-kib'] / 1024:>10.1f}")
print(f"{'RSS idle after the runs, MiB':<34} {med['small-idle-after-rss-kib'] / 1024:>10.1f} "
      f"{med['big-idle-after-rss-kib'] / 1024:>10.1f}")
print(f"{'start-up to ready /healthz, ms':<34} {med['small-start-ms']:>10.0f} "
      f"{med['big-start-ms']:>10.0f}   (server's own log: {med.get('big-start-ms-logged', -1):.0f} ms)")
print("\ntargets")
def target(label, value, goal):
    print(f"  {label:<46} {value:>8.2f}  [<= {goal}] {'met' if value <= goal else 'NOT MET'}")
for label, key in (("ListRecords p99 big/small", "list-records-ListRecords-p99-us"),
                   ("UpdateRecords p99 big/small", "sync-UpdateRecords-p99-us")):
    target(label, med[f"big-{key}"] / max(med[f"small-{key}"], 1e-9), 1.5)
target("RSS under load, big store, MiB", load_rss, 150)
target("start-up to ready /healthz, big store, ms", med["big-start-ms"], 200)
target("idle RSS, fresh store, MiB", med["small-idle-rss-kib"] / 1024, 20)
EOF
