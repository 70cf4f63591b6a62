#include "controller/reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "kube/errors.h"

namespace kaudit::controller {
namespace {

std::string NameOf(const Json& obj) {
  return obj.value("metadata", Json::object()).value("name", std::string());
}

// AlreadyExists on create and NotFound on delete mean the world already is as wanted.
Status Tolerate(const Status& s, bool (*ok_if)(const Status&)) {
  return s.ok() || ok_if(s) ? Status::Ok() : s;
}

}  // namespace

kube::ResourceType AuditProfiles() {
  return {"kaudit.io", "v1alpha1", "auditprofiles", "AuditProfile", false};
}

bool Caches::Synced() const {
  for (const kube::Informer* i : {profiles, configmaps, secrets, nodes, pods}) {
    if (i && !i->HasSynced()) return false;
  }
  return true;
}

Reconciler::Reconciler(kube::Client* client, Caches caches, kube::EventRecorder* events,
                       observability::Registry* metrics, ReconcilerOptions opts)
    : client_(client), caches_(caches), events_(events), metrics_(metrics), opts_(std::move(opts)) {}

World Reconciler::Observe() const {
  World w;
  w.now = std::chrono::system_clock::now();
  w.namespace_name = opts_.namespace_name;
  for (const auto& p : caches_.profiles->List()) w.profiles.push_back({*p});
  std::sort(w.profiles.begin(), w.profiles.end(),
            [](const ProfileObject& a, const ProfileObject& b) { return a.name() < b.name(); });
  for (const auto& cm : caches_.configmaps->List()) {
    std::string name = NameOf(*cm);
    if (name == kRolloutName) {
      w.rollout = RolloutFromConfigMap(*cm);
    } else if (name == kUninstallName) {
      w.uninstall = UninstallFromConfigMap(*cm);
    } else if (name.rfind(kNodeStatePrefix, 0) == 0) {
      StatusOr<NodeState> s = NodeStateFromConfigMap(*cm);
      if (s.ok()) {
        w.node_states[s->node] = std::move(*s);
      } else {
        spdlog::warn("ignoring node state {}: {}", name, s.status().message());
      }
    } else {
      AddStoredRevision(*cm, false, &w.revisions);
    }
  }
  for (const auto& s : caches_.secrets->List()) {
    std::string name = NameOf(*s);
    if (name.rfind(kRevisionPrefix, 0) == 0) AddStoredRevision(*s, true, &w.revisions);
    w.secrets[name] = SecretData(*s);
  }
  std::map<std::string, std::optional<bool>> ready;
  if (caches_.pods) {
    for (const auto& p : caches_.pods->List()) ready[NameOf(*p)] = PodReady(*p);
  }
  for (const auto& n : caches_.nodes->List()) {
    if (!IsControlPlane(*n)) continue;
    std::string name = NameOf(*n);
    auto it = ready.find("kube-apiserver-" + name);
    w.nodes.push_back({name, it == ready.end() ? std::nullopt : it->second});
  }
  std::sort(w.nodes.begin(), w.nodes.end(),
            [](const ControlPlaneNode& a, const ControlPlaneNode& b) { return a.name < b.name; });
  return w;
}

namespace {
std::string RvOf(const Json& obj) {
  return obj.value("metadata", Json::object()).value("resourceVersion", std::string());
}
}  // namespace

void Reconciler::Overlay(World* world) const {
  for (ProfileObject& p : world->profiles) {
    auto it = written_status_.find(p.name());
    if (it != written_status_.end() && it->second.rv_before == RvOf(p.object)) {
      p.object["status"] = it->second.value;
    }
  }
  if (written_rollout_) {
    std::shared_ptr<const Json> cm =
        caches_.configmaps->Get(opts_.namespace_name + "/" + std::string(kRolloutName));
    if ((cm ? RvOf(*cm) : std::string()) == written_rollout_->rv_before) {
      world->rollout = RolloutFromConfigMap(written_rollout_->value);
    }
  }
}

StatusOr<Duration> Reconciler::ReconcileOnce() {
  World world = Observe();
  std::erase_if(written_status_, [&](const auto& e) {
    return std::none_of(world.profiles.begin(), world.profiles.end(),
                        [&](const ProfileObject& p) { return p.name() == e.first; });
  });
  Overlay(&world);
  StatusOr<std::optional<Duration>> recheck = ReviewUninstall(&world);
  if (!recheck.ok()) return recheck.status();
  PlanResult plan = Plan(world, opts_.plan);
  Status st = Apply(plan);
  UpdateMetrics(world, plan);
  if (!st.ok()) return st;
  spdlog::debug("reconciled: {}", plan.summary);
  Duration next = plan.requeue_after.value_or(opts_.plan.resync);
  if (*recheck) {
    next = std::min(next, std::max<Duration>(**recheck, std::chrono::milliseconds(100)));
  }
  return next;
}

StatusOr<std::optional<Duration>> Reconciler::ReviewUninstall(World* world) {
  UninstallTracker::Result r = uninstall_.Observe(
      world->uninstall, std::chrono::steady_clock::now(), opts_.plan.uninstall_grace);
  switch (r.verdict) {
    case UninstallTracker::Verdict::kAbsent:
      return std::optional<Duration>();
    case UninstallTracker::Verdict::kLive:
      world->uninstall->live = true;
      return std::optional<Duration>();
    case UninstallTracker::Verdict::kPending:
      world->uninstall->live = false;
      return r.recheck_in;
    case UninstallTracker::Verdict::kStale:
      break;
  }
  // Not renewed within the grace period: nobody is uninstalling. It is left over (an earlier
  // installation's, or an uninstall that gave up), and must not keep this one disabled.
  const std::string name(kUninstallName);
  kube::DeleteOptions del;
  del.precondition_uid = world->uninstall->uid;  // never a newer request made meanwhile
  Status s = client_->Delete(kube::resources::ConfigMaps(), opts_.namespace_name, name, del);
  if (!s.ok() && !kube::IsNotFound(s) && !kube::IsConflict(s)) {
    return s.WithContext("deleting the stale ConfigMap " + name);
  }
  const std::string& at = world->uninstall->requested_at;
  std::string note = "deleted ConfigMap " + name + " (uninstall requested" +
                     (at.empty() ? "" : " at " + at) +
                     "): it was there when this controller started and was not renewed within " +
                     policy::FormatGoDuration(opts_.plan.uninstall_grace) +
                     ", so no `kaudit uninstall` is waiting for it; the AuditProfiles apply again";
  spdlog::warn("{}", note);
  if (events_) {
    Json regarding = {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata", {{"name", name}, {"namespace", opts_.namespace_name},
                                    {"uid", world->uninstall->uid}}}};
    events_->Record(regarding, "Warning", "StaleUninstallRemoved", "Cleanup", note);
  }
  world->uninstall.reset();
  return std::optional<Duration>();
}

