// The agent's report (state.json in ConfigMap kaudit-node-<node>, docs/operations.md) and the
// publisher that keeps it fresh: it writes on every change and at least every heartbeat
// interval, from its own thread, so an unreachable API never blocks the agent's work (writes
// are retried every second until they get through).
//
// Thread safety: Update/Snapshot from any thread; Start/Stop from one controlling thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "kube/client.h"

namespace kaudit::agent {

struct NodeReport {
  std::string node;
  std::string revision;  // on disk, "" when none
  std::string last_known_good;
  std::string target;
  std::string phase = "Idle";
  std::string message;
  std::int64_t audit_log_bytes = 0;
  std::string audit_log_last_write;  // RFC 3339, "" when not written
};

// The ConfigMap object (server-side apply body) for a report, heartbeat = now.
kube::Json NodeStateConfigMap(const NodeReport& r, const std::string& ns,
                              const std::string& heartbeat, const std::string& agent_version);

class StatePublisher {
 public:
  // refresh runs before each write (outside the lock) to fill in the log size and the like.
  StatePublisher(kube::Client* client, std::string ns, std::string agent_version,
                 std::chrono::milliseconds interval,
                 std::function<void(NodeReport*)> refresh);
  ~StatePublisher();

  void Start(NodeReport initial);
  void Stop();
  // Changes the report and writes it soon.
  void Update(const std::function<void(NodeReport*)>& fn);
  NodeReport Snapshot() const;
  // True once a write succeeded since the last Update.
  bool InSync() const;

 private:
  void Loop();

  kube::Client* client_;
  const std::string ns_;
  const std::string agent_version_;
  const std::chrono::milliseconds interval_;
  std::function<void(NodeReport*)> refresh_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  NodeReport report_;       // guarded by mu_
  bool dirty_ = true;       // guarded by mu_
  bool in_sync_ = false;    // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace kaudit::agent
