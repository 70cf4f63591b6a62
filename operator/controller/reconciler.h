// Reconciler: one pass of the controller. Reads the informers' caches into a World, asks Plan()
// (plan.h) what to do, and does it against the API server, in an order that is safe to stop at
// any point: webhook Secret, then revision ConfigMap (so a revision ConfigMap always has its
// Secret), then kaudit-rollout, then profile statuses (status subresource, only when changed),
// then pruning, then events (best effort, never failing the pass). Before planning, a
// kaudit-uninstall ConfigMap left over from an earlier installation is deleted (uninstall.h).
//
// Writes carry the resourceVersion the cache showed, so a decision made on a stale view loses
// with 409 Conflict and the pass is retried (requeued with backoff) on a fresher view: that is
// the conflict retry, and why an update is never lost.
//
// Thread safety: ReconcileOnce() from one thread at a time (the single work-queue key ensures it).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "controller/plan.h"
#include "controller/uninstall.h"
#include "kube/client.h"
#include "kube/events.h"
#include "kube/informer.h"
#include "observability/metrics.h"

namespace kaudit::controller {

kube::ResourceType AuditProfiles();

// The caches a reconcile reads; owned by the Manager.
struct Caches {
  kube::Informer* profiles = nullptr;
  kube::Informer* configmaps = nullptr;  // in the namespace
  kube::Informer* secrets = nullptr;     // in the namespace
  kube::Informer* nodes = nullptr;
  kube::Informer* pods = nullptr;  // kube-apiserver mirror pods in kube-system
  bool Synced() const;
};

struct ReconcilerOptions {
  std::string namespace_name = "kaudit-system";
  PlanOptions plan;
};

class Reconciler {
 public:
  Reconciler(kube::Client* client, Caches caches, kube::EventRecorder* events,
             observability::Registry* metrics, ReconcilerOptions opts);

  // When to look again (Plan's requeue), or the error that stopped the pass.
  StatusOr<Duration> ReconcileOnce();

  // The World the caches show now (exposed for tests and logs).
  World Observe() const;

 private:
  Status Apply(const PlanResult& plan);
  Status CreateRevision(const RevisionObjects& objs);
  Status WriteRollout(const RolloutState& next);
  Status WriteStatuses(const PlanResult& plan);
  Status Prune(const PlanResult& plan);
  void RecordEvents(const PlanResult& plan);
  void UpdateMetrics(const World& world, const PlanResult& plan);
  // Decides whether world->uninstall is honoured (uninstall.h); deletes a stale marker. Returns
  // when to look again for a marker still on probation.
  StatusOr<std::optional<Duration>> ReviewUninstall(World* world);

  // Read-your-writes: what this process last wrote, and the resourceVersion it wrote over. While
  // a cache still shows that resourceVersion, it has not seen the write yet, and the write is
  // what the object holds; without this overlay each write would be repeated (and refused with
  // a Conflict) until the watch event arrives.
  struct Written {
    std::string rv_before;
    Json value;
  };
  void Overlay(World* world) const;

  std::map<std::string, Written> written_status_;  // by profile name
  std::optional<Written> written_rollout_;
  UninstallTracker uninstall_;
  kube::Client* const client_;
  const Caches caches_;
  kube::EventRecorder* const events_;
  observability::Registry* const metrics_;
  const ReconcilerOptions opts_;
};

}  // namespace kaudit::controller
