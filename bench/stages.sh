#!/usr/bin/env bash
# Where the time of one request goes, stage by stage (issue #6, docs/performance.md):
#   instructions  callgrind on a server answering REQUESTS identical signed requests, counters
#                 zeroed after the set-up, so each dump holds exactly those requests; a stage is
#                 the inclusive cost of its entry function(s) divided by REQUESTS;
#   microseconds  perf (software clock, call graphs) on the same build under wrk load for
#                 DURATION s; a stage is its entry functions' share of the server's samples
#                 times the server's CPU time (user + system, from /proc) per request.
# Two requests: signed ListRecords of a 20-record dataset (identity credentials) and signed
# DescribeIdentityPool (developer key). Stages and their entry functions are in STAGES below.
#
# Environment: BUILD_DIR (build), REQUESTS (2000), DURATION (5), CONNECTIONS (16), OUT (a dir to
# keep the profiles in; default: a temp dir, removed). Needs valgrind, perf, wrk, python3.
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
COGSYNC=${COGSYNC:-$BUILD_DIR/cogsync}
BENCH=${BENCH:-$BUILD_DIR/bench/cogsync-bench}
REQUESTS=${REQUESTS:-2000}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}

for tool in valgrind callgrind_annotate callgrind_control perf wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "stages.sh: $tool is missing" >&2; exit 1; }
done
[[ -x $COGSYNC && -x $BENCH ]] || { echo "stages.sh: build first ($COGSYNC, $BENCH)" >&2; exit 1; }
COGSYNC=$(realpath "$COGSYNC")
BENCH=$(realpath "$BENCH")
WORK=${OUT:-$(mktemp -d)}
mkdir -p "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -n ${OUT:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"  # free_port, wait_http

export COGSYNC_ACCESS_KEY_ID=AKIDBENCHSTAGES00000
export COGSYNC_SECRET_ACCESS_KEY=bench-stages-secret-0123456789
echo '{"throttle": {"enabled": false}}' >"$WORK/cogsync.json"

# prepare URL NAME OP: signs a request for wrk into $WORK/NAME.lua (list-records seeds a fresh
# 20-record dataset; describe-pool creates its pool).
prepare() {
  "$BENCH" sign --endpoint "$1" --op "$3" --records 20 --out "$WORK/$2.lua"
}

# send URL NAME COUNT: COUNT times the request of NAME.lua on one keep-alive connection.
send() {
  python3 - "$1" "$WORK/$2.lua" "$3" <<'EOF'
import http.client, re, sys, urllib.parse
url, lua, count = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3])
def field(name):
    return re.search(r"^wrk\." + name + r" = \[(=+)\[(.*?)\]\1\]$", lua, re.M | re.S).group(2)
headers = {m.group(1): m.group(3) for m in
           re.finditer(r'^wrk\.headers\["([^"]+)"\] = \[(=+)\[(.*?)\]\2\]$', lua, re.M)}
method = re.search(r'^wrk\.method = "(\w+)"', lua, re.M).group(1)
path, body = field("path"), field("body")
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port)
for _ in range(count):
    conn.request(method, path, body=body.encode() or None, headers=headers)
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"stages.sh: status {r.status}: {r.read()[:200]}")
EOF
}

NAMES=(list describe)
OPS=(list-records describe-pool)

# --- instructions: callgrind ------------------------------------------------------------------
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
# One I/O thread, so every request takes the same path; ListRecords and DescribeIdentityPool are
# reads and run on it.
echo '{"throttle": {"enabled": false}, "io_threads": 1}' >"$WORK/callgrind.json"
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" --dump-instr=no \
  "$COGSYNC" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/cg-data" --no-access-log \
  --config "$WORK/callgrind.json" >"$WORK/callgrind.log" 2>&1 &
PIDS+=($!)
CG_PID=$!
for _ in $(seq 1 300); do curl -s -o /dev/null "$URL/healthz" && break; sleep 0.2; done
wait_http "$URL/healthz"
for i in 0 1; do
  prepare "$URL" "${NAMES[$i]}" "${OPS[$i]}"
  send "$URL" "${NAMES[$i]}" 50  # warm: caches filled, first-use allocations done
done
for i in 0 1; do
  echo "stages.sh: callgrind, $REQUESTS x ${OPS[$i]}" >&2
  callgrind_control -z "$CG_PID" >/dev/null 2>&1
  send "$URL" "${NAMES[$i]}" "$REQUESTS"
  touch "$WORK/dump.marker"
  sleep 1  # the dump is newer than the marker by more than the file system's time resolution
  callgrind_control -d "${NAMES[$i]}" "$CG_PID" >/dev/null 2>&1
  dump=""
  for _ in $(seq 1 100); do
    dump=$(find "$WORK" -maxdepth 1 -name 'callgrind.out*' -newer "$WORK/dump.marker" | head -1)
    [[ -n $dump ]] && break
    sleep 0.1
  done
  [[ -n $dump ]] || { echo "stages.sh: no callgrind dump appeared" >&2; exit 1; }
  sleep 0.5  # written completely
  callgrind_annotate --inclusive=yes --threshold=100 "$dump" >"$WORK/${NAMES[$i]}.incl"
  callgrind_annotate --threshold=100 "$dump" >"$WORK/${NAMES[$i]}.self"
done

# --- microseconds: perf ------------------------------------------------------------------------
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$COGSYNC" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/perf-data" --no-access-log \
  --config "$WORK/cogsync.json" >"$WORK/perf-server.log" 2>&1 &
PIDS+=($!)
SERVER_PID=$!
wait_http "$URL/healthz"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
for i in 0 1; do
  name=${NAMES[$i]}
  prepare "$URL" "$name" "${OPS[$i]}"
  # A plain run gives CPU time per request; a second run under perf gives the shares.
  t0=$(cpu_ticks)
  wrk -t1 -c "$CONNECTIONS" -d "${DURATION}s" -s "$WORK/$name.lua" "$URL/" >"$WORK/$name.wrk"
  t1=$(cpu_ticks)
  requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$WORK/$name.wrk")
  grep -q "Non-2xx" "$WORK/$name.wrk" && { echo "stages.sh: $name answered errors" >&2; exit 1; }
  echo "$(((t1 - t0) * 1000000 / $(getconf CLK_TCK))) $requests" >"$WORK/$name.cpu"
  echo "stages.sh: perf, ${OPS[$i]} for $DURATION s" >&2
  perf record -q -F 1999 --call-graph dwarf,16384 -p "$SERVER_PID" -o "$WORK/$name.perf" \
    -- sleep "$DURATION" 2>/dev/null &
  perf_pid=$!
  wrk -t1 -c "$CONNECTIONS" -d "${DURATION}s" -s "$WORK/$name.lua" "$URL/" >/dev/null
  wait "$perf_pid"
  perf report -q --children --stdio -g none --sort symbol --percent-limit 0.05 \
    -i "$WORK/$name.perf" 2>/dev/null >"$WORK/$name.perfreport"
  perf report -q --no-children --stdio -g none --sort dso -i "$WORK/$name.perf" 2>/dev/null \
    >"$WORK/$name.perfdso"
done

python3 "$(dirname "$0")/stages_table.py" "$WORK" "$REQUESTS"
