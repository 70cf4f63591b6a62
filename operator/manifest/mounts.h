// The volume side of the audit patch: the host directories the audit flags name, mounted into
// the kube-apiserver container, taking over mounts that already serve an audit path.
//
// A mount of the kube-apiserver container "serves an audit path" when its mountPath is one of
// the files the current audit flags name (policy, webhook kubeconfig, log file), the log file's
// directory, one of kaudit's own directories, or a path the spec wants mounted. Such a mount is
// reused for the wanted mount of the same kind (its volume repointed when no other mount shares
// it), and removed, with its volume once nothing uses it, when nothing wants it. A mount that
// also serves a non-audit flag (some other flag names a path inside it) is never changed.
//
// Thread safety: pure functions over caller-owned trees.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "manifest/audit_spec.h"
#include "manifest/yaml_tree.h"

namespace kaudit::manifest {

// old_flags: the audit flags the container had before this patch (they say which mounts served
// audit paths).
Status PatchMounts(Node& root, const AuditSpec& spec,
                   const std::vector<std::pair<std::string, std::string>>& old_flags,
                   std::vector<std::string>* changes);

// The mounts (with their volumes) serving the paths of these audit flags, as a spec would ask
// for them. Mounts whose volume is not a hostPath are left out.
std::vector<AuditMount> AuditMountsOf(
    const Node& root, const std::vector<std::pair<std::string, std::string>>& flags);

}  // namespace kaudit::manifest
