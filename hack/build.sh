#!/usr/bin/env bash
# Configures and builds kaudit.
#   hack/build.sh          -> build/       (the binary: build/kaudit)
#   hack/build.sh --asan   -> build-asan/  (AddressSanitizer + UndefinedBehaviorSanitizer)
#   hack/build.sh --fuzz   -> build-fuzz/  (clang, libFuzzer targets)
# Extra arguments after the mode go to `cmake --build` (e.g. --target policy_test).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=normal
case "${1:-}" in
  --asan) mode=asan; shift ;;
  --fuzz) mode=fuzz; shift ;;
esac

jobs=$(nproc)
case "$mode" in
  normal) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DKAUDIT_SANITIZE=ON) ;;
  fuzz) dir=build-fuzz
        flags=(-DCMAKE_BUILD_TYPE=Debug -DKAUDIT_FUZZ=ON -DKAUDIT_SANITIZE=ON -DKAUDIT_TESTS=OFF
               -DCMAKE_CXX_COMPILER=clang++) ;;
esac

if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
fi
cmake --build "$dir" -j "$jobs" "$@"
