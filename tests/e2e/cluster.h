// The end-to-end world: real processes on 127.0.0.1 — kaudit-emulator, N kaudit-nodesim nodes,
// `kaudit controller` replicas and one `kaudit agent` per node — in a temporary folder, with a
// kube client to look at it. Waits are bounded polls that fail with what they last saw.
//
// Authorization is RBAC (unless ClusterOptions.rbac is false): the emulator loads the real
// manifests/rbac-controller.yaml and manifests/rbac-agent.yaml from the source tree, every
// controller runs with a token of ServiceAccount kaudit-system/kaudit-controller and every agent
// with one of kaudit-system/kaudit-agent, so a rule missing there fails the test that needs it.
// The test's own client and the node simulators use the admin token (system:masters).
//
// Thread safety: one test thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kube/client.h"

namespace kaudit::e2e {

using Json = nlohmann::json;

struct ClusterOptions {
  int nodes = 3;
  int controllers = 2;
  bool single = false;  // one node whose API (the emulator, through its proxy) vanishes while its
                        // apiserver restarts; controller and agent reach the API through it
  std::string restart_delay = "0s";
  std::string drift_interval = "2s";
  bool rbac = true;  // emulator --authorization-mode RBAC with the manifests' RBAC objects
  // Called on every object of the RBAC manifests before it is loaded (e.g. to drop a rule);
  // clearing the object skips it.
  std::function<void(Json* obj)> edit_rbac;
};

// The users the processes run as.
inline constexpr char kControllerUser[] = "system:serviceaccount:kaudit-system:kaudit-controller";
inline constexpr char kAgentUser[] = "system:serviceaccount:kaudit-system:kaudit-agent";

struct Process {
  std::string name;
  std::vector<std::string> argv;
  std::string log;
  pid_t pid = -1;
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions o);
  ~Cluster();

  // Starts everything; false (with the reason in error()) when something did not come up.
  bool Start();
  const std::string& error() const { return error_; }

  kube::Client* client() { return client_.get(); }
  std::string node(int i) const { return "cp" + std::to_string(i + 1); }
  std::string host(int i) const { return dir_ + "/nodes/" + node(i); }
  std::string manifest(int i) const { return host(i) + "/etc/kubernetes/manifests/kube-apiserver.yaml"; }
  std::string faults_file(int i) const { return dir_ + "/nodes/" + node(i) + ".faults.json"; }
  const std::string& dir() const { return dir_; }
  const std::string& kubeconfig() const { return kubeconfig_; }  // admin (system:masters)
  // Kubeconfigs with the controller's and the agent's ServiceAccount tokens (the admin one when
  // rbac is off), e.g. to run `kaudit uninstall` as the controller's ServiceAccount.
  const std::string& controller_kubeconfig() const { return controller_kubeconfig_; }
  const std::string& agent_kubeconfig() const { return agent_kubeconfig_; }
  // Requests the emulator answered 403, as "user METHOD target" (from /_emulator/requests).
  std::vector<std::string> ForbiddenRequests();

  // Process control (by name: "emulator", "nodesim-cp1", "agent-cp1", "controller-1").
  bool StartProcess(const std::string& name);
  void Kill(const std::string& name, int sig);
  bool Running(const std::string& name);
  // VmRSS of a running process in kB (-1 when unknown).
  long RssKb(const std::string& name);
  // POST /_emulator/<op>.
  Status EmulatorControl(const std::string& op);

  // AuditProfile helpers.
  Status ApplyProfile(const Json& profile);
  Status DeleteProfile(const std::string& name);
  StatusOr<Json> GetProfile(const std::string& name);
  // state.json of kaudit-node-<node>; null when absent.
  Json NodeState(int i);
  // Node i as the controller will see it: its Node object, its Ready mirror pod and its agent's
  // node state all present (the rollout order depends on all three).
  bool NodeUp(int i);
  std::map<std::string, std::string> RolloutTargets();

  // Polls pred every 100 ms until true or the timeout; on timeout returns false and fills
  // *last with describe()'s latest answer.
  bool WaitFor(const std::function<bool()>& pred, std::chrono::seconds timeout,
               const std::function<std::string()>& describe, std::string* last);
  // Everything a failing test should print: node states, targets, log tails.
  std::string Describe();

 private:
  bool StartEmulator();
  bool InitNodes();
  bool LoadRbac();
  // The admin kubeconfig with another server and token.
  std::string WriteKubeconfig(const std::string& name, const std::string& server,
                              const std::string& token);
  std::string Bin(const std::string& name) const;
  int FreePort() const;

  ClusterOptions o_;
  std::string dir_, kubeconfig_, server_, token_;
  std::string controller_kubeconfig_, agent_kubeconfig_;
  int emulator_port_ = 0;
  std::vector<int> node_ports_, proxy_ports_;
  std::map<std::string, Process> procs_;
  std::unique_ptr<kube::Client> client_;
  std::string error_;
};

// The AuditProfile resource.
kube::ResourceType AuditProfiles();
std::string ReadFile(const std::string& path);
// Audit events (lines with "kind":"Event") in a log file.
int CountEvents(const std::string& path);

}  // namespace kaudit::e2e
