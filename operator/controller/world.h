// The controller's view of the cluster, as plain data: what Plan() (plan.h) decides from. The I/O
// shell fills a World from its caches with the From* helpers below; unit tests build one by hand.
//
// The objects kaudit keeps in its namespace (the contract with the agent, docs/operations.md
// "Objects kaudit keeps in its namespace"):
//   kaudit-rev-<rev>          ConfigMap, immutable: policy.yaml, flags.json, revision
//   kaudit-rev-<rev>-webhook  Secret, immutable: webhook.kubeconfig
//   kaudit-rollout            ConfigMap: data <node> = <revision> | "none"
//   kaudit-node-<node>        ConfigMap written by the agent: state.json
//   kaudit-uninstall          ConfigMap written by `kaudit uninstall`: roll out "none" everywhere
//
// Thread safety: plain data and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace kaudit::controller {

using Json = nlohmann::json;

inline constexpr std::string_view kRevisionPrefix = "kaudit-rev-";
inline constexpr std::string_view kWebhookSuffix = "-webhook";
inline constexpr std::string_view kRolloutName = "kaudit-rollout";
inline constexpr std::string_view kNodeStatePrefix = "kaudit-node-";
inline constexpr std::string_view kNone = "none";  // rollout value: no kaudit auditing
// The uninstall request (docs/operations.md "Uninstalling"): while the controller honours it, the
// desired state of every node is "none", whatever the AuditProfiles say.
inline constexpr std::string_view kUninstallName = "kaudit-uninstall";

inline constexpr std::string_view kLabelManagedBy = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kLabelComponent = "kaudit.io/component";
inline constexpr std::string_view kLabelRevision = "kaudit.io/revision";
inline constexpr std::string_view kLabelNode = "kaudit.io/node";
inline constexpr std::string_view kAnnotationRetry = "kaudit.io/retry";
// On kaudit-rollout: the controller's memory of a halted rollout (a JSON HaltRecord).
inline constexpr std::string_view kAnnotationHalted = "kaudit.io/halted";
// On a revision ConfigMap: spec.rollout.healthTimeout in seconds, for the agent.
inline constexpr std::string_view kAnnotationHealthTimeout = "kaudit.io/health-timeout-seconds";
// On kaudit-uninstall: rewritten by the waiting `kaudit uninstall` every kUninstallRenewEvery.
// The controller only compares its values (a change means someone is waiting), never its time.
inline constexpr std::string_view kAnnotationUninstallRenewed = "kaudit.io/uninstall-renewed";
// On kaudit-rollout: the uid of the kaudit-uninstall ConfigMap whose "none" these targets carry
// out; `kaudit uninstall` waits for it, so it never counts nodes the controller has not yet
// planned under its request.
inline constexpr std::string_view kAnnotationUninstall = "kaudit.io/uninstall";
inline constexpr std::chrono::seconds kUninstallRenewEvery{10};
inline constexpr std::string_view kControlPlaneLabel = "node-role.kubernetes.io/control-plane";

// Agent phases (state.json "phase").
inline constexpr std::string_view kPhaseIdle = "Idle";
inline constexpr std::string_view kPhaseApplying = "Applying";
inline constexpr std::string_view kPhaseWaitingHealthy = "WaitingHealthy";
inline constexpr std::string_view kPhaseHealthy = "Healthy";
inline constexpr std::string_view kPhaseRolledBack = "RolledBack";
inline constexpr std::string_view kPhaseFailed = "Failed";
inline constexpr std::string_view kPhaseDrifted = "Drifted";

std::string RevisionConfigMapName(std::string_view rev);  // kaudit-rev-<rev>
std::string RevisionSecretName(std::string_view rev);     // kaudit-rev-<rev>-webhook
std::string NodeStateName(std::string_view node);         // kaudit-node-<node>

