// Agent::Impl, shared by agent.cc (wiring, threads, endpoints) and reconcile.cc (decisions and
// node work). Internal to the agent library.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/agent.h"
#include "agent/health.h"
#include "agent/state.h"
#include "hostfs/host.h"
#include "kube/informer.h"
#include "node/node.h"
#include "observability/http_server.h"
#include "observability/metrics.h"

namespace kaudit::agent {

struct Agent::Impl {
  Impl(kube::Client* c, AgentOptions o);

  // One pass: read the target and the node, decide, act, report.
  void Reconcile();
  void ApplyTarget(const std::string& target, const nlohmann::json& status, bool drifted);
  void RevertNode();
  StatusOr<node::Revision> FetchRevision(const std::string& id,
                                         std::chrono::milliseconds* timeout);
  std::optional<std::string> Target() const;
  void SetPhase(const std::string& phase, const std::string& message);
  void RefreshReport(NodeReport* r);
  void Count(const std::string& name, const std::string& help,
             const observability::Labels& labels = {});
  node::NodeOptions NodeOpts(std::chrono::milliseconds timeout) const;

  void Wake();
  void WatchManifestsDir();
  Status StartEndpoints();

  kube::Client* client;
  AgentOptions opts;
  hostfs::HostFs fs;
  kube::Canceller stop_threads;
  kube::Informer rollout;
  observability::Registry metrics;
  observability::HttpServer metrics_server;
  observability::HttpServer health_server;
  std::unique_ptr<StatePublisher> publisher;
  MirrorPodHealthChecker health;
  std::thread dir_watcher;

  std::mutex mu;
  std::condition_variable cv;
  bool wake = true;  // guarded by mu
  std::atomic<bool> applying{false};
  std::string phase = "Idle";  // the worker thread's view
};

}  // namespace kaudit::agent
