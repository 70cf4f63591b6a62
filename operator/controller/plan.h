// Plan: the controller's whole decision, as a pure function of the observed World (world.h).
//
// One call decides, for the cluster's entire audit configuration:
//   - which profiles are valid (decoded and validated as the CRD schema would; an invalid one is
//     reported InvalidSpec and left out of the composition, never rendered);
//   - the effective configuration (policy::Render with the profiles' webhook Secret), hence the
//     desired revision, or "none" when no AuditProfile exists;
//   - the revision objects to create (ConfigMap kaudit-rev-<rev>, Secret kaudit-rev-<rev>-webhook)
//     and the ones to prune (all but the last 10, the desired one and any a node is on, targets or
//     falls back to);
//   - the next state of kaudit-rollout: one node at a time, unhealthy nodes first, waiting while
//     any node is mid-apply, halting when a node rolls back (until the desired revision changes or
//     a profile's kaudit.io/retry annotation changes), frozen while a profile pauses;
//   - every profile's status (observedGeneration, conditions, revision, nodes, warnings), and
//     whether it changed;
//   - events, and when to look again (next expiresAt, the next heartbeat going stale, a resync).
// While an uninstall is requested (world.uninstall), the desired state is "none" on every node
// whatever the profiles say; the rollout is the same node-by-node one, frozen while the request
// is not yet trusted (uninstall.h), and every profile's status says Uninstalling.
// Applying the result is the I/O shell's job (reconciler.h). Plan never reads a clock: world.now.
//
// Thread safety: pure function.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/world.h"
#include "policy/duration.h"
#include "policy/profile.h"

namespace kaudit::controller {

using policy::Duration;

struct PlanOptions {
  bool locked_preamble = true;
  std::string allowed_log_root = std::string(policy::kDefaultAllowedLogRoot);
  Duration node_stale_after = std::chrono::minutes(2);
  std::size_t keep_revisions = 10;
  Duration resync = std::chrono::minutes(5);
  std::size_t max_warnings = 20;  // per profile
  // Rollout events are recorded on the contributing profiles, at most this many (the first in
  // composition order), so a cluster with hundreds of profiles does not spend its API budget on
  // events.
  std::size_t max_event_profiles = 10;
  // How long a kaudit-uninstall ConfigMap found at start may go without a renewal before it is
  // taken for a leftover and deleted (uninstall.h). Well above kUninstallRenewEvery.
  Duration uninstall_grace = std::chrono::minutes(1);
};

// A revision to store: whole objects, ready for Create. The Secret is created first, so a
// revision ConfigMap that exists always has its Secret.
struct RevisionObjects {
  std::string revision;
  std::optional<Json> configmap;  // set when it is missing
  std::optional<Json> secret;     // set when the revision has a webhook and it is missing
};

// An events.k8s.io/v1 Event to record (best effort).
struct EventSpec {
  std::string type;    // Normal | Warning
  std::string reason;  // RolloutStarted, NodeUpdating, NodeUpdated, RolledBack, RolloutComplete,
                       // RolloutRetried, InvalidSpec
  std::string action;  // Rollout | Validate
  std::string note;
  std::string regarding_kind;  // AuditProfile | ConfigMap
  std::string regarding_name;
  bool operator==(const EventSpec&) const = default;
};

struct StatusUpdate {
  std::string profile;
  Json status;
};

// Per-node figures for metrics and logs.
struct NodeSummary {
  std::string name;
  std::string phase;
  bool done = false;
};

struct PlanResult {
  // "" while the configuration cannot be decided (no valid profile among existing ones, a webhook
  // Secret missing, a render error): then nothing rolls out.
  std::string desired_revision;
  std::optional<RevisionObjects> create;
  std::vector<std::string> prune_configmaps;  // names
  std::vector<std::string> prune_secrets;
  // The next kaudit-rollout (targets and halt record) when it differs from the world's.
  std::optional<RolloutState> rollout;
  std::vector<StatusUpdate> statuses;  // only the ones that changed
  std::vector<EventSpec> events;
  std::optional<Duration> requeue_after;
  std::vector<NodeSummary> nodes;  // fresh control-plane nodes
  std::vector<std::string> invalid_profiles;
  std::string summary;  // one line for the log
};

PlanResult Plan(const World& world, const PlanOptions& opts);

}  // namespace kaudit::controller
