#!/usr/bin/env bash
# The agent's pod layout on a real file system: the DaemonSet's four host folders bind-mounted
# under <pod>/host in a private mount namespace, kaudit run as uid 0 with every capability
# dropped (setpriv: empty bounding set, as `capabilities: drop: [ALL]` leaves a root container),
# then `node apply` and `node revert` with --host-root <pod>/host. The manifest on the "host" gets
# kaudit's changes and loses them again, byte for byte; the revert empties the kaudit folder
# although it is a mount point (rmdir would fail with EBUSY). No health check: nothing listens.
# Skipped (exit 77) where root or mount namespaces are not available.
set -euo pipefail
: "${KAUDIT:?}" "${KAUDIT_SOURCE_DIR:?}"
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! command -v setpriv >/dev/null ||
  ! unshare --mount true 2>/dev/null; then
  echo "SKIPPED: needs root, unshare and setpriv (mount namespaces)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export tmp
unshare --mount --propagation private bash -euo pipefail -c '
  H=$tmp/host-fs
  P=$tmp/pod/host
  dirs="etc/kubernetes/manifests etc/kubernetes/kaudit var/log/kubernetes var/lib/kaudit"
  for d in $dirs; do mkdir -p "$H/$d" "$P/$d"; done
  chmod 700 "$H/etc/kubernetes/manifests"
  m=etc/kubernetes/manifests/kube-apiserver.yaml
  cp "$KAUDIT_SOURCE_DIR/tests/fixtures/manifests/kubeadm-1.30.yaml" "$H/$m"
  chmod 600 "$H/$m"
  cp "$H/$m" "$tmp/original.yaml"
  for d in $dirs; do mount --bind "$H/$d" "$P/$d"; done
  drop() { setpriv --inh-caps=-all --bounding-set=-all -- "$@"; }
  [ "$(drop grep CapEff /proc/self/status | tr -d "\t ")" = "CapEff:0000000000000000" ] ||
    { echo "FAIL: capabilities not dropped"; exit 1; }

  drop "$KAUDIT" node apply --host-root "$P" -f "$KAUDIT_SOURCE_DIR/examples/metadata.yaml" \
    --no-health-check >"$tmp/apply.out" || { cat "$tmp/apply.out"; echo "FAIL: node apply"; exit 1; }
  grep -q "kaudit.io/revision" "$H/$m" || { echo "FAIL: no revision in the manifest"; exit 1; }
  ls "$H"/etc/kubernetes/kaudit/policies/*.yaml >/dev/null || { echo "FAIL: no policy on the host"; exit 1; }
  [ -d "$H/var/log/kubernetes/audit" ] || { echo "FAIL: the log folder was not created"; exit 1; }
  ls "$H"/var/lib/kaudit/backups/kube-apiserver.yaml.* >/dev/null || { echo "FAIL: no backup"; exit 1; }
  [ -f "$H/var/lib/kaudit/original/kube-apiserver.yaml" ] || { echo "FAIL: no first-contact copy"; exit 1; }
  echo "ok: node apply as uid 0 without capabilities through the four mounts"

  drop "$KAUDIT" node revert --host-root "$P" --no-health-check >"$tmp/revert.out" 2>&1 ||
    { cat "$tmp/revert.out"; echo "FAIL: node revert"; exit 1; }
  cmp "$tmp/original.yaml" "$H/$m" || { diff "$tmp/original.yaml" "$H/$m"; echo "FAIL: revert left changes"; exit 1; }
  [ -z "$(ls -A "$H/etc/kubernetes/kaudit")" ] || { echo "FAIL: /etc/kubernetes/kaudit not emptied"; exit 1; }
  echo "ok: node revert restored the manifest byte for byte and emptied /etc/kubernetes/kaudit"
'
echo "agent pod layout: 0 failed"
