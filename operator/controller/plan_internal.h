// Pieces of Plan() (plan.h), split by concern; not for use outside plan*.cc and tests.
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/plan.h"
#include "policy/render.h"

namespace kaudit::controller::internal {

// ---- rollout (plan_rollout.cc) ----

struct NodeView {
  std::string name;
  NodeState state;
  std::optional<bool> apiserver_ready;
  std::string target;  // kaudit-rollout's entry after this plan, "" when absent
  bool done = false;      // on the desired revision and Healthy (or reverted, for "none")
  bool halted = false;    // rolled back / failed on the desired revision
  bool in_flight = false;  // the agent is working on (or has not yet seen) its target
};

enum class RolloutPhase {
  kNoNodes,      // no control-plane node with a fresh agent
  kProgressing,  // a node is being updated, or one was just given the target
  kComplete,     // every fresh node is done
  kHalted,       // a rollback stopped it
  kPaused,       // spec.rollout.paused
};

struct RolloutDecision {
  RolloutState next;  // kaudit-rollout after this plan
  RolloutPhase phase = RolloutPhase::kNoNodes;
  std::vector<NodeView> nodes;  // fresh control-plane nodes, by name
  std::string moved;            // node given the desired target now ("" none)
  bool started = false;         // moved is the first node of this revision's rollout
  bool halted_now = false;      // next.halt was set by this plan
  bool retried = false;         // a retry annotation cleared the halt
  bool waiting_retry_ack = false;  // retry asked, the halted node's agent has not caught up
  std::string busy_node;        // the node everyone waits for (kProgressing)
  int done = 0;
  int stale = 0;  // control-plane nodes whose agent's heartbeat is stale or missing
};

// desired: a revision id or "none". retry: profile -> kaudit.io/retry value, now.
RolloutDecision DecideRollout(const World& world, const std::string& desired, bool paused,
                              const std::map<std::string, std::string>& retry,
                              const PlanOptions& opts);

bool IsFresh(const NodeState& s, SystemTime now, Duration stale_after);

// ---- revisions (plan_revisions.cc) ----

RevisionObjects MakeRevisionObjects(const policy::RenderedConfig& r, const std::string& ns);
// Revision ids to delete (ConfigMap and Secret names into result).
void PlanPrune(const World& world, const std::string& desired, const RolloutState& next,
               const PlanOptions& opts, PlanResult* result);

// ---- status (plan_status.cc) ----

struct ProfileEval {
  const ProfileObject* object = nullptr;
  std::string name;
  std::optional<policy::AuditProfile> profile;  // set when valid
  std::vector<std::string> errors;              // why it is invalid
  std::vector<std::string> warnings;            // decode warnings, then lint
  std::vector<std::string> conflicts;           // messages, for Conflicted
  bool paused = false;
  bool contributes = false;  // part of the rendered composition
};

// What every valid profile's status says about the cluster-wide outcome.
struct Outcome {
  std::string revision;  // desired; "" when blocked
  // Set when the configuration cannot be rendered: the profile at fault and the reason.
  std::string blocked_profile;
  std::string blocked_reason;  // WebhookSecretInvalid | RenderFailed | InvalidSpec
  std::string blocked_message;
  std::vector<std::string> paused_by;
  const RolloutDecision* rollout = nullptr;
  const UninstallRequest* uninstall = nullptr;  // set while an uninstall is requested
  std::string uninstall_where;                  // "<ns>/kaudit-uninstall"
  Duration uninstall_grace{};
};

Json BuildStatus(const ProfileEval& p, const Outcome& o, SystemTime now);
// True when new_status differs from old in anything but lastTransitionTime bookkeeping;
// copies old lastTransitionTimes into new_status where the thing they time did not change.
bool MergeStatus(const Json& old_status, Json* new_status);

// The contributing profiles events are recorded on: composition order, at most max.
std::vector<std::string> EventTargets(const std::vector<ProfileEval>& profiles, std::size_t max);
std::vector<EventSpec> RolloutEvents(const std::vector<ProfileEval>& profiles, const Outcome& o,
                                     std::size_t max_targets);

}  // namespace kaudit::controller::internal
