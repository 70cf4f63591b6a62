// NodeState: kaudit's own files on a node, under /var/lib/kaudit (never in the manifests folder,
// where kubelet would run any backup as a second apiserver):
//
//   lock                          held while a kaudit process edits this node
//   backups/kube-apiserver.yaml.<UTC time>   the manifest before each change (newest kept)
//   original/kube-apiserver.yaml  the manifest as kaudit first found it (first contact)
//   last-known-good.json          the revision that last came up healthy, and its flags
//   pending.json                  an apply or rollback in flight (journal for crash recovery)
//   last-result.json              what the last apply/revert did and why
//
// Thread safety: one NodeState per process; the lock keeps processes apart.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"
#include "hostfs/host.h"

namespace kaudit::hostfs {

inline constexpr std::string_view kStateDir = "/var/lib/kaudit";

struct BackupInfo {
  std::string host_path;
  std::uint64_t size = 0;
  std::int64_t mtime_unix = 0;
};

class NodeState {
 public:
  NodeState(const HostFs* fs, int keep_backups) : fs_(fs), keep_(keep_backups) {}

  // Takes the node lock, creating the state folder (0700) first.
  StatusOr<std::unique_ptr<FileLock>> Lock() const;

  // Saves a copy of the manifest under backups/ and prunes to the newest keep_backups (never
  // removing `keep_too`, e.g. the backup a pending rollback needs). Returns its host path.
  StatusOr<std::string> Backup(std::string_view manifest, SystemTime now) const;
  StatusOr<std::vector<BackupInfo>> Backups() const;
  Status Prune(const std::string& keep_too) const;

  // The first-contact copy: written only when none exists yet.
  Status KeepOriginal(std::string_view manifest) const;
  StatusOr<std::optional<std::string>> Original() const;

  // Small JSON records: "last-known-good", "pending", "last-result".
  Status Put(std::string_view name, const nlohmann::json& value) const;
  StatusOr<std::optional<nlohmann::json>> Get(std::string_view name) const;
  Status Drop(std::string_view name) const;

  // Removes the first-contact copy and last-known-good (after a revert).
  Status Forget() const;

  const HostFs& fs() const { return *fs_; }

 private:
  std::string Path(std::string_view rel) const { return std::string(kStateDir) + "/" + std::string(rel); }

  const HostFs* fs_;
  int keep_;
};

}  // namespace kaudit::hostfs
