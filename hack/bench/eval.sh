#!/usr/bin/env bash
# kaudit eval throughput: generates EVENTS (default 1,000,000) realistic audit events
# (bench/eval_eventgen.cc) into a temporary folder and times `kaudit eval POLICY EVENTS
# > /dev/null` with the Recommended preset as rendered by `kaudit render` (falling back to the
# 30-rule bench/eval_policy.yaml; POLICY=FILE picks another). Prints events/s and MB/s by wall
# and by CPU time, best of RUNS (default 3); nothing is asserted.
#   EVENTS=1000000 RUNS=3 BUILD=build [POLICY=bench/eval_policy.yaml] hack/bench/eval.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
EVENTS=${EVENTS:-1000000}
RUNS=${RUNS:-3}
cmake --build "$BUILD" --target kaudit eval_eventgen >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$BUILD/bench/eval_eventgen" --events "$EVENTS" >"$tmp/events.jsonl"
bytes=$(stat -c %s "$tmp/events.jsonl")

cat >"$tmp/profile.yaml" <<'YAML'
apiVersion: kaudit.io/v1alpha1
kind: AuditProfile
metadata:
  name: bench
spec:
  preset: Recommended
YAML
policy_name="Recommended preset (kaudit render)"
if [ -n "${POLICY:-}" ]; then
  cp "$POLICY" "$tmp/policy.yaml"
  policy_name=$POLICY
elif ! "$BUILD/kaudit" render -f "$tmp/profile.yaml" >"$tmp/policy.yaml" 2>"$tmp/render.err" ||
   ! "$BUILD/kaudit" validate -q "$tmp/policy.yaml" >/dev/null 2>&1; then
  cp bench/eval_policy.yaml "$tmp/policy.yaml"
  policy_name="bench/eval_policy.yaml (Recommended preset not available)"
fi
rules=$(grep -cE '^ *- level:' "$tmp/policy.yaml" || true)

# Wall time, and CPU time (user+sys) too: on a shared, busy machine the CPU time is the figure
# that says what the code costs.
best_wall="" best_cpu=""
TIMEFORMAT='%R %U %S'
for _ in $(seq 1 "$RUNS"); do
  read -r wall user sys < <({ time "$BUILD/kaudit" eval "$tmp/policy.yaml" "$tmp/events.jsonl" \
    >/dev/null; } 2>&1)
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')
  if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
    best_wall=$wall
  fi
  if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then
    best_cpu=$cpu
  fi
done

echo "policy:  $policy_name, $rules rules"
awk -v n="$EVENTS" -v b="$bytes" \
  'BEGIN { printf "events:  %d lines, %d bytes (%.0f B/event)\n", n, b, b / n }'
echo "command: $BUILD/kaudit eval POLICY EVENTS > /dev/null   (best of $RUNS)"
awk -v n="$EVENTS" -v b="$bytes" -v w="$best_wall" -v c="$best_cpu" 'BEGIN {
  printf "wall:    %.3f s  %.0f events/s  %.1f MB/s\n", w, n / w, b / w / 1e6
  printf "cpu:     %.3f s  %.0f events/s  %.1f MB/s\n", c, n / c, b / c / 1e6 }'
# The distribution of levels, as a sanity check that the policy did something.
"$BUILD/kaudit" eval "$tmp/policy.yaml" "$tmp/events.jsonl" | cut -d' ' -f1 | sort | uniq -c |
  sort -rn | sed 's/^/  /'
