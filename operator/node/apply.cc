#include <sys/stat.h>

#include "common/sha256.h"
#include "manifest/audit_spec.h"
#include "manifest/check.h"
#include "manifest/patch.h"
#include "manifest/yaml_tree.h"
#include "node/node.h"

namespace kaudit::node {
namespace {

constexpr std::size_t kMaxManifest = 10 << 20;  // kubelet reads at most 10 MB

// The host as the manifest check sees it, through the confined HostFs.
class HostFsView : public manifest::HostView {
 public:
  explicit HostFsView(const hostfs::HostFs* fs) : fs_(fs) {}
  Kind Stat(const std::string& host_path) const override {
    auto st = fs_->Stat(host_path);
    if (!st.ok()) return Kind::kMissing;
    switch (st->type) {
      case hostfs::FileInfo::Type::kFile:
        return Kind::kFile;
      case hostfs::FileInfo::Type::kDirectory:
        return Kind::kDirectory;
      default:
        return Kind::kOther;
    }
  }

 private:
  const hostfs::HostFs* fs_;
};

// namespace/name of the Pod a manifest defines, "" when it is not one.
std::string PodKey(std::string_view text) {
  auto doc = manifest::ParseDocument(text);
  if (!doc.ok() || !doc->root.is_mapping()) return "";
  const manifest::Node* kind = doc->root.Find("kind");
  const manifest::Node* md = doc->root.Find("metadata");
  if (!kind || kind->text != "Pod" || !md || !md->is_mapping()) return "";
  const manifest::Node* name = md->Find("name");
  const manifest::Node* ns = md->Find("namespace");
  std::string n = ns && ns->is_string() && !ns->text.empty() ? ns->text : "default";
  return name && name->is_string() ? n + "/" + name->text : "";
}

}  // namespace

NodeApplier::NodeApplier(const hostfs::HostFs* fs, HealthChecker* health, NodeOptions opts)
    : fs_(fs), health_(health), opts_(std::move(opts)), state_(fs, opts_.keep_backups) {}

StatusOr<std::string> NodeApplier::ReadManifest() const {
  auto text = fs_->Read(opts_.manifest, kMaxManifest);
  if (!text.ok() && text.status().IsNotFound()) {
    return kaudit::Status::FailedPrecondition("manifest " + opts_.manifest +
                                              " does not exist on this node");
  }
  return text;
}

kaudit::Status NodeApplier::CheckForeignFiles(const std::string& manifest_text) const {
  std::string key = PodKey(manifest_text);
  std::string dir = manifest::DirName(opts_.manifest);
  std::string own = opts_.manifest.substr(opts_.manifest.rfind('/') + 1);
  auto names = fs_->List(dir);
  if (!names.ok()) return names.status();
  for (const auto& n : *names) {
    if (n.empty() || n[0] == '.' || n == own) continue;  // kubelet skips dot-files
    auto st = fs_->Stat(dir + "/" + n);
    if (!st.ok() || st->type != hostfs::FileInfo::Type::kFile || st->size > kMaxManifest) continue;
    auto text = fs_->Read(dir + "/" + n, kMaxManifest);
    if (text.ok() && !key.empty() && PodKey(*text) == key) {
      return kaudit::Status::FailedPrecondition(
          "file " + dir + "/" + n + " in the manifests folder also defines pod " + key +
          "; kubelet runs every file there, so it may run that one instead of " + own +
          ". Move it out of " + dir + " (kaudit keeps its backups in /var/lib/kaudit/backups)");
    }
  }
  return kaudit::Status::Ok();
}

kaudit::Status NodeApplier::CheckLogRoot(const Revision& rev) const {
  for (const auto& [name, value] : rev.flags) {
    if (name != "audit-log-path" || value == "-" || value.empty()) continue;
    std::string dir = manifest::DirName(value);
    auto real_dir = fs_->Canonical(dir);
    if (!real_dir.ok()) return real_dir.status().WithContext("--audit-log-path");
    auto real_root = fs_->Canonical(opts_.allowed_log_root);
    if (!real_root.ok()) return real_root.status().WithContext("--allowed-log-root");
    if (!manifest::PathWithin(*real_dir, *real_root)) {
      return kaudit::Status::InvalidArgument(
          "--audit-log-path=" + value + ": its directory resolves to " + *real_dir +
          " on the host, outside the allowed log root " + opts_.allowed_log_root +
          " (a symlink leads out)");
    }
  }
  return kaudit::Status::Ok();
}

kaudit::Status NodeApplier::WriteRevisionFiles(const Revision& rev) const {
  std::string policy = std::string(manifest::kPolicyDir) + "/" + rev.id + ".yaml";
  KAUDIT_RETURN_IF_ERROR(fs_->MkdirAll(manifest::kPolicyDir, 0700));
  auto cur = fs_->Read(policy, kMaxManifest);
  if (!cur.ok() || *cur != rev.policy_yaml) {
    KAUDIT_RETURN_IF_ERROR(fs_->AtomicWrite(policy, rev.policy_yaml, 0600));
  }
  if (rev.webhook_kubeconfig) {
    std::string hook = std::string(manifest::kWebhookDir) + "/" + rev.id + ".kubeconfig";
    KAUDIT_RETURN_IF_ERROR(fs_->MkdirAll(manifest::kWebhookDir, 0700));
    auto h = fs_->Read(hook, kMaxManifest);
    if (!h.ok() || *h != *rev.webhook_kubeconfig) {
      KAUDIT_RETURN_IF_ERROR(fs_->AtomicWrite(hook, *rev.webhook_kubeconfig, 0600));
    }
  }
  for (const auto& [name, value] : rev.flags) {
    if (name == "audit-log-path" && value != "-" && !value.empty()) {
      KAUDIT_RETURN_IF_ERROR(fs_->MkdirAll(manifest::DirName(value), 0700));
    }
  }
  return kaudit::Status::Ok();
}

kaudit::Status NodeApplier::CheckPatched(const std::string& text) const {
  HostFsView view(fs_);
  auto problems = manifest::CheckManifest(text, &view);
  if (problems.empty()) return kaudit::Status::Ok();
  std::string msg = "the patched manifest would not run, so nothing was changed:";
  for (const auto& p : problems) msg += "\n  " + p;
  return kaudit::Status::FailedPrecondition(msg);
}

StatusOr<std::optional<NodeApplier::Pending>> NodeApplier::Recover() {
  auto j = state_.Get("pending");
  if (!j.ok()) return j.status();
  if (!j->has_value()) {
    (void)fs_->RecoverTemp(opts_.manifest, "");  // a stray temp file: remove it
    return std::optional<Pending>();
  }
  const auto& v = **j;
  Pending p{v.value("revision", ""), v.value("backup", ""), v.value("newSha256", ""),
            v.value("phase", ""), v.value("reason", "")};
  auto backup = fs_->Read(p.backup, kMaxManifest);
  if (!backup.ok()) {
    return backup.status().WithContext("an interrupted run left /var/lib/kaudit/pending.json, "
                                       "but its backup is unreadable; restore by hand "
                                       "(docs/node.md)");
  }
  if (p.phase == "rolling-back") {
    (void)fs_->RecoverTemp(opts_.manifest, *backup);
    auto cur = fs_->Read(opts_.manifest, kMaxManifest);
    if (!cur.ok() || *cur != *backup) {
      KAUDIT_RETURN_IF_ERROR(fs_->Recreate(opts_.manifest, *backup, 0600));
    }
    KAUDIT_RETURN_IF_ERROR(state_.Drop("pending"));
    Outcome o;
    o.result = Result::kRolledBack;
    o.revision = p.revision;
    o.message = p.reason + " (rollback finished after an interruption)";
    KAUDIT_RETURN_IF_ERROR(RecordResult("apply", o));
    return std::optional<Pending>();
  }
  (void)fs_->RecoverTemp(opts_.manifest, "");
  auto cur = fs_->Read(opts_.manifest, kMaxManifest);
  if (cur.ok() && Sha256Hex(*cur) == p.new_sha256) return std::optional<Pending>(p);
  KAUDIT_RETURN_IF_ERROR(state_.Drop("pending"));  // the write never happened, or drifted since
  return std::optional<Pending>();
}

StatusOr<Outcome> NodeApplier::Apply(const Revision& rev) {
  auto lock = state_.Lock();
  if (!lock.ok()) return lock.status();
  KAUDIT_RETURN_IF_ERROR(ValidateRevision(rev, opts_.allowed_log_root));
  KAUDIT_RETURN_IF_ERROR(CheckLogRoot(rev));
  auto prior = Recover();
  if (!prior.ok()) return prior.status();
  auto old = ReadManifest();
  if (!old.ok()) return old.status();
  KAUDIT_RETURN_IF_ERROR(CheckForeignFiles(*old));
  auto spec = manifest::KauditSpec(rev.flags, rev.id);
  if (!spec.ok()) return spec.status();
  auto patched = manifest::Patch(*old, *spec);
  if (!patched.ok()) return patched.status().WithContext(opts_.manifest);
  KAUDIT_RETURN_IF_ERROR(WriteRevisionFiles(rev));
  if (!patched->changed) {
    if (prior->has_value()) return Confirm(*old, rev.id, (*prior)->backup);
    Outcome o;
    o.result = Result::kUnchanged;
    o.revision = rev.id;
    o.message = "revision " + rev.id + " is already applied; nothing changed";
    KAUDIT_RETURN_IF_ERROR(RecordResult("apply", o));
    return o;
  }
  KAUDIT_RETURN_IF_ERROR(CheckPatched(patched->text));
  auto info = manifest::Inspect(*old);
  auto original = state_.Original();
  if (!original.ok()) return original.status();
  if (!original->has_value() && info.ok() && !info->revision) {
    KAUDIT_RETURN_IF_ERROR(state_.KeepOriginal(*old));
  }
  auto out = Commit(*old, patched->text, rev.id, *prior);
  if (out.ok()) {
    out->changes = patched->changes;
    out->surgical = patched->surgical;
  }
  return out;
}

StatusOr<Outcome> NodeApplier::Commit(const std::string& old_text, const std::string& new_text,
                                      const std::string& revision,
                                      const std::optional<Pending>& prior) {
  auto backup = state_.Backup(old_text, opts_.now());
  if (!backup.ok()) return backup.status().WithContext("backing up the manifest; nothing changed");
  // Rolling back goes to the last manifest known to run: the one before an unconfirmed apply.
  std::string rollback = prior ? prior->backup : *backup;
  nlohmann::json pending = {{"revision", revision},
                            {"backup", rollback},
                            {"newSha256", Sha256Hex(new_text)},
                            {"phase", "applying"},
                            {"started", Now()}};
  KAUDIT_RETURN_IF_ERROR(state_.Put("pending", pending));
  auto st = fs_->Stat(opts_.manifest);
  mode_t mode = st.ok() ? st->mode : 0600;
  kaudit::Status w = fs_->AtomicWrite(opts_.manifest, new_text, mode);
  if (!w.ok()) {
    auto now = fs_->Read(opts_.manifest, kMaxManifest);
    if (!now.ok() || *now != new_text) {
      (void)state_.Drop("pending");
      return w.WithContext("the manifest was not changed");
    }
    // Only the directory fsync failed: the new manifest is in place; carry on.
  }
  auto out = Confirm(new_text, revision, rollback);
  if (out.ok()) out->backup = *backup;
  return out;
}

StatusOr<Outcome> NodeApplier::Confirm(const std::string& new_text, const std::string& revision,
                                       const std::string& rollback_path) {
  Outcome o;
  o.revision = revision;
  kaudit::Status healthy = kaudit::Status::Ok();
  bool check = opts_.health_check && health_ != nullptr;
  if (check) {
    healthy = health_->WaitHealthy({revision, Sha256Hex(new_text)},
                                   std::chrono::steady_clock::now() + opts_.health_timeout);
  }
  if (healthy.ok()) {
    if (!revision.empty()) {
      nlohmann::json flags = nlohmann::json::array();
      auto info = manifest::Inspect(new_text);
      if (info.ok()) {
        for (const auto& [n, v] : info->audit_flags) flags.push_back({{"name", n}, {"value", v}});
      }
      KAUDIT_RETURN_IF_ERROR(state_.Put("last-known-good", {{"revision", revision},
                                                             {"flags", flags},
                                                             {"manifestSha256", Sha256Hex(new_text)},
                                                             {"time", Now()}}));
    }
    KAUDIT_RETURN_IF_ERROR(state_.Drop("pending"));
    KAUDIT_RETURN_IF_ERROR(state_.Prune(""));
    o.result = revision.empty() ? Result::kReverted : Result::kApplied;
    o.message = check ? "applied; the apiserver answered healthy"
                                   : "applied (health check skipped)";
    KAUDIT_RETURN_IF_ERROR(RecordResult(revision.empty() ? "revert" : "apply", o));
    return o;
  }
  auto backup = fs_->Read(rollback_path, kMaxManifest);
  if (!backup.ok()) return backup.status().WithContext("rolling back");
  auto pending = state_.Get("pending");
  nlohmann::json p = pending.ok() && pending->has_value() ? **pending : nlohmann::json::object();
  p["phase"] = "rolling-back";
  p["reason"] = healthy.message();
  KAUDIT_RETURN_IF_ERROR(state_.Put("pending", p));
  KAUDIT_RETURN_IF_ERROR(fs_->Recreate(opts_.manifest, *backup, 0600));
  kaudit::Status again = health_->WaitHealthy(
      {"", Sha256Hex(*backup)}, std::chrono::steady_clock::now() + opts_.health_timeout);
  KAUDIT_RETURN_IF_ERROR(state_.Drop("pending"));
  o.result = Result::kRolledBack;
  o.message = "rolled back to " + rollback_path + ": " + healthy.message();
  if (!again.ok()) o.message += "; the apiserver is still unhealthy after the rollback: " +
                                again.message();
  KAUDIT_RETURN_IF_ERROR(RecordResult(revision.empty() ? "revert" : "apply", o));
  return o;
}

kaudit::Status NodeApplier::RecordResult(const std::string& action, const Outcome& o) {
  static const char* kNames[] = {"Applied", "Unchanged", "RolledBack", "Reverted",
                                 "NothingToRevert"};
  return state_.Put("last-result", {{"action", action},
                                    {"result", kNames[static_cast<int>(o.result)]},
                                    {"revision", o.revision},
                                    {"message", o.message},
                                    {"time", Now()}});
}

}  // namespace kaudit::node
