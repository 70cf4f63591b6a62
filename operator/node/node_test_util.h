// Test helpers for the node tests (header-only): a host root in a temporary folder holding a
// fixture manifest, revisions, and a scripted health checker.
#pragma once

#include <stdlib.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "node/health.h"
#include "node/revision.h"

namespace kaudit::node::testing {

inline constexpr const char* kManifestPath = "/etc/kubernetes/manifests/kube-apiserver.yaml";
inline constexpr const char* kPolicy =
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n";

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class HostRoot {
 public:
  explicit HostRoot(const std::string& fixture = "kubeadm-1.30.yaml") {
    char tmpl[] = "/tmp/kaudit-node-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    std::filesystem::create_directories(root_ + "/etc/kubernetes/manifests");
    std::filesystem::create_directories(root_ + "/etc/kubernetes/pki");
    original_ = ReadFile("tests/fixtures/manifests/" + fixture);
    Write(kManifestPath, original_);
  }
  ~HostRoot() { std::filesystem::remove_all(root_); }
  HostRoot(const HostRoot&) = delete;
  HostRoot& operator=(const HostRoot&) = delete;

  const std::string& path() const { return root_; }
  const std::string& original() const { return original_; }
  std::string Read(const std::string& host_path) const { return ReadFile(root_ + host_path); }
  std::string Manifest() const { return Read(kManifestPath); }
  void Write(const std::string& host_path, const std::string& data) const {
    std::filesystem::create_directories(std::filesystem::path(root_ + host_path).parent_path());
    std::ofstream(root_ + host_path, std::ios::binary) << data;
  }
  bool Exists(const std::string& host_path) const {
    return std::filesystem::exists(std::filesystem::symlink_status(root_ + host_path));
  }
  std::size_t Count(const std::string& host_dir) const {
    if (!Exists(host_dir)) return 0;
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(root_ + host_dir)) {
      (void)e;
      ++n;
    }
    return n;
  }

 private:
  std::string root_;
  std::string original_;
};

// Revision "<id>" with a Metadata policy and the usual log flags.
inline Revision MakeRevision(const std::string& id, const std::string& maxage = "7",
                             const std::string& log_path = "/var/log/kubernetes/audit/audit.log") {
  Revision r;
  r.id = id;
  r.policy_yaml = std::string(kPolicy) + "# revision " + id + "\n";
  r.flags = {{"audit-policy-file", "/etc/kubernetes/kaudit/policies/" + id + ".yaml"},
             {"audit-log-path", log_path},
             {"audit-log-maxage", maxage}};
  return r;
}

// Answers WaitHealthy from a script (true = healthy), then healthy forever.
class ScriptedHealth : public HealthChecker {
 public:
  explicit ScriptedHealth(std::deque<bool> script = {}) : script_(std::move(script)) {}
  Status WaitHealthy(const HealthTarget& target, std::chrono::steady_clock::time_point) override {
    targets.push_back(target);
    bool ok = true;
    if (!script_.empty()) {
      ok = script_.front();
      script_.pop_front();
    }
    return ok ? Status::Ok()
              : Status::DeadlineExceeded("health check did not answer 200 within 5m (last: "
                                         "connection refused)");
  }
  std::vector<HealthTarget> targets;

 private:
  std::deque<bool> script_;
};

}  // namespace kaudit::node::testing
