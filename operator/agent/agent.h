// Agent: `kaudit agent`, the node side of a rollout (design.md "Applying on a node"). It runs on
// one control-plane node and
//   - watches ConfigMap kaudit-rollout in its namespace for its node's target revision (or
//     "none": revert);
//   - applies the target with node::NodeApplier (backup, patch, check, atomic replace), judging
//     health with MirrorPodHealthChecker (new config.hash and revision on the mirror pod, Ready,
//     local /readyz, the audit log grows) and letting NodeApplier roll back when it fails;
//   - repairs drift (a manifest that lost its revision, e.g. after `kubeadm upgrade`) on every
//     change of the manifests folder (inotify) and every drift interval;
//   - reports in ConfigMap kaudit-node-<node> (StatePublisher) and on /metrics.
// A revision that rolled back is not tried again on this node until the target changes (the
// node's last-result.json remembers it across restarts); a refusal (Failed) is retried every
// drift interval, since what caused it (a foreign file in the manifests folder) may go away.
//
// Thread safety: construct, then Run() from one thread; stop may be cancelled from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "kube/cancel.h"
#include "kube/client.h"

namespace kaudit::agent {

struct AgentOptions {
  std::string node_name;
  std::string host_root = "/host";
  std::string namespace_name = "kaudit-system";
  std::string manifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";  // host path
  std::string allowed_log_root = "/var/log/kubernetes";
  std::string health_ca_file;  // local path; "" = the cluster CA the manifest names
  std::chrono::milliseconds drift_interval{30000};
  std::chrono::milliseconds heartbeat_interval{30000};
  std::chrono::milliseconds health_timeout{300000};  // when the revision does not say
  std::chrono::milliseconds health_interval{500};
  std::string metrics_bind_address = ":9469";  // "0" disables
  std::string health_bind_address = ":9470";   // "0" disables
  std::string agent_version = "dev";
  int keep_backups = 10;
};

class Agent {
 public:
  Agent(kube::Client* client, AgentOptions opts);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Blocks until stop is cancelled and the pass in progress is over. A pass may be waiting for
  // health for minutes: a process that must stop sooner may simply exit (the node's journal,
  // pending.json, lets the next start resume).
  Status Run(kube::Canceller* stop);

  int metrics_port() const;
  int health_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kaudit::agent
