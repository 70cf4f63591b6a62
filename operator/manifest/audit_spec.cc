#include "manifest/audit_spec.h"

#include <vector>

#include "manifest/flags.h"

namespace kaudit::manifest {
namespace {

const std::string* FindFlag(const std::vector<std::pair<std::string, std::string>>& flags,
                            std::string_view name) {
  const std::string* v = nullptr;
  for (const auto& [n, value] : flags) {
    if (n == name) v = &value;
  }
  return v;
}

Status CheckFileIn(std::string_view flag, const std::string& value, std::string_view dir) {
  if (value.empty() || value[0] != '/' || HasDotDot(value) || CleanPath(value) != value) {
    return Status::InvalidArgument("flag --" + std::string(flag) + "=" + value +
                                   ": must be a clean absolute path");
  }
  if (DirName(value) != dir) {
    return Status::InvalidArgument("flag --" + std::string(flag) + "=" + value +
                                   ": kaudit keeps this file in " + std::string(dir));
  }
  return Status::Ok();
}

}  // namespace

std::string CleanPath(std::string_view p) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view seg = p.substr(i, j - i);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.emplace_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& s : parts) out += "/" + s;
  if (out.empty()) out = "/";
  if (!p.empty() && p[0] != '/') out.erase(0, 1);
  return out;
}

std::string DirName(std::string_view p) {
  std::string c = CleanPath(p);
  std::size_t slash = c.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return c.substr(0, slash);
}

bool PathWithin(std::string_view path, std::string_view dir) {
  std::string p = CleanPath(path), d = CleanPath(dir);
  if (d == "/") return !p.empty() && p[0] == '/';
  return p == d || (p.size() > d.size() && p.compare(0, d.size(), d) == 0 && p[d.size()] == '/');
}

bool HasDotDot(std::string_view p) {
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (p.substr(i, j - i) == "..") return true;
    i = j + 1;
  }
  return false;
}

StatusOr<AuditSpec> KauditSpec(std::vector<std::pair<std::string, std::string>> flags,
                               std::string revision) {
  AuditSpec spec;
  for (const auto& [name, value] : flags) {
    if (!IsAuditFlag(name)) {
      return Status::InvalidArgument("flag --" + name + ": kaudit only sets --audit-* flags");
    }
  }
  const std::string* policy = FindFlag(flags, "audit-policy-file");
  if (!policy) return Status::InvalidArgument("the revision sets no --audit-policy-file");
  KAUDIT_RETURN_IF_ERROR(CheckFileIn("audit-policy-file", *policy, kPolicyDir));
  spec.mounts.push_back({MountKind::kPolicy, std::string(kPolicyVolume), std::string(kPolicyDir),
                         std::string(kPolicyDir), "DirectoryOrCreate", true});
  if (const std::string* log = FindFlag(flags, "audit-log-path"); log && *log != "-") {
    if (log->empty() || (*log)[0] != '/' || HasDotDot(*log) || CleanPath(*log) != *log ||
        DirName(*log) == "/") {
      return Status::InvalidArgument("flag --audit-log-path=" + *log +
                                     ": must be \"-\" or a clean absolute path in a directory");
    }
    std::string dir = DirName(*log);
    spec.mounts.push_back(
        {MountKind::kLog, std::string(kLogVolume), dir, dir, "DirectoryOrCreate", std::nullopt});
  }
  if (const std::string* hook = FindFlag(flags, "audit-webhook-config-file")) {
    KAUDIT_RETURN_IF_ERROR(CheckFileIn("audit-webhook-config-file", *hook, kWebhookDir));
    spec.mounts.push_back({MountKind::kWebhook, std::string(kWebhookVolume),
                           std::string(kWebhookDir), std::string(kWebhookDir),
                           "DirectoryOrCreate", true});
  }
  spec.flags = std::move(flags);
  spec.revision = std::move(revision);
  return spec;
}

}  // namespace kaudit::manifest
