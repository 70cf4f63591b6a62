#!/usr/bin/env bash
# kaudit eval throughput: generates EVENTS (default 1,000,000) realistic audit events
# (bench/eval_eventgen.cc) into a temporary folder and times `kaudit eval POLICY EVENTS
# > /dev/null` with the Recommended preset as rendered by `kaudit render` (falling back to the
# 30-rule bench/eval_policy.yaml). Prints events/s and MB/s, best of RUNS (default 3); nothing
# is asserted.
#   EVENTS=1000000 RUNS=3 BUILD=build hack/bench/eval.sh
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
if ! "$BUILD/kaudit" render -f "$tmp/profile.yaml" >"$tmp/policy.yaml" 2>"$tmp/render.err" ||
   ! "$BUILD/kaudit" validate -q "$tmp/policy.yaml" >/dev/null 2>&1; then
  cp bench/eval_policy.yaml "$tmp/policy.yaml"
  policy_name="bench/eval_policy.yaml (Recommended preset not available)"
fi
rules=$(grep -c '^- ' "$tmp/policy.yaml" || true)

best=""
for _ in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  "$BUILD/kaudit" eval "$tmp/policy.yaml" "$tmp/events.jsonl" >/dev/null
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')
  if [ -z "$best" ] || awk -v s="$secs" -v b="$best" 'BEGIN { exit !(s < b) }'; then
    best=$secs
  fi
done

echo "policy:  $policy_name, $rules rules"
awk -v n="$EVENTS" -v b="$bytes" 'BEGIN { printf "events:  %d lines, %d bytes (%.0f B/event)\n", n, b, b / n }'
echo "command: $BUILD/kaudit eval POLICY EVENTS > /dev/null   (best of $RUNS)"
awk -v n="$EVENTS" -v b="$bytes" -v t="$best" 'BEGIN {
  printf "time:    %.3f s\nrate:    %.0f events/s, %.1f MB/s\n", t, n / t, b / t / 1e6 }'
# The distribution of levels, as a sanity check that the policy did something.
"$BUILD/kaudit" eval "$tmp/policy.yaml" "$tmp/events.jsonl" | cut -d' ' -f1 | sort | uniq -c |
  sort -rn | sed 's/^/  /'
