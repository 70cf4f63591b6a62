// Uninstall: the two pure halves of `kaudit uninstall` (docs/operations.md "Uninstalling").
//
// The request is the ConfigMap kaudit-uninstall in kaudit's namespace. `kaudit uninstall` creates
// it and, while it waits, rewrites its kaudit.io/uninstall-renewed annotation every
// kUninstallRenewEvery. The controller honours it while it exists, on one condition that keeps a
// leftover marker from disabling a later installation:
//
//   - UninstallTracker (controller side) decides whether the marker is live: created, or renewed,
//     while this controller was watching. A marker that was already there when the controller
//     started is not trusted until it is renewed; until then the rollout is frozen (nothing
//     moves either way), and once the grace period has passed without a renewal it is stale and
//     the controller deletes it. A live marker stays honoured for the life of the process, even
//     after the command has exited, because Helm deletes the controller and the agents right
//     after the pre-delete hook succeeds and nothing may be rolled back out in between.
//   - AssessUninstall (command side) reads the cluster and says whether the uninstall is done:
//     the controller has acknowledged this marker on kaudit-rollout (kaudit.io/uninstall = its
//     uid), and every control-plane node's agent reports no kaudit revision on disk in a settled
//     phase; or it halted; or there is nothing to do.
//
// Thread safety: UninstallTracker is used from the reconcile thread only; the rest is pure.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/world.h"
#include "policy/duration.h"

namespace kaudit::controller {

using SteadyTime = std::chrono::steady_clock::time_point;

class UninstallTracker {
 public:
  enum class Verdict {
    kAbsent,   // no marker
    kLive,     // honour it: desired state "none" everywhere
    kPending,  // there at start, not renewed yet: freeze the rollout
    kStale,    // there at start, not renewed within the grace period: delete it
  };
  struct Result {
    Verdict verdict = Verdict::kAbsent;
    // kPending: when the grace period ends (reconcile again then).
    std::optional<policy::Duration> recheck_in;
  };

  Result Observe(const std::optional<UninstallRequest>& marker, SteadyTime now,
                 policy::Duration grace);

 private:
  bool seen_absent_ = false;  // this process has seen the namespace without a marker
  bool tracking_ = false;
  std::string uid_;
  std::string renewed_;
  SteadyTime first_seen_{};
  bool live_ = false;
};

// What `kaudit uninstall` reads on each poll.
struct UninstallSnapshot {
  SystemTime now{};
  std::vector<std::string> control_plane_nodes;
  std::map<std::string, NodeState> node_states;  // by node
  RolloutState rollout;
  std::string marker_uid;  // of the kaudit-uninstall this command created or renewed
  policy::Duration node_stale_after = std::chrono::minutes(2);
};

struct UninstallAssessment {
  enum class Outcome {
    kNothingToDo,  // no control-plane node, or no agent ever reported on one
    kWaiting,
    kDone,
    kHalted,  // a node rolled back (or failed) the revert: the controller halted
  };
  Outcome outcome = Outcome::kWaiting;
  bool acknowledged = false;  // the controller has planned under this marker
  int reverted = 0;
  int total = 0;                     // control-plane nodes with an agent's node state
  std::vector<std::string> skipped;  // control-plane nodes without any node state
  std::vector<std::string> pending;  // "node cp2: phase X, revision Y: message"
  std::string summary;               // one line
};

UninstallAssessment AssessUninstall(const UninstallSnapshot& s);

// Whether the controller's leader Lease (coordination.k8s.io/v1) shows a running leader.
// `lease` is null when the Lease does not exist. Judged as leader election judges it, by this
// process's own clock so skew between nodes does not matter: `moved` says whether the caller has
// seen spec.renewTime change, `since` is the time since that change (else since it first looked).
// A live leader renews every retry period, so a renewTime that stands still for two lease
// durations means nobody leads.
struct LeaseView {
  bool running = false;
  std::string description;  // for a person: holder, renew time and age, or why not running
};
LeaseView ViewLease(const Json& lease, const std::string& where, SystemTime now, bool moved,
                    policy::Duration since);

}  // namespace kaudit::controller
