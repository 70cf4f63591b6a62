// NodeApplier::Revert and NodeApplier::Status.
#include <chrono>

#include "common/sha256.h"
#include "manifest/audit_spec.h"
#include "manifest/patch.h"
#include "node/node.h"

namespace kaudit::node {
namespace {

bool MentionsKauditFiles(const manifest::ManifestInfo& info) {
  for (const auto& [name, value] : info.audit_flags) {
    if (manifest::PathWithin(value, "/etc/kubernetes/kaudit")) return true;
  }
  return false;
}

nlohmann::json AuditLogStatus(const hostfs::HostFs& fs, const manifest::ManifestInfo& info) {
  std::string path;
  for (const auto& [name, value] : info.audit_flags) {
    if (name == "audit-log-path") path = value;
  }
  if (path.empty()) return nullptr;
  nlohmann::json j = {{"path", path}};
  if (path == "-") {
    j["note"] = "written to the apiserver's standard output";
    return j;
  }
  auto st = fs.Stat(path);
  j["exists"] = st.ok();
  if (st.ok()) {
    j["sizeBytes"] = st->size;
    j["lastWrite"] = FormatRfc3339(std::chrono::system_clock::from_time_t(st->mtime_unix));
  }
  return j;
}

}  // namespace

StatusOr<Outcome> NodeApplier::Revert() {
  auto lock = state_.Lock();
  if (!lock.ok()) return lock.status();
  auto prior = Recover();
  if (!prior.ok()) return prior.status();
  auto old = ReadManifest();
  if (!old.ok()) return old.status();
  KAUDIT_RETURN_IF_ERROR(CheckForeignFiles(*old));
  auto original = state_.Original();
  if (!original.ok()) return original.status();
  manifest::AuditSpec spec;  // no original copy: remove every audit setting
  if (original->has_value()) {
    auto extracted = manifest::ExtractAuditSpec(**original);
    if (!extracted.ok()) return extracted.status().WithContext("the kept original manifest");
    spec = std::move(*extracted);
  }
  auto patched = manifest::Patch(*old, spec);
  if (!patched.ok()) return patched.status().WithContext(opts_.manifest);
  Outcome out;
  out.result = Result::kNothingToRevert;
  out.message = "the manifest carries nothing kaudit added";
  if (patched->changed) {
    KAUDIT_RETURN_IF_ERROR(CheckPatched(patched->text));
    auto done = Commit(*old, patched->text, "", *prior);
    if (!done.ok()) return done.status();
    if (done->result == Result::kRolledBack) return done;
    out = std::move(*done);
    out.changes = patched->changes;
    out.surgical = patched->surgical;
    out.message = "reverted: " + out.message;
  }
  auto now = manifest::Inspect(patched->text);
  if (now.ok() && !MentionsKauditFiles(*now)) {
    KAUDIT_RETURN_IF_ERROR(fs_->RemoveTree("/etc/kubernetes/kaudit"));
    KAUDIT_RETURN_IF_ERROR(state_.Forget());
  }
  KAUDIT_RETURN_IF_ERROR(RecordResult("revert", out));
  return out;
}

StatusOr<nlohmann::json> NodeApplier::Status() {
  nlohmann::json j;
  j["manifest"] = opts_.manifest;
  auto text = ReadManifest();
  std::optional<manifest::ManifestInfo> info;
  if (text.ok()) {
    auto i = manifest::Inspect(*text);
    if (i.ok()) info = std::move(*i);
    j["manifestError"] = i.ok() ? nlohmann::json(nullptr) : nlohmann::json(i.status().message());
  } else {
    j["manifestError"] = text.status().message();
  }
  j["revision"] = info && info->revision ? nlohmann::json(*info->revision) : nlohmann::json();
  j["image"] = info ? nlohmann::json(info->image) : nlohmann::json();
  nlohmann::json flags = nlohmann::json::array();
  if (info) {
    for (const auto& [n, v] : info->audit_flags) flags.push_back({{"name", n}, {"value", v}});
  }
  j["auditFlags"] = flags;
  auto lkg = state_.Get("last-known-good");
  j["lastKnownGood"] = lkg.ok() && lkg->has_value() ? **lkg : nlohmann::json();
  nlohmann::json drift = {{"drifted", false}};
  if (lkg.ok() && lkg->has_value() && text.ok()) {
    std::vector<std::pair<std::string, std::string>> want;
    for (const auto& f : (**lkg)["flags"]) want.emplace_back(f["name"], f["value"]);
    auto spec = manifest::KauditSpec(want, (**lkg).value("revision", ""));
    auto p = spec.ok() ? manifest::Patch(*text, *spec) : StatusOr<manifest::PatchResult>(spec.status());
    if (p.ok() && p->changed) {
      drift = {{"drifted", true},
               {"message", "the manifest no longer carries revision " +
                               (**lkg).value("revision", "") + " (e.g. rewritten by kubeadm "
                               "upgrade); `kaudit node apply` re-applies it"},
               {"missing", p->changes}};
    }
  }
  j["drift"] = drift;
  auto pending = state_.Get("pending");
  j["pending"] = pending.ok() && pending->has_value() ? **pending : nlohmann::json();
  auto last = state_.Get("last-result");
  j["lastResult"] = last.ok() && last->has_value() ? **last : nlohmann::json();
  nlohmann::json backups = nlohmann::json::array();
  if (auto b = state_.Backups(); b.ok()) {
    for (const auto& x : *b) {
      backups.push_back({{"path", x.host_path},
                         {"sizeBytes", x.size},
                         {"time", FormatRfc3339(std::chrono::system_clock::from_time_t(
                                      x.mtime_unix))}});
    }
  }
  j["backups"] = backups;
  auto original = state_.Original();
  j["originalKept"] = original.ok() && original->has_value();
  j["auditLog"] = info ? AuditLogStatus(*fs_, *info) : nlohmann::json();
  return j;
}

}  // namespace kaudit::node
