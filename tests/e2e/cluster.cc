#include "e2e/cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "kube/config.h"
#include "kube/transport.h"
#include "nodesim/pod_file.h"

namespace kaudit::e2e {
namespace fs = std::filesystem;

namespace {
constexpr char kControllerToken[] = "e2e-kaudit-controller-token";
constexpr char kAgentToken[] = "e2e-kaudit-agent-token";
}  // namespace

kube::ResourceType AuditProfiles() {
  return {"kaudit.io", "v1alpha1", "auditprofiles", "AuditProfile", false};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int CountEvents(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto j = Json::parse(line, nullptr, false);
    if (j.is_object() && j.value("kind", "") == "Event" &&
        j.value("apiVersion", "") == "audit.k8s.io/v1" && j.contains("auditID")) {
      ++n;
    }
  }
  return n;
}

Cluster::Cluster(ClusterOptions o) : o_(std::move(o)) {
  // KAUDIT_E2E_RBAC=0: every process as the admin, authorization allow-all (to tell an RBAC
  // problem from another one while debugging).
  if (const char* r = std::getenv("KAUDIT_E2E_RBAC"); r && std::string(r) == "0") o_.rbac = false;
  std::string tmpl = (fs::temp_directory_path() / "kaudit-e2e-XXXXXX").string();
  dir_ = mkdtemp(tmpl.data());
}

Cluster::~Cluster() {
  for (auto& [name, p] : procs_) Kill(name, SIGKILL);
  if (!std::getenv("KAUDIT_E2E_KEEP")) fs::remove_all(dir_);
}

std::string Cluster::Bin(const std::string& name) const {
  const char* k = std::getenv("KAUDIT_BIN");
  std::string kaudit = k ? k : "build/kaudit";
  if (name == "kaudit") return kaudit;
  return fs::path(kaudit).parent_path().string() + "/" + name;
}

int Cluster::FreePort() const {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool Cluster::StartProcess(const std::string& name) {
  Process& p = procs_.at(name);
  if (p.pid > 0) return true;
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(p.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    std::vector<char*> argv;
    for (auto& a : p.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  p.pid = pid;
  return pid > 0;
}

void Cluster::Kill(const std::string& name, int sig) {
  auto it = procs_.find(name);
  if (it == procs_.end() || it->second.pid <= 0) return;
  kill(it->second.pid, sig);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(it->second.pid, nullptr, WNOHANG) != 0) {
      it->second.pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(it->second.pid, SIGKILL);
  waitpid(it->second.pid, nullptr, 0);
  it->second.pid = -1;
}

bool Cluster::Running(const std::string& name) {
  auto it = procs_.find(name);
  if (it == procs_.end() || it->second.pid <= 0) return false;
  if (waitpid(it->second.pid, nullptr, WNOHANG) != 0) {
    it->second.pid = -1;
    return false;
  }
  return true;
}

long Cluster::RssKb(const std::string& name) {
  auto it = procs_.find(name);
  if (it == procs_.end() || it->second.pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(it->second.pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

Status Cluster::EmulatorControl(const std::string& op) {
  std::string cmd = "curl -skf -o /dev/null -X POST -H 'Authorization: Bearer " + token_ + "' '" +
                    server_ + "/_emulator/" + op + "'";
  return std::system(cmd.c_str()) == 0 ? Status::Ok()
                                       : Status::Unavailable("emulator control " + op + " failed");
}

bool Cluster::StartEmulator() {
  emulator_port_ = FreePort();
  token_ = "e2e-admin-token";
  server_ = "https://127.0.0.1:" + std::to_string(emulator_port_);
  fs::create_directories(dir_ + "/emu");
  fs::create_directories(dir_ + "/logs");
  std::vector<std::string> argv = {Bin("kaudit-emulator"),
                                   "--data-dir",
                                   dir_ + "/emu",
                                   "--port",
                                   std::to_string(emulator_port_),
                                   "--token",
                                   token_,
                                   "--bookmark-interval-ms",
                                   "1000"};
  if (o_.rbac) {
    argv.insert(argv.end(), {"--authorization-mode", "RBAC", "--user-token",
                             std::string(kControllerToken) + "=" + kControllerUser, "--user-token",
                             std::string(kAgentToken) + "=" + kAgentUser});
  }
  procs_["emulator"] = {"emulator", argv, dir_ + "/logs/emulator.log"};
  StartProcess("emulator");
  kubeconfig_ = dir_ + "/emu/kubeconfig";
  std::string last;
  if (!WaitFor([&] { return fs::exists(dir_ + "/emu/emulator.json"); }, std::chrono::seconds(20),
               [] { return std::string("no emulator.json yet"); }, &last)) {
    error_ = "the emulator did not start: " + Describe();
    return false;
  }
  kube::KubeconfigOptions ko;
  ko.explicit_path = kubeconfig_;
  auto cfg = kube::LoadKubeconfig(ko);
  if (!cfg.ok()) return error_ = cfg.status().ToString(), false;
  cfg->qps = 100;
  cfg->burst = 200;
  auto c = kube::NewClientFromConfig(*cfg);
  if (!c.ok()) return error_ = c.status().ToString(), false;
  client_ = std::move(*c);
  auto ns = client_->Create(
      kube::resources::Namespaces(), "",
      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "kaudit-system"}}}});
  auto ks = client_->Create(
      kube::resources::Namespaces(), "",
      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "kube-system"}}}});
  (void)ks;
  if (!ns.ok()) return error_ = "namespace: " + ns.status().ToString(), false;
  const char* src = std::getenv("KAUDIT_SOURCE_DIR");
  auto crd = nodesim::DecodeYaml(
      ReadFile(std::string(src ? src : ".") + "/crds/kaudit.io_auditprofiles.yaml"));
  if (!crd.ok()) return error_ = "CRD: " + crd.status().ToString(), false;
  auto created = client_->Create(kube::resources::CustomResourceDefinitions(), "", *crd);
  if (!created.ok()) return error_ = "CRD: " + created.status().ToString(), false;
  if (!o_.rbac) {
    controller_kubeconfig_ = agent_kubeconfig_ = kubeconfig_;
    return true;
  }
  controller_kubeconfig_ = WriteKubeconfig("controller", server_, kControllerToken);
  agent_kubeconfig_ = WriteKubeconfig("agent", server_, kAgentToken);
  return LoadRbac();
}

