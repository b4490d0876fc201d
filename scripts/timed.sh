#!/usr/bin/env bash
# Runs one part of `make test` and prints how long it took, so that every run (CI's included)
# shows the time of each part: `timed: PART wall N s, cpu U s user + S s system`.
#
# Usage: scripts/timed.sh PART COMMAND [ARG...]
# With TIMED_LOG set, the line is also appended to that file (make test prints it at the end).
# The CPU seconds are those of the command's whole process tree (the shell's `times` for its
# children), which carry over between machines of different load better than wall seconds.
# The command's exit status is kept; the line is printed whether it passed or failed.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: scripts/timed.sh PART COMMAND [ARG...]" >&2
  exit 2
fi
part=$1
shift

start=$(date +%s.%N)
"$@"
status=$?
end=$(date +%s.%N)

# `times` prints two lines: this shell's own times, then its children's ("1m2.345s 0m6.789s").
# It must run in this shell, not in a command substitution's subshell, so it goes to a file.
times_file=$(mktemp)
times >"$times_file"
children=$(sed -n 2p "$times_file")
rm -f "$times_file"
seconds() { awk -v t="$1" 'BEGIN { split(t, p, "m"); sub("s", "", p[2]); printf "%.1f", p[1] * 60 + p[2] }'; }
user=$(seconds "${children%% *}")
system=$(seconds "${children##* }")
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
result=passed
[ "$status" -eq 0 ] || result="failed ($status)"
line="timed: $part wall $wall s, cpu $user s user + $system s system, $result"
echo "$line"
if [ -n "${TIMED_LOG:-}" ]; then echo "$line" >>"$TIMED_LOG"; fi
exit "$status"
