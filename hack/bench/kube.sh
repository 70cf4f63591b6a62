#!/usr/bin/env bash
# kube informer benchmark: the memory (RSS) of a process holding an informer over 10,000
# ConfigMaps, and the delay from a write to the API server until the informer's handler sees
# it. The server is the kaudit-emulator process (so its memory is not counted).
#   COUNT=10000 WRITES=200 BUILD=build hack/bench/kube.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
cmake --build "$BUILD" --target kaudit-emulator kube_informer_bench >/dev/null
data=$(mktemp -d)
"$BUILD/kaudit-emulator" --data-dir "$data" --port 0 >"$data/log" 2>&1 &
emu=$!
trap 'kill $emu 2>/dev/null; wait $emu 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  [ -f "$data/kubeconfig" ] && break
  sleep 0.1
done
"$BUILD/bench/kube_informer_bench" populate --kubeconfig "$data/kubeconfig" --count "${COUNT:-10000}"
"$BUILD/bench/kube_informer_bench" measure --kubeconfig "$data/kubeconfig" --writes "${WRITES:-200}"
