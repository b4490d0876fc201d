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
