#include "node/revision.h"

#include <nlohmann/json.hpp>

#include "common/file.h"
#include "manifest/audit_spec.h"
#include "manifest/flags.h"
#include "policy/loader.h"

namespace kaudit::node {
namespace {

StatusOr<std::vector<std::pair<std::string, std::string>>> ParseFlagsJson(
    const std::string& text, const std::string& where) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return Status::InvalidArgument(where + ": not a JSON array");
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& f = j[i];
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("value") ||
        !f["value"].is_string()) {
      return Status::InvalidArgument(where + "[" + std::to_string(i) +
                                     "]: want {\"name\": string, \"value\": string}");
    }
    out.emplace_back(f["name"].get<std::string>(), f["value"].get<std::string>());
  }
  return out;
}

bool IsHex10(const std::string& s) {
  if (s.size() != 10) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

StatusOr<Revision> LoadRevisionDir(const std::string& dir) {
  Revision rev;
  auto id = ReadFileLimited(dir + "/revision");
  if (!id.ok()) return id.status().WithContext("--revision-dir");
  rev.id = *id;
  while (!rev.id.empty() && (rev.id.back() == '\n' || rev.id.back() == '\r')) rev.id.pop_back();
  auto policy = ReadFileLimited(dir + "/policy.yaml");
  if (!policy.ok()) return policy.status().WithContext("--revision-dir");
  rev.policy_yaml = std::move(*policy);
  auto flags = ReadFileLimited(dir + "/flags.json");
  if (!flags.ok()) return flags.status().WithContext("--revision-dir");
  auto parsed = ParseFlagsJson(*flags, dir + "/flags.json");
  if (!parsed.ok()) return parsed.status();
  rev.flags = std::move(*parsed);
  auto hook = ReadFileLimited(dir + "/webhook.kubeconfig");
  if (hook.ok()) {
    rev.webhook_kubeconfig = std::move(*hook);
  } else if (!hook.status().IsNotFound()) {
    return hook.status().WithContext("--revision-dir");
  }
  return rev;
}

Status ValidateRevision(const Revision& rev, const std::string& allowed_log_root) {
  if (!IsHex10(rev.id)) {
    return Status::InvalidArgument("revision \"" + rev.id + "\": want 10 lowercase hex digits");
  }
  auto loaded = policy::LoadPolicy(rev.policy_yaml);
  if (!loaded.ok) {
    std::string msg = "policy.yaml: kube-apiserver would not load this policy:";
    for (const auto& e : loaded.errors) msg += "\n  " + e;
    return Status::InvalidArgument(msg);
  }
  auto spec = manifest::KauditSpec(rev.flags, rev.id);
  if (!spec.ok()) return spec.status();
  std::vector<std::string> errs = manifest::ValidateAuditFlagValues(rev.flags);
  std::string policy_path, hook_path, log_path;
  for (const auto& [name, value] : rev.flags) {
    if (name == "audit-policy-file") policy_path = value;
    if (name == "audit-webhook-config-file") hook_path = value;
    if (name == "audit-log-path") log_path = value;
  }
  if (policy_path != std::string(manifest::kPolicyDir) + "/" + rev.id + ".yaml") {
    errs.push_back("--audit-policy-file=" + policy_path + ": want " +
                   std::string(manifest::kPolicyDir) + "/" + rev.id + ".yaml");
  }
  std::string want_hook = std::string(manifest::kWebhookDir) + "/" + rev.id + ".kubeconfig";
  if (rev.webhook_kubeconfig && hook_path != want_hook) {
    errs.push_back("--audit-webhook-config-file must be " + want_hook + " with a kubeconfig");
  }
  if (!rev.webhook_kubeconfig && !hook_path.empty()) {
    errs.push_back("--audit-webhook-config-file is set but the revision has no webhook.kubeconfig");
  }
  if (!log_path.empty() && log_path != "-" &&
      !manifest::PathWithin(manifest::DirName(log_path), allowed_log_root)) {
    errs.push_back("--audit-log-path=" + log_path + ": outside the allowed log root " +
                   allowed_log_root + " (--allowed-log-root)");
  }
  if (errs.empty()) return Status::Ok();
  std::string msg = "the revision's flags are invalid:";
  for (const auto& e : errs) msg += "\n  " + e;
  return Status::InvalidArgument(msg);
}

}  // namespace kaudit::node
