// kaudit-nodesim: a simulated control-plane node (kubelet + kube-apiserver) for the end-to-end
// tests and the demo. See sim.h.
//   kaudit-nodesim init --host-root DIR --port N [--image IMG]
//   kaudit-nodesim run  --host-root DIR --node NAME --kubeconfig FILE [options]
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "kube/config.h"
#include "kube/transport.h"
#include "node/health.h"
#include "nodesim/sim.h"

namespace {

int Run(const kaudit::nodesim::SimOptions& o, const std::string& kubeconfig) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  static kaudit::kube::Canceller stop;
  std::thread([set] {
    int sig = 0;
    sigwait(&set, &sig);
    stop.Cancel();
  }).detach();
  kaudit::kube::KubeconfigOptions ko;
  ko.explicit_path = kubeconfig;
  auto cfg = kaudit::kube::LoadKubeconfig(ko);
  if (!cfg.ok()) {
    std::cerr << "kaudit-nodesim: " << cfg.status().ToString() << "\n";
    return 1;
  }
  cfg->user_agent = "kubelet/nodesim " + o.node;
  cfg->qps = 50;
  cfg->burst = 100;
  kaudit::kube::TransportOptions topts;
  topts.request_timeout = std::chrono::seconds(5);
  auto client = kaudit::kube::NewClientFromConfig(*cfg, topts);
  if (!client.ok()) {
    std::cerr << "kaudit-nodesim: " << client.status().ToString() << "\n";
    return 1;
  }
  auto st = kaudit::nodesim::RunNodeSim(client->get(), o, &stop);
  if (!st.ok()) {
    std::cerr << "kaudit-nodesim: " << st.ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kaudit-nodesim: a simulated control-plane node (kubelet + kube-apiserver)"};
  app.require_subcommand(1);
  std::string root, image = "registry.k8s.io/kube-apiserver:v1.30.4", kubeconfig;
  int port = 0;
  auto* init = app.add_subcommand("init", "write a kubeadm-like host under --host-root");
  init->add_option("--host-root", root)->required();
  init->add_option("--port", port, "the apiserver's --secure-port and probe port")->required();
  init->add_option("--image", image);
  kaudit::nodesim::SimOptions o;
  std::string delay = "0s", relist = "20s", events = "500ms", backoff = "1s";
  auto* run = app.add_subcommand("run", "simulate the node until SIGINT/SIGTERM");
  run->add_option("--host-root", o.host_root)->required();
  run->add_option("--node", o.node)->required();
  run->add_option("--kubeconfig", kubeconfig)->required();
  run->add_option("--restart-delay", delay, "time between stopping and starting the apiserver");
  run->add_option("--relist-interval", relist, "kubelet's fileCheckFrequency (20s)");
  run->add_option("--event-interval", events, "background audit events (a Lease renewal)");
  run->add_option("--crash-backoff", backoff, "first crash-loop backoff (doubles, up to 8x)");
  run->add_option("--faults-file", o.faults_file, "JSON {mode, readyAfterSeconds, match}");
  run->add_option("--status-file", o.status_file, "JSON status for tests");
  run->add_option("--api-proxy-port", o.api_proxy_port, "single control-plane API endpoint");
  run->add_option("--api-upstream", o.api_upstream, "host:port of the emulator (with the proxy)");
  CLI11_PARSE(app, argc, argv);
  if (init->parsed()) {
    auto st = kaudit::nodesim::InitHost(root, port, image);
    if (!st.ok()) std::cerr << "kaudit-nodesim init: " << st.ToString() << "\n";
    return st.ok() ? 0 : 1;
  }
  struct {
    const std::string& v;
    std::chrono::milliseconds* out;
  } ds[] = {{delay, &o.restart_delay}, {relist, &o.relist_interval}, {events, &o.event_interval},
            {backoff, &o.crash_backoff}};
  for (auto& d : ds) {
    auto v = kaudit::node::ParseDurationFlag(d.v);
    if (!v.ok()) {
      std::cerr << "kaudit-nodesim: bad duration " << d.v << "\n";
      return 2;
    }
    *d.out = *v;
  }
  return Run(o, kubeconfig);
}
