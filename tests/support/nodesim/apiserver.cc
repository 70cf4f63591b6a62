#include "nodesim/apiserver.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include "common/time.h"

namespace kaudit::nodesim {
namespace {

std::string ReadAll(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Uuid(unsigned long long seq) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  unsigned long long a = rng(), b = rng() ^ seq;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-8%03llx-%012llx", a >> 32, (a >> 16) & 0xffff,
                a & 0xfff, (b >> 48) & 0xfff, b & 0xffffffffffffULL);
  return buf;
}

// lumberjack's backup name: audit.log -> audit-2006-01-02T15-04-05.000.log
std::string BackupName(const std::string& file) {
  auto slash = file.rfind('/');
  auto dot = file.rfind('.');
  std::string base = dot != std::string::npos && dot > slash ? file.substr(0, dot) : file;
  std::string ext = dot != std::string::npos && dot > slash ? file.substr(dot) : "";
  std::string t = FormatRfc3339Micro(std::chrono::system_clock::now());  // ...T10:00:00.123456Z
  std::string stamp = t.substr(0, 10) + "T" + t.substr(11, 2) + "-" + t.substr(14, 2) + "-" +
                      t.substr(17, 2) + "." + t.substr(20, 3);
  return base + "-" + stamp + ext;
}

}  // namespace

SimApiserver::SimApiserver(StartPlan plan, Fault fault, std::string node,
                           std::chrono::milliseconds event_interval)
    : plan_(std::move(plan)), fault_(std::move(fault)), node_(std::move(node)),
      event_interval_(event_interval) {}

SimApiserver::~SimApiserver() { server_.Stop(); }

Status SimApiserver::Start() {
  emulator::TlsIdentity tls{ReadAll(plan_.cert_file), ReadAll(plan_.key_file), ""};
  auto port = server_.Start(plan_.port, tls, [this](const emulator::HttpRequest& r,
                                                    emulator::ResponseWriter& w) { Handle(r, w); });
  if (!port.ok()) return port.status().WithContext("listen on 127.0.0.1:" + std::to_string(plan_.port));
  started_ = std::chrono::steady_clock::now();
  next_event_ = started_;
  return Status::Ok();
}

bool SimApiserver::Ready() const {
  if (fault_.mode == "never-ready") return false;
  if (fault_.mode == "ready-after") {
    return std::chrono::steady_clock::now() - started_ >= std::chrono::seconds(fault_.ready_after_seconds);
  }
  return true;
}

void SimApiserver::Handle(const emulator::HttpRequest& req, emulator::ResponseWriter& w) {
  int code = 404;
  std::string body = "404 page not found";
  if (req.path == "/readyz" || req.path == "/livez" || req.path == "/healthz") {
    bool ok = req.path != "/readyz" || Ready();
    code = ok ? 200 : 500;
    body = ok ? "ok" : "[-]simulated-fault failed: not ready\nreadyz check failed";
  }
  w.Send(code, "text/plain; charset=utf-8", body);
  std::lock_guard<std::mutex> lock(mu_);
  if (seen_.size() < 10000) seen_.push_back({"get", req.target, req.Header("user-agent"), code});
}

void SimApiserver::RotateIfNeeded(std::size_t adding) {
  long long max = (plan_.max_size_mb > 0 ? plan_.max_size_mb : 100) * 1024 * 1024;
  struct stat st {};
  if (stat(plan_.log_file.c_str(), &st) != 0 || st.st_size + static_cast<long long>(adding) <= max) return;
  std::rename(plan_.log_file.c_str(), BackupName(plan_.log_file).c_str());
  if (plan_.max_backup <= 0) return;
  std::string dir = plan_.log_file.substr(0, plan_.log_file.rfind('/'));
  std::string name = plan_.log_file.substr(plan_.log_file.rfind('/') + 1);
  std::string prefix = name.substr(0, name.rfind('.')) + "-";
  std::vector<std::string> backups;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind(prefix, 0) == 0) backups.push_back(n);
    }
    closedir(d);
  }
  std::sort(backups.begin(), backups.end());
  for (std::size_t i = 0; i + plan_.max_backup < backups.size(); ++i) {
    std::remove((dir + "/" + backups[i]).c_str());
  }
}

void SimApiserver::Append(const Seen& s, const std::string& user, const std::string& group) {
  std::string now = FormatRfc3339Micro(std::chrono::system_clock::now());
  std::string line;
  std::string id = Uuid(++seq_);
  if (plan_.log_format == "legacy") {
    line = now + " AUDIT: id=\"" + id + "\" stage=\"ResponseComplete\" ip=\"127.0.0.1\" method=\"" +
           s.method + "\" user=\"" + user + "\" groups=\"\\\"" + group + "\\\"\" as=\"<self>\" "
           "asgroups=\"<lookup>\" user-agent=\"" + s.agent + "\" namespace=\"<none>\" uri=\"" + s.uri +
           "\" response=\"" + std::to_string(s.code) + "\"\n";
  } else {
    Json e = {{"kind", "Event"}, {"apiVersion", "audit.k8s.io/v1"}, {"level", "Metadata"},
              {"auditID", id}, {"stage", "ResponseComplete"}, {"requestURI", s.uri},
              {"verb", s.method}, {"user", {{"username", user}, {"groups", {group, "system:authenticated"}}}},
              {"sourceIPs", {"127.0.0.1"}}, {"userAgent", s.agent},
              {"responseStatus", {{"metadata", Json::object()}, {"code", s.code}}},
              {"requestReceivedTimestamp", now}, {"stageTimestamp", now},
              {"annotations", {{"authorization.k8s.io/decision", "allow"}, {"authorization.k8s.io/reason", ""}}}};
    if (s.uri.find("/leases/") != std::string::npos) {
      e["objectRef"] = {{"resource", "leases"}, {"namespace", "kube-node-lease"}, {"name", node_},
                        {"apiGroup", "coordination.k8s.io"}, {"apiVersion", "v1"}};
    }
    line = e.dump() + "\n";
  }
  RotateIfNeeded(line.size());
  std::ofstream out(plan_.log_file, std::ios::app | std::ios::binary);
  out << line;
}

void SimApiserver::Tick() {
  if (!plan_.audit || plan_.log_file.empty()) return;
  std::deque<Seen> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(seen_);
  }
  for (const auto& s : batch) Append(s, "system:anonymous", "system:unauthenticated");
  auto now = std::chrono::steady_clock::now();
  if (now >= next_event_ && Ready()) {
    next_event_ = now + event_interval_;
    Append({"update", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + node_,
            "kubelet/v1.30.4 (linux/amd64) kubernetes/nodesim", 200},
           "system:node:" + node_, "system:nodes");
  }
}

}  // namespace kaudit::nodesim
