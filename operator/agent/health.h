// MirrorPodHealthChecker: design step 7 for the cluster agent. The apiserver that runs the
// manifest just written is healthy when
//   1. its mirror pod (kube-system/kube-apiserver-<node>) carries a kubernetes.io/config.hash
//      other than the one seen before the write (a new pod, not the old process), and the
//      kaudit.io/revision annotation of the manifest now on disk (none after a revert);
//   2. the mirror pod is Ready;
//   3. the local /readyz (host and port from the manifest's readiness probe, TLS verified with
//      the cluster CA) answers 200;
//   4. then the audit log grows (when the manifest logs to a file).
// On a single control-plane node the API is served by the apiserver being restarted, so the
// mirror-pod reads fail for a while; they are retried until the deadline. If the API is still
// unreachable then while the local checks pass, the node is judged by the local checks alone.
// After a failed wait (a rollback follows), the next wait does not require a new hash: the
// rolled-back manifest is the old one, whose hash is the baseline.
//
// Thread safety: one thread at a time (NodeApplier's), SetBaseline from the same thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "hostfs/host.h"
#include "kube/client.h"
#include "node/health.h"

namespace kaudit::agent {

struct MirrorPodHealthOptions {
  std::string node_name;
  std::string manifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";  // host path
  std::string ca_file;  // local path; "" = the CA the manifest names (--client-ca-file)
  std::chrono::milliseconds interval{500};
  bool require_log_growth = true;
};

// What the checker is waiting for, for the node-state message and logs.
using HealthProgress = std::function<void(const std::string& what)>;

class MirrorPodHealthChecker : public node::HealthChecker {
 public:
  MirrorPodHealthChecker(kube::Client* client, const hostfs::HostFs* fs,
                         MirrorPodHealthOptions opts, HealthProgress progress);
  // The mirror pod's hash before the manifest is written ("" when there was no pod).
  void SetBaseline(std::string hash) {
    baseline_ = std::move(hash);
    after_failure_ = false;
  }
  Status WaitHealthy(const node::HealthTarget& target,
                     std::chrono::steady_clock::time_point deadline) override;

  // The mirror pod's config hash now ("" when absent; an error when the API is unreachable).
  StatusOr<std::string> CurrentHash();

 private:
  struct Seen {
    bool api_ok = false;
    bool pod_ok = false;
    bool readyz_ok = false;
    std::string detail;
  };
  Seen CheckOnce(const std::string& want_revision, bool want_new_hash);
  bool CheckReadyz(std::string* detail);
  StatusOr<std::string> WantRevision() const;
  // Size and mtime of the audit log the manifest names; false when it logs nowhere on disk.
  bool LogStamp(std::pair<std::int64_t, std::int64_t>* stamp) const;

  kube::Client* client_;
  const hostfs::HostFs* fs_;
  MirrorPodHealthOptions opts_;
  HealthProgress progress_;
  std::string baseline_;
  bool after_failure_ = false;
};

}  // namespace kaudit::agent
