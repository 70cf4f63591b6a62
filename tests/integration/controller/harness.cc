#include "integration/controller/harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/time.h"
#include "controller/reconciler.h"
#include "kube/config.h"
#include "kube/errors.h"
#include "kube/util.h"

extern char** environ;

namespace kaudit::controller_it {
namespace {

namespace fs = std::filesystem;

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A CRD the emulator serves AuditProfiles for. The schema keeps every field (the emulator does
// not validate custom resources): exactly what an older or bypassed CRD lets through.
Json Crd() {
  Json schema = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "auditprofiles.kaudit.io"}}},
          {"spec",
           {{"group", "kaudit.io"},
            {"scope", "Cluster"},
            {"names",
             {{"plural", "auditprofiles"},
              {"singular", "auditprofile"},
              {"kind", "AuditProfile"},
              {"listKind", "AuditProfileList"},
              {"shortNames", {"ap"}}}},
            {"versions",
             {{{"name", "v1alpha1"},
               {"served", true},
               {"storage", true},
               {"schema", {{"openAPIV3Schema", schema}}},
               {"subresources", {{"status", Json::object()}}}}}}}}};
}

}  // namespace

void ControllerCluster::SetUp() {
  char tmpl[] = "/tmp/kaudit-ctrl-it-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  emulator::EmulatorOptions o;
  o.data_dir = dir_ + "/emulator";
  o.bookmark_interval = std::chrono::milliseconds(500);
  emu_ = std::make_unique<emulator::Emulator>(o);
  Status st = emu_->Start();
  ASSERT_TRUE(st.ok()) << st.ToString();
  kubeconfig_ = emu_->kubeconfig_path();
  kube::KubeconfigOptions ko;
  ko.explicit_path = kubeconfig_;
  StatusOr<kube::RestConfig> cfg = kube::LoadKubeconfig(ko);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  cfg->qps = 0;
  auto c = kube::NewClientFromConfig(*cfg);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  client_ = std::move(*c);
  Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNs}}}};
  ASSERT_TRUE(client_->Create(kube::resources::Namespaces(), "", ns).ok());
  auto crd = client_->Create(kube::resources::CustomResourceDefinitions(), "", Crd());
  ASSERT_TRUE(crd.ok()) << crd.status().ToString();
  for (const std::string& n : nodes_) {
    Json node = {{"apiVersion", "v1"},
                 {"kind", "Node"},
                 {"metadata",
                  {{"name", n}, {"labels", {{"node-role.kubernetes.io/control-plane", ""}}}}}};
    ASSERT_TRUE(client_->Create(kube::resources::Nodes(), "", node).ok());
  }
  // A worker node: never part of the rollout.
  Json worker = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "worker1"}}}};
  ASSERT_TRUE(client_->Create(kube::resources::Nodes(), "", worker).ok());
  // Wait for the CRD to be served.
  Await("the AuditProfile CRD to be served", [&] {
    return client_->List(controller::AuditProfiles(), "", {}).ok();
  });
}

void ControllerCluster::TearDown() {
  for (auto& p : procs_) {
    if (p->pid > 0) {
      ::kill(p->pid, SIGKILL);
      ::waitpid(p->pid, nullptr, 0);
      p->pid = -1;
    }
  }
  if (HasFailure()) {
    for (auto& p : procs_) std::cerr << "---- " << p->log_path << "\n" << Log(*p) << "\n";
  }
  client_.reset();
  if (emu_) emu_->Stop();
  std::error_code ec;
  if (!HasFailure()) fs::remove_all(dir_, ec);
}

