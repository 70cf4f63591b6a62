#!/usr/bin/env bash
# hack/release.sh on a scratch copy of the files it edits: a version lands in CMakeLists.txt,
# VERSION, Chart.yaml (version, appVersion) and the kustomization's image tag; a second run
# changes nothing; a non-SemVer version is refused and changes nothing; the chart renders with
# the new tag by default.
set -euo pipefail
src=${KAUDIT_SOURCE_DIR:?}
helm=${HELM:-$src/.tools/bin/helm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/hack" "$tmp/manifests"
cp "$src/hack/release.sh" "$tmp/hack/"
cp "$src/CMakeLists.txt" "$tmp/"
[ -f "$src/VERSION" ] && cp "$src/VERSION" "$tmp/"
cp -r "$src/charts" "$tmp/"
cp "$src/manifests/kustomization.yaml" "$tmp/manifests/"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# The versions agree before any release: VERSION, CMake, Chart.yaml, kustomization.
v=$("$tmp/hack/release.sh" --print)
grep -q "^appVersion: \"$v\"$" "$tmp/charts/kaudit/Chart.yaml" && ok "Chart.yaml appVersion is $v" ||
  bad "Chart.yaml appVersion is not $v"
grep -q "^    newTag: $v$" "$tmp/manifests/kustomization.yaml" && ok "kustomization newTag is $v" ||
  bad "kustomization newTag is not $v"
grep -q "^project(kaudit VERSION ${v%%-*} " "$tmp/CMakeLists.txt" && ok "CMake project version is ${v%%-*}" ||
  bad "CMake project version is not ${v%%-*}"
if [ -n "${KAUDIT:-}" ]; then
  [ "$("$KAUDIT" --version)" = "kaudit ${v%%-*}" ] && ok "kaudit --version says ${v%%-*}" ||
    bad "kaudit --version says \"$("$KAUDIT" --version)\", want \"kaudit ${v%%-*}\""
fi

"$tmp/hack/release.sh" 2.3.4-rc.1 >"$tmp/out1"
grep -q '^project(kaudit VERSION 2.3.4 ' "$tmp/CMakeLists.txt" && ok "CMake project version 2.3.4" || bad "CMakeLists.txt"
[ "$(cat "$tmp/VERSION")" = 2.3.4-rc.1 ] && ok "VERSION" || bad "VERSION holds $(cat "$tmp/VERSION")"
grep -q '^version: 2.3.4-rc.1$' "$tmp/charts/kaudit/Chart.yaml" && ok "Chart.yaml version" || bad "Chart.yaml version"
grep -q '^appVersion: "2.3.4-rc.1"$' "$tmp/charts/kaudit/Chart.yaml" && ok "Chart.yaml appVersion" || bad "Chart.yaml appVersion"
grep -q '^    newTag: 2.3.4-rc.1$' "$tmp/manifests/kustomization.yaml" && ok "kustomization newTag" || bad "kustomization newTag"
if "$helm" template k "$tmp/charts/kaudit" | grep -q 'image: ghcr.io/kaudit/kaudit:2.3.4-rc.1$'; then
  ok "the chart's default image tag follows"
else
  bad "the chart does not use the new tag by default"
fi

snapshot() { (cd "$tmp" && cat CMakeLists.txt VERSION charts/kaudit/Chart.yaml manifests/kustomization.yaml | sha256sum); }
before=$(snapshot)
"$tmp/hack/release.sh" 2.3.4-rc.1 >"$tmp/out2"
[ "$(snapshot)" = "$before" ] && ok "idempotent" || bad "a second run changed files"
if grep -v '^release: version' "$tmp/out2" | grep -q .; then bad "a second run reported edits: $(cat "$tmp/out2")"; fi

for v in 1.2 v1.2.3 1.2.3.4 01.2.3 1.2.3+build.5 ""; do
  if "$tmp/hack/release.sh" "$v" >/dev/null 2>"$tmp/err"; then
    bad "release.sh accepted \"$v\""
  else
    [ "$(snapshot)" = "$before" ] && ok "refused \"$v\": $(head -c 80 "$tmp/err")" || bad "refusing \"$v\" changed files"
  fi
done

echo "release: $fails failed"
[ "$fails" -eq 0 ]
