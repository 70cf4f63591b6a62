// The status part of Plan(): conditions with messages a person can act on, nodes[], warnings.
#include <algorithm>

#include "controller/plan_internal.h"

namespace kaudit::controller::internal {
namespace {

struct Cond {
  std::string type, status, reason, message;
};

std::string Join(const std::vector<std::string>& v, const std::string& sep, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) out += (i ? sep : "") + v[i];
  if (v.size() > max) out += sep + "(and " + std::to_string(v.size() - max) + " more)";
  return out;
}

std::string Progress(const RolloutDecision& r, const std::string& rev) {
  return std::to_string(r.done) + "/" + std::to_string(r.nodes.size()) +
         " control-plane nodes on revision " + rev;
}

std::string StaleNote(const RolloutDecision& r) {
  if (r.stale == 0) return "";
  return " (" + std::to_string(r.stale) +
         " control-plane node(s) left out: no kaudit agent reported within --node-stale-after)";
}

std::vector<Cond> InvalidConds(const ProfileEval& p) {
  std::string msg = "the profile is invalid and is left out of the audit configuration: " +
                    Join(p.errors, "; ", 5) + ". Fix the spec (kaudit validate/lint can check it)";
  return {{"Ready", "False", "InvalidSpec", msg},
          {"Progressing", "False", "InvalidSpec", "nothing of this profile rolls out"},
          {"Degraded", "True", "InvalidSpec", msg}};
}

std::vector<Cond> BlockedConds(const ProfileEval& p, const Outcome& o) {
  std::string msg = o.blocked_profile == p.name
                        ? o.blocked_message
                        : "the audit configuration cannot be rendered because of profile \"" +
                              o.blocked_profile + "\": " + o.blocked_message;
  msg += "; nothing rolls out until this is fixed";
  std::string reason = o.blocked_profile == p.name ? o.blocked_reason : "Blocked";
  return {{"Ready", "False", reason, msg},
          {"Progressing", "False", reason, "rollout blocked"},
          {"Degraded", "True", reason, msg}};
}

std::vector<Cond> RolloutConds(const Outcome& o) {
  const RolloutDecision& r = *o.rollout;
  const std::string& rev = o.revision;
  std::string what = rev == kNone ? "no kaudit auditing" : "revision " + rev;
  Cond degraded{"Degraded", "False", "AsExpected", "no node has rolled back"};
  switch (r.phase) {
    case RolloutPhase::kNoNodes:
      return {{"Ready", "False", "NoNodes",
               "no control-plane node runs a kaudit agent that reported within --node-stale-after"
               " (ConfigMaps kaudit-node-<node>); check the agent DaemonSet" + StaleNote(r)},
              {"Progressing", "False", "NoNodes", "waiting for an agent"}, degraded};
    case RolloutPhase::kComplete:
      return {{"Ready", "True", "RolloutComplete",
               what + " is active on all " + std::to_string(r.nodes.size()) +
                   " control-plane node(s)" + StaleNote(r)},
              {"Progressing", "False", "RolloutComplete", Progress(r, rev)}, degraded};
    case RolloutPhase::kPaused: {
      std::string msg = "rollout paused by spec.rollout.paused on " + Join(o.paused_by, ", ", 5) +
                        "; " + Progress(r, rev) + ". Set paused to false to continue";
      bool all = r.done == static_cast<int>(r.nodes.size()) && !r.nodes.empty();
      return {{"Ready", all ? "True" : "False", all ? "RolloutComplete" : "Paused",
               all ? what + " is active on all control-plane nodes" : msg},
              {"Progressing", "False", "Paused", msg}, degraded};
    }
    case RolloutPhase::kHalted: {
      const HaltRecord& h = *r.next.halt;
      std::string msg = "node " + h.node + " " + h.phase + " revision " + h.revision +
                        (h.message.empty() ? "" : ": " + h.message) +
                        "; it was sent back to " + h.fallback +
                        " and no other node gets this revision. Fix the profiles (a spec change "
                        "makes a new revision), or set annotation kaudit.io/retry to a new value "
                        "on any AuditProfile to try again";
      if (r.waiting_retry_ack) {
        msg += ". Retry requested: waiting for node " + h.node +
               "'s agent to report its fallback revision first";
      }
      return {{"Ready", "False", "RolledBack", msg},
              {"Progressing", "False", "RolloutHalted", Progress(r, rev)},
              {"Degraded", "True", "RolledBack", msg}};
    }
    case RolloutPhase::kProgressing:
      break;
  }
  std::string msg = "rolling out " + what + ", one node at a time: " + Progress(r, rev) +
                    (r.busy_node.empty() ? "" : "; updating node " + r.busy_node) + StaleNote(r);
  return {{"Ready", "False", "RollingOut", msg}, {"Progressing", "True", "RollingOut", msg},
          degraded};
}

// Every profile while kaudit-uninstall is honoured: none of them is applied, and a person
// must be able to tell why auditing is going away and how to stop it.
std::vector<Cond> UninstallConds(const Outcome& o) {
  const RolloutDecision& r = *o.rollout;
  const UninstallRequest& u = *o.uninstall;
  std::string head = "kaudit is being uninstalled (ConfigMap " + o.uninstall_where +
                     (u.requested_by.empty() ? "" : ", requested by " + u.requested_by) +
                     (u.requested_at.empty() ? "" : " at " + u.requested_at) +
                     "): this profile is not applied; ";
  std::string cancel = ". To cancel, delete ConfigMap " + o.uninstall_where;
  std::string done = std::to_string(r.done) + "/" + std::to_string(r.nodes.size()) +
                     " control-plane nodes without kaudit auditing";
  Cond degraded{"Degraded", "False", "AsExpected", "no node has rolled back"};
  if (!u.live) {
    std::string msg = head + "the request was there before this controller started and has "
                      "not been renewed since, so the rollout is frozen: a running `kaudit "
                      "uninstall` renews it within " +
                      policy::FormatGoDuration(kUninstallRenewEvery) +
                      "; otherwise it is left over from an earlier installation and is deleted "
                      "after " + policy::FormatGoDuration(o.uninstall_grace) + "; " + done;
    return {{"Ready", "False", "Uninstalling", msg},
            {"Progressing", "False", "Uninstalling", msg}, degraded};
  }
  if (r.phase == RolloutPhase::kHalted) {
    std::vector<Cond> c = RolloutConds(o);
    for (Cond& x : c) {
      if (x.type != "Progressing") x.message = head + x.message;
    }
    return c;
  }
  if (r.phase == RolloutPhase::kNoNodes) {
    std::string msg = head + "no control-plane node runs a kaudit agent that reported within "
                      "--node-stale-after, so there is nothing to revert" + StaleNote(r) + cancel;
    return {{"Ready", "False", "Uninstalling", msg},
            {"Progressing", "False", "Uninstalling", msg}, degraded};
  }
  if (r.phase == RolloutPhase::kComplete) {
    std::string msg = head + "no kaudit auditing is left on all " +
                      std::to_string(r.nodes.size()) + " control-plane node(s)" + StaleNote(r) +
                      cancel;
    return {{"Ready", "False", "Uninstalling", msg},
            {"Progressing", "False", "Uninstalling", msg}, degraded};
  }
  std::string msg = head + "removing kaudit's audit settings one node at a time: " + done +
                    (r.busy_node.empty() ? "" : "; updating node " + r.busy_node) + StaleNote(r) +
                    cancel;
  return {{"Ready", "False", "Uninstalling", msg}, {"Progressing", "True", "Uninstalling", msg},
          degraded};
}

Json NodesJson(const RolloutDecision& r, SystemTime now) {
  Json nodes = Json::array();
  for (const NodeView& n : r.nodes) {
    std::string msg = n.state.message;
    if (n.apiserver_ready == false) {
      msg += std::string(msg.empty() ? "" : "; ") + "kube-apiserver mirror pod is not Ready";
    }
    if (!n.done && !n.in_flight && !n.halted && msg.empty()) msg = "waiting for its turn";
    nodes.push_back({{"name", n.name},
                     {"revision", n.state.revision},
                     {"phase", n.state.phase.empty() ? std::string(kPhaseIdle) : n.state.phase},
                     {"message", msg},
                     {"lastTransitionTime", FormatRfc3339(now)}});
  }
  return nodes;
}

// kstatus (sigs.k8s.io/cli-utils), which Flux, kpt and `kubectl`-side tooling use for custom
// resources, reads only the "abnormal-true" types Reconciling and Stalled: derived here from
// Ready and Degraded so those tools see a rollout in progress and a halted one without a
// custom health check.
void AddKstatusConds(std::vector<Cond>* conds) {
  Cond ready{"Ready", "Unknown", "", ""};
  Cond degraded{"Degraded", "False", "", ""};
  for (const Cond& c : *conds) {
    if (c.type == "Ready") ready = c;
    if (c.type == "Degraded") degraded = c;
  }
  bool stalled = degraded.status == "True";
  bool working = ready.status != "True" && !stalled;
  conds->push_back({"Reconciling", working ? "True" : "False", ready.reason, ready.message});
  conds->push_back({"Stalled", stalled ? "True" : "False", stalled ? degraded.reason : "AsExpected",
                    stalled ? degraded.message : "nothing needs a person"});
}

}  // namespace

