// Would a real kube-apiserver start from this pod? The simulator's own, deliberately simple
// reading of the upstream rules (reference/audit-semantics.md §2, §4, §6), written apart from
// kaudit's validator so the end-to-end tests do not grade kaudit with its own code:
//   - kubelet's volume setup: every hostPath volume's type holds on the host (DirectoryOrCreate
//     and FileOrCreate create what is missing; Directory and File must exist);
//   - inside the container only mounted host paths exist: the TLS files, the audit policy and
//     webhook kubeconfig must be reachable through a mount; the log directory through a
//     writable one;
//   - kube-apiserver's flag parsing and audit option validation (unknown --audit-* flags,
//     numbers, enums, batch and truncate limits);
//   - the policy loader: audit.k8s.io/v1 Policy, at least one rule, rule validation.
//
// Thread safety: pure functions of their inputs and the host folder.
#pragma once

#include <map>
#include <string>

#include "common/status.h"
#include "nodesim/pod_file.h"

namespace kaudit::nodesim {

struct StartPlan {
  int port = 6443;
  std::string cert_file, key_file;  // real paths on this machine
  std::string log_file;             // real path; "" = no audit log on disk
  bool audit = false;               // a policy is loaded
  std::string log_format = "json";
  long long max_size_mb = 0;        // 0 = lumberjack's 100 MB
  long long max_backup = 0;
  std::map<std::string, std::string> flags;  // every flag, last value wins
};

// host_root: where the simulated host's / is on this machine.
StatusOr<StartPlan> CheckStart(const Json& pod, const std::string& host_root);

// The audit policy loader's verdict on a file's text.
Status CheckPolicy(const std::string& text);

}  // namespace kaudit::nodesim
