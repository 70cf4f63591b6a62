#!/usr/bin/env bash
# render benchmark: latency of rendering one AuditProfile with 1,000 custom rules plus the
# Recommended preset: in-process (bench/render_bench: parse, validate, compose, emit, hash), and
# the whole `kaudit render --out-dir` process (start-up and file writes included). Reports the
# median and the fastest of RUNS runs.
#   RULES=1000 RUNS=20 BUILD=build hack/bench/render.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RULES=${RULES:-1000}
RUNS=${RUNS:-20}
cmake --build "$BUILD" --target kaudit render_bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Varied rules, as people write them: users, groups, verbs, resources, namespaces, URLs.
awk -v n="$RULES" 'BEGIN {
  print "apiVersion: kaudit.io/v1alpha1\nkind: AuditProfile\nmetadata:\n  name: bench"
  print "spec:\n  preset: Recommended\n  rules:"
  split("None Metadata Request RequestResponse", lv, " ")
  for (i = 0; i < n; i++) {
    printf "  - level: %s\n", lv[i % 4 + 1]
    if (i % 5 == 4) {
      printf "    userGroups: [\"team-%d\", \"system:serviceaccounts:ns-%d\"]\n", i, i
      printf "    nonResourceURLs: [\"/custom/%d/*\", \"/metrics\"]\n", i
      continue
    }
    printf "    users: [\"user-%d@example.com\", \"system:serviceaccount:ns-%d:sa\"]\n", i, i
    printf "    verbs: [get, list, create, patch]\n"
    printf "    resources:\n    - group: apps\n      resources: [deployments, deployments/scale]\n"
    printf "    - group: \"\"\n      resources: [pods, pods/log]\n      resourceNames: [web-%d]\n", i
    printf "    namespaces: [ns-%d, \"\"]\n", i
    if (i % 3 == 0) printf "    expiresAt: \"2099-01-01T00:00:00Z\"\n"
  }
}' >"$work/profile.yaml"

"$BUILD/bench/render_bench" "$work/profile.yaml" "$RUNS"

times=()
for _ in $(seq 1 "$RUNS"); do
  start=$(date +%s%N)
  "$BUILD/kaudit" render -f "$work/profile.yaml" --out-dir "$work/out" \
    --now 2025-01-01T00:00:00Z >/dev/null
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
median=${sorted[$(( RUNS / 2 ))]}
echo "render: $RULES custom rules + Recommended, $(wc -c <"$work/profile.yaml") bytes in," \
  "$(grep -c '^  - level' "$work/out/policy.yaml") rules out"
printf 'render: median %d.%03d ms, fastest %d.%03d ms over %d runs (whole process, --out-dir)\n' \
  $(( median / 1000 )) $(( median % 1000 )) $(( sorted[0] / 1000 )) $(( sorted[0] % 1000 )) "$RUNS"