// One AuditProfile object as listed (the whole object: Plan decodes and validates it).
struct ProfileObject {
  Json object;
  std::string name() const;
  int64_t generation() const;
  std::string retry() const;  // the kaudit.io/retry annotation, "" when absent
  const Json& status() const;  // {} when none
};

// A revision stored in the namespace (ConfigMap and/or webhook Secret).
struct StoredRevision {
  std::string id;
  SystemTime created{};  // the ConfigMap's (else the Secret's) creationTimestamp
  bool has_configmap = false;
  bool has_secret = false;
};

// An agent's state.json.
struct NodeState {
  std::string node;
  std::string revision;  // on disk, "" when none
  std::string last_known_good;
  std::string target;
  std::string phase;
  std::string message;
  std::optional<SystemTime> heartbeat;
  int64_t audit_log_bytes = 0;
  std::string audit_log_last_write;
  std::string agent_version;
};

// The controller's memory of a rollback, kept on kaudit-rollout (annotation kaudit.io/halted),
// so a restart (or a new leader) knows the rollout is halted even after the node has been sent
// back to its fallback revision and reports Healthy there.
struct HaltRecord {
  std::string revision;  // the revision that was rolled back
  std::string node;
  std::string phase;     // RolledBack or Failed
  std::string message;   // the agent's reason
  std::string fallback;  // what the node was sent back to
  std::map<std::string, std::string> retry;  // kaudit.io/retry values when it halted
  bool operator==(const HaltRecord&) const = default;
};
std::string EncodeHaltRecord(const HaltRecord& h);
std::optional<HaltRecord> DecodeHaltRecord(std::string_view text);

struct RolloutState {
  bool exists = false;
  std::map<std::string, std::string> targets;  // node -> revision | "none"
  std::optional<HaltRecord> halt;
  std::string uninstall;  // kaudit.io/uninstall: the marker uid honoured, "" when none
};

// The kaudit-uninstall ConfigMap as observed, and whether this controller honours it.
struct UninstallRequest {
  std::string uid;
  std::string renewed;       // kaudit.io/uninstall-renewed
  std::string requested_by;  // data.requestedBy
  std::string requested_at;  // data.requestedAt
  // Live: created or renewed while this controller watched, so somebody is uninstalling now.
  // Not live: it was there when this controller started and has not been renewed since; it may
  // be left over from an earlier installation, so the rollout is frozen until it is renewed (then
  // live) or the grace period ends (then the controller deletes it).
  bool live = false;
};

struct ControlPlaneNode {
  std::string name;
  // The kube-apiserver mirror pod's Ready condition, when the pod exists.
  std::optional<bool> apiserver_ready;
};

struct World {
  SystemTime now{};
  std::string namespace_name = "kaudit-system";
  std::vector<ProfileObject> profiles;
  // Secrets in the namespace that profiles may reference: name -> key -> decoded value.
  std::map<std::string, std::map<std::string, std::string>> secrets;
  std::vector<StoredRevision> revisions;
  RolloutState rollout;
  std::vector<ControlPlaneNode> nodes;
  std::map<std::string, NodeState> node_states;  // by node name, fresh or not
  std::optional<UninstallRequest> uninstall;      // kaudit-uninstall, when it exists
};

// Conversions from API objects (JSON as the API server sends them).
StatusOr<NodeState> NodeStateFromConfigMap(const Json& cm);
RolloutState RolloutFromConfigMap(const Json& cm);
UninstallRequest UninstallFromConfigMap(const Json& cm);  // live is left false
// Adds a kaudit-rev-* ConfigMap or Secret to revs (ignores other names).
void AddStoredRevision(const Json& obj, bool is_secret, std::vector<StoredRevision>* revs);
// Decoded Secret data (base64 values; undecodable keys are left out).
std::map<std::string, std::string> SecretData(const Json& secret);
bool IsControlPlane(const Json& node);
std::optional<bool> PodReady(const Json& pod);

}  // namespace kaudit::controller
