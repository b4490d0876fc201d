#!/usr/bin/env bash
# Fails when a C++ file of the repository differs from what clang-format (the repository's
# .clang-format) makes of it, and shows the difference. Fix with:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cc' '*.h')
# One process for the common case; a diff per file only when something is off.
if "$CLANG_FORMAT" --style=file --dry-run --Werror "${files[@]}" 2>/dev/null; then
  echo "check-format: ${#files[@]} files clang-formatted"
  exit 0
fi
bad=0
for file in "${files[@]}"; do
  if ! "$CLANG_FORMAT" --style=file "$file" |
      diff -u --label "$file" --label "$file (clang-formatted)" "$file" -; then
    bad=$((bad + 1))
  fi
done
echo "check-format: $bad of ${#files[@]} files are not clang-formatted (diffs above); fix with" \
  "clang-format -i FILE" >&2
exit 1
