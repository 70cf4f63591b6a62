// NodeApplier: the node side of kaudit (design.md "Applying on a node"), for
// `kaudit node apply|revert|status` and the cluster agent.
//
// Apply: lock the node; finish or resume anything a crashed run left (pending.json); validate
// the revision again; refuse when a foreign file in the manifests folder defines the same pod;
// write the policy (and webhook kubeconfig) under /etc/kubernetes/kaudit, create the log
// directory; patch the manifest as it is now (so a `kubeadm upgrade` in between is kept); check
// the result as kubelet and kube-apiserver would; back it up under /var/lib/kaudit (first
// contact: keep the untouched original too); replace it atomically; wait for health; on
// timeout put the backup back (remove, then create) and wait again.
//
// A crash at any point leaves the old or the new manifest (never a partial one) and a journal,
// pending.json, that the next run uses to confirm the new manifest's health or finish the
// rollback.
//
// Thread safety: one NodeApplier per process; the node lock keeps kaudit processes apart.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"
#include "hostfs/host.h"
#include "hostfs/state.h"
#include "node/health.h"
#include "node/revision.h"

namespace kaudit::node {

struct NodeOptions {
  std::string manifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";
  std::string allowed_log_root = "/var/log/kubernetes";
  bool health_check = true;
  std::chrono::milliseconds health_timeout = std::chrono::minutes(5);
  int keep_backups = 10;
  std::function<SystemTime()> now = [] { return std::chrono::system_clock::now(); };
};

enum class Result { kApplied, kUnchanged, kRolledBack, kReverted, kNothingToRevert };

struct Outcome {
  Result result = Result::kUnchanged;
  std::string revision;
  std::string message;               // one line; for kRolledBack, the reason
  std::vector<std::string> changes;  // what the patch changed
  std::string backup;                // host path of the backup taken, if any
  bool surgical = true;              // false: the manifest was written again whole
};

class NodeApplier {
 public:
  NodeApplier(const hostfs::HostFs* fs, HealthChecker* health, NodeOptions opts);

  // Errors mean "refused, the manifest is as it was" (or, for a failed write, untouched).
  StatusOr<Outcome> Apply(const Revision& rev);
  StatusOr<Outcome> Revert();
  // Everything `kaudit node status` shows, as JSON (see docs/node.md).
  StatusOr<nlohmann::json> Status();

 private:
  struct Pending {
    std::string revision;
    std::string backup;       // what a rollback puts back
    std::string new_sha256;   // the manifest written
    std::string phase;        // "applying" or "rolling-back"
    std::string reason;
  };

  StatusOr<std::optional<Pending>> Recover();
  StatusOr<std::string> ReadManifest() const;
  kaudit::Status CheckForeignFiles(const std::string& manifest_text) const;
  kaudit::Status CheckLogRoot(const Revision& rev) const;
  kaudit::Status WriteRevisionFiles(const Revision& rev) const;
  kaudit::Status CheckPatched(const std::string& text) const;
  // Backs up old_text, writes new_text, and confirms (health, rollback).
  StatusOr<Outcome> Commit(const std::string& old_text, const std::string& new_text,
                           const std::string& revision, const std::optional<Pending>& prior);
  StatusOr<Outcome> Confirm(const std::string& new_text, const std::string& revision,
                            const std::string& rollback_path);
  kaudit::Status RecordResult(const std::string& action, const Outcome& o);
  std::string Now() const { return FormatRfc3339(opts_.now()); }

  const hostfs::HostFs* fs_;
  HealthChecker* health_;
  NodeOptions opts_;
  hostfs::NodeState state_;
};

}  // namespace kaudit::node
