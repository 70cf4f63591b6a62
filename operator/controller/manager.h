// Manager: wires the controller process together (controller-runtime's Manager, reduced to what
// kaudit needs): informers for AuditProfiles, the ConfigMaps and Secrets of kaudit's namespace,
// Nodes and the kube-apiserver mirror pods; a work queue with ONE key for the whole cluster (so
// exactly one reconcile runs at a time and event storms collapse into one pass); leader
// election on a Lease; the /metrics, /healthz and /readyz endpoints; an event recorder.
//
// Informers start at once, also on a standby replica, so a new leader starts with warm caches;
// /readyz answers 200 once every cache has synced. Only the leader reconciles. A leader that
// loses its Lease stops reconciling and Run() returns an error: the process must exit (as
// controller-runtime does) and be restarted as a standby.
//
// Thread safety: construct, then Run() from one thread; stop may be cancelled from any thread
// (a signal handler thread, a test).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "controller/reconciler.h"
#include "kube/cancel.h"
#include "kube/client.h"
#include "kube/reflector.h"

namespace kaudit::controller {

struct ManagerOptions {
  ReconcilerOptions reconciler;
  bool leader_elect = true;
  std::string leader_election_id = "kaudit-controller";
  std::string identity;  // hostname + random suffix when empty
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  std::string metrics_bind_address = ":8080";  // "0" disables
  std::string health_bind_address = ":8081";   // "0" disables
  kube::ReflectorOptions reflector;
  // Requeue backoff after a failed reconcile (client-go: 5 ms doubling to 1000 s; kaudit caps
  // it lower so a controller recovers quickly once the API server does).
  std::chrono::milliseconds min_backoff{5};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(60)};
  // Requeue delay after a pass that lost to a newer object (409 Conflict, AlreadyExists).
  std::chrono::milliseconds conflict_retry{200};
};

class Manager {
 public:
  Manager(kube::Client* client, ManagerOptions opts);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Blocks until stop is cancelled (OK) or leadership is lost / cannot start (an error).
  Status Run(kube::Canceller* stop);

  int metrics_port() const;
  int health_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kaudit::controller
