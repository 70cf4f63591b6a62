#!/usr/bin/env bash
# Builds the kaudit image from the Dockerfile with docker or podman, whichever is installed.
#   hack/image.sh [IMAGE]     default IMAGE: ghcr.io/kaudit/kaudit (manifests/kustomization.yaml)
# The tag is the version hack/release.sh set (VERSION), the one the manifests and the chart use.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${1:-$(sed -n 's/^    newName: //p' manifests/kustomization.yaml | head -n1)}
version=$(hack/release.sh --print)
engine=""
for e in docker podman; do
  # Installed and able to build (docker's CLI without a running daemon is not enough).
  if command -v "$e" >/dev/null 2>&1 && "$e" info >/dev/null 2>&1; then
    engine=$e
    break
  fi
done
if [ -z "$engine" ]; then
  echo "image: no usable docker or podman here (not installed, or its daemon is not running);" \
    "install or start one of them to build $image:$version" >&2
  exit 1
fi
echo "image: $engine build -t $image:$version"
"$engine" build -t "$image:$version" -f Dockerfile .
