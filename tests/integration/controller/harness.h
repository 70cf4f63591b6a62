// A cluster for the controller's integration tests: the kube-apiserver emulator on 127.0.0.1
// (HTTPS), the AuditProfile CRD, three control-plane Nodes, and `kaudit controller` processes
// (KAUDIT_BIN) started and killed at will. The tests play the node agents: AgentReport() writes
// a node-state ConfigMap as the agent would.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kube/client.h"
#include "support/emulator.h"

namespace kaudit::controller_it {

using Json = nlohmann::json;
inline constexpr const char* kNs = "kaudit-system";

// A `kaudit controller` child process.
struct ControllerProcess {
  pid_t pid = -1;
  std::string log_path;
  int metrics_port = 0;
  int health_port = 0;
  std::string identity;
};

class ControllerCluster : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts a controller with short timings; extra flags are appended.
  ControllerProcess& StartController(const std::vector<std::string>& extra = {});
  void Kill(ControllerProcess& p, int sig);
  // Waits for exit; returns the exit status (or -1 on timeout).
  int WaitExit(ControllerProcess& p, std::chrono::milliseconds timeout);
  std::string Log(const ControllerProcess& p) const;

  // Objects.
  void CreateProfile(const std::string& name, const Json& spec, const Json& annotations = nullptr);
  void UpdateProfileSpec(const std::string& name, const Json& spec);
  void Annotate(const std::string& name, const std::string& key, const std::string& value);
  void DeleteProfile(const std::string& name);
  Json Profile(const std::string& name);  // null when missing
  void PutSecret(const std::string& name, const std::map<std::string, std::string>& data);
  // state.json as the agent writes it (heartbeat now).
  void AgentReport(const std::string& node, const std::string& revision, const std::string& target,
                   const std::string& phase, const std::string& message = "");
  // Every agent reports Healthy on the target the rollout gives it (or Idle for "none").
  void AgentsFollow();

  std::map<std::string, std::string> Rollout();  // kaudit-rollout's data ({} when missing)
  Json RolloutObject();
  std::vector<std::string> Revisions();           // ids of kaudit-rev-* ConfigMaps
  Json RevisionConfigMap(const std::string& rev);
  std::vector<Json> Events(const std::string& reason = "");
  static const Json* Condition(const Json& profile, const std::string& type);
  // A string field of the profile's status ("" when the profile or field is missing).
  std::string StatusString(const std::string& profile, const std::string& field);
  std::string ConditionField(const std::string& profile, const std::string& type,
                             const std::string& field);
  std::string HttpGet(int port, const std::string& path, int* code = nullptr);

  // Polls pred (every 25 ms) up to timeout; on failure, the message names what was awaited and
  // the controllers' logs are printed.
  void Await(const std::string& what, const std::function<bool()>& pred,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // The revision the rollout gives node (after awaiting that it has one).
  std::string AwaitTarget(const std::string& node);

  std::unique_ptr<emulator::Emulator> emu_;
  std::unique_ptr<kube::Client> client_;
  std::string dir_;
  std::string kubeconfig_;
  std::vector<std::unique_ptr<ControllerProcess>> procs_;
  std::vector<std::string> nodes_ = {"cp1", "cp2", "cp3"};
};

}  // namespace kaudit::controller_it

// Awaits inside a TEST body: stops the test when the wait fails.
#define AWAIT(what, ...) ASSERT_NO_FATAL_FAILURE(Await(what, __VA_ARGS__))
