// Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm
// (tools/leaderelection): get the Lease (create it if missing); if another holder's record is
// still valid, wait; otherwise take or renew it with an update carrying the resourceVersion
// read, so concurrent takeovers lose with 409. A record's validity is judged by the LOCAL time
// at which this process last saw it change plus its leaseDurationSeconds, never by the remote
// renewTime, so clock skew between nodes does not matter.
//
// Defaults are client-go's / controller-runtime's: lease 15 s, renew deadline 10 s, retry 2 s.
// A leader that cannot renew within the renew deadline (server unreachable, slow, refusing)
// stops leading: the Canceller handed to on_started_leading fires, on_stopped_leading runs,
// and Run() returns. The caller is expected to exit then, as controller-runtime does.
//
// Thread safety: Run() blocks its thread; IsLeader()/leader() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "kube/cancel.h"
#include "kube/client.h"

namespace kaudit::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per process: hostname + random suffix
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  bool release_on_cancel = true;  // give the lease up when stop is cancelled while leading
  // Runs on its own thread when leadership is acquired; must return soon after `lost` fires.
  std::function<void(Canceller* lost)> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;
};

// client-go's checks: lease > renew deadline > 1.2 * retry period, all positive, identity set.
Status ValidateLeaderElectionConfig(const LeaderElectionConfig& c);

class LeaderElector {
 public:
  LeaderElector(Client* client, LeaderElectionConfig config);

  // Blocks until leadership was held and lost, or stop is cancelled. Returns the reason
  // leadership ended (OK when stopped by the caller).
  Status Run(Canceller* stop);

  bool IsLeader() const { return leading_; }
  std::string leader() const;

 private:
  // One attempt; true when we hold the lease afterwards.
  bool TryAcquireOrRenew();
  void Release();

  Client* const client_;
  const LeaderElectionConfig cfg_;
  std::atomic<bool> leading_{false};
  mutable std::mutex mu_;
  std::string observed_spec_;  // guarded by mu_: the lease spec as last seen (JSON)
  std::chrono::steady_clock::time_point observed_time_;  // guarded by mu_
  std::string observed_holder_;                          // guarded by mu_
  int64_t observed_duration_s_ = 0;                      // guarded by mu_
  Json observed_;                                        // guarded by mu_: the whole Lease
};

}  // namespace kaudit::kube
