#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time (FUZZ_SECONDS, 60 by
# default), seeded from the folders listed in tests/fuzz/<target>.seeds (one per line).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
hack/build.sh --fuzz
for bin in build-fuzz/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  work=$(mktemp -d)
  echo "== $name for ${seconds}s"
  seeds=()
  if [ -f "tests/fuzz/$name.seeds" ]; then
    while read -r d; do [ -n "$d" ] && seeds+=("$d"); done < "tests/fuzz/$name.seeds"
  fi
  "$bin" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 "$work" "${seeds[@]}" 2>&1 | tail -n 12
  rm -rf "$work"
done
