#include "agent/agent.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "agent/agent_impl.h"
#include "common/time.h"
#include "hostfs/env.h"
#include "manifest/patch.h"
#include "manifest/yaml_tree.h"

namespace kaudit::agent {
namespace {

kube::ReflectorOptions RolloutSelector() {
  kube::ReflectorOptions r;
  r.field_selector = "metadata.name=kaudit-rollout";
  r.initial_backoff = std::chrono::milliseconds(200);
  r.max_backoff = std::chrono::milliseconds(5000);
  return r;
}

MirrorPodHealthOptions HealthOpts(const AgentOptions& o) {
  MirrorPodHealthOptions h;
  h.node_name = o.node_name;
  h.manifest = o.manifest;
  h.ca_file = o.health_ca_file;
  h.interval = o.health_interval;
  return h;
}

}  // namespace

Agent::Impl::Impl(kube::Client* c, AgentOptions o)
    : client(c),
      opts(std::move(o)),
      fs(hostfs::PosixEnv(), opts.host_root),
      rollout(c, kube::resources::ConfigMaps(), opts.namespace_name, RolloutSelector()),
      metrics_server(opts.metrics_bind_address),
      health_server(opts.health_bind_address),
      health(c, &fs, HealthOpts(opts),
             [this](const std::string& what) {
               SetPhase("WaitingHealthy", "waiting for the new kube-apiserver: " + what);
             }) {}

Agent::Agent(kube::Client* client, AgentOptions opts)
    : impl_(std::make_unique<Impl>(client, std::move(opts))) {}

Agent::~Agent() = default;

int Agent::metrics_port() const { return impl_->metrics_server.port(); }
int Agent::health_port() const { return impl_->health_server.port(); }

void Agent::Impl::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu);
    wake = true;
  }
  cv.notify_all();
}

void Agent::Impl::Count(const std::string& name, const std::string& help,
                        const observability::Labels& labels) {
  metrics.GetCounter(name, help, labels).Inc();
}

void Agent::Impl::SetPhase(const std::string& p, const std::string& message) {
  if (p != phase) spdlog::info("phase {}: {}", p, message);
  phase = p;
  metrics.ResetGauges("kaudit_agent_phase");
  metrics.GetGauge("kaudit_agent_phase", "1 for the agent's current phase", {{"phase", p}}).Set(1);
  publisher->Update([&](NodeReport* r) {
    r->phase = p;
    r->message = message;
  });
}

// Fills in what is read from the node: the revision on disk and the audit log's size.
void Agent::Impl::RefreshReport(NodeReport* r) {
  auto text = fs.Read(opts.manifest, 10 << 20);
  if (!text.ok()) return;
  auto info = manifest::Inspect(*text);
  if (!info.ok()) return;
  r->revision = info->revision.value_or("");
  std::string path;
  for (const auto& [n, v] : info->audit_flags) {
    if (n == "audit-log-path") path = v;
  }
  r->audit_log_bytes = 0;
  r->audit_log_last_write.clear();
  if (path.empty() || path == "-") return;
  auto st = fs.Stat(path);
  if (!st.ok()) return;
  r->audit_log_bytes = static_cast<std::int64_t>(st->size);
  r->audit_log_last_write = FormatRfc3339(std::chrono::system_clock::from_time_t(st->mtime_unix));
  metrics.GetGauge("kaudit_agent_audit_log_bytes", "Size of the node's current audit log file")
      .Set(static_cast<double>(st->size));
  metrics
      .GetGauge("kaudit_agent_audit_log_last_write_timestamp_seconds",
                "Last modification of the node's audit log (Unix time)")
      .Set(static_cast<double>(st->mtime_unix));
}

// kubelet's view of the folder: any create, write, remove or rename there may be drift.
void Agent::Impl::WatchManifestsDir() {
  auto real = fs.Resolve(manifest::DirName(opts.manifest));
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (!real.ok() || fd < 0) {
    spdlog::warn("cannot watch the manifests folder; relying on the drift interval");
    if (fd >= 0) close(fd);
    return;
  }
  if (inotify_add_watch(fd, real->c_str(), IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_TO |
                                               IN_MOVED_FROM | IN_CLOSE_WRITE | IN_ATTRIB) < 0) {
    spdlog::warn("inotify on {} failed; relying on the drift interval", *real);
    close(fd);
    return;
  }
  alignas(inotify_event) char buf[4096];
  while (!stop_threads.cancelled()) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 250) <= 0) continue;
    bool any = false;
    while (read(fd, buf, sizeof buf) > 0) any = true;
    if (any) Wake();
  }
  close(fd);
}

Status Agent::Impl::StartEndpoints() {
  AddProcessCollector(metrics);
  metrics_server.Handle("/metrics", [this] {
    return observability::HttpResponse{200, observability::kMetricsContentType, metrics.Encode()};
  });
  health_server.Handle("/healthz", [] { return observability::HttpResponse{200, "text/plain", "ok"}; });
  health_server.Handle("/readyz", [this] {
    bool ready = rollout.HasSynced();
    return observability::HttpResponse{ready ? 200 : 503, "text/plain",
                                       ready ? "ok" : "the kaudit-rollout watch has not synced"};
  });
  KAUDIT_RETURN_IF_ERROR(metrics_server.Start());
  return health_server.Start();
}

Status Agent::Run(kube::Canceller* stop) {
  Impl& d = *impl_;
  if (d.opts.node_name.empty()) return Status::InvalidArgument("--node-name is empty");
  KAUDIT_RETURN_IF_ERROR(d.StartEndpoints());
  NodeReport initial;
  initial.node = d.opts.node_name;
  d.publisher = std::make_unique<StatePublisher>(
      d.client, d.opts.namespace_name, d.opts.agent_version, d.opts.heartbeat_interval,
      [&d](NodeReport* r) { d.RefreshReport(r); });
  d.publisher->Start(initial);
  d.rollout.AddHandlers({[&d](const kube::Json&) { d.Wake(); },
                         [&d](const kube::Json&, const kube::Json&) { d.Wake(); },
                         [&d](const kube::Json&) { d.Wake(); }});
  d.rollout.Start();
  d.dir_watcher = std::thread([&d] { d.WatchManifestsDir(); });
  kube::CancelRegistration reg(stop, [&d] { d.Wake(); });
  spdlog::info("kaudit agent on node {}: host root {}, namespace {}", d.opts.node_name,
               d.opts.host_root, d.opts.namespace_name);
  while (!stop->cancelled()) {
    {
      std::unique_lock<std::mutex> lock(d.mu);
      d.cv.wait_for(lock, d.opts.drift_interval, [&] { return d.wake || stop->cancelled(); });
      d.wake = false;
    }
    if (stop->cancelled()) break;
    if (!d.rollout.HasSynced()) {
      if (d.rollout.WaitForSync(std::chrono::seconds(1))) d.Wake();
      continue;
    }
    d.applying = true;
    d.Reconcile();
    d.applying = false;
  }
  d.stop_threads.Cancel();
  d.rollout.Stop();
  if (d.dir_watcher.joinable()) d.dir_watcher.join();
  d.publisher->Stop();
  d.metrics_server.Stop();
  d.health_server.Stop();
  return Status::Ok();
}

}  // namespace kaudit::agent
