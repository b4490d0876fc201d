#!/usr/bin/env bash
# Export and import at scale (issue 14, D28): fills a SQLite store through the API with
# cogsync-bench fill (RECORDS records in datasets of RECORDS_PER_DATASET), then in the same run
# measures, each with /usr/bin/time (wall seconds and peak resident memory):
#   - cogsync backup (VACUUM INTO): the baseline, a raw copy of the same store;
#   - cogsync export to a plain archive and to a gzip archive;
#   - cogsync import of the plain archive into an empty store;
# and prints records/s, peak RSS, and the sizes on disk of the store, the archives and the
# imported store. Nothing is asserted; the script fails only when a step fails.
#
# Environment: BUILD_DIR (build), RECORDS (1000000), RECORDS_PER_DATASET (100), VALUE_BYTES
# (32), FILL_CONNECTIONS (16), WORK_DIR (parent of the temp dir), KEEP_DATA=1.
# Smoke size: RECORDS=20000 bench/archive.sh
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
COGSYNC=$(realpath "${COGSYNC:-$BUILD_DIR/cogsync}")
BENCH=$(realpath "${BENCH:-$BUILD_DIR/bench/cogsync-bench}")
RECORDS=${RECORDS:-1000000}
RECORDS_PER_DATASET=${RECORDS_PER_DATASET:-100}
VALUE_BYTES=${VALUE_BYTES:-32}
FILL_CONNECTIONS=${FILL_CONNECTIONS:-16}
IDENTITIES=$(((RECORDS + RECORDS_PER_DATASET - 1) / RECORDS_PER_DATASET))
[[ -x /usr/bin/time ]] || { echo "archive.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

WORK=$(mktemp -d "${WORK_DIR:-${TMPDIR:-/tmp}}/archive-bench.XXXXXX")
SERVER=
cleanup() {
  [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  if [[ ${KEEP_DATA:-0} == 1 ]]; then echo "archive.sh: data kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"  # serve_unthrottled

export COGSYNC_ACCESS_KEY_ID=AKIDBENCHARCHIVE0000
export COGSYNC_SECRET_ACCESS_KEY=bench-archive-secret-0123456789
serve_unthrottled "$WORK/source" "$WORK/server.log"
echo "archive.sh: filling $RECORDS records ($IDENTITIES identities x 1 dataset x" \
  "$RECORDS_PER_DATASET records, $VALUE_BYTES-byte values)" >&2
"$BENCH" fill --endpoint "http://127.0.0.1:$PORT" --identities "$IDENTITIES" \
  --data-identities "$IDENTITIES" --datasets 1 --records "$RECORDS_PER_DATASET" \
  --value-bytes "$VALUE_BYTES" --connections "$FILL_CONNECTIONS" >"$WORK/fill.out"
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
SERVER=

# timed NAME CMD...: runs CMD under /usr/bin/time; sets SECONDS_<NAME> and RSS_<NAME> (KiB).
timed() {
  local name=$1
  shift
  /usr/bin/time -f '%e %M' -o "$WORK/$name.time" "$@"
  read -r "SECONDS_$name" "RSS_$name" <"$WORK/$name.time"
}

mib() { du -sm "$1" | cut -f1; }

timed backup "$COGSYNC" backup --data-dir "$WORK/source" --output "$WORK/backup.db"
timed export "$COGSYNC" export --data-dir "$WORK/source" --output "$WORK/archive.jsonl" --quiet
timed export_gz "$COGSYNC" export --data-dir "$WORK/source" --output "$WORK/archive.jsonl.gz" \
  --quiet
timed import "$COGSYNC" import --data-dir "$WORK/target" --input "$WORK/archive.jsonl" --quiet
ARCHIVED=$(tail -c 400 "$WORK/archive.jsonl" | python3 -c \
  'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["counts"]["records"])')

python3 - "$ARCHIVED" <<EOF
import sys
records = int(sys.argv[1])
rows = [
    ("backup (VACUUM INTO, baseline)", $SECONDS_backup, $RSS_backup),
    ("export, plain", $SECONDS_export, $RSS_export),
    ("export, gzip", $SECONDS_export_gz, $RSS_export_gz),
    ("import, plain", $SECONDS_import, $RSS_import),
]
print(f"archive.sh: {records} records; store on disk {$(mib "$WORK/source")} MiB, "
      f"plain archive {$(mib "$WORK/archive.jsonl")} MiB, gzip archive "
      f"{$(mib "$WORK/archive.jsonl.gz")} MiB, imported store {$(mib "$WORK/target")} MiB, "
      f"backup {$(mib "$WORK/backup.db")} MiB")
print(f"{'step':34} {'seconds':>8} {'records/s':>10} {'peak RSS MiB':>13} {'x backup':>9}")
for name, seconds, rss in rows:
    rate = records / seconds if seconds > 0 else float('inf')
    ratio = seconds / rows[0][1] if rows[0][1] > 0 else float('inf')
    print(f"{name:34} {seconds:8.2f} {rate:10.0f} {rss / 1024:13.1f} {ratio:9.2f}")
EOF
