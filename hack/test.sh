#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds with warnings as errors, and runs every
# test twice, in a normal build and in an ASan+UBSan build.
#   hack/test.sh           the full run (what CI runs)
#   hack/test.sh --fuzz    also runs each libFuzzer target for a bounded time
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz=0
for arg in "$@"; do
  case "$arg" in
    --fuzz) fuzz=1 ;;
    *) echo "usage: hack/test.sh [--fuzz]" >&2; exit 2 ;;
  esac
done

hack/setup.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kaudit-ccache}"

run_suite() {
  local dir=$1
  echo "== ctest ($dir)"
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)"
}

echo "== build (normal)"
hack/build.sh
run_suite build

echo "== build (asan+ubsan)"
hack/build.sh --asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan

if ((fuzz)); then
  hack/fuzz.sh
fi
