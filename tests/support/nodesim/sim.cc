#include "nodesim/sim.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "common/time.h"
#include "nodesim/apiserver.h"
#include "nodesim/pod_file.h"
#include "nodesim/proxy.h"

namespace kaudit::nodesim {
namespace {

constexpr const char* kPodKey = "kube-system/kube-apiserver";
using Clock = std::chrono::steady_clock;

void Log(const std::string& node, const std::string& msg) {
  std::cerr << FormatRfc3339Micro(std::chrono::system_clock::now()) << " nodesim[" << node << "] "
            << msg << std::endl;
}

class Sim {
 public:
  Sim(kube::Client* c, SimOptions o) : client_(c), o_(std::move(o)), source_(o_.host_root + o_.manifests_dir, o_.node) {}
  Status Run(kube::Canceller* stop);

 private:
  void Kubelet();
  void StartContainer();
  Fault ReadFault(const Json& pod) const;
  void SyncMirror();
  Json MirrorStatus() const;
  void RegisterNode();
  void WriteStatus();

  kube::Client* client_;
  SimOptions o_;
  PodSource source_;
  std::optional<StaticPod> current_;
  std::unique_ptr<SimApiserver> api_;
  Clock::time_point next_start_{};
  int crashes_ = 0, starts_ = 0;
  std::string last_error_;
  bool node_registered_ = false;
  std::string mirror_hash_;  // published; "" = no mirror pod
  std::string mirror_state_;
  std::string status_written_;
  TcpProxy proxy_;
};

Fault Sim::ReadFault(const Json& pod) const {
  Fault f;
  if (o_.faults_file.empty()) return f;
  std::ifstream in(o_.faults_file);
  if (!in) return f;
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, false);
  if (!j.is_object()) return f;
  f.match = j.value("match", "");
  if (!f.match.empty() && pod.dump().find(f.match) == std::string::npos) return f;
  f.mode = j.value("mode", "");
  f.ready_after_seconds = j.value("readyAfterSeconds", 0);
  return f;
}

void Sim::StartContainer() {
  ++starts_;
  Fault fault = ReadFault(current_->pod);
  StatusOr<StartPlan> plan = Status::Internal("unset");
  try {
    plan = CheckStart(current_->pod, o_.host_root);
  } catch (const std::exception& e) {
    plan = Status::InvalidArgument(std::string("malformed manifest: ") + e.what());
  }
  Status st = plan.ok() ? Status::Ok() : plan.status();
  if (st.ok() && fault.mode == "crash-loop") st = Status::Internal("simulated fault: crash-loop");
  if (st.ok()) {
    api_ = std::make_unique<SimApiserver>(*plan, fault, o_.node, o_.event_interval);
    st = api_->Start();
    if (!st.ok()) api_.reset();
  }
  if (st.ok()) {
    crashes_ = 0;
    last_error_.clear();
    Log(o_.node, "kube-apiserver started (hash " + current_->hash + (fault.mode.empty() ? "" : ", fault " + fault.mode) + ")");
    return;
  }
  last_error_ = st.message();
  ++crashes_;
  auto backoff = o_.crash_backoff * (1 << std::min(crashes_ - 1, 3));
  next_start_ = Clock::now() + backoff;
  Log(o_.node, "kube-apiserver did not start: " + last_error_);
}

// One kubelet pass: is the pod we run still the one the folder defines?
void Sim::Kubelet() {
  std::optional<StaticPod> want = source_.Get(kPodKey);
  std::string want_hash = want ? want->hash : "";
  std::string have_hash = current_ ? current_->hash : "";
  if (want_hash != have_hash) {
    if (api_) Log(o_.node, "stopping kube-apiserver (hash " + have_hash + ")");
    api_.reset();
    current_ = want;
    crashes_ = 0;
    last_error_.clear();
    next_start_ = Clock::now() + o_.restart_delay;
    if (want) Log(o_.node, "pod kube-apiserver from " + want->path + " (hash " + want_hash + ")");
  }
  if (current_ && !api_ && Clock::now() >= next_start_) StartContainer();
  if (api_) api_->Tick();
}

Json Sim::MirrorStatus() const {
  bool ready = api_ && api_->Ready();
  std::string now = FormatRfc3339(std::chrono::system_clock::now());
  Json state = api_ ? Json{{"running", {{"startedAt", now}}}}
               : !last_error_.empty()
                   ? Json{{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", last_error_}}}}
                   : Json{{"waiting", {{"reason", "ContainerCreating"}}}};
  Json cond = {{"type", "Ready"}, {"status", ready ? "True" : "False"}, {"lastTransitionTime", now}};
  if (!ready) cond["reason"] = api_ ? "ContainersNotReady" : "PodNotRunning";
  Json ready_c = cond;
  ready_c["type"] = "ContainersReady";
  return {{"phase", api_ ? "Running" : "Pending"},
          {"conditions", {cond, ready_c}},
          {"containerStatuses", {{{"name", "kube-apiserver"}, {"ready", ready},
                                  {"restartCount", starts_ > 0 ? starts_ - 1 : 0}, {"state", state}}}}};
}

void Sim::SyncMirror() {
  std::string name = "kube-apiserver-" + o_.node;
  std::string want = current_ ? current_->hash : "";
  if (want != mirror_hash_) {
    if (!mirror_hash_.empty()) {
      Status d = client_->Delete(kube::resources::Pods(), "kube-system", name);
      if (!d.ok() && !d.IsNotFound()) return;
    }
    mirror_hash_.clear();
    mirror_state_.clear();
    if (!current_) return;
    Json pod = current_->pod;
    Json& md = pod["metadata"];
    md["name"] = name;
    md["namespace"] = "kube-system";
    md.erase("creationTimestamp");
    Json ann = md.value("annotations", Json::object());
    ann["kubernetes.io/config.hash"] = current_->hash;
    ann["kubernetes.io/config.mirror"] = current_->hash;
    ann["kubernetes.io/config.source"] = "file";
    ann["kubernetes.io/config.seen"] = FormatRfc3339Micro(std::chrono::system_clock::now());
    md["annotations"] = ann;
    md["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", o_.node}, {"uid", o_.node}, {"controller", true}}};
    pod["spec"]["nodeName"] = o_.node;
    pod.erase("status");
    auto c = client_->Create(kube::resources::Pods(), "kube-system", pod);
    if (!c.ok() && c.status().code() != StatusCode::kAlreadyExists) return;
    if (!c.ok()) (void)client_->Delete(kube::resources::Pods(), "kube-system", name);  // stale: next pass
    if (!c.ok()) return;
    mirror_hash_ = want;
  }
  if (!current_) return;
  Json status = MirrorStatus();
  std::string key = status["conditions"][0]["status"].get<std::string>() + status["phase"].get<std::string>() + last_error_;
  if (key == mirror_state_) return;
  kube::PatchOptions po;
  po.subresource = "status";
  auto p = client_->Patch(kube::resources::Pods(), "kube-system", name, kube::PatchType::kMerge, {{"status", status}}, po);
  if (p.ok()) mirror_state_ = key;
  if (!p.ok() && p.status().IsNotFound()) mirror_hash_.clear();
}

void Sim::RegisterNode() {
  Json node = {{"apiVersion", "v1"}, {"kind", "Node"},
               {"metadata", {{"name", o_.node}, {"labels", {{"node-role.kubernetes.io/control-plane", ""},
                                                             {"kubernetes.io/hostname", o_.node}}}}}};
  kube::PatchOptions po;
  po.field_manager = "kubelet";
  po.force = true;
  if (client_->Apply(kube::resources::Nodes(), node, po).ok()) node_registered_ = true;
}

void Sim::WriteStatus() {
  Json s = {{"node", o_.node}, {"hash", current_ ? current_->hash : ""},
            {"source", current_ ? current_->path : ""}, {"running", api_ != nullptr},
            {"ready", api_ && api_->Ready()}, {"starts", starts_}, {"lastError", last_error_},
            {"mirrorHash", mirror_hash_}, {"pid", getpid()}};
  std::string text = s.dump();
  if (o_.status_file.empty() || text == status_written_) return;
  std::string tmp = o_.status_file + ".tmp";
  std::ofstream(tmp) << text << "\n";
  std::rename(tmp.c_str(), o_.status_file.c_str());
  status_written_ = text;
}

Status Sim::Run(kube::Canceller* stop) {
  std::string dir = o_.host_root + o_.manifests_dir;
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0 || inotify_add_watch(fd, dir.c_str(), IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB |
                                                       IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO) < 0) {
    return Status::FailedPrecondition("cannot watch " + dir);
  }
  if (o_.api_proxy_port > 0) {
    auto colon = o_.api_upstream.rfind(':');
    KAUDIT_RETURN_IF_ERROR(proxy_.Start(o_.api_proxy_port, o_.api_upstream.substr(0, colon),
                                        std::stoi(o_.api_upstream.substr(colon + 1))));
  }
  source_.Relist();
  auto next_relist = Clock::now() + o_.relist_interval;
  alignas(inotify_event) char buf[8192];
  while (!stop->cancelled()) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (char* q = buf; q < buf + n;) {
          auto* ev = reinterpret_cast<inotify_event*>(q);
          std::string name = ev->len ? ev->name : "";
          if (!name.empty() && name[0] != '.') source_.FileChanged(name);
          q += sizeof(inotify_event) + ev->len;
        }
      }
    }
    if (Clock::now() >= next_relist) {
      source_.Relist();
      next_relist = Clock::now() + o_.relist_interval;
    }
    if (!node_registered_) RegisterNode();
    Kubelet();
    SyncMirror();
    proxy_.SetOpen(api_ && api_->Ready());
    WriteStatus();
  }
  close(fd);
  proxy_.Stop();
  return Status::Ok();
}

}  // namespace

Status RunNodeSim(kube::Client* client, const SimOptions& opts, kube::Canceller* stop) {
  Sim sim(client, opts);
  return sim.Run(stop);
}

}  // namespace kaudit::nodesim
