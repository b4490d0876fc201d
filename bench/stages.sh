#!/usr/bin/env bash
# Where the time of one request goes, stage by stage (issue #6, docs/performance.md):
#   instructions  callgrind on a server answering REQUESTS identical signed requests, counters
#                 zeroed after the set-up, so each dump holds exactly those requests; a stage is
#                 the inclusive cost of its entry function(s) divided by REQUESTS;
#   microseconds  perf (software clock, call graphs) on the same build under wrk load for
#                 DURATION s; a stage is its entry functions' share of the server's samples
#                 times the server's CPU time (user + system, from /proc) per request.
# Four requests: signed ListRecords of a 20-record dataset (identity credentials), signed
# DescribeIdentityPool (developer key), UpdateRecords of one record signed with identity
# credentials (a sync cycle's write, every one committed durably) and GetCredentialsForIdentity
# (public). Stages and their entry functions are in bench/stages_table.py.
#
# Environment: BUILD_DIR (build), REQUESTS (2000), DURATION (5), CONNECTIONS (16), OUT (a dir to
# keep the profiles in; default: a temp dir, removed), BASELINE (an earlier cogsync binary: its
# instructions are counted too, in the same run, and the table gives both). Needs valgrind,
# perf, wrk, python3 with botocore.
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
COGSYNC=${COGSYNC:-$BUILD_DIR/cogsync}
BENCH=${BENCH:-$BUILD_DIR/bench/cogsync-bench}
REQUESTS=${REQUESTS:-2000}
BASELINE=${BASELINE:-}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}

for tool in valgrind callgrind_annotate callgrind_control perf wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "stages.sh: $tool is missing" >&2; exit 1; }
done
[[ -x $COGSYNC && -x $BENCH ]] || { echo "stages.sh: build first ($COGSYNC, $BENCH)" >&2; exit 1; }
COGSYNC=$(realpath "$COGSYNC")
if [[ -n $BASELINE ]]; then
  [[ -x $BASELINE ]] || { echo "stages.sh: BASELINE $BASELINE is not an executable" >&2; exit 1; }
  BASELINE=$(realpath "$BASELINE")
fi
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

# The request kinds. list and describe are one signed request replayed (signed by cogsync-bench
# into a wrk script); update and credentials come from stages_requests.py (each UpdateRecords is
# a new request, signed there; GetCredentialsForIdentity is public and replayed by wrk).
NAMES=(list describe update credentials)
REQUESTS_PY="$(dirname "$0")/stages_requests.py"

# prepare URL NAME TAG: sets NAME up on the server at URL into $WORK/TAG-NAME.* (list seeds a
# fresh 20-record dataset; describe creates its pool; update and credentials their own pool).
prepare() {
  case $2 in
    list) "$BENCH" sign --endpoint "$1" --op list-records --records 20 --out "$WORK/$3-$2.lua" ;;
    describe) "$BENCH" sign --endpoint "$1" --op describe-pool --out "$WORK/$3-$2.lua" ;;
    *) python3 "$REQUESTS_PY" prepare "$2" "$1" "$WORK/$3-$2.state" ;;
  esac
}

# send URL NAME TAG COUNT: COUNT requests of NAME on one keep-alive connection.
send() {
  case $2 in
    list | describe) replay "$1" "$WORK/$3-$2.lua" "$4" ;;
    *) python3 "$REQUESTS_PY" send "$2" "$1" "$WORK/$3-$2.state" "$4" ;;
  esac
}

