#!/usr/bin/env bash
# Side-by-side throughput on loopback, in one run, alternating targets each round so that drift
# of the machine (other load, thermal state) hits every target alike:
#   nginx    answering a fixed JSON body: the physical limit of this machine and loopback;
#   cogsync  signed ListRecords and DescribeDataset (identity credentials, 20 records), signed
#            DescribeIdentityPool and ListIdentityPools (developer key), and UpdateRecords sync
#            cycles from the load
#            generator (64 devices, distinct datasets, every write fsync'd);
#   moto     the same Identity operations on moto's server.
# Prints the median of each and the ratios against the targets. Targets are reported, never
# asserted; the script fails only when a run itself fails (errors, non-2xx answers).
#
# Environment: BUILD_DIR (default build), ROUNDS (3), DURATION seconds per run (5),
# CONNECTIONS for wrk (64), WRK_THREADS (2), MOTO_CONNECTIONS (8), SYNC_DEVICES (64).
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
COGSYNC=${COGSYNC:-$BUILD_DIR/cogsync}
BENCH=${BENCH:-$BUILD_DIR/bench/cogsync-bench}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
MOTO_CONNECTIONS=${MOTO_CONNECTIONS:-8}
SYNC_DEVICES=${SYNC_DEVICES:-64}

for tool in wrk nginx python3 curl; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing (make bench-deps)" >&2; exit 1; }
done
[[ -x $COGSYNC && -x $BENCH ]] || { echo "compare.sh: build first ($COGSYNC, $BENCH)" >&2; exit 1; }
COGSYNC=$(realpath "$COGSYNC")
BENCH=$(realpath "$BENCH")

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "$0")/lib.sh"  # free_port, wait_http

# --- cogsync -----------------------------------------------------------------------------------
export COGSYNC_ACCESS_KEY_ID=AKIDBENCHCOMPARE0000
export COGSYNC_SECRET_ACCESS_KEY=bench-compare-secret-0123456789
COGSYNC_PORT=$(free_port)
COGSYNC_URL=http://127.0.0.1:$COGSYNC_PORT
# Benchmarks measure the server's speed, so its throttling (per source address and identity) is off.
echo '{"throttle": {"enabled": false}}' >"$WORK/cogsync.json"
"$COGSYNC" serve --listen "127.0.0.1:$COGSYNC_PORT" --data-dir "$WORK/cogsync" --no-access-log \
  --config "$WORK/cogsync.json" >"$WORK/cogsync.log" 2>&1 &
PIDS+=($!)
wait_http "$COGSYNC_URL/healthz"

# --- nginx: the same bytes cogsync answers ListRecords with, from a static location --------------
"$BENCH" sign --endpoint "$COGSYNC_URL" --op list-records --records 20 --out "$WORK/list.lua"
LIST_PATH=$(sed -n 's/^wrk.path = \[=\[\(.*\)\]=\]$/\1/p' "$WORK/list.lua")
CURL_HEADERS=()
while IFS= read -r line; do CURL_HEADERS+=(-H "$line"); done < <(
  sed -n 's/^wrk.headers\["\([^"]*\)"\] = \[=\[\(.*\)\]=\]$/\1: \2/p' "$WORK/list.lua")
mkdir -p "$WORK/nginx/html"
# The body of a real 20-record ListRecords answer makes nginx send as many bytes as cogsync.
curl -s "${CURL_HEADERS[@]}" "$COGSYNC_URL$LIST_PATH" >"$WORK/nginx/html/body.json" || true
if ! grep -q '"Records"' "$WORK/nginx/html/body.json"; then
  echo '{"Records":[],"Count":0,"DatasetSyncCount":0}' >"$WORK/nginx/html/body.json"
fi
NGINX_PORT=$(free_port)
USER_LINE=""
[[ $(id -u) == 0 ]] && USER_LINE="user $(id -un);"
cat >"$WORK/nginx/nginx.conf" <<EOF
$USER_LINE
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/nginx/html;
    location / { default_type application/json; try_files /body.json =404; }
  }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" -g 'daemon off;' &
PIDS+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/"

# --- moto ------------------------------------------------------------------------------------------
MOTO_PORT=$(free_port)
python3 -m moto.server -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOTO_PORT/"
MOTO_POOL=$(python3 - "$MOTO_PORT" <<'EOF'
import sys, boto3
client = boto3.client("cognito-identity", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}",
                      region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
print(client.create_identity_pool(IdentityPoolName="bench",
                                  AllowUnauthenticatedIdentities=True)["IdentityPoolId"])
EOF
)

# One pool on cogsync for DescribeIdentityPool, created once.
COGSYNC_POOL=$("$BENCH" sign --endpoint "$COGSYNC_URL" --op describe-pool --format lua |
  sed -n 's/.*"IdentityPoolId":"\([^"]*\)".*/\1/p')

RESULTS=$WORK/results.tsv
: >"$RESULTS"

