// What kaudit wants in the kube-apiserver static pod: the audit flags, the host directories
// they need mounted, and the revision annotation. The same shape describes "the audit setup
// the manifest had before kaudit" (ExtractAuditSpec), which is how revert puts it back.
//
// Thread safety: plain data and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kaudit::manifest {

inline constexpr std::string_view kRevisionAnnotation = "kaudit.io/revision";
inline constexpr std::string_view kApiserverContainer = "kube-apiserver";
// Where kaudit keeps its files on the host (and, mounted at the same path, in the pod).
inline constexpr std::string_view kPolicyDir = "/etc/kubernetes/kaudit/policies";
inline constexpr std::string_view kWebhookDir = "/etc/kubernetes/kaudit/webhook";
// Volume names kaudit gives the mounts it adds (an existing audit mount keeps its own name).
inline constexpr std::string_view kPolicyVolume = "kaudit-policies";
inline constexpr std::string_view kLogVolume = "kaudit-audit-log";
inline constexpr std::string_view kWebhookVolume = "kaudit-webhook";

enum class MountKind { kPolicy, kLog, kWebhook };

struct AuditMount {
  MountKind kind = MountKind::kPolicy;
  std::string name;  // volume name when a new volume has to be added
  std::string host_path;
  std::string mount_path;
  std::string host_path_type;  // "" = no type check
  // true/false: readOnly set to that; nullopt: read-write (a `readOnly: true` is dropped, an
  // explicit `readOnly: false` kept).
  std::optional<bool> read_only;
};

struct AuditSpec {
  // Every --audit-* flag wanted (name without dashes, value); all other audit flags go.
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<AuditMount> mounts;
  // The kaudit.io/revision annotation; nullopt removes it.
  std::optional<std::string> revision;
};

// The spec for a rendered kaudit revision. Checks the flags: every name is an audit flag, the
// policy file lies in kPolicyDir, a webhook kubeconfig in kWebhookDir, the log path is "-" or
// an absolute path with a directory; no ".." anywhere.
StatusOr<AuditSpec> KauditSpec(std::vector<std::pair<std::string, std::string>> flags,
                               std::string revision);

// Lexically cleaned absolute path (Go's path.Clean): "//a/./b/" -> "/a/b".
std::string CleanPath(std::string_view p);
// The directory of a cleaned absolute path ("/a/b" -> "/a", "/a" -> "/").
std::string DirName(std::string_view p);
// True when `path` is `dir` or lies below it (both cleaned).
bool PathWithin(std::string_view path, std::string_view dir);
// True when p has a ".." segment.
bool HasDotDot(std::string_view p);

}  // namespace kaudit::manifest