# replay URL LUA COUNT: COUNT times the request of a wrk script.
replay() {
  python3 - "$1" "$2" "$3" <<'EOF'
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

# --- instructions: callgrind ------------------------------------------------------------------
# callgrind_run BINARY TAG: every kind on a server of BINARY under callgrind, into
# $WORK/TAG-NAME.incl and .self. One I/O thread, so every read takes the same path.
callgrind_run() {
  local binary=$1 tag=$2 port url pid dump name
  port=$(free_port)
  url=http://127.0.0.1:$port
  echo '{"throttle": {"enabled": false}, "io_threads": 1}' >"$WORK/callgrind.json"
  valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind-$tag.out" --dump-instr=no \
    "$binary" serve --listen "127.0.0.1:$port" --data-dir "$WORK/cg-$tag" --no-access-log \
    --config "$WORK/callgrind.json" >"$WORK/callgrind-$tag.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 300); do curl -s -o /dev/null "$url/healthz" && break; sleep 0.2; done
  wait_http "$url/healthz"
  for name in "${NAMES[@]}"; do
    prepare "$url" "$name" "$tag"
    send "$url" "$name" "$tag" 50  # warm: caches filled, first-use allocations done
  done
  for name in "${NAMES[@]}"; do
    echo "stages.sh: callgrind ($tag), $REQUESTS x $name" >&2
    callgrind_control -z "$pid" >/dev/null 2>&1
    send "$url" "$name" "$tag" "$REQUESTS"
    touch "$WORK/dump.marker"
    sleep 1  # the dump is newer than the marker by more than the file system's time resolution
    callgrind_control -d "$name" "$pid" >/dev/null 2>&1
    dump=""
    for _ in $(seq 1 100); do
      dump=$(find "$WORK" -maxdepth 1 -name "callgrind-$tag.out*" -newer "$WORK/dump.marker" |
        head -1)
      [[ -n $dump ]] && break
      sleep 0.1
    done
    [[ -n $dump ]] || { echo "stages.sh: no callgrind dump appeared" >&2; exit 1; }
    sleep 0.5  # written completely
    callgrind_annotate --inclusive=yes --threshold=100 "$dump" >"$WORK/$tag-$name.incl"
    callgrind_annotate --threshold=100 "$dump" >"$WORK/$tag-$name.self"
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

callgrind_run "$COGSYNC" after
[[ -z $BASELINE ]] || callgrind_run "$BASELINE" before

# --- microseconds: perf ------------------------------------------------------------------------
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$COGSYNC" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/perf-data" --no-access-log \
  --config "$WORK/cogsync.json" >"$WORK/perf-server.log" 2>&1 &
PIDS+=($!)
SERVER_PID=$!
wait_http "$URL/healthz"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
# load NAME: DURATION seconds of NAME; prints how many requests were answered (all with 200).
load() {
  local name=$1 script out
  if [[ $name == update ]]; then
    python3 "$REQUESTS_PY" load update "$URL" "$WORK/perf-update.state" "$DURATION"
    return
  fi
  script="$WORK/perf-$name.lua"
  [[ $name == credentials ]] && script="$WORK/perf-credentials.state.lua"
  out=$(wrk -t1 -c "$CONNECTIONS" -d "${DURATION}s" -s "$script" "$URL/")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "stages.sh: $name answered errors" >&2
    exit 1
  fi
  sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out"
}
for name in "${NAMES[@]}"; do
  prepare "$URL" "$name" perf
  # A plain run gives CPU time per request; a second run under perf gives the shares.
  t0=$(cpu_ticks)
  requests=$(load "$name")
  t1=$(cpu_ticks)
  echo "$(((t1 - t0) * 1000000 / $(getconf CLK_TCK))) $requests" >"$WORK/$name.cpu"
  echo "stages.sh: perf, $name for $DURATION s" >&2
  perf record -q -F 1999 --call-graph dwarf,16384 -p "$SERVER_PID" -o "$WORK/$name.perf" \
    -- sleep "$DURATION" 2>/dev/null &
  perf_pid=$!
  load "$name" >/dev/null
  wait "$perf_pid"
  perf report -q --children --stdio -g none --sort symbol --percent-limit 0.05 \
    -i "$WORK/$name.perf" 2>/dev/null >"$WORK/$name.perfreport"
  perf report -q --no-children --stdio -g none --sort dso -i "$WORK/$name.perf" 2>/dev/null \
    >"$WORK/$name.perfdso"
done

python3 "$(dirname "$0")/stages_table.py" "$WORK" "$REQUESTS" ${BASELINE:+before}