ControllerProcess& ControllerCluster::StartController(const std::vector<std::string>& extra) {
  const char* bin = std::getenv("KAUDIT_BIN");
  auto p = std::make_unique<ControllerProcess>();
  p->metrics_port = FreePort();
  p->health_port = FreePort();
  p->identity = "controller-" + std::to_string(procs_.size());
  p->log_path = dir_ + "/" + p->identity + ".log";
  std::vector<std::string> args = {
      bin ? bin : "kaudit", "controller", "--kubeconfig", kubeconfig_, "--namespace", kNs,
      "--metrics-bind-address", "127.0.0.1:" + std::to_string(p->metrics_port),
      "--health-probe-bind-address", "127.0.0.1:" + std::to_string(p->health_port),
      "--lease-duration", "2s", "--renew-deadline", "1500ms", "--retry-period", "250ms",
      "--node-stale-after", "1m", "--log-level", "debug", "--identity", p->identity,
      "--kube-api-qps", "200", "--kube-api-burst", "400"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, p->log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  int rc = posix_spawn(&p->pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  EXPECT_EQ(rc, 0) << "spawning " << argv[0];
  procs_.push_back(std::move(p));
  return *procs_.back();
}

void ControllerCluster::Kill(ControllerProcess& p, int sig) {
  if (p.pid > 0) ::kill(p.pid, sig);
}

int ControllerCluster::WaitExit(ControllerProcess& p, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = ::waitpid(p.pid, &status, WNOHANG);
    if (r == p.pid) {
      p.pid = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string ControllerCluster::Log(const ControllerProcess& p) const {
  std::ifstream in(p.log_path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ControllerCluster::CreateProfile(const std::string& name, const Json& spec,
                                      const Json& annotations) {
  Json obj = {{"apiVersion", "kaudit.io/v1alpha1"},
              {"kind", "AuditProfile"},
              {"metadata", {{"name", name}}},
              {"spec", spec}};
  if (!annotations.is_null()) obj["metadata"]["annotations"] = annotations;
  auto r = client_->Create(controller::AuditProfiles(), "", obj);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

void ControllerCluster::UpdateProfileSpec(const std::string& name, const Json& spec) {
  // One write replacing the whole spec, as `kubectl replace` would (a merge patch could not
  // remove fields, and two writes would show the controller an intermediate spec).
  Status last;
  for (int i = 0; i < 5; ++i) {
    auto cur = client_->Get(controller::AuditProfiles(), "", name);
    ASSERT_TRUE(cur.ok()) << cur.status().ToString();
    Json obj = *cur;
    obj["spec"] = spec;
    auto r = client_->Update(controller::AuditProfiles(), obj);
    if (r.ok()) return;
    last = r.status();
  }
  FAIL() << "updating " << name << ": " << last.ToString();
}

void ControllerCluster::Annotate(const std::string& name, const std::string& key,
                                 const std::string& value) {
  auto r = client_->Patch(controller::AuditProfiles(), "", name, kube::PatchType::kMerge,
                          Json{{"metadata", {{"annotations", {{key, value}}}}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

void ControllerCluster::DeleteProfile(const std::string& name) {
  Status s = client_->Delete(controller::AuditProfiles(), "", name);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

Json ControllerCluster::Profile(const std::string& name) {
  auto r = client_->Get(controller::AuditProfiles(), "", name);
  return r.ok() ? *r : Json();
}

void ControllerCluster::PutSecret(const std::string& name,
                                  const std::map<std::string, std::string>& data) {
  Json d = Json::object();
  for (const auto& [k, v] : data) d[k] = kube::Base64Encode(v);
  Json obj = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", name}, {"namespace", kNs}}},
              {"data", d}};
  (void)client_->Delete(kube::resources::Secrets(), kNs, name);
  auto r = client_->Create(kube::resources::Secrets(), kNs, obj);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

void ControllerCluster::AgentReport(const std::string& node, const std::string& revision,
                                    const std::string& target, const std::string& phase,
                                    const std::string& message) {
  Json state = {{"node", node},
                {"revision", revision},
                {"lastKnownGood", revision},
                {"target", target},
                {"phase", phase},
                {"message", message},
                {"auditLogBytes", 1234},
                {"auditLogLastWrite", FormatRfc3339(std::chrono::system_clock::now())},
                {"heartbeat", FormatRfc3339(std::chrono::system_clock::now())},
                {"agentVersion", "test"}};
  std::string name = "kaudit-node-" + node;
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata",
              {{"name", name},
               {"namespace", kNs},
               {"labels", {{"kaudit.io/component", "node-state"}, {"kaudit.io/node", node}}}}},
             {"data", {{"state.json", state.dump()}}}};
  for (int i = 0; i < 5; ++i) {
    auto cur = client_->Get(kube::resources::ConfigMaps(), kNs, name);
    StatusOr<Json> r = Status::Internal("unset");
    if (!cur.ok()) {
      r = client_->Create(kube::resources::ConfigMaps(), kNs, cm);
    } else {
      Json upd = *cur;
      upd["data"] = cm["data"];
      r = client_->Update(kube::resources::ConfigMaps(), upd);
    }
    if (r.ok()) return;
  }
  ADD_FAILURE() << "could not write node state of " << node;
}

void ControllerCluster::AgentsFollow() {
  std::map<std::string, std::string> r = Rollout();
  for (const auto& [node, target] : r) {
    if (target == "none") {
      AgentReport(node, "", target, "Idle");
    } else {
      AgentReport(node, target, target, "Healthy");
    }
  }
}

Json ControllerCluster::RolloutObject() {
  auto r = client_->Get(kube::resources::ConfigMaps(), kNs, "kaudit-rollout");
  return r.ok() ? *r : Json();
}

std::map<std::string, std::string> ControllerCluster::Rollout() {
  Json cm = RolloutObject();
  std::map<std::string, std::string> out;
  if (cm.is_object() && cm.contains("data")) {
    for (const auto& [k, v] : cm["data"].items()) out[k] = v.get<std::string>();
  }
  return out;
}

std::vector<std::string> ControllerCluster::Revisions() {
  std::vector<std::string> out;
  kube::ListOptions lo;
  lo.label_selector = "kaudit.io/component=revision";
  auto r = client_->List(kube::resources::ConfigMaps(), kNs, lo);
  if (!r.ok()) return out;
  for (const Json& cm : (*r)["items"]) {
    out.push_back(cm["metadata"]["labels"]["kaudit.io/revision"].get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Json ControllerCluster::RevisionConfigMap(const std::string& rev) {
  auto r = client_->Get(kube::resources::ConfigMaps(), kNs, "kaudit-rev-" + rev);
  return r.ok() ? *r : Json();
}

std::vector<Json> ControllerCluster::Events(const std::string& reason) {
  std::vector<Json> out;
  auto r = client_->List(kube::resources::Events(), "", {});
  if (!r.ok()) return out;
  for (const Json& e : (*r)["items"]) {
    if (reason.empty() || e.value("reason", "") == reason) out.push_back(e);
  }
  return out;
}

const Json* ControllerCluster::Condition(const Json& profile, const std::string& type) {
  if (!profile.is_object() || !profile.contains("status")) return nullptr;
  const Json& st = profile["status"];
  if (!st.contains("conditions")) return nullptr;
  for (const Json& c : st["conditions"]) {
    if (c.value("type", "") == type) return &c;
  }
  return nullptr;
}

std::string ControllerCluster::StatusString(const std::string& profile,
                                            const std::string& field) {
  Json p = Profile(profile);
  if (!p.is_object() || !p.contains("status") || !p["status"].is_object()) return "";
  const Json& v = p["status"].value(field, Json());
  return v.is_string() ? v.get<std::string>() : "";
}

std::string ControllerCluster::ConditionField(const std::string& profile, const std::string& type,
                                              const std::string& field) {
  Json p = Profile(profile);
  const Json* c = Condition(p, type);
  return c ? c->value(field, "") : "";
}

std::string ControllerCluster::HttpGet(int port, const std::string& path, int* code) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    if (code) *code = 0;
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (code) *code = out.size() > 12 ? std::atoi(out.substr(9, 3).c_str()) : 0;
  std::size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

void ControllerCluster::Await(const std::string& what, const std::function<bool()>& pred,
                              std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (pred()) return;
  FAIL() << "timed out after " << timeout.count() << " ms waiting for " << what;
}

std::string ControllerCluster::AwaitTarget(const std::string& node) {
  std::string t;
  Await("a rollout target for " + node, [&] {
    auto r = Rollout();
    auto it = r.find(node);
    if (it == r.end()) return false;
    t = it->second;
    return true;
  });
  return t;
}

}  // namespace kaudit::controller_it
