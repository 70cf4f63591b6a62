#!/usr/bin/env bash
# kaudit controller benchmark: idle RSS of `kaudit controller` with 100 AuditProfiles and 5
# control-plane nodes (after the rollout settled, agents played by bench/controller_bench), and
# the time from a profile change to the new revision's ConfigMap (watched, 20 changes).
# The API server is the kaudit-emulator process (its memory is not counted).
#   PROFILES=100 NODES=5 CHANGES=20 BUILD=build hack/bench/controller.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
cmake --build "$BUILD" --target kaudit kaudit-emulator controller_bench >/dev/null
data=$(mktemp -d)
"$BUILD/kaudit-emulator" --data-dir "$data" --port 0 >"$data/emulator.log" 2>&1 &
emu=$!
ctl=
cleanup() {
  [ -n "$ctl" ] && kill "$ctl" 2>/dev/null && wait "$ctl" 2>/dev/null || true
  kill "$emu" 2>/dev/null; wait "$emu" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  [ -f "$data/kubeconfig" ] && break
  sleep 0.1
done
kc="$data/kubeconfig"
"$BUILD/bench/controller_bench" populate --kubeconfig "$kc" "${PROFILES:-100}" "${NODES:-5}"
"$BUILD/kaudit" controller --kubeconfig "$kc" --namespace kaudit-system \
  --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 \
  --lease-duration 2s --renew-deadline 1500ms --retry-period 250ms >"$data/controller.log" 2>&1 &
ctl=$!
"$BUILD/bench/controller_bench" settle --kubeconfig "$kc" 300
sleep 5  # idle: nothing changes for a while
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$ctl/status")
echo "controller idle RSS with ${PROFILES:-100} profiles, ${NODES:-5} nodes: $((rss_kb / 1024)) MiB ($rss_kb kB)"
"$BUILD/bench/controller_bench" measure --kubeconfig "$kc" "${CHANGES:-20}"
