#include "controller/manager.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>

#include "kube/errors.h"
#include "kube/events.h"
#include "kube/informer.h"
#include "kube/leader.h"
#include "kube/util.h"
#include "kube/workqueue.h"
#include "observability/http_server.h"
#include "observability/metrics.h"

namespace kaudit::controller {
namespace {

// The whole cluster's audit configuration is one unit of work.
constexpr const char* kKey = "cluster";
constexpr const char* kName = "auditprofile";  // the controller label in metrics

std::string DefaultIdentity() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "kaudit");
  return std::string(host) + "_" + kube::RandomSuffix(8);
}

}  // namespace

struct Manager::Impl {
  kube::Client* client;
  ManagerOptions opts;
  observability::Registry registry;
  std::unique_ptr<kube::Informer> profiles, configmaps, secrets, nodes, pods;
  std::unique_ptr<kube::WorkQueue> queue;
  std::unique_ptr<kube::EventRecorder> events;
  std::unique_ptr<Reconciler> reconciler;
  observability::HttpServer metrics_server;
  observability::HttpServer health_server;
  Caches caches;

  Impl(kube::Client* c, ManagerOptions o)
      : client(c),
        opts(std::move(o)),
        metrics_server(opts.metrics_bind_address),
        health_server(opts.health_bind_address) {}

  void Enqueue() {
    registry.GetCounter("workqueue_adds_total", "Total number of adds handled by workqueue.",
                        {{"name", kName}}).Inc();
    queue->Add(kKey);
  }

  void MakeInformers() {
    const std::string& ns = opts.reconciler.namespace_name;
    kube::ReflectorOptions pods_opts = opts.reflector;
    pods_opts.label_selector = "component=kube-apiserver";
    profiles = std::make_unique<kube::Informer>(client, AuditProfiles(), "", opts.reflector);
    configmaps =
        std::make_unique<kube::Informer>(client, kube::resources::ConfigMaps(), ns, opts.reflector);
    secrets = std::make_unique<kube::Informer>(client, kube::resources::Secrets(), ns, opts.reflector);
    nodes = std::make_unique<kube::Informer>(client, kube::resources::Nodes(), "", opts.reflector);
    pods = std::make_unique<kube::Informer>(client, kube::resources::Pods(), "kube-system", pods_opts);
    caches = {profiles.get(), configmaps.get(), secrets.get(), nodes.get(), pods.get()};
    for (kube::Informer* i : {profiles.get(), configmaps.get(), secrets.get(), nodes.get(), pods.get()}) {
      i->AddHandlers({[this](const Json&) { Enqueue(); },
                      [this](const Json&, const Json&) { Enqueue(); },
                      [this](const Json&) { Enqueue(); }});
    }
  }

  void Serve() {
    metrics_server.Handle("/metrics", [this] {
      registry.GetGauge("workqueue_depth", "Current depth of workqueue.", {{"name", kName}})
          .Set(static_cast<double>(queue->Len()));
      return observability::HttpResponse{200, observability::kMetricsContentType,
                                         registry.Encode()};
    });
    health_server.Handle("/healthz", [] { return observability::HttpResponse{200, "text/plain", "ok\n"}; });
    health_server.Handle("/readyz", [this] {
      if (caches.Synced()) return observability::HttpResponse{200, "text/plain", "ok\n"};
      return observability::HttpResponse{503, "text/plain", "informer caches not synced\n"};
    });
  }

  bool WaitForSync(kube::Canceller* stop) {
    while (!caches.Synced()) {
      if (stop->WaitFor(std::chrono::milliseconds(50))) return false;
    }
    return true;
  }

  void ReconcileOne() {
    auto start = std::chrono::steady_clock::now();
    StatusOr<Duration> r = reconciler->ReconcileOnce();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    registry.GetHistogram("controller_runtime_reconcile_time_seconds",
                          "Length of time per reconciliation per controller",
                          {{"controller", kName}}).Observe(secs);
    std::string result;
    if (!r.ok() && (kube::IsConflict(r.status()) || kube::IsAlreadyExists(r.status()))) {
      // The caches were behind a write; the event that catches them up is on its way. Look
      // again soon, without growing the failure backoff (a busy cluster would otherwise push
      // every pass towards the maximum delay).
      result = "conflict";
      spdlog::debug("stale view, reconciling again: {}", r.status().ToString());
      queue->Forget(kKey);
      queue->AddAfter(kKey, opts.conflict_retry);
    } else if (!r.ok()) {
      result = "error";
      registry.GetCounter("controller_runtime_reconcile_errors_total",
                          "Total number of reconciliation errors per controller",
                          {{"controller", kName}}).Inc();
      spdlog::warn("reconcile failed (will retry with backoff): {}", r.status().ToString());
      queue->AddRateLimited(kKey);
    } else {
      result = "requeue_after";
      queue->Forget(kKey);
      queue->AddAfter(kKey, std::chrono::duration_cast<std::chrono::milliseconds>(*r));
    }
    registry.GetCounter("controller_runtime_reconcile_total",
                        "Total number of reconciliations per controller",
                        {{"controller", kName}, {"result", result}}).Inc();
  }

