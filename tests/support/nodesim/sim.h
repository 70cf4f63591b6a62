// NodeSim: one simulated control-plane node, playing kubelet and kube-apiserver against the
// emulator (design.md "Testing without a cluster"):
//   - registers the Node (label node-role.kubernetes.io/control-plane);
//   - watches <host-root>/etc/kubernetes/manifests like kubelet (PodSource: inotify plus a
//     relist every --relist-interval), and runs the pod kube-system/kube-apiserver;
//   - on a new config hash: stops the running apiserver, deletes and recreates the mirror pod
//     kube-system/kube-apiserver-<node> (annotations of the manifest plus kubernetes.io/
//     config.hash, config.mirror, config.source: file, config.seen), waits --restart-delay,
//     then starts a SimApiserver if CheckStart() says a real one would start, else crash-loops
//     (Ready=False, reason CrashLoopBackOff) and tries again with backoff;
//   - keeps the mirror pod's Ready condition in step with the apiserver's /readyz;
//   - faults from --faults-file, read at every start (never-ready, crash-loop, ready-after);
//   - with --api-proxy-port, forwards TCP to the emulator only while its apiserver is Ready:
//     a single control-plane node, whose API disappears while its apiserver restarts;
//   - writes --status-file (JSON) for tests and the demo.
//
// Thread safety: Run() from one thread; stop may be cancelled from any thread.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "kube/cancel.h"
#include "kube/client.h"

namespace kaudit::nodesim {

struct SimOptions {
  std::string host_root;
  std::string node;
  std::string manifests_dir = "/etc/kubernetes/manifests";
  std::chrono::milliseconds restart_delay{0};
  std::chrono::milliseconds relist_interval{20000};
  std::chrono::milliseconds event_interval{500};
  std::chrono::milliseconds crash_backoff{1000};
  std::string faults_file;
  std::string status_file;
  int api_proxy_port = 0;
  std::string api_upstream;  // host:port of the emulator
};

Status RunNodeSim(kube::Client* client, const SimOptions& opts, kube::Canceller* stop);

// `kaudit-nodesim init`: a kubeadm-like host: the kube-apiserver manifest (advertise address
// 127.0.0.1, --secure-port and probes on port), a CA and serving certificate under
// /etc/kubernetes/pki, the usual CA folders.
Status InitHost(const std::string& host_root, int port, const std::string& image);

}  // namespace kaudit::nodesim
