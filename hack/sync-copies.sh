#!/usr/bin/env bash
# Refreshes the copies of single-source files that packaging needs inside its own folders
# (kustomize and Helm cannot read files outside their root):
#   crds/kaudit.io_auditprofiles.yaml -> manifests/crds/, charts/kaudit/files/crds/
#   manifests/rbac-*.yaml             -> charts/kaudit/files/rbac/
# tests/packaging (copies_test) fails while any copy differs from its source.
set -euo pipefail
cd "$(dirname "$0")/.."

copy() {
  local src=$1 dst=$2
  mkdir -p "$(dirname "$dst")"
  if ! cmp -s "$src" "$dst"; then
    cp "$src" "$dst"
    echo "sync-copies: $src -> $dst"
  fi
}

copy crds/kaudit.io_auditprofiles.yaml manifests/crds/kaudit.io_auditprofiles.yaml
copy crds/kaudit.io_auditprofiles.yaml charts/kaudit/files/crds/kaudit.io_auditprofiles.yaml
for f in manifests/rbac-*.yaml; do
  copy "$f" "charts/kaudit/files/rbac/$(basename "$f")"
done
