#!/usr/bin/env bash
# The README's first command: kaudit on a simulated three-node control plane, on this machine.
#
#   hack/demo.sh           # builds if needed, runs everything, cleans up (a few minutes)
#   hack/demo.sh --keep    # leaves the cluster running and prints the KUBECONFIG to explore it
#
# What runs (all on 127.0.0.1, in a temporary folder): kaudit-emulator (a kube-apiserver
# emulator), three kaudit-nodesim nodes (each plays kubelet and kube-apiserver over a simulated
# host folder), two `kaudit controller` replicas (leader election) and one `kaudit agent` per
# node. kubectl drives it like a real cluster. No terminal input is needed.
# KAUDIT_BUILD_DIR=DIR uses binaries already built there instead of building build/.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=1

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '   %s\n' "$*"; }

bin=${KAUDIT_BUILD_DIR:-build}
if [ -z "${KAUDIT_BUILD_DIR:-}" ]; then
  hack/setup.sh >/dev/null
  say "Building kaudit, kaudit-emulator and kaudit-nodesim (hack/build.sh)"
  hack/build.sh --target kaudit kaudit-emulator kaudit-nodesim >/dev/null
fi
kaudit=$bin/kaudit
for b in "$kaudit" "$bin/kaudit-emulator" "$bin/kaudit-nodesim"; do
  [ -x "$b" ] || { echo "demo: $b is missing" >&2; exit 1; }
done
kubectl=kubectl
[ -x .tools/bin/kubectl ] && kubectl=.tools/bin/kubectl

