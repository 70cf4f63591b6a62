// The rollout part of Plan(): which node moves next, when to wait, when to halt.
#include <algorithm>

#include "controller/plan_internal.h"

namespace kaudit::controller::internal {
namespace {

bool Active(const std::string& phase) {
  return phase == kPhaseApplying || phase == kPhaseWaitingHealthy;
}
bool Broken(const std::string& phase) {
  return phase == kPhaseRolledBack || phase == kPhaseFailed;
}

// The agent reports target "" for "no entry"; "none" and "" both mean nothing kaudit applies.
bool SameTarget(const std::string& a, const std::string& b) {
  auto norm = [](const std::string& s) { return s.empty() ? std::string(kNone) : s; };
  return norm(a) == norm(b);
}

void Classify(const std::string& desired, NodeView* n) {
  const NodeState& s = n->state;
  const bool revert = desired == kNone;
  const bool has_target = !n->target.empty();
  if (revert) {
    n->done = s.revision.empty() && !Active(s.phase) && !Broken(s.phase) &&
              (!has_target || n->target == kNone);
  } else {
    n->done = n->target == desired && s.target == desired && s.revision == desired &&
              s.phase == kPhaseHealthy;
  }
  n->halted = !n->done && n->target == desired && s.target == desired && Broken(s.phase);
  const bool target_ok = n->target == desired;
  n->in_flight = !n->done && !n->halted &&
                 (target_ok || (has_target && !SameTarget(n->target, s.target)) ||
                  Active(s.phase));
}

std::vector<NodeView> FreshNodes(const World& world, const std::map<std::string, std::string>& targets,
                                 const PlanOptions& opts, int* stale) {
  std::vector<NodeView> out;
  for (const ControlPlaneNode& n : world.nodes) {
    auto it = world.node_states.find(n.name);
    if (it == world.node_states.end() || !IsFresh(it->second, world.now, opts.node_stale_after)) {
      ++*stale;
      continue;
    }
    NodeView v;
    v.name = n.name;
    v.state = it->second;
    v.apiserver_ready = n.apiserver_ready;
    auto t = targets.find(n.name);
    if (t != targets.end()) v.target = t->second;
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(),
            [](const NodeView& a, const NodeView& b) { return a.name < b.name; });
  return out;
}

// Halt bookkeeping: drop a halt the desired revision no longer concerns; honour a retry.
void ReviewHalt(const World& world, const std::string& desired,
                const std::map<std::string, std::string>& retry, const PlanOptions& opts,
                RolloutDecision* d) {
  std::optional<HaltRecord>& halt = d->next.halt;
  if (!halt) return;
  if (halt->revision != desired) {
    halt.reset();  // the spec changed: the rolled-back revision is no longer wanted
    return;
  }
  if (halt->retry == retry) return;
  // Retry only once the halted node's agent has reported the fallback it was sent to, so its
  // old RolledBack report cannot be taken for a new one.
  auto it = world.node_states.find(halt->node);
  bool acknowledged = it == world.node_states.end() ||
                      !IsFresh(it->second, world.now, opts.node_stale_after) ||
                      it->second.target != halt->revision;
  if (acknowledged) {
    halt.reset();
    d->retried = true;
  } else {
    d->waiting_retry_ack = true;
  }
}

// A node that rolled back (or failed) on the desired revision halts the rollout; it is sent back
// to the revision it is on now, so a retry is a change of its target the agent will act on.
void DetectRollback(const std::string& desired, const std::map<std::string, std::string>& retry,
                    RolloutDecision* d) {
  for (NodeView& n : d->nodes) {
    if (!n.halted) continue;
    std::string fallback = n.state.revision.empty() ? std::string(kNone) : n.state.revision;
    d->next.halt = HaltRecord{desired, n.name, n.state.phase, n.state.message, fallback, retry};
    d->next.targets[n.name] = fallback;
    n.target = fallback;
    d->halted_now = true;
    return;
  }
}

void MoveNext(const std::string& desired, RolloutDecision* d) {
  for (const NodeView& n : d->nodes) {
    if (n.in_flight || n.halted) {
      d->busy_node = n.name;
      return;
    }
  }
  std::vector<NodeView*> candidates;
  for (NodeView& n : d->nodes) {
    if (!n.done) candidates.push_back(&n);
  }
  if (candidates.empty()) return;
  auto unhealthy = [](const NodeView* n) {
    return n->state.phase != kPhaseHealthy || n->apiserver_ready == false;
  };
  std::stable_sort(candidates.begin(), candidates.end(), [&](const NodeView* a, const NodeView* b) {
    return unhealthy(a) > unhealthy(b);
  });
  NodeView* next = candidates.front();
  bool any_on_desired = std::any_of(d->nodes.begin(), d->nodes.end(), [&](const NodeView& n) {
    return n.done || n.target == desired;
  });
  d->started = !any_on_desired;
  next->target = desired;
  d->next.targets[next->name] = desired;
  d->moved = next->name;
  d->busy_node = next->name;
  Classify(desired, next);
}

}  // namespace

bool IsFresh(const NodeState& s, SystemTime now, Duration stale_after) {
  return s.heartbeat && now - *s.heartbeat < stale_after;
}

RolloutDecision DecideRollout(const World& world, const std::string& desired, bool paused,
                              const std::map<std::string, std::string>& retry,
                              const PlanOptions& opts) {
  RolloutDecision d;
  d.next = world.rollout;
  d.nodes = FreshNodes(world, d.next.targets, opts, &d.stale);
  for (NodeView& n : d.nodes) Classify(desired, &n);
  if (paused) {
    d.phase = RolloutPhase::kPaused;
  } else {
    ReviewHalt(world, desired, retry, opts, &d);
    if (!d.next.halt) DetectRollback(desired, retry, &d);
    if (d.next.halt) {
      d.phase = RolloutPhase::kHalted;
    } else {
      MoveNext(desired, &d);
    }
  }
  for (const NodeView& n : d.nodes) d.done += n.done ? 1 : 0;
  if (d.phase != RolloutPhase::kPaused && d.phase != RolloutPhase::kHalted) {
    if (d.nodes.empty()) {
      d.phase = RolloutPhase::kNoNodes;
    } else if (d.done == static_cast<int>(d.nodes.size())) {
      d.phase = RolloutPhase::kComplete;
    } else {
      d.phase = RolloutPhase::kProgressing;
    }
  }
  return d;
}

}  // namespace kaudit::controller::internal