Json BuildStatus(const ProfileEval& p, const Outcome& o, SystemTime now) {
  Json st = Json::object();
  if (p.object) st["observedGeneration"] = p.object->generation();
  std::vector<Cond> conds;
  if (o.uninstall && o.rollout) {
    conds = UninstallConds(o);
    st["revision"] = o.revision;
  } else if (!p.profile) {
    conds = InvalidConds(p);
  } else if (!o.blocked_profile.empty()) {
    conds = BlockedConds(p, o);
  } else {
    conds = RolloutConds(o);
    st["revision"] = o.revision;
  }
  if (o.rollout && (p.profile || o.uninstall)) {
    st["nodes"] = NodesJson(*o.rollout, now);
    st["nodesSummary"] = std::to_string(o.rollout->done) + "/" +
                         std::to_string(o.rollout->nodes.size());
  }
  AddKstatusConds(&conds);
  if (!p.conflicts.empty()) {
    conds.push_back({"Conflicted", "True", "SettingOverridden", Join(p.conflicts, "; ", 5)});
  }
  Json cj = Json::array();
  for (const Cond& c : conds) {
    Json j = {{"type", c.type}, {"status", c.status}, {"reason", c.reason},
              {"message", c.message}, {"lastTransitionTime", FormatRfc3339(now)}};
    if (p.object) j["observedGeneration"] = p.object->generation();
    cj.push_back(std::move(j));
  }
  st["conditions"] = std::move(cj);
  if (!p.warnings.empty()) st["warnings"] = p.warnings;
  return st;
}

