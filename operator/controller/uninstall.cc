#include "controller/uninstall.h"

#include <algorithm>

namespace kaudit::controller {
namespace {

bool Settled(const std::string& phase) {
  // Idle: the agent has no target (nothing of kaudit's was ever applied by this controller);
  // Healthy: the revert finished and the apiserver came back.
  return phase == kPhaseHealthy || phase == kPhaseIdle;
}

bool NoneOrEmpty(const std::string& t) { return t.empty() || t == kNone; }

std::string Ago(SystemTime now, SystemTime then) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - then);
  return policy::FormatGoDuration(std::max<policy::Duration>(secs, policy::Duration::zero())) +
         " ago";
}

// One line for a node that is not reverted yet.
std::string Describe(const std::string& node, const NodeState& s, const std::string& target,
                     const UninstallSnapshot& snap) {
  std::string line = "node " + node + ": phase " + (s.phase.empty() ? "unknown" : s.phase) +
                     ", revision on disk " + (s.revision.empty() ? "none" : s.revision);
  if (!s.message.empty()) line += ": " + s.message;
  if (!s.heartbeat || snap.now - *s.heartbeat >= snap.node_stale_after) {
    line += " (its agent has not reported since " +
            (s.heartbeat ? FormatRfc3339(*s.heartbeat) + ", " + Ago(snap.now, *s.heartbeat)
                         : std::string("ever")) +
            ")";
  } else if (!NoneOrEmpty(target)) {
    line += " (kaudit-rollout still gives it revision " + target + ")";
  } else if (!NoneOrEmpty(s.target)) {
    line += " (its agent has not yet seen its new target)";
  }
  return line;
}

}  // namespace

UninstallTracker::Result UninstallTracker::Observe(const std::optional<UninstallRequest>& marker,
                                                   SteadyTime now, policy::Duration grace) {
  if (!marker) {
    seen_absent_ = true;
    tracking_ = false;
    live_ = false;
    return {};
  }
  if (!tracking_ || marker->uid != uid_) {
    // A marker this process saw appear (after seeing none, or replacing another) was created
    // while it watched: somebody is uninstalling now.
    live_ = seen_absent_ || tracking_;
    tracking_ = true;
    uid_ = marker->uid;
    renewed_ = marker->renewed;
    first_seen_ = now;
  } else if (marker->renewed != renewed_) {
    live_ = true;
    renewed_ = marker->renewed;
  }
  if (live_) return {Verdict::kLive, std::nullopt};
  policy::Duration waited = now - first_seen_;
  if (waited >= grace) return {Verdict::kStale, std::nullopt};
  return {Verdict::kPending, grace - waited};
}

UninstallAssessment AssessUninstall(const UninstallSnapshot& s) {
  UninstallAssessment a;
  a.acknowledged = !s.marker_uid.empty() && s.rollout.uninstall == s.marker_uid;
  for (const std::string& node : s.control_plane_nodes) {
    auto it = s.node_states.find(node);
    if (it == s.node_states.end()) {
      a.skipped.push_back(node);
      continue;
    }
    ++a.total;
    const NodeState& st = it->second;
    auto t = s.rollout.targets.find(node);
    std::string target = t == s.rollout.targets.end() ? "" : t->second;
    // Reverted: nothing of kaudit's on disk, the agent at rest, and neither the controller nor
    // the agent holding a revision for this node that could still be applied.
    bool reverted =
        st.revision.empty() && Settled(st.phase) && NoneOrEmpty(st.target) && NoneOrEmpty(target);
    if (reverted) {
      ++a.reverted;
    } else {
      a.pending.push_back(Describe(node, st, target, s));
    }
  }
  std::string nodes = std::to_string(a.reverted) + "/" + std::to_string(a.total) +
                      " control-plane node(s) without kaudit auditing";
  if (s.control_plane_nodes.empty()) {
    a.outcome = UninstallAssessment::Outcome::kNothingToDo;
    a.summary = "no control-plane node in the cluster: nothing to revert";
  } else if (a.total == 0) {
    a.outcome = UninstallAssessment::Outcome::kNothingToDo;
    a.summary = "no kaudit agent has ever reported on any of the " +
                std::to_string(s.control_plane_nodes.size()) +
                " control-plane node(s) (no kaudit-node-<node> ConfigMap): nothing to revert";
  } else if (s.rollout.halt && s.rollout.halt->revision == kNone) {
    const HaltRecord& h = *s.rollout.halt;
    a.outcome = UninstallAssessment::Outcome::kHalted;
    a.summary = "the controller halted the uninstall: node " + h.node + " " + h.phase +
                " the revert" + (h.message.empty() ? "" : ": " + h.message) + "; " + nodes;
  } else if (a.acknowledged && a.reverted == a.total) {
    a.outcome = UninstallAssessment::Outcome::kDone;
    a.summary = nodes;
  } else {
    a.summary = nodes + (a.acknowledged ? "" : "; the controller has not yet taken up the request");
  }
  return a;
}

LeaseView ViewLease(const Json& lease, const std::string& where, SystemTime now, bool moved,
                    policy::Duration since) {
  LeaseView v;
  if (!lease.is_object()) {
    v.description = "Lease " + where + " not found: no kaudit controller is running";
    return v;
  }
  const Json spec = lease.value("spec", Json::object());
  std::string holder = spec.value("holderIdentity", std::string());
  std::string renew = spec.value("renewTime", std::string());
  int64_t secs = spec.value("leaseDurationSeconds", int64_t{15});
  policy::Duration window = 2 * policy::Duration(std::chrono::seconds(std::max<int64_t>(secs, 1)));
  std::optional<SystemTime> renewed = ParseRfc3339(renew);
  if (holder.empty()) {
    v.description = "Lease " + where + " has no holder (the last leader released it" +
                    (renewed ? " at " + renew : std::string()) + ")";
    return v;
  }
  if (moved) {
    v.running = since <= window;
  } else {
    // Not seen moving yet: trust the remote renewTime (with slack for clock skew) only until
    // this process has watched long enough to see a live leader renew.
    v.running = since < window && renewed &&
                now - *renewed <= window + policy::Duration(std::chrono::seconds(5));
  }
  v.description = "Lease " + where + " held by " + holder + ", last renewed " +
                  (renewed ? renew + " (" + Ago(now, *renewed) + ")" : std::string("never"));
  return v;
}

}  // namespace kaudit::controller
