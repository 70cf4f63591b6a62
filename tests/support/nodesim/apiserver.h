// One simulated kube-apiserver process: serves /readyz, /livez and /healthz over HTTPS on
// 127.0.0.1:--secure-port with the manifest's TLS files, and, when a policy is loaded, appends
// an audit event (audit.k8s.io/v1 Event, JSON lines or the legacy format) for every request it
// sees plus the background traffic a real apiserver sees from its kubelet (a node Lease renewal
// every event interval), rotating the file as --audit-log-maxsize/--audit-log-maxbackup say.
// Every event is logged at Metadata: the simulator does not evaluate the policy.
//
// Thread safety: Tick() from one thread; the HTTPS handler runs on connection threads.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "nodesim/start_check.h"
#include "support/http_server.h"

namespace kaudit::nodesim {

struct Fault {
  std::string mode;  // "", "never-ready", "crash-loop", "ready-after"
  int ready_after_seconds = 0;
  std::string match;  // applies when the pod's JSON contains this ("" = always)
};

class SimApiserver {
 public:
  SimApiserver(StartPlan plan, Fault fault, std::string node,
               std::chrono::milliseconds event_interval);
  ~SimApiserver();
  Status Start();
  bool Ready() const;
  // Writes pending audit events.
  void Tick();

 private:
  struct Seen {
    std::string method, uri, agent;
    int code;
  };
  void Handle(const emulator::HttpRequest& req, emulator::ResponseWriter& w);
  void Append(const Seen& s, const std::string& user, const std::string& group);
  void RotateIfNeeded(std::size_t adding);

  StartPlan plan_;
  Fault fault_;
  std::string node_;
  std::chrono::milliseconds event_interval_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point next_event_;
  emulator::HttpServer server_;
  std::mutex mu_;
  std::deque<Seen> seen_;  // guarded by mu_
  unsigned long long seq_ = 0;
};

}  // namespace kaudit::nodesim
