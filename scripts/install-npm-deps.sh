#!/usr/bin/env bash
# Installs the npm packages of the JavaScript client tests (from package-lock.json) when they are
# missing or older than the lock file.
set -euo pipefail
dir="$1"
[ -f "$dir/package.json" ] || exit 0
if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