bool MergeStatus(const Json& old_status, Json* st) {
  auto find = [](const Json& arr, const char* key, const Json& value) -> const Json* {
    if (!arr.is_array()) return nullptr;
    for (const Json& e : arr) {
      if (e.is_object() && e.value(key, Json()) == value) return &e;
    }
    return nullptr;
  };
  const Json empty;
  const Json& old_conds = old_status.is_object() ? old_status.value("conditions", empty) : empty;
  for (Json& c : (*st)["conditions"]) {
    const Json* o = find(old_conds, "type", c["type"]);
    if (o && o->value("status", "") == c["status"] && o->contains("lastTransitionTime")) {
      c["lastTransitionTime"] = (*o)["lastTransitionTime"];
    }
  }
  if (st->contains("nodes")) {
    const Json& old_nodes = old_status.is_object() ? old_status.value("nodes", empty) : empty;
    for (Json& n : (*st)["nodes"]) {
      const Json* o = find(old_nodes, "name", n["name"]);
      if (o && o->value("phase", "") == n["phase"] && o->value("revision", "") == n["revision"] &&
          o->contains("lastTransitionTime")) {
        n["lastTransitionTime"] = (*o)["lastTransitionTime"];
      }
    }
  }
  return *st != old_status;
}

std::vector<std::string> EventTargets(const std::vector<ProfileEval>& profiles, std::size_t max) {
  std::vector<const ProfileEval*> c;
  for (const ProfileEval& p : profiles) {
    if (p.contributes) c.push_back(&p);
  }
  std::sort(c.begin(), c.end(), [](const ProfileEval* a, const ProfileEval* b) {
    if (a->profile->priority != b->profile->priority) {
      return a->profile->priority > b->profile->priority;
    }
    return a->name < b->name;
  });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < c.size() && i < max; ++i) out.push_back(c[i]->name);
  return out;
}

std::vector<EventSpec> RolloutEvents(const std::vector<ProfileEval>& profiles, const Outcome& o,
                                     std::size_t max_targets) {
  std::vector<EventSpec> out;
  if (!o.rollout || o.revision.empty()) return out;
  const RolloutDecision& r = *o.rollout;
  auto add = [&](const std::string& type, const std::string& reason, const std::string& note) {
    std::vector<std::string> targets = EventTargets(profiles, max_targets);
    if (targets.empty()) {
      out.push_back({type, reason, "Rollout", note, "ConfigMap", std::string(kRolloutName)});
    }
    for (const std::string& t : targets) out.push_back({type, reason, "Rollout", note, "AuditProfile", t});
  };
  std::string what = o.uninstall          ? "no kaudit auditing (uninstall)"
                     : o.revision == kNone ? "no kaudit auditing (revert)"
                                           : "revision " + o.revision;
  if (r.retried) add("Normal", "RolloutRetried", "retry requested through kaudit.io/retry: " + what);
  if (r.halted_now) {
    const HaltRecord& h = *r.next.halt;
    add("Warning", "RolledBack",
        "node " + h.node + " " + h.phase + " " + what + (h.message.empty() ? "" : ": " + h.message) +
            "; rollout halted");
  }
  if (!r.moved.empty()) {
    if (r.started) {
      add("Normal", "RolloutStarted", "rolling out " + what + " to " +
                                          std::to_string(r.nodes.size()) +
                                          " control-plane node(s), starting with " + r.moved);
    }
    add("Normal", "NodeUpdating", "node " + r.moved + " is given " + what);
  }
  return out;
}

}  // namespace kaudit::controller::internal