std::string Cluster::WriteKubeconfig(const std::string& name, const std::string& server,
                                     const std::string& token) {
  std::string kc = ReadFile(kubeconfig_);
  auto pos = kc.find(server_);
  if (pos != std::string::npos) kc.replace(pos, server_.size(), server);
  std::string admin = "token: " + token_;
  pos = kc.find(admin);
  if (pos != std::string::npos) kc.replace(pos, admin.size(), "token: " + token);
  std::string path = dir_ + "/emu/" + name + ".kubeconfig";
  std::ofstream(path) << kc;
  return path;
}

// The RBAC manifests, as shipped, loaded with the admin client (documents split on "---").
bool Cluster::LoadRbac() {
  const char* src = std::getenv("KAUDIT_SOURCE_DIR");
  std::string root = src ? src : ".";
  const std::map<std::string, kube::ResourceType> types = {
      {"ServiceAccount", {"", "v1", "serviceaccounts", "ServiceAccount", true}},
      {"Role", {"rbac.authorization.k8s.io", "v1", "roles", "Role", true}},
      {"RoleBinding", {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true}},
      {"ClusterRole", {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false}},
      {"ClusterRoleBinding",
       {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false}}};
  for (const char* file : {"manifests/rbac-controller.yaml", "manifests/rbac-agent.yaml"}) {
    std::string text = ReadFile(root + "/" + file);
    if (text.empty()) return error_ = std::string("cannot read ") + root + "/" + file, false;
    std::vector<std::string> docs(1);
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("---", 0) == 0 && line.find_first_not_of("- \t\r") == std::string::npos) {
        docs.emplace_back();
      } else {
        docs.back() += line + "\n";
      }
    }
    for (const auto& doc : docs) {
      if (doc.find_first_not_of(" \t\r\n") == std::string::npos) continue;
      bool only_comments = true;
      std::istringstream lines(doc);
      for (std::string l; std::getline(lines, l);) {
        auto b = l.find_first_not_of(" \t\r");
        if (b != std::string::npos && l[b] != '#') only_comments = false;
      }
      if (only_comments) continue;
      auto obj = nodesim::DecodeYaml(doc);
      if (!obj.ok()) return error_ = std::string(file) + ": " + obj.status().ToString(), false;
      if (o_.edit_rbac) o_.edit_rbac(&*obj);
      if (!obj->is_object() || obj->empty()) continue;
      std::string kind = obj->value("kind", "");
      auto t = types.find(kind);
      if (t == types.end()) return error_ = std::string(file) + ": unexpected kind " + kind, false;
      std::string ns = (*obj)["metadata"].value("namespace", "");
      auto created = client_->Create(t->second, ns, *obj);
      if (!created.ok()) {
        return error_ = std::string(file) + ": " + kind + " " + ns + "/" +
                        (*obj)["metadata"].value("name", "") + ": " + created.status().ToString(),
               false;
      }
    }
  }
  return true;
}

