#!/usr/bin/env bash
# The README's first command: kaudit's main job on this machine.
# For now (before the simulated control plane lands) it builds kaudit and runs the offline half
# on the shipped examples: render each AuditProfile to the audit policy and flags kube-apiserver
# would get, check the result the way kube-apiserver would load it, and lint it.
set -euo pipefail
cd "$(dirname "$0")/.."
hack/setup.sh
hack/build.sh >/dev/null
kaudit=build/kaudit
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

for f in examples/*.yaml; do
  say "kaudit render -f $f"
  if ! "$kaudit" render -f "$f" --out-dir "$out/$(basename "$f" .yaml)" >/dev/null; then
    echo "(render refused $f)"; continue
  fi
  dir="$out/$(basename "$f" .yaml)"
  echo "revision: $(cat "$dir/revision")"
  echo "flags:"; jq -r '.[] | "  --\(.name)=\(.value)"' "$dir/flags.json"
  echo "policy: $(grep -c '^- level' "$dir/policy.yaml") rules"
  say "kaudit validate (as kube-apiserver would load it)"
  "$kaudit" validate "$dir/policy.yaml"
  say "kaudit lint -f $f"
  "$kaudit" lint -f "$f" || true
done

say "The Recommended preset, in full"
"$kaudit" render -f examples/recommended.yaml
