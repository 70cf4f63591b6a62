#include "agent/state.h"

#include <spdlog/spdlog.h>

#include "common/time.h"

namespace kaudit::agent {

kube::Json NodeStateConfigMap(const NodeReport& r, const std::string& ns,
                              const std::string& heartbeat, const std::string& agent_version) {
  kube::Json state = {{"node", r.node},
                      {"revision", r.revision},
                      {"lastKnownGood", r.last_known_good},
                      {"target", r.target},
                      {"phase", r.phase},
                      {"message", r.message},
                      {"auditLogBytes", r.audit_log_bytes},
                      {"auditLogLastWrite", r.audit_log_last_write},
                      {"heartbeat", heartbeat},
                      {"agentVersion", agent_version}};
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", "kaudit-node-" + r.node},
            {"namespace", ns},
            {"labels",
             {{"kaudit.io/component", "node-state"},
              {"kaudit.io/node", r.node},
              {"app.kubernetes.io/managed-by", "kaudit"}}}}},
          {"data", {{"state.json", state.dump()}}}};
}

StatePublisher::StatePublisher(kube::Client* client, std::string ns, std::string agent_version,
                               std::chrono::milliseconds interval,
                               std::function<void(NodeReport*)> refresh)
    : client_(client), ns_(std::move(ns)), agent_version_(std::move(agent_version)),
      interval_(interval), refresh_(std::move(refresh)) {}

StatePublisher::~StatePublisher() { Stop(); }

void StatePublisher::Start(NodeReport initial) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    report_ = std::move(initial);
  }
  thread_ = std::thread([this] { Loop(); });
}

void StatePublisher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StatePublisher::Update(const std::function<void(NodeReport*)>& fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn(&report_);
    dirty_ = true;
    in_sync_ = false;
  }
  cv_.notify_all();
}

NodeReport StatePublisher::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return report_;
}

bool StatePublisher::InSync() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_sync_;
}

void StatePublisher::Loop() {
  auto next = std::chrono::steady_clock::now();
  std::string last_error;
  for (;;) {
    NodeReport r;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next, [&] { return stopping_ || dirty_; });
      if (stopping_) return;
      dirty_ = false;
      r = report_;
    }
    if (refresh_) refresh_(&r);
    kube::Json cm = NodeStateConfigMap(r, ns_, FormatRfc3339(std::chrono::system_clock::now()),
                                       agent_version_);
    kube::PatchOptions po;
    po.field_manager = "kaudit-agent";
    po.force = true;
    auto res = client_->Apply(kube::resources::ConfigMaps(), cm, po);
    std::lock_guard<std::mutex> lock(mu_);
    if (res.ok()) {
      if (!dirty_) in_sync_ = true;
      if (!last_error.empty()) spdlog::info("node state written again (the API is back)");
      last_error.clear();
      next = std::chrono::steady_clock::now() + interval_;
    } else {
      if (res.status().message() != last_error) {
        spdlog::warn("writing node state: {} (retrying every second)", res.status().message());
      }
      last_error = res.status().message();
      next = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
  }
}

}  // namespace kaudit::agent
