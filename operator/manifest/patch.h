// The audit patch of the kube-apiserver static pod (design.md "Applying on a node", step 4).
//
// Patch() sets every --audit-* flag the spec wants and removes every other one, wherever it
// sits (`command` or `args`, `--f=v` or `--f v`), leaving every other flag where it was; mounts
// the spec's host directories, taking over any mount or volume that already serves an audit
// path rather than adding a second one; and sets (or removes) the kaudit.io/revision
// annotation. Nothing else in the manifest changes: the output is spliced into the original
// text (render.h), so comments and layout survive, and a manifest in kubeadm's layout stays in
// kubeadm's layout. Patching with the same spec twice gives the same bytes.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "manifest/audit_spec.h"

namespace kaudit::manifest {

struct PatchResult {
  std::string text;
  bool changed = false;   // false: text is the input, byte for byte
  bool surgical = true;   // false: the document had to be written again whole
  std::vector<std::string> changes;  // what changed, one line each, for logs and `--dry-run`
};

StatusOr<PatchResult> Patch(std::string_view manifest, const AuditSpec& spec);

// The audit setup a manifest has now: its audit flags, the mounts serving their paths, and no
// revision. Revert patches the current manifest with the spec extracted from the copy kaudit
// kept before its first change.
StatusOr<AuditSpec> ExtractAuditSpec(std::string_view manifest);

// What `kaudit node status` and the health check read from a manifest.
struct ManifestInfo {
  std::optional<std::string> revision;  // kaudit.io/revision
  std::vector<std::pair<std::string, std::string>> audit_flags;
  std::string image;
  std::string client_ca_file;  // --client-ca-file: the cluster CA, which signs the serving cert
  // Where the apiserver answers health checks: the readiness (else liveness, startup) probe's
  // httpGet, defaulting like kubelet (host 127.0.0.1 for a host-network pod, scheme HTTP).
  std::string probe_scheme = "https";
  std::string probe_host = "127.0.0.1";
  int probe_port = 6443;
};
StatusOr<ManifestInfo> Inspect(std::string_view manifest);

}  // namespace kaudit::manifest