Status Reconciler::Apply(const PlanResult& plan) {
  if (plan.create) KAUDIT_RETURN_IF_ERROR(CreateRevision(*plan.create));
  if (plan.rollout) KAUDIT_RETURN_IF_ERROR(WriteRollout(*plan.rollout));
  // The decisions the events report are now in the API.
  RecordEvents(plan);
  Status statuses = WriteStatuses(plan);
  if (!statuses.ok() && !kube::IsConflict(statuses)) return statuses;
  KAUDIT_RETURN_IF_ERROR(Prune(plan));
  return statuses;
}

Status Reconciler::CreateRevision(const RevisionObjects& objs) {
  const std::string& ns = opts_.namespace_name;
  if (objs.secret) {
    Status s = Tolerate(client_->Create(kube::resources::Secrets(), ns, *objs.secret).status(),
                        kube::IsAlreadyExists);
    if (!s.ok()) return s.WithContext("creating Secret " + RevisionSecretName(objs.revision));
  }
  if (objs.configmap) {
    Status s = client_->Create(kube::resources::ConfigMaps(), ns, *objs.configmap).status();
    if (kube::IsAlreadyExists(s)) return Status::Ok();  // the cache had not seen it yet
    if (!s.ok()) return s.WithContext("creating ConfigMap " + RevisionConfigMapName(objs.revision));
    spdlog::info("stored revision {} (ConfigMap {})", objs.revision,
                 RevisionConfigMapName(objs.revision));
    metrics_->GetCounter("kaudit_revisions_created_total", "Revision ConfigMaps created.").Inc();
  }
  return Status::Ok();
}