  // The leader's loop: one reconcile at a time until stop (or lost leadership) fires.
  void Work(kube::Canceller* stop) {
    kube::CancelRegistration reg(stop, [this] { queue->ShutDown(); });
    if (!WaitForSync(stop)) return;
    spdlog::info("caches synced; reconciling");
    Enqueue();
    registry.GetGauge("controller_runtime_active_workers", "Number of currently used workers per controller",
                      {{"controller", kName}}).Set(1);
    while (std::optional<std::string> key = queue->Get()) {
      if (!stop->cancelled()) ReconcileOne();
      queue->Done(*key);
      if (stop->cancelled()) break;
    }
    registry.GetGauge("controller_runtime_active_workers", "Number of currently used workers per controller",
                      {{"controller", kName}}).Set(0);
  }

  Status RunElected(kube::Canceller* stop) {
    kube::LeaderElectionConfig cfg;
    cfg.lease_namespace = opts.reconciler.namespace_name;
    cfg.lease_name = opts.leader_election_id;
    cfg.identity = opts.identity.empty() ? DefaultIdentity() : opts.identity;
    cfg.lease_duration = opts.lease_duration;
    cfg.renew_deadline = opts.renew_deadline;
    cfg.retry_period = opts.retry_period;
    KAUDIT_RETURN_IF_ERROR(kube::ValidateLeaderElectionConfig(cfg));
    observability::Gauge& leader = registry.GetGauge(
        "leader_election_master_status",
        "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 "
        "indicates master.",
        {{"name", opts.leader_election_id}});
    bool led = false;
    cfg.on_started_leading = [&](kube::Canceller* lost) {
      led = true;
      leader.Set(1);
      spdlog::info("became leader ({}); starting to reconcile", cfg.identity);
      Work(lost);
    };
    cfg.on_stopped_leading = [&] { leader.Set(0); };
    cfg.on_new_leader = [](const std::string& id) { spdlog::info("current leader: {}", id); };
    spdlog::info("waiting for leadership of Lease {}/{} as {}", cfg.lease_namespace,
                 cfg.lease_name, cfg.identity);
    kube::LeaderElector elector(client, cfg);
    Status s = elector.Run(stop);
    if (stop->cancelled()) return Status::Ok();
    if (!s.ok()) return s.WithContext("leader election");
    return led ? Status::Aborted("leader election lost") : Status::Ok();
  }
};

Manager::Manager(kube::Client* client, ManagerOptions opts)
    : impl_(std::make_unique<Impl>(client, std::move(opts))) {}

Manager::~Manager() = default;

int Manager::metrics_port() const { return impl_->metrics_server.port(); }
int Manager::health_port() const { return impl_->health_server.port(); }

Status Manager::Run(kube::Canceller* stop) {
  Impl& m = *impl_;
  kube::WorkQueueOptions qo;
  qo.base_delay = m.opts.min_backoff;
  qo.max_delay = m.opts.max_backoff;
  m.queue = std::make_unique<kube::WorkQueue>(qo);
  observability::AddProcessCollector(m.registry);
  m.MakeInformers();
  kube::EventRecorderOptions eo;
  eo.reporting_controller = "kaudit.io/controller";
  eo.reporting_instance = m.opts.identity.empty() ? DefaultIdentity() : m.opts.identity;
  m.events = std::make_unique<kube::EventRecorder>(m.client, eo);
  m.reconciler = std::make_unique<Reconciler>(m.client, m.caches, m.events.get(), &m.registry,
                                              m.opts.reconciler);
  m.Serve();
  KAUDIT_RETURN_IF_ERROR(m.metrics_server.Start().WithContext("--metrics-bind-address"));
  KAUDIT_RETURN_IF_ERROR(m.health_server.Start().WithContext("--health-probe-bind-address"));
  for (kube::Informer* i : {m.profiles.get(), m.configmaps.get(), m.secrets.get(), m.nodes.get(),
                            m.pods.get()}) {
    i->Start();
  }
  Status result;
  if (m.opts.leader_elect) {
    result = m.RunElected(stop);
  } else {
    m.Work(stop);
  }
  m.queue->ShutDown();
  for (kube::Informer* i : {m.profiles.get(), m.configmaps.get(), m.secrets.get(), m.nodes.get(),
                            m.pods.get()}) {
    i->Stop();
  }
  m.events->Flush(std::chrono::seconds(2));
  m.metrics_server.Stop();
  m.health_server.Stop();
  return result;
}

}  // namespace kaudit::controller
