#!/usr/bin/env bash
# Benchmarks. `hack/bench.sh` runs them all; `hack/bench.sh NAME...` runs hack/bench/NAME.sh.
# Each script builds what it needs (release build in build/), prints its figures, and compares
# with the peer tool its issue names in the same run. Nothing here is asserted by tests.
set -euo pipefail
cd "$(dirname "$0")/.."
hack/setup.sh
hack/build.sh >/dev/null
names=("$@")
if ((${#names[@]} == 0)); then
  for f in hack/bench/*.sh; do names+=("$(basename "$f" .sh)"); done
fi
for n in "${names[@]}"; do
  [ -f "hack/bench/$n.sh" ] || { echo "no benchmark named $n (see hack/bench/)" >&2; exit 2; }
  echo "== bench: $n"
  bash "hack/bench/$n.sh"
done
