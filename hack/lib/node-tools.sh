# npm packages for the packaging tests (tests/packaging/packaging.js), installed into .tools/node
# (gitignored) by hack/setup.sh. Sourced; defines kaudit_install_node_tools. Idempotent and quiet
# when done; exact versions.
#
#   kubernetes-models   the Kubernetes OpenAPI schemas compiled into validators (ajv), one per
#                       kind. 4.5.1: the 4.5 line generates from a Kubernetes release newer than
#                       1.30 (it has ImageVolumeSource and LinuxContainerUser, new in 1.31) merged
#                       over older releases; 4.3.0-4.4.2 generate from 1.27.1. No release
#                       generates from 1.29 or 1.30 exactly, so the nearest newer one is used,
#                       and packaging.js refuses apiVersions that 1.30 does not serve.
#   @kubernetes-models/prometheus-operator   the ServiceMonitor schema
#   yaml                the YAML parser (YAML 1.2, multi-document)
#   ajv                 JSON Schema validator for the AuditProfile CRD's openAPIV3Schema

KAUDIT_NODE_TOOLS_PACKAGES=(
  kubernetes-models@4.5.1
  @kubernetes-models/prometheus-operator@5.0.1
  yaml@2.9.1
  ajv@8.20.0
)

kaudit_install_node_tools() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  local dir="$root/.tools/node"
  local stamp="$dir/.node-tools-version"
  local want="${KAUDIT_NODE_TOOLS_PACKAGES[*]}"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -d "$dir/node_modules/kubernetes-models" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "node-tools: npm is needed (hack/setup.sh installs it)" >&2
    return 1
  fi
  echo "node-tools: installing ${want}"
  mkdir -p "$dir"
  # A folder of its own (npm prunes whatever an install into the same folder does not name).
  npm install --silent --no-audit --no-fund --no-save --prefix "$dir" \
    "${KAUDIT_NODE_TOOLS_PACKAGES[@]}" >/dev/null
  echo "$want" >"$stamp"
}
