// kaudit agent: runs on one control-plane node, applies its target revision, repairs drift and
// reports (operator/agent/agent.h, docs/agent.md).
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "agent/agent.h"
#include "cli/commands.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/transport.h"
#include "node/health.h"
#include "observability/logging.h"

#ifndef KAUDIT_VERSION
#define KAUDIT_VERSION "dev"
#endif

namespace kaudit::cli {
namespace {

struct AgentFlags {
  std::string node_name, host_root = "/host", namespace_name, kubeconfig;
  std::string manifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";
  std::string allowed_log_root = "/var/log/kubernetes";
  std::string metrics_bind = ":9469", health_bind = ":9470";
  std::string drift_interval = "30s", heartbeat_interval = "30s";
  std::string health_timeout = "5m", health_interval = "500ms";
  std::string health_ca_file;
  std::string log_format = "text", log_level = "info";
  int keep_backups = 10;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

StatusOr<agent::AgentOptions> MakeOptions(const AgentFlags& f) {
  agent::AgentOptions o;
  o.node_name = !f.node_name.empty() ? f.node_name : Env("NODE_NAME");
  if (o.node_name.empty()) return Status::InvalidArgument("--node-name (or $NODE_NAME) is required");
  o.host_root = f.host_root;
  std::string pod_ns = Env("POD_NAMESPACE");
  o.namespace_name = !f.namespace_name.empty() ? f.namespace_name
                     : !pod_ns.empty()         ? pod_ns
                                               : "kaudit-system";
  o.manifest = f.manifest;
  o.allowed_log_root = f.allowed_log_root;
  o.health_ca_file = f.health_ca_file;
  o.metrics_bind_address = f.metrics_bind;
  o.health_bind_address = f.health_bind;
  o.keep_backups = f.keep_backups;
  o.agent_version = KAUDIT_VERSION;
  struct {
    const char* flag;
    const std::string& value;
    std::chrono::milliseconds* out;
  } durations[] = {{"--drift-interval", f.drift_interval, &o.drift_interval},
                   {"--heartbeat-interval", f.heartbeat_interval, &o.heartbeat_interval},
                   {"--health-timeout", f.health_timeout, &o.health_timeout},
                   {"--health-interval", f.health_interval, &o.health_interval}};
  for (auto& d : durations) {
    auto v = node::ParseDurationFlag(d.value);
    if (!v.ok() || v->count() <= 0) {
      return Status::InvalidArgument(std::string(d.flag) + ": want a positive duration such as "
                                     "30s, got \"" + d.value + "\"");
    }
    *d.out = *v;
  }
  return o;
}

// SIGTERM/SIGINT stop the agent; if a pass is still busy (a health wait can last minutes) after
// a grace period, exit anyway: the node's journal lets the next start resume.
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
    std::this_thread::sleep_for(std::chrono::seconds(3));
    spdlog::info("a pass is still busy; exiting (the next start resumes it)");
    std::_Exit(0);
  }).detach();
}

int Run(const AgentFlags& f) {
  Status logs = observability::SetupLogging(f.log_format, f.log_level);
  if (!logs.ok()) {
    std::cerr << "kaudit agent: " << logs.message() << "\n";
    return kExitUsage;
  }
  auto opts = MakeOptions(f);
  if (!opts.ok()) {
    std::cerr << "kaudit agent: " << opts.status().message() << "\n";
    return kExitUsage;
  }
  static kube::Canceller stop;  // outlives the detached signal thread
  HandleSignals(&stop);
  signal(SIGPIPE, SIG_IGN);
  kube::ConfigureHttpThreadPool(4);
  auto cfg = kube::LoadDefaultConfig(f.kubeconfig, "");
  if (!cfg.ok()) {
    spdlog::error("loading the API server configuration: {}", cfg.status().ToString());
    return kExitInvalid;
  }
  cfg->user_agent = "kaudit-agent/" + opts->node_name;
  kube::TransportOptions topts;
  topts.request_timeout = std::chrono::seconds(10);
  auto client = kube::NewClientFromConfig(*cfg, topts);
  if (!client.ok()) {
    spdlog::error("creating the API client: {}", client.status().ToString());
    return kExitInvalid;
  }
  agent::Agent a(client->get(), *opts);
  Status st = a.Run(&stop);
  if (!st.ok()) {
    spdlog::error("agent stopped: {}", st.ToString());
    return kExitInvalid;
  }
  spdlog::info("agent stopped");
  return kExitOk;
}

}  // namespace

void RegisterAgent(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<AgentFlags>();
  CLI::App* cmd = app.add_subcommand(
      "agent", "Run the node agent: apply this node's target revision, repair drift, report");
  cmd->add_option("--node-name", f->node_name, "this node's name (default $NODE_NAME)");
  cmd->add_option("--host-root", f->host_root, "the host's / as mounted here (default /host)");
  cmd->add_option("--namespace", f->namespace_name,
                  "namespace of kaudit's objects (default $POD_NAMESPACE, else kaudit-system)");
  cmd->add_option("--kubeconfig", f->kubeconfig,
                  "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  cmd->add_option("--manifest", f->manifest, "host path of the kube-apiserver manifest");
  cmd->add_option("--allowed-log-root", f->allowed_log_root,
                  "audit logs must lie below this host directory (default /var/log/kubernetes)");
  cmd->add_option("--metrics-bind-address", f->metrics_bind,
                  "address of /metrics, host:port or :port; 0 disables (default :9469)");
  cmd->add_option("--health-probe-bind-address", f->health_bind,
                  "address of /healthz and /readyz; 0 disables (default :9470)");
  cmd->add_option("--drift-interval", f->drift_interval,
                  "check the manifest at least this often (default 30s; also on every change)");
  cmd->add_option("--heartbeat-interval", f->heartbeat_interval,
                  "refresh the node-state heartbeat this often (default 30s)");
  cmd->add_option("--health-timeout", f->health_timeout,
                  "health wait when the revision does not say (default 5m)");
  cmd->add_option("--health-interval", f->health_interval, "time between health checks");
  cmd->add_option("--health-ca-file", f->health_ca_file,
                  "CA bundle for the local /readyz (default: the CA the manifest's "
                  "--client-ca-file names, under --host-root)");
  cmd->add_option("--keep-backups", f->keep_backups, "manifest backups kept on the node");
  cmd->add_option("--log-format", f->log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--log-level", f->log_level, "trace, debug, info, warn or error");
  cmd->callback([f, &ctx] { ctx.exit_code = Run(*f); });
}

}  // namespace kaudit::cli