Status Reconciler::WriteRollout(const RolloutState& next) {
  std::string name(kRolloutName);
  std::shared_ptr<const Json> cur = caches_.configmaps->Get(opts_.namespace_name + "/" + name);
  Json cm = cur ? *cur
                : Json{{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata",
                        {{"name", name},
                         {"namespace", opts_.namespace_name},
                         {"labels",
                          {{std::string(kLabelManagedBy), "kaudit"},
                           {std::string(kLabelComponent), "rollout"}}}}}};
  cm["data"] = next.targets;
  Json& ann = cm["metadata"]["annotations"];
  if (!ann.is_object()) ann = Json::object();
  if (next.halt) {
    ann[std::string(kAnnotationHalted)] = EncodeHaltRecord(*next.halt);
  } else {
    ann.erase(std::string(kAnnotationHalted));
  }
  if (!next.uninstall.empty()) {
    ann[std::string(kAnnotationUninstall)] = next.uninstall;
  } else {
    ann.erase(std::string(kAnnotationUninstall));
  }
  StatusOr<Json> r = cur ? client_->Update(kube::resources::ConfigMaps(), cm)
                         : client_->Create(kube::resources::ConfigMaps(), opts_.namespace_name, cm);
  if (!r.ok()) return r.status().WithContext("writing ConfigMap " + name);
  written_rollout_ = Written{cur ? RvOf(*cur) : std::string(), *r};
  spdlog::info("rollout: {}", Json(next.targets).dump());
  return Status::Ok();
}

Status Reconciler::WriteStatuses(const PlanResult& plan) {
  // A Conflict means the cache is behind this profile; its newer version is on the way and will
  // trigger another pass, so the other profiles' statuses are still written now.
  Status conflict;
  for (const StatusUpdate& u : plan.statuses) {
    std::shared_ptr<const Json> cur = caches_.profiles->Get(u.profile);
    if (!cur) continue;  // deleted since the plan
    Json obj = *cur;
    obj["status"] = u.status;
    StatusOr<Json> r = client_->UpdateStatus(AuditProfiles(), obj);
    if (r.ok()) written_status_[u.profile] = Written{RvOf(*cur), u.status};
    if (r.ok() || kube::IsNotFound(r.status())) continue;
    if (kube::IsConflict(r.status())) {
      conflict = r.status().WithContext("writing status of AuditProfile " + u.profile);
      continue;
    }
    return r.status().WithContext("writing status of AuditProfile " + u.profile);
  }
  return conflict;
}

Status Reconciler::Prune(const PlanResult& plan) {
  const std::string& ns = opts_.namespace_name;
  // ConfigMaps first: a revision whose ConfigMap is gone is no longer offered to any agent.
  for (const std::string& name : plan.prune_configmaps) {
    Status s = Tolerate(client_->Delete(kube::resources::ConfigMaps(), ns, name), kube::IsNotFound);
    if (!s.ok()) return s.WithContext("deleting ConfigMap " + name);
    metrics_->GetCounter("kaudit_revisions_pruned_total", "Revision ConfigMaps pruned.").Inc();
  }
  for (const std::string& name : plan.prune_secrets) {
    Status s = Tolerate(client_->Delete(kube::resources::Secrets(), ns, name), kube::IsNotFound);
    if (!s.ok()) return s.WithContext("deleting Secret " + name);
  }
  return Status::Ok();
}