work=$(mktemp -d /tmp/kaudit-demo.XXXXXX)
mkdir -p "$work/logs" "$work/nodes"
pids=()
cleanup() {
  [ "$keep" = 1 ] && return
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { local name=$1; shift; "$@" >"$work/logs/$name.log" 2>&1 & pids+=($!); }
# wait_for SECONDS DESCRIPTION COMMAND...: a bounded poll
wait_for() {
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ]; then echo "demo: timed out waiting for $what" >&2; tail -n 20 "$work"/logs/*.log >&2; exit 1; fi
    sleep 0.5
  done
}
node_phases() {
  local line=""
  for n in cp1 cp2 cp3; do
    local s
    s=$($kubectl -n kaudit-system get cm "kaudit-node-$n" -o jsonpath='{.data.state\.json}' 2>/dev/null || true)
    [ -n "$s" ] && line+="$(jq -r '"\(.node)=\(.phase)@\(.revision // "" | if . == "" then "-" else . end)"' <<<"$s")  "
  done
  echo "$line"
}

say "Offline: what kaudit makes of examples/recommended.yaml"
"$kaudit" render -f examples/recommended.yaml --out-dir "$work/render" >/dev/null
note "revision $(cat "$work/render/revision"), $(grep -c '^- level' "$work/render/policy.yaml") rules; flags:"
jq -r '.[] | "     --\(.name)=\(.value)"' "$work/render/flags.json"
"$kaudit" validate "$work/render/policy.yaml" && note "kaudit validate: kube-apiserver would load it"

say "Starting the simulated control plane in $work"
emu_port=$(free_port)
# RBAC as on a real cluster: the controller and the agents run with their ServiceAccounts' tokens,
# restricted to manifests/rbac-*.yaml (docs/security.md); kubectl here is the admin.
start emulator "$bin/kaudit-emulator" --data-dir "$work/emu" --port "$emu_port" --bookmark-interval-ms 1000 \
  --authorization-mode RBAC \
  --user-token "demo-controller-token=system:serviceaccount:kaudit-system:kaudit-controller" \
  --user-token "demo-agent-token=system:serviceaccount:kaudit-system:kaudit-agent"
wait_for 20 "the emulator" test -f "$work/emu/emulator.json"
export KUBECONFIG=$work/emu/kubeconfig
$kubectl create namespace kaudit-system >/dev/null 2>&1 || \
  $kubectl apply --validate=false -f - >/dev/null <<<'{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kaudit-system"}}'
$kubectl apply --validate=false -f - >/dev/null <<<'{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kube-system"}}' || true
$kubectl apply --validate=false -f crds/ >/dev/null
$kubectl apply --validate=false -f manifests/rbac-controller.yaml -f manifests/rbac-agent.yaml >/dev/null
admin_token=$(awk '/token:/{print $2}' "$KUBECONFIG")
sed "s/token: $admin_token/token: demo-controller-token/" "$KUBECONFIG" >"$work/emu/controller.kubeconfig"
sed "s/token: $admin_token/token: demo-agent-token/" "$KUBECONFIG" >"$work/emu/agent.kubeconfig"
note "kaudit-emulator on https://127.0.0.1:$emu_port (RBAC); CRD and kaudit's RBAC installed"
for i in 1 2 3; do
  n=cp$i; port=$(free_port); host=$work/nodes/$n
  "$bin/kaudit-nodesim" init --host-root "$host" --port "$port"
  start "nodesim-$n" "$bin/kaudit-nodesim" run --host-root "$host" --node "$n" --kubeconfig "$KUBECONFIG" \
    --restart-delay 1s --relist-interval 20s --event-interval 300ms \
    --faults-file "$work/nodes/$n.faults.json" --status-file "$work/nodes/$n.status.json"
  start "agent-$n" "$kaudit" agent --node-name "$n" --host-root "$host" --namespace kaudit-system \
    --kubeconfig "$work/emu/agent.kubeconfig" \
    --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 \
    --drift-interval 5s --heartbeat-interval 5s
done
for r in 1 2; do
  start "controller-$r" "$kaudit" controller --namespace kaudit-system --identity "controller-$r" \
    --kubeconfig "$work/emu/controller.kubeconfig" \
    --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 \
    --lease-duration 6s --renew-deadline 4s --retry-period 1s
done
wait_for 60 "the agents" bash -c "[ \$($kubectl -n kaudit-system get cm -l kaudit.io/component=node-state -o name | wc -l) -eq 3 ]"
$kubectl get nodes
$kubectl -n kube-system get pods

say "kubectl apply -f examples/recommended.yaml  (watching: kubectl get auditprofiles -w; node phases)"
$kubectl apply --validate=false -f examples/recommended.yaml
timeout 120 $kubectl get auditprofiles -w &
watch_pid=$!
end=$((SECONDS + 120)); prev=""
while [ $SECONDS -lt $end ]; do
  ph=$(node_phases)
  [ "$ph" != "$prev" ] && note "nodes: $ph"; prev=$ph
  ready=$($kubectl get ap recommended -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
  [ "$ready" = True ] && break
  sleep 0.5
done
kill "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true
[ "$ready" = True ] || { echo "demo: the rollout did not finish" >&2; tail -n 20 "$work"/logs/*.log >&2; exit 1; }
$kubectl get auditprofiles
rev=$($kubectl get ap recommended -o jsonpath='{.status.revision}')

say "What changed in cp1's kube-apiserver manifest (diff against the copy kaudit kept on first contact)"
diff -u "$work/nodes/cp1/var/lib/kaudit/original/kube-apiserver.yaml" \
  "$work/nodes/cp1/etc/kubernetes/manifests/kube-apiserver.yaml" || true
"$kaudit" node status --host-root "$work/nodes/cp1"

say "The audit log filling on cp1"
log=$work/nodes/cp1/var/log/kubernetes/audit/audit.log
for _ in 1 2 3; do note "$(wc -l <"$log") events, $(stat -c %s "$log") bytes"; sleep 1; done
note "the last one:"; tail -n 1 "$log" | jq -c .

say "A broken profile: it renders fine, but cp1's apiserver never becomes ready with it"
note "(a simulator fault: cp1 never gets Ready when its manifest says --audit-log-maxage=13)"
echo '{"mode": "never-ready", "match": "--audit-log-maxage=13"}' >"$work/nodes/cp1.faults.json"
$kubectl apply --validate=false -f - <<'YAML'
apiVersion: kaudit.io/v1alpha1
kind: AuditProfile
metadata:
  name: retention
spec:
  priority: 10   # above recommended: its log settings win (a tie would go by name)
  backends:
    log:
      maxAgeDays: 13
  rollout:
    healthTimeout: 30s
YAML
end=$((SECONDS + 120)); prev=""; degraded=""
while [ $SECONDS -lt $end ]; do
  ph=$(node_phases)
  [ "$ph" != "$prev" ] && note "nodes: $ph"; prev=$ph
  degraded=$($kubectl get ap retention -o jsonpath='{.status.conditions[?(@.type=="Degraded")].status}' 2>/dev/null || true)
  [ "$degraded" = True ] && break
  sleep 0.5
done
[ "$degraded" = True ] || { echo "demo: no rollback seen" >&2; tail -n 20 "$work"/logs/*.log >&2; exit 1; }
$kubectl get auditprofiles
note "Degraded: $($kubectl get ap retention -o jsonpath='{.status.conditions[?(@.type=="Degraded")].message}')"
note "cp1 is back on revision $rev, the others were never touched:"
grep -h 'kaudit.io/revision' "$work"/nodes/cp*/etc/kubernetes/manifests/kube-apiserver.yaml | sed 's/^/     /'

say "Fixing it: delete the broken profile; the rollout goes back to $rev"
$kubectl delete ap retention
wait_for 60 "Ready again" bash -c "[ \"\$($kubectl get ap recommended -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
$kubectl get auditprofiles
note "nodes: $(node_phases)"

if [ "$keep" = 1 ]; then
  say "Left running (--keep)"
  echo "export KUBECONFIG=$KUBECONFIG"
  echo "   kubectl get auditprofiles; kubectl -n kaudit-system get cm; ls $work/nodes/*/"
  echo "   logs: $work/logs/   stop: kill ${pids[*]}; rm -rf $work"
else
  say "Done; cleaning up"
fi