std::vector<std::string> Cluster::ForbiddenRequests() {
  std::vector<std::string> out;
  std::string cmd =
      "curl -skf -H 'Authorization: Bearer " + token_ + "' '" + server_ + "/_emulator/requests'";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return {"cannot run curl"};
  std::string body;
  char buf[65536];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) body.append(buf, n);
  pclose(f);
  Json list = Json::parse(body, nullptr, false);
  if (!list.is_array()) return {"cannot read /_emulator/requests"};
  for (const auto& r : list) {
    if (r.value("code", 0) == 403) {
      out.push_back(r.value("user", "") + " " + r.value("method", "") + " " +
                    r.value("target", ""));
    }
  }
  return out;
}

bool Cluster::InitNodes() {
  std::string controller_kc = controller_kubeconfig_, agent_kc = agent_kubeconfig_;
  for (int i = 0; i < o_.nodes; ++i) {
    node_ports_.push_back(FreePort());
    fs::create_directories(host(i));
    std::string cmd = Bin("kaudit-nodesim") + " init --host-root " + host(i) + " --port " +
                      std::to_string(node_ports_[i]) + " >>" + dir_ + "/logs/init.log 2>&1";
    if (std::system(cmd.c_str()) != 0) return error_ = "nodesim init failed", false;
    std::vector<std::string> argv = {Bin("kaudit-nodesim"),
                                     "run",
                                     "--host-root",
                                     host(i),
                                     "--node",
                                     node(i),
                                     "--kubeconfig",
                                     kubeconfig_,
                                     "--restart-delay",
                                     o_.restart_delay,
                                     "--relist-interval",
                                     "5s",
                                     "--event-interval",
                                     "200ms",
                                     "--crash-backoff",
                                     "500ms",
                                     "--faults-file",
                                     faults_file(i),
                                     "--status-file",
                                     dir_ + "/nodes/" + node(i) + ".status.json"};
    if (o_.single) {
      proxy_ports_.push_back(FreePort());
      argv.insert(argv.end(), {"--api-proxy-port", std::to_string(proxy_ports_[i]),
                               "--api-upstream", "127.0.0.1:" + std::to_string(emulator_port_)});
      std::string via = "https://127.0.0.1:" + std::to_string(proxy_ports_[i]);
      bool restricted = o_.rbac;
      controller_kc = WriteKubeconfig("via-" + node(i) + "-controller", via,
                                      restricted ? kControllerToken : token_);
      agent_kc =
          WriteKubeconfig("via-" + node(i) + "-agent", via, restricted ? kAgentToken : token_);
    }
    procs_["nodesim-" + node(i)] = {"nodesim-" + node(i), argv,
                                    dir_ + "/logs/nodesim-" + node(i) + ".log"};
    procs_["agent-" + node(i)] = {"agent-" + node(i),
                                  {Bin("kaudit"),
                                   "agent",
                                   "--node-name",
                                   node(i),
                                   "--host-root",
                                   host(i),
                                   "--namespace",
                                   "kaudit-system",
                                   "--kubeconfig",
                                   agent_kc,
                                   "--metrics-bind-address",
                                   "127.0.0.1:0",
                                   "--health-probe-bind-address",
                                   "127.0.0.1:0",
                                   "--drift-interval",
                                   o_.drift_interval,
                                   "--heartbeat-interval",
                                   "2s",
                                   "--health-interval",
                                   "200ms",
                                   "--health-timeout",
                                   "60s"},
                                  dir_ + "/logs/agent-" + node(i) + ".log"};
  }
  // Short leases keep the failover tests quick. A single node's API vanishes while its
  // apiserver restarts; there client-go's defaults (15s/10s/2s) ride that out, as on a real
  // single-node cluster (a lost lease ends the process, and nothing here restarts it as a
  // Deployment would).
  for (int c = 0; c < o_.controllers; ++c) {
    std::string name = "controller-" + std::to_string(c + 1);
    procs_[name] = {name,
                    {Bin("kaudit"),
                     "controller",
                     "--kubeconfig",
                     controller_kc,
                     "--namespace",
                     "kaudit-system",
                     "--metrics-bind-address",
                     "127.0.0.1:0",
                     "--health-probe-bind-address",
                     "127.0.0.1:0",
                     "--lease-duration",
                     o_.single ? "15s" : "4s",
                     "--renew-deadline",
                     o_.single ? "10s" : "3s",
                     "--retry-period",
                     o_.single ? "2s" : "500ms",
                     "--node-stale-after",
                     "30s",
                     "--identity",
                     name},
                    dir_ + "/logs/" + name + ".log"};
  }
  return true;
}

