// kaudit controller: watches AuditProfiles, renders the effective audit configuration, stores
// revisions, drives the node-by-node rollout and writes status (docs/operations.md).
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "controller/manager.h"
#include "kube/client.h"
#include "kube/config.h"
#include "observability/logging.h"
#include "policy/duration.h"

namespace kaudit::cli {
namespace {

struct ControllerFlags {
  std::string kubeconfig;
  std::string namespace_name;
  bool leader_elect = true;
  std::string leader_election_id = "kaudit-controller";
  std::string lease_duration = "15s", renew_deadline = "10s", retry_period = "2s";
  std::string metrics_bind = ":8080", health_bind = ":8081";
  std::string log_format = "text", log_level = "info";
  std::string allowed_log_root = std::string(policy::kDefaultAllowedLogRoot);
  std::string node_stale_after = "2m", resync = "5m", uninstall_grace = "1m";
  bool unsafe_no_locked_preamble = false;
  std::string identity;
  double kube_qps = 20;
  int kube_burst = 30;
};

StatusOr<std::chrono::milliseconds> Millis(const std::string& flag, const std::string& v) {
  std::optional<policy::Duration> d = policy::ParseGoDuration(v);
  if (!d || d->count() <= 0) {
    return Status::InvalidArgument(flag + ": want a positive duration such as 15s, got \"" + v +
                                   "\"");
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

StatusOr<controller::ManagerOptions> MakeOptions(const ControllerFlags& f) {
  controller::ManagerOptions o;
  const char* pod_ns = std::getenv("POD_NAMESPACE");
  o.reconciler.namespace_name = !f.namespace_name.empty() ? f.namespace_name
                                : (pod_ns && *pod_ns)    ? pod_ns
                                                         : "kaudit-system";
  o.reconciler.plan.allowed_log_root = f.allowed_log_root;
  o.reconciler.plan.locked_preamble = !f.unsafe_no_locked_preamble;
  o.leader_elect = f.leader_elect;
  o.leader_election_id = f.leader_election_id;
  o.identity = f.identity;
  o.metrics_bind_address = f.metrics_bind;
  o.health_bind_address = f.health_bind;
  struct {
    const char* flag;
    const std::string& value;
    std::chrono::milliseconds* out;
  } durations[] = {{"--lease-duration", f.lease_duration, &o.lease_duration},
                   {"--renew-deadline", f.renew_deadline, &o.renew_deadline},
                   {"--retry-period", f.retry_period, &o.retry_period}};
  for (auto& d : durations) {
    StatusOr<std::chrono::milliseconds> v = Millis(d.flag, d.value);
    if (!v.ok()) return v.status();
    *d.out = *v;
  }
  StatusOr<std::chrono::milliseconds> stale = Millis("--node-stale-after", f.node_stale_after);
  if (!stale.ok()) return stale.status();
  o.reconciler.plan.node_stale_after = *stale;
  StatusOr<std::chrono::milliseconds> resync = Millis("--resync-period", f.resync);
  if (!resync.ok()) return resync.status();
  o.reconciler.plan.resync = *resync;
  StatusOr<std::chrono::milliseconds> grace = Millis("--uninstall-grace", f.uninstall_grace);
  if (!grace.ok()) return grace.status();
  o.reconciler.plan.uninstall_grace = *grace;
  return o;
}

// SIGTERM/SIGINT cancel stop; a second signal exits at once.
void HandleSignals(kube::Canceller* stop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, stop] {
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("received signal {}; shutting down", sig);
    stop->Cancel();
    sigwait(&set, &sig);
    std::_Exit(1);
  }).detach();
}

int Run(const ControllerFlags& f) {
  Status logs = observability::SetupLogging(f.log_format, f.log_level);
  if (!logs.ok()) {
    std::cerr << "error: " << logs.message() << "\n";
    return kExitUsage;
  }
  StatusOr<controller::ManagerOptions> opts = MakeOptions(f);
  if (!opts.ok()) {
    std::cerr << "error: " << opts.status().message() << "\n";
    return kExitUsage;
  }
  static kube::Canceller stop;  // outlives the detached signal thread
  HandleSignals(&stop);
  kube::ConfigureHttpThreadPool(8);
  StatusOr<kube::RestConfig> cfg = kube::LoadDefaultConfig(f.kubeconfig, "");
  if (!cfg.ok()) {
    spdlog::error("loading the API server configuration: {}", cfg.status().ToString());
    return kExitInvalid;
  }
  cfg->qps = f.kube_qps;
  cfg->burst = f.kube_burst;
  cfg->user_agent = "kaudit-controller";
  StatusOr<std::unique_ptr<kube::Client>> client = kube::NewClientFromConfig(*cfg);
  if (!client.ok()) {
    spdlog::error("creating the API client: {}", client.status().ToString());
    return kExitInvalid;
  }
  spdlog::info("kaudit controller starting: namespace {}, leader election {}",
               opts->reconciler.namespace_name, f.leader_elect ? "on" : "off");
  Status st;
  {
    controller::Manager manager(client->get(), *opts);
    st = manager.Run(&stop);
  }
  if (!st.ok()) {
    spdlog::error("controller stopped: {}", st.ToString());
    return kExitInvalid;
  }
  spdlog::info("controller stopped");
  return kExitOk;
}

}  // namespace

void RegisterController(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<ControllerFlags>();
  CLI::App* cmd = app.add_subcommand(
      "controller", "Run the controller: render AuditProfiles, store revisions, roll them out "
                    "node by node, write status");
  // As with the Go flag package kubectl and controllers use, a repeated flag's last value wins.
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("--kubeconfig", f->kubeconfig,
                  "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  cmd->add_option("--namespace", f->namespace_name,
                  "namespace of kaudit's objects (default: $POD_NAMESPACE, else kaudit-system)");
  cmd->add_option("--leader-elect", f->leader_elect,
                  "elect a leader through a Lease so only one replica acts (default true)");
  cmd->add_option("--leader-election-id", f->leader_election_id, "name of the Lease");
  cmd->add_option("--lease-duration", f->lease_duration, "leader lease duration (default 15s)");
  cmd->add_option("--renew-deadline", f->renew_deadline, "leader renew deadline (default 10s)");
  cmd->add_option("--retry-period", f->retry_period, "leader election retry period (default 2s)");
  cmd->add_option("--metrics-bind-address", f->metrics_bind,
                  "address of /metrics, host:port or :port; 0 disables (default :8080)");
  cmd->add_option("--health-probe-bind-address", f->health_bind,
                  "address of /healthz and /readyz; 0 disables (default :8081)");
  cmd->add_option("--log-format", f->log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--log-level", f->log_level, "trace, debug, info, warn or error");
  cmd->add_option("--allowed-log-root", f->allowed_log_root,
                  "spec.backends.log.path must lie under this directory (as on the agents)");
  cmd->add_option("--node-stale-after", f->node_stale_after,
                  "a node whose agent has not reported for this long is left out (default 2m)");
  cmd->add_option("--resync-period", f->resync, "reconcile at least this often (default 5m)");
  cmd->add_option("--uninstall-grace", f->uninstall_grace,
                  "a kaudit-uninstall ConfigMap found at start and not renewed for this long is "
                  "a leftover and is deleted (default 1m)");
  cmd->add_flag("--unsafe-no-locked-preamble", f->unsafe_no_locked_preamble,
                "UNSAFE: leave out the locked preamble that keeps Secrets out of the audit log "
                "and logs every AuditProfile change");
  cmd->add_option("--identity", f->identity, "leader election identity (default hostname_random)");
  cmd->add_option("--kube-api-qps", f->kube_qps, "client-side rate limit to the API server");
  cmd->add_option("--kube-api-burst", f->kube_burst, "client-side burst to the API server");
  cmd->callback([f, &ctx] { ctx.exit_code = Run(*f); });
}

}  // namespace kaudit::cli
