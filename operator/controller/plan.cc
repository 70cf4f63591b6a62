#include "controller/plan.h"

#include <algorithm>

#include "controller/plan_internal.h"
#include "kyaml/parse.h"
#include "policy/lint.h"
#include "policy/render.h"

namespace kaudit::controller {
namespace {

using internal::Outcome;
using internal::ProfileEval;
using internal::RolloutDecision;
using internal::RolloutPhase;

ProfileEval Evaluate(const ProfileObject& obj, const PlanOptions& opts) {
  ProfileEval e;
  e.object = &obj;
  e.name = obj.name();
  Json o = obj.object;
  // Items of a list may come without their kind; the decoder wants it.
  o["apiVersion"] = o.value("apiVersion", std::string(policy::kProfileApiVersion));
  o["kind"] = o.value("kind", std::string(policy::kProfileKind));
  StatusOr<kyaml::Document> doc = kyaml::ParseFirstDocument(o.dump());
  if (!doc.ok()) {
    e.errors.push_back(doc.status().message());
    return e;
  }
  policy::ProfileOptions popts;
  popts.allowed_log_root = opts.allowed_log_root;
  policy::ProfileParseResult r = policy::DecodeProfile(doc->root, e.name, popts);
  e.errors = r.errors;
  e.warnings = r.warnings;
  if (r.ok() && r.profiles.size() == 1) {
    e.profile = std::move(r.profiles.front());
    e.paused = e.profile->rollout.paused.value_or(false);
  } else if (e.errors.empty()) {
    e.errors.push_back("the object could not be decoded as an AuditProfile");
  }
  return e;
}

// Composition order (policy/render.h): priority high first, then name.
std::vector<ProfileEval*> Ordered(std::vector<ProfileEval>& evals) {
  std::vector<ProfileEval*> out;
  for (ProfileEval& e : evals) {
    if (e.profile) out.push_back(&e);
  }
  std::sort(out.begin(), out.end(), [](const ProfileEval* a, const ProfileEval* b) {
    if (a->profile->priority != b->profile->priority) {
      return a->profile->priority > b->profile->priority;
    }
    return a->name < b->name;
  });
  return out;
}

// The kubeconfig the winning webhook profile references, or why it cannot be used.
bool WebhookKubeconfig(const World& world, const std::vector<ProfileEval*>& ordered,
                       policy::RenderOptions* ro, Outcome* o) {
  for (const ProfileEval* p : ordered) {
    if (!p->profile->webhook) continue;
    const policy::WebhookBackendSpec& w = *p->profile->webhook;
    std::string where = "Secret " + world.namespace_name + "/" + w.secret_name;
    o->blocked_profile = p->name;
    o->blocked_reason = "WebhookSecretInvalid";
    auto s = world.secrets.find(w.secret_name);
    if (s == world.secrets.end()) {
      o->blocked_message = where + " (spec.backends.webhook.kubeconfigSecretRef.name) not found";
      return false;
    }
    auto k = s->second.find(w.secret_key);
    if (k == s->second.end()) {
      o->blocked_message = where + " has no key \"" + w.secret_key +
                           "\" (spec.backends.webhook.kubeconfigSecretRef.key)";
      return false;
    }
    Status st = policy::CheckWebhookKubeconfig(k->second);
    if (!st.ok()) {
      o->blocked_message = where + " key \"" + w.secret_key +
                           "\" does not hold a usable kubeconfig: " + st.message();
      return false;
    }
    o->blocked_profile.clear();
    o->blocked_reason.clear();
    ro->webhook_kubeconfig = k->second;
    return true;
  }
  return true;
}

void AssignLint(const policy::RenderedConfig& r, const PlanOptions& opts,
                std::vector<ProfileEval>& evals) {
  auto by_name = [&](const std::string& n) -> ProfileEval* {
    for (ProfileEval& e : evals) {
      if (e.name == n) return &e;
    }
    return nullptr;
  };
  for (const policy::Finding& f : policy::Lint(r.policy)) {
    if (f.severity == policy::Severity::kInfo) continue;
    std::string text = std::string(f.code) + ": " + f.message;
    if (f.rule_index < 0) {
      for (ProfileEval& e : evals) {
        if (e.contributes) e.warnings.push_back("policy: " + text);
      }
      continue;
    }
    if (static_cast<std::size_t>(f.rule_index) >= r.origins.size()) continue;
    const policy::RuleOrigin& o = r.origins[static_cast<std::size_t>(f.rule_index)];
    if (o.kind == policy::RuleOrigin::Kind::kPreamble) continue;
    ProfileEval* e = by_name(o.profile);
    if (!e) continue;
    std::string where = o.kind == policy::RuleOrigin::Kind::kProfile
                            ? "spec.rules[" + std::to_string(o.rule_index) + "]"
                            : "spec.preset rule " + std::to_string(o.rule_index);
    e->warnings.push_back(where + ": " + text);
  }
  for (ProfileEval& e : evals) {
    if (e.warnings.size() > opts.max_warnings) {
      std::size_t more = e.warnings.size() - opts.max_warnings;
      e.warnings.resize(opts.max_warnings);
      e.warnings.push_back("(and " + std::to_string(more) + " more; run kaudit lint)");
    }
  }
}

std::optional<policy::RenderedConfig> RenderValid(const World& world, const PlanOptions& opts,
                                                  std::vector<ProfileEval>& evals, Outcome* o) {
  std::vector<ProfileEval*> ordered = Ordered(evals);
  policy::RenderOptions ro;
  ro.now = world.now;
  ro.locked_preamble = opts.locked_preamble;
  ro.allowed_log_root = opts.allowed_log_root;
  if (!WebhookKubeconfig(world, ordered, &ro, o)) return std::nullopt;
  std::vector<policy::AuditProfile> profiles;
  for (const ProfileEval* p : ordered) profiles.push_back(*p->profile);
  StatusOr<policy::RenderedConfig> r = policy::Render(profiles, ro);
  if (!r.ok()) {
    o->blocked_profile = ordered.front()->name;
    o->blocked_reason = "RenderFailed";
    o->blocked_message = "rendering the effective policy failed: " + r.status().message();
    return std::nullopt;
  }
  for (ProfileEval* p : ordered) {
    p->contributes = true;
    if (p->paused) o->paused_by.push_back(p->name);
  }
  for (const policy::Conflict& c : r->conflicts) {
    for (ProfileEval& e : evals) {
      if (e.name == c.profile) e.conflicts.push_back(c.message);
    }
  }
  AssignLint(*r, opts, evals);
  o->revision = r->revision;
  return std::move(*r);
}

const Json* FindIn(const Json& arr, const char* key, const std::string& value) {
  if (!arr.is_array()) return nullptr;
  for (const Json& e : arr) {
    if (e.is_object() && e.value(key, std::string()) == value) return &e;
  }
  return nullptr;
}

// NodeUpdated / RolloutComplete / InvalidSpec: transitions seen against the stored status.
void TransitionEvents(const std::vector<ProfileEval>& evals, const Outcome& o,
                      std::size_t max_targets, PlanResult* res) {
  for (const ProfileEval& e : evals) {
    // Under an uninstall every profile reports Uninstalling, not InvalidSpec.
    if (e.profile || o.uninstall) continue;
    const Json conds = e.object->status().value("conditions", Json());
    const Json* ready = FindIn(conds, "type", "Ready");
    bool reported = ready && ready->value("reason", "") == "InvalidSpec" &&
                    ready->value("observedGeneration", int64_t{-1}) == e.object->generation();
    if (!reported) {
      res->events.push_back({"Warning", "InvalidSpec", "Validate",
                             "invalid profile left out of the audit configuration: " +
                                 (e.errors.empty() ? std::string() : e.errors.front()),
                             "AuditProfile", e.name});
    }
  }
  if (!o.rollout || o.revision.empty() || !o.blocked_profile.empty()) return;
  const ProfileEval* lead = nullptr;
  for (const ProfileEval& e : evals) {
    if (e.contributes && (!lead || e.name < lead->name)) lead = &e;
  }
  if (!lead) return;
  const Json& old = lead->object->status();
  const Json old_nodes = old.value("nodes", Json());
  std::vector<std::string> updated;
  for (const internal::NodeView& n : o.rollout->nodes) {
    const Json* on = FindIn(old_nodes, "name", n.name);
    bool was = on && on->value("revision", "") == o.revision && on->value("phase", "") == kPhaseHealthy;
    if (n.done && !was) updated.push_back(n.name);
  }
  std::vector<EventSpec> ev;
  for (const std::string& n : updated) {
    ev.push_back({"Normal", "NodeUpdated", "Rollout",
                  "node " + n + " is Healthy on revision " + o.revision, "", ""});
  }
  const Json old_conds = old.value("conditions", Json());
  const Json* ready = FindIn(old_conds, "type", "Ready");
  bool was_complete = ready && ready->value("status", "") == "True" &&
                      old.value("revision", "") == o.revision;
  if (o.rollout->phase == RolloutPhase::kComplete && !was_complete) {
    ev.push_back({"Normal", "RolloutComplete", "Rollout",
                  "revision " + o.revision + " is active on all " +
                      std::to_string(o.rollout->nodes.size()) + " control-plane node(s)",
                  "", ""});
  }
  for (EventSpec& x : ev) {
    for (const std::string& name : internal::EventTargets(evals, max_targets)) {
      x.regarding_kind = "AuditProfile";
      x.regarding_name = name;
      res->events.push_back(x);
    }
  }
}

std::optional<Duration> NextWake(const World& world, const std::optional<SystemTime>& expiry,
                                 const PlanOptions& opts) {
  Duration wake = opts.resync;
  if (expiry) wake = std::min<Duration>(wake, *expiry - world.now);
  for (const auto& [node, s] : world.node_states) {
    if (!internal::IsFresh(s, world.now, opts.node_stale_after)) continue;
    wake = std::min<Duration>(wake, *s.heartbeat + opts.node_stale_after - world.now);
  }
  return std::max<Duration>(wake, std::chrono::milliseconds(100));
}

}  // namespace

PlanResult Plan(const World& world, const PlanOptions& opts) {
  PlanResult res;
  std::vector<ProfileEval> evals;
  std::map<std::string, std::string> retry;
  for (const ProfileObject& p : world.profiles) {
    evals.push_back(Evaluate(p, opts));
    if (!evals.back().profile) res.invalid_profiles.push_back(evals.back().name);
    if (!p.retry().empty()) retry[p.name()] = p.retry();
  }
  Outcome o;
  std::optional<policy::RenderedConfig> rendered;
  if (world.uninstall) {
    // Nothing is rendered or stored: the profiles stay, but none of them is applied.
    o.revision = std::string(kNone);
    o.uninstall = &*world.uninstall;
    o.uninstall_where = world.namespace_name + "/" + std::string(kUninstallName);
    o.uninstall_grace = opts.uninstall_grace;
  } else if (world.profiles.empty()) {
    o.revision = std::string(kNone);
  } else if (res.invalid_profiles.size() < world.profiles.size()) {
    rendered = RenderValid(world, opts, evals, &o);
  }
  RolloutDecision decision;
  if (!o.revision.empty()) {
    // An uninstall overrides spec.rollout.paused (the newer, explicit wish), but a request not
    // yet trusted freezes the rollout: nothing moves either way until it is renewed or removed.
    bool frozen = o.uninstall ? !o.uninstall->live : !o.paused_by.empty();
    decision = internal::DecideRollout(world, o.revision, frozen, retry, opts);
    o.rollout = &decision;
    if (!world.uninstall) {
      decision.next.uninstall.clear();
    } else if (world.uninstall->live) {
      decision.next.uninstall = world.uninstall->uid;  // the acknowledgement the command awaits
    }
    const RolloutState& cur = world.rollout;
    if (decision.next.targets != cur.targets || decision.next.halt != cur.halt ||
        decision.next.uninstall != cur.uninstall) {
      res.rollout = decision.next;
    }
    for (const internal::NodeView& n : decision.nodes) {
      res.nodes.push_back({n.name, n.state.phase, n.done});
    }
  }
  res.desired_revision = o.revision;
  if (rendered) {
    RevisionObjects objs = internal::MakeRevisionObjects(*rendered, world.namespace_name);
    auto it = std::find_if(world.revisions.begin(), world.revisions.end(),
                           [&](const StoredRevision& r) { return r.id == rendered->revision; });
    if (it != world.revisions.end() && it->has_configmap) objs.configmap.reset();
    if (it != world.revisions.end() && it->has_secret) objs.secret.reset();
    if (objs.configmap || objs.secret) res.create = std::move(objs);
  }
  internal::PlanPrune(world, o.revision, res.rollout ? *res.rollout : world.rollout, opts, &res);
  for (const ProfileEval& e : evals) {
    Json st = internal::BuildStatus(e, o, world.now);
    if (internal::MergeStatus(e.object->status(), &st)) res.statuses.push_back({e.name, st});
  }
  res.events = internal::RolloutEvents(evals, o, opts.max_event_profiles);
  TransitionEvents(evals, o, opts.max_event_profiles, &res);
  res.requeue_after = NextWake(world, rendered ? rendered->next_expiry : std::nullopt, opts);
  res.summary = "revision=" + (o.revision.empty() ? std::string("<blocked>") : o.revision) +
                " nodes=" + std::to_string(decision.done) + "/" +
                std::to_string(decision.nodes.size()) +
                (decision.moved.empty() ? "" : " moved=" + decision.moved) +
                (decision.next.halt ? " halted-on=" + decision.next.halt->node : "") +
                (o.blocked_profile.empty() ? "" : " blocked-by=" + o.blocked_profile) +
                (!o.uninstall ? "" : o.uninstall->live ? " uninstall=live" : " uninstall=pending");
  return res;
}

}  // namespace kaudit::controller
