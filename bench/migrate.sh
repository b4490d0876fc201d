#!/usr/bin/env bash
# Migration rate (issue 15): fills a local cogsync (the source, playing AWS) with cogsync-bench
# fill (IDENTITIES identities x DATASETS datasets x RECORDS records), then in the same run times
# `cogsync migrate` into empty stores at each request rate of RATES (requests/s to the source;
# AWS's per-account quotas for these APIs are of the order of 10-25 requests/s), and prints
# identities/s, records/s and requests/s for each, and what a pool of 1,000,000 identities with
# 5 datasets each would take at AWS_RATE requests/s (requests per identity as measured).
# Nothing is asserted; the script fails only when a step fails.
#
# Environment: BUILD_DIR (build), IDENTITIES (300), DATASETS (5), RECORDS (20), RATES
# ("10000 25"), AWS_RATE (25), WORKERS (4), WORK_DIR, KEEP_DATA=1.
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
COGSYNC=$(realpath "${COGSYNC:-$BUILD_DIR/cogsync}")
BENCH=$(realpath "${BENCH:-$BUILD_DIR/bench/cogsync-bench}")
IDENTITIES=${IDENTITIES:-300}
DATASETS=${DATASETS:-5}
RECORDS=${RECORDS:-20}
RATES=${RATES:-"10000 25"}
AWS_RATE=${AWS_RATE:-25}
WORKERS=${WORKERS:-4}

WORK=$(mktemp -d "${WORK_DIR:-${TMPDIR:-/tmp}}/migrate-bench.XXXXXX")
SERVER=
cleanup() {
  [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  if [[ ${KEEP_DATA:-0} == 1 ]]; then echo "migrate.sh: data kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"  # serve_unthrottled

export COGSYNC_ACCESS_KEY_ID=AKIDBENCHMIGRATE0000
export COGSYNC_SECRET_ACCESS_KEY=bench-migrate-secret-0123456789
serve_unthrottled "$WORK/source" "$WORK/server.log"
echo "migrate.sh: filling $IDENTITIES identities x $DATASETS datasets x $RECORDS records" >&2
"$BENCH" fill --endpoint "127.0.0.1:$PORT" --access-key-id "$COGSYNC_ACCESS_KEY_ID" \
  --secret-access-key "$COGSYNC_SECRET_ACCESS_KEY" --identities "$IDENTITIES" \
  --datasets "$DATASETS" --records "$RECORDS" --value-bytes 32 >"$WORK/fill.out"

for RATE in $RATES; do
  start=$(date +%s.%N)
  "$COGSYNC" migrate --data-dir "$WORK/target-$RATE" --source-endpoint "http://127.0.0.1:$PORT" \
    --access-key-id "$COGSYNC_ACCESS_KEY_ID" --secret-access-key "$COGSYNC_SECRET_ACCESS_KEY" \
    --all-pools --rate "$RATE" --workers "$WORKERS" --quiet >"$WORK/migrate-$RATE.out"
  end=$(date +%s.%N)
  echo "$RATE $start $end" >>"$WORK/runs"
done

python3 - "$WORK" "$AWS_RATE" <<'PY'
import re, sys
work, aws_rate = sys.argv[1], float(sys.argv[2])
print("migrate.sh: request rate limit | seconds | identities/s | records/s | requests/s "
      "| requests per identity")
per_identity = None
for line in open(f"{work}/runs"):
    rate, start, end = line.split()
    out = open(f"{work}/migrate-{rate}.out").read()
    identities = sum(int(n) for n in re.findall(r": (\d+) identities", out))
    records = sum(int(n) for n in re.findall(r", (\d+) records, ", out))
    requests = int(re.search(r"source: (\d+) requests", out).group(1))
    seconds = float(end) - float(start)
    per_identity = requests / max(identities, 1)
    print(f"  {rate:>8} req/s | {seconds:8.1f} | {identities / seconds:10.1f} | "
          f"{records / seconds:9.1f} | {requests / seconds:8.1f} | {per_identity:.2f}")
# 1,000,000 identities x 5 datasets: per identity 1 ListDatasets + 5 ListRecords, plus
# ListIdentities twice per 60 identities.
need = 1_000_000 * (1 + 5 + 2 / 60)
print(f"migrate.sh: 1,000,000 identities x 5 datasets = {need:,.0f} requests; at {aws_rate:g} "
      f"requests/s: {need / aws_rate / 3600:.1f} hours ({need / aws_rate / 86400:.1f} days)")
PY
