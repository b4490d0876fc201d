# Shell helpers shared by the benchmark scripts (sourced, not run).

# A loopback port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits up to 10 s for an HTTP answer at the URL; exits the calling script otherwise.
wait_http() {  # url
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  echo "$(basename "$0"): nothing answers at $1" >&2
  exit 1
}

# A throwaway PostgreSQL server in DIR (initdb, a free loopback port, default durability: fsync
# and synchronous_commit on), superuser cogsync without a password. Sets PG_BIN and PG_PORT; as
# root it runs as the `postgres` system user. The caller's exit trap calls stop_postgres.
# POSTGRES_BIN names the server binaries (else pg_config --bindir, else initdb on PATH).
PG_DATA=
AS_PG=()
start_postgres() {  # dir
  local dir=$1
  PG_BIN=${POSTGRES_BIN:-}
  if [[ -z $PG_BIN ]]; then
    PG_BIN=$(pg_config --bindir 2>/dev/null || true)
    [[ -x $PG_BIN/initdb ]] || PG_BIN=$(dirname "$(realpath "$(command -v initdb 2>/dev/null || echo /nonexistent)")")
  fi
  [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] ||
    { echo "$(basename "$0"): PostgreSQL server binaries not found (set POSTGRES_BIN)" >&2; exit 1; }
  mkdir -p "$dir"
  if [[ $(id -u) == 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "$(basename "$0"): as root, a postgres user is needed" >&2; exit 1; }
    chown postgres: "$dir"
    chmod 755 "$(dirname "$dir")"
    AS_PG=(runuser -u postgres --)
  fi
  PG_PORT=$(free_port)
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$dir/data" -U cogsync -A trust -E UTF8 --no-locale \
    >"$dir/../initdb.log" 2>&1 || { cat "$dir/../initdb.log" >&2; exit 1; }
  PG_DATA=$dir/data
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/postgres.log" -w -t 30 \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
}

stop_postgres() {
  if [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# The exit trap of a script that starts servers: stops the processes in PIDS and the PostgreSQL
# server, if any, and removes WORK.
stop_all_and_clean() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_postgres
  rm -rf "$WORK"
}

# serve_unthrottled DATA_DIR LOG: starts $COGSYNC on a free loopback port with throttling off (the
# benchmarks measure speed), waits until it answers, and sets SERVER (its pid) and PORT.
# Uses $WORK for its config file.
serve_unthrottled() {  # data_dir log
  echo '{"throttle": {"enabled": false}}' >"$WORK/cogsync.json"
  PORT=$(free_port)
  "$COGSYNC" serve --listen "127.0.0.1:$PORT" --data-dir "$1" --no-access-log \
    --config "$WORK/cogsync.json" >"$2" 2>&1 &
  SERVER=$!
  wait_http "http://127.0.0.1:$PORT/healthz"
}
