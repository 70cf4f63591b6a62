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
  return std::system(cmd.c_str()) == 0 ? Status::Ok() : Status::Unavailable("emulator control " + op + " failed");
}

bool Cluster::StartEmulator() {
  emulator_port_ = FreePort();
  token_ = "e2e-admin-token";
  server_ = "https://127.0.0.1:" + std::to_string(emulator_port_);
  fs::create_directories(dir_ + "/emu");
  fs::create_directories(dir_ + "/logs");
  procs_["emulator"] = {"emulator",
                        {Bin("kaudit-emulator"), "--data-dir", dir_ + "/emu", "--port",
                         std::to_string(emulator_port_), "--token", token_,
                         "--bookmark-interval-ms", "1000"},
                        dir_ + "/logs/emulator.log"};
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
  auto ns = client_->Create(kube::resources::Namespaces(), "",
                            {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "kaudit-system"}}}});
  auto ks = client_->Create(kube::resources::Namespaces(), "",
                            {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "kube-system"}}}});
  (void)ks;
  if (!ns.ok()) return error_ = "namespace: " + ns.status().ToString(), false;
  const char* src = std::getenv("KAUDIT_SOURCE_DIR");
  auto crd = nodesim::DecodeYaml(ReadFile(std::string(src ? src : ".") + "/crds/kaudit.io_auditprofiles.yaml"));
  if (!crd.ok()) return error_ = "CRD: " + crd.status().ToString(), false;
  auto created = client_->Create(kube::resources::CustomResourceDefinitions(), "", *crd);
  if (!created.ok()) return error_ = "CRD: " + created.status().ToString(), false;
  return true;
}

bool Cluster::InitNodes() {
  std::string api_kubeconfig = kubeconfig_;
  for (int i = 0; i < o_.nodes; ++i) {
    node_ports_.push_back(FreePort());
    fs::create_directories(host(i));
    std::string cmd = Bin("kaudit-nodesim") + " init --host-root " + host(i) + " --port " +
                      std::to_string(node_ports_[i]) + " >>" + dir_ + "/logs/init.log 2>&1";
    if (std::system(cmd.c_str()) != 0) return error_ = "nodesim init failed", false;
    std::vector<std::string> argv = {Bin("kaudit-nodesim"), "run", "--host-root", host(i),
                                     "--node", node(i), "--kubeconfig", kubeconfig_,
                                     "--restart-delay", o_.restart_delay, "--relist-interval", "5s",
                                     "--event-interval", "200ms", "--crash-backoff", "500ms",
                                     "--faults-file", faults_file(i), "--status-file",
                                     dir_ + "/nodes/" + node(i) + ".status.json"};
    if (o_.single) {
      proxy_ports_.push_back(FreePort());
      argv.insert(argv.end(), {"--api-proxy-port", std::to_string(proxy_ports_[i]),
                               "--api-upstream", "127.0.0.1:" + std::to_string(emulator_port_)});
      std::string kc = ReadFile(kubeconfig_);
      auto pos = kc.find(server_);
      kc.replace(pos, server_.size(), "https://127.0.0.1:" + std::to_string(proxy_ports_[i]));
      api_kubeconfig = dir_ + "/emu/via-" + node(i) + ".kubeconfig";
      std::ofstream(api_kubeconfig) << kc;
    }
    procs_["nodesim-" + node(i)] = {"nodesim-" + node(i), argv, dir_ + "/logs/nodesim-" + node(i) + ".log"};
    procs_["agent-" + node(i)] = {
        "agent-" + node(i),
        {Bin("kaudit"), "agent", "--node-name", node(i), "--host-root", host(i), "--namespace",
         "kaudit-system", "--kubeconfig", api_kubeconfig, "--metrics-bind-address", "127.0.0.1:0",
         "--health-probe-bind-address", "127.0.0.1:0", "--drift-interval", o_.drift_interval,
         "--heartbeat-interval", "2s", "--health-interval", "200ms", "--health-timeout", "60s"},
        dir_ + "/logs/agent-" + node(i) + ".log"};
  }
  for (int c = 0; c < o_.controllers; ++c) {
    std::string name = "controller-" + std::to_string(c + 1);
    procs_[name] = {name,
                    {Bin("kaudit"), "controller", "--kubeconfig", api_kubeconfig, "--namespace",
                     "kaudit-system", "--metrics-bind-address", "127.0.0.1:0",
                     "--health-probe-bind-address", "127.0.0.1:0", "--lease-duration", "4s",
                     "--renew-deadline", "3s", "--retry-period", "500ms", "--node-stale-after",
                     "30s", "--identity", name},
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
          Json s = NodeState(i);
          if (!s.is_object()) return false;
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