bool Cluster::Start() {
  if (!StartEmulator() || !InitNodes()) return false;
  for (auto& [name, p] : procs_) StartProcess(name);
  std::string last;
  bool ok = WaitFor(
      [&] {
        for (int i = 0; i < o_.nodes; ++i) {
          if (!NodeUp(i)) return false;
        }
        return true;
      },
      std::chrono::seconds(60), [&] { return Describe(); }, &last);
  if (!ok) error_ = "the agents did not report: " + last;
  return ok;
}

Status Cluster::ApplyProfile(const Json& profile) {
  kube::PatchOptions po;
  po.field_manager = "e2e";
  po.force = true;
  auto r = client_->Apply(AuditProfiles(), profile, po);
  return r.ok() ? Status::Ok() : r.status();
}

Status Cluster::DeleteProfile(const std::string& name) {
  return client_->Delete(AuditProfiles(), "", name);
}

StatusOr<Json> Cluster::GetProfile(const std::string& name) {
  return client_->Get(AuditProfiles(), "", name);
}

bool Cluster::NodeUp(int i) {
  if (!NodeState(i).is_object()) return false;
  if (!client_->Get(kube::resources::Nodes(), "", node(i)).ok()) return false;
  auto pod = client_->Get(kube::resources::Pods(), "kube-system", "kube-apiserver-" + node(i));
  if (!pod.ok()) return false;
  for (const Json& c : pod->value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

Json Cluster::NodeState(int i) {
  auto cm = client_->Get(kube::resources::ConfigMaps(), "kaudit-system", "kaudit-node-" + node(i));
  if (!cm.ok()) return nullptr;
  auto data = cm->value("data", Json::object());
  auto j = Json::parse(data.value("state.json", ""), nullptr, false);
  return j.is_discarded() ? Json() : j;
}

std::map<std::string, std::string> Cluster::RolloutTargets() {
  std::map<std::string, std::string> out;
  auto cm = client_->Get(kube::resources::ConfigMaps(), "kaudit-system", "kaudit-rollout");
  if (!cm.ok()) return out;
  Json data = cm->value("data", Json::object());
  for (const auto& [k, v] : data.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

bool Cluster::WaitFor(const std::function<bool()>& pred, std::chrono::seconds timeout,
                      const std::function<std::string()>& describe, std::string* last) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (pred()) return true;
  *last = describe();
  return false;
}

std::string Cluster::Describe() {
  std::ostringstream out;
  if (client_) {
    for (int i = 0; i < o_.nodes; ++i) out << node(i) << ": " << NodeState(i).dump() << "\n";
    out << "kaudit-rollout:";
    for (const auto& [k, v] : RolloutTargets()) out << " " << k << "=" << v;
    out << "\n";
  }
  for (const auto& [name, p] : procs_) {
    std::string log = ReadFile(p.log);
    if (log.size() > 1500) log = "..." + log.substr(log.size() - 1500);
    out << "--- " << name << " log (tail) ---\n" << log << "\n";
  }
  return out.str();
}

}  // namespace kaudit::e2e
