#!/usr/bin/env bash
# Sets kaudit's version everywhere it is written down, from one place:
#   hack/release.sh VERSION       e.g. 0.2.0 or 1.0.0-rc.1 (SemVer 2.0, no leading "v")
#   hack/release.sh --print       prints the current version
# The version lives in CMakeLists.txt (`project(kaudit VERSION ...)`: what `kaudit --version`
# prints, for a pre-release the part before "-"), and this script writes it into:
#   VERSION                               the full version (with any pre-release suffix)
#   charts/kaudit/Chart.yaml              version and appVersion (the default image tag)
#   manifests/kustomization.yaml          images[kaudit].newTag (the image tag kubectl apply -k uses)
# Idempotent: running it again with the same version changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: hack/release.sh VERSION | --print" >&2; exit 2; }
[ $# -eq 1 ] || usage

current() {
  if [ -f VERSION ]; then
    cat VERSION
  else
    sed -n 's/^project(kaudit VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt
  fi
}

if [ "$1" = "--print" ]; then
  current
  exit 0
fi

version=$1
semver='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?(\+([0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*))?$'
if ! [[ $version =~ $semver ]]; then
  echo "release: \"$version\" is not a SemVer version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], no \"v\")" >&2
  exit 1
fi
if [[ $version == *+* ]]; then
  # Image tags cannot hold "+", and Helm would turn it into "_": keep tags and versions equal.
  echo "release: build metadata (+...) is not supported: image tags cannot carry it" >&2
  exit 1
fi
core=${version%%-*}

# Rewrites file $1 with sed expression $2; fails when the pattern $3 is not found.
rewrite() {
  local file=$1 expr=$2 pattern=$3
  if ! grep -Eq "$pattern" "$file"; then
    echo "release: $file: no line matches /$pattern/" >&2
    exit 1
  fi
  local tmp
  tmp=$(mktemp)
  sed -E "$expr" "$file" >"$tmp"
  if ! cmp -s "$tmp" "$file"; then
    cat "$tmp" >"$file"
    echo "release: $file"
  fi
  rm -f "$tmp"
}

rewrite CMakeLists.txt "s/^(project\(kaudit VERSION )[0-9]+\.[0-9]+\.[0-9]+/\1$core/" \
  '^project\(kaudit VERSION [0-9]+\.[0-9]+\.[0-9]+'
rewrite charts/kaudit/Chart.yaml "s/^version: .*/version: $version/; s/^appVersion: .*/appVersion: \"$version\"/" \
  '^appVersion: '
# The newTag line of the images entry named kaudit.
rewrite manifests/kustomization.yaml \
  "/^  - name: kaudit\$/,/newTag:/ s/^(    newTag: ).*/\1$version/" '^    newTag: '
if [ "$(cat VERSION 2>/dev/null)" != "$version" ]; then
  echo "$version" >VERSION
  echo "release: VERSION"
fi
echo "release: version $version (kaudit --version says $core after a rebuild)"