void Reconciler::RecordEvents(const PlanResult& plan) {
  if (!events_) return;
  for (const EventSpec& e : plan.events) {
    std::shared_ptr<const Json> obj;
    Json regarding;
    if (e.regarding_kind == "AuditProfile") {
      obj = caches_.profiles->Get(e.regarding_name);
      regarding = obj ? *obj
                      : Json{{"apiVersion", AuditProfiles().ApiVersion()},
                             {"kind", "AuditProfile"},
                             {"metadata", {{"name", e.regarding_name}}}};
    } else {
      obj = caches_.configmaps->Get(opts_.namespace_name + "/" + e.regarding_name);
      regarding = obj ? *obj
                      : Json{{"apiVersion", "v1"},
                             {"kind", "ConfigMap"},
                             {"metadata",
                              {{"name", e.regarding_name}, {"namespace", opts_.namespace_name}}}};
    }
    regarding["apiVersion"] = regarding.value("apiVersion", e.regarding_kind == "ConfigMap"
                                                                ? std::string("v1")
                                                                : AuditProfiles().ApiVersion());
    regarding["kind"] = e.regarding_kind;
    events_->Record(regarding, e.type, e.reason, e.action, e.note);
    if (e.reason == "RolledBack" && e.regarding_kind == "AuditProfile") {
      spdlog::warn("{}: {}", e.regarding_name, e.note);
    }
  }
}

void Reconciler::UpdateMetrics(const World& world, const PlanResult& plan) {
  const char* kNodes = "kaudit_rollout_nodes";
  metrics_->ResetGauges(kNodes);
  for (const NodeSummary& n : plan.nodes) {
    std::string phase = n.phase.empty() ? std::string(kPhaseIdle) : n.phase;
    metrics_->GetGauge(kNodes, "Control-plane nodes with a fresh agent, by agent phase.",
                       {{"phase", phase}}).Add(1);
  }
  std::size_t invalid = plan.invalid_profiles.size();
  metrics_->GetGauge("kaudit_profiles", "AuditProfiles by validity.", {{"state", "valid"}})
      .Set(static_cast<double>(world.profiles.size() - invalid));
  metrics_->GetGauge("kaudit_profiles", "AuditProfiles by validity.", {{"state", "invalid"}})
      .Set(static_cast<double>(invalid));
  const char* kRev = "kaudit_desired_revision_info";
  metrics_->ResetGauges(kRev);
  if (!plan.desired_revision.empty()) {
    metrics_->GetGauge(kRev, "The revision the controller rolls out (1), by id.",
                       {{"revision", plan.desired_revision}}).Set(1);
  }
  if (plan.rollout && plan.rollout->halt && !world.rollout.halt) {
    metrics_->GetCounter("kaudit_rollout_halts_total", "Rollouts halted by a node's rollback.")
        .Inc();
  }
  const char* kBytes = "kaudit_node_audit_log_bytes";
  const char* kLast = "kaudit_node_audit_log_last_write_timestamp_seconds";
  metrics_->ResetGauges(kBytes);
  metrics_->ResetGauges(kLast);
  for (const auto& [node, s] : world.node_states) {
    metrics_->GetGauge(kBytes, "Size of the audit log on the node, as its agent reports.",
                       {{"node", node}}).Set(static_cast<double>(s.audit_log_bytes));
    if (std::optional<SystemTime> t = ParseRfc3339(s.audit_log_last_write)) {
      metrics_->GetGauge(kLast, "Last write to the node's audit log (unix seconds).",
                         {{"node", node}})
          .Set(std::chrono::duration<double>(t->time_since_epoch()).count());
    }
  }
}

}  // namespace kaudit::controller
