#!/usr/bin/env bash
# kaudit node apply: wall time of one apply without the health wait (--no-health-check) on the
# kubeadm 1.30 fixture, each run on a fresh copy of the host root, and of a re-apply (nothing to
# change). Includes process start, validation, the patch, the check, the backup and every fsync.
#   hack/bench/node.sh [RUNS]   (build/kaudit must exist: hack/bench.sh builds it)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
bin=${KAUDIT_BIN:-build/kaudit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" render -f examples/recommended.yaml --out-dir "$work/rev" >/dev/null
mkdir -p "$work/seed/etc/kubernetes/manifests"
cp tests/fixtures/manifests/kubeadm-1.30.yaml "$work/seed/etc/kubernetes/manifests/kube-apiserver.yaml"

ms() { echo $(( ($2 - $1) / 1000000 )); }
apply_ms=() reapply_ms=()
for i in $(seq "$runs"); do
  rm -rf "$work/host" && cp -a "$work/seed" "$work/host"
  t0=$(date +%s%N)
  "$bin" node apply --host-root "$work/host" --revision-dir "$work/rev" --no-health-check >/dev/null
  t1=$(date +%s%N)
  "$bin" node apply --host-root "$work/host" --revision-dir "$work/rev" --no-health-check >/dev/null
  t2=$(date +%s%N)
  apply_ms+=("$(ms "$t0" "$t1")") reapply_ms+=("$(ms "$t1" "$t2")")
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "min %d ms, median %d ms, max %d ms", a[1], a[int((NR+1)/2)], a[NR]}'; }
echo "node apply (kubeadm-1.30, --no-health-check, $runs runs): $(stats "${apply_ms[@]}")"
echo "node apply again, nothing to change ($runs runs):        $(stats "${reapply_ms[@]}")"
bench=${NODE_APPLY_BENCH:-build/bench/node_apply_bench}
if [ -x "$bench" ]; then
  "$bench" "$PWD" 50
fi