# wrk_run NAME URL CONNECTIONS [LUA]: appends "NAME rps p99_ms" to RESULTS.
wrk_run() {
  local name=$1 url=$2 connections=$3 script=${4:-}
  local out=$WORK/$name.wrk
  local args=(-t "$WRK_THREADS" -c "$connections" -d "${DURATION}s" --latency)
  [[ -n $script ]] && args+=(-s "$script")
  wrk "${args[@]}" "$url" >"$out" 2>&1
  if grep -q "Non-2xx or 3xx responses" "$out"; then
    echo "compare.sh: $name answered errors:" >&2
    cat "$out" >&2
    exit 1
  fi
  python3 - "$name" "$out" >>"$RESULTS" <<'EOF'
import re, sys
name, path = sys.argv[1], sys.argv[2]
text = open(path).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
print(f"{name}\t{rps}\t{float(m.group(1)) * scale}")
EOF
}

# sign_run NAME ENDPOINT OP CONNECTIONS [POOL]: a freshly signed request (valid 15 minutes).
sign_run() {
  local name=$1 endpoint=$2 op=$3 connections=$4 pool=${5:-}
  local script=$WORK/$name.lua
  local pool_args=()
  [[ -n $pool ]] && pool_args=(--pool-id "$pool")
  "$BENCH" sign --endpoint "$endpoint" --op "$op" --records 20 "${pool_args[@]}" --out "$script"
  wrk_run "$name" "$endpoint/" "$connections" "$script"
}

sync_run() {
  local out=$WORK/sync.out
  if ! "$BENCH" run --endpoint "$COGSYNC_URL" --workload sync --devices "$SYNC_DEVICES" \
      --identities 16 --duration "$DURATION" --warmup 1 >"$out" 2>&1; then
    echo "compare.sh: the sync-cycle run failed:" >&2
    cat "$out" >&2
    exit 1
  fi
  python3 - "$out" >>"$RESULTS" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^RESULT op=UpdateRecords rps=([\d.]+) p50_us=\d+ p99_us=(\d+)", text, re.M)
print(f"cogsync-sync-cycle\t{m.group(1)}\t{int(m.group(2)) / 1000}")
EOF
}

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  wrk_run nginx "http://127.0.0.1:$NGINX_PORT/" "$CONNECTIONS"
  sign_run cogsync-list-records "$COGSYNC_URL" list-records "$CONNECTIONS"
  sign_run cogsync-describe-dataset "$COGSYNC_URL" describe-dataset "$CONNECTIONS"
  sign_run cogsync-describe-pool "$COGSYNC_URL" describe-pool "$CONNECTIONS" "$COGSYNC_POOL"
  sign_run cogsync-list-pools "$COGSYNC_URL" list-pools "$CONNECTIONS"
  sign_run moto-describe-pool "http://127.0.0.1:$MOTO_PORT" describe-pool "$MOTO_CONNECTIONS" "$MOTO_POOL"
  sign_run moto-list-pools "http://127.0.0.1:$MOTO_PORT" list-pools "$MOTO_CONNECTIONS"
  sync_run
done

python3 - "$RESULTS" "$ROUNDS" "$DURATION" "$CONNECTIONS" "$SYNC_DEVICES" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rps, p99 = line.split("\t")
    rows.setdefault(name, []).append((float(rps), float(p99)))
med = {n: (statistics.median(r for r, _ in v), statistics.median(p for _, p in v)) for n, v in rows.items()}
print(f"\nmedians of {sys.argv[2]} alternating rounds, {sys.argv[3]} s each, wrk -c {sys.argv[4]}, "
      f"sync cycles with {sys.argv[5]} devices")
print(f"{'target':<26} {'req/s':>10} {'p99 ms':>8}")
for n, (r, p) in med.items():
    print(f"{n:<26} {r:>10.0f} {p:>8.2f}")
nginx_rps, nginx_p99 = med["nginx"]
print("\nratios (target in brackets)")
def ratio(label, value, goal, at_least=True):
    ok = value >= goal if at_least else value <= goal
    sign = ">=" if at_least else "<="
    print(f"  {label:<52} {value:>8.2f}  [{sign} {goal}] {'met' if ok else 'NOT MET'}")
# The throughput targets of the store-and-speed issue, each against nginx in this run.
for op, goal in (("cogsync-list-records", 0.5), ("cogsync-describe-dataset", 0.6),
                 ("cogsync-describe-pool", 0.7)):
    ratio(f"{op} req/s / nginx req/s", med[op][0] / nginx_rps, goal)
    ratio(f"{op} p99 / nginx p99", med[op][1] / max(nginx_p99, 1e-3), 3, at_least=False)
ratio("cogsync-describe-pool / moto-describe-pool", med["cogsync-describe-pool"][0] / med["moto-describe-pool"][0], 100)
ratio("cogsync-list-pools / moto-list-pools", med["cogsync-list-pools"][0] / med["moto-list-pools"][0], 100)
ratio("sync-cycle UpdateRecords/s / signed ListRecords req/s", med["cogsync-sync-cycle"][0] / med["cogsync-list-records"][0], 0.2)
ratio("sync-cycle UpdateRecords/s / nginx req/s (fsync'd writes)", med["cogsync-sync-cycle"][0] / nginx_rps, 0.07)
EOF
