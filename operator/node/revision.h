// A rendered revision as a node receives it: the policy file, the --audit-* flags and, with a
// webhook backend, its kubeconfig. Read from `kaudit render --out-dir DIR` output or built from
// a policy::RenderedConfig, then checked again on the node before anything is touched.
//
// Thread safety: plain data and pure functions (LoadRevisionDir reads local files).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kaudit::node {

struct Revision {
  std::string id;  // 10 lowercase hex digits
  std::string policy_yaml;
  std::vector<std::pair<std::string, std::string>> flags;  // names without "--"
  std::optional<std::string> webhook_kubeconfig;
};

// Reads DIR/revision, DIR/policy.yaml, DIR/flags.json and DIR/webhook.kubeconfig (optional).
StatusOr<Revision> LoadRevisionDir(const std::string& dir);

// The checks design step 1 asks for, before the node is touched: the id is 10 hex digits; the
// policy loads as kube-apiserver would load it; the flags are audit flags whose values
// kube-apiserver accepts, name the policy file /etc/kubernetes/kaudit/policies/<id>.yaml and,
// exactly when there is a kubeconfig, /etc/kubernetes/kaudit/webhook/<id>.kubeconfig; the log
// path is "-" or lies under allowed_log_root without ".." segments.
Status ValidateRevision(const Revision& rev, const std::string& allowed_log_root);

}  // namespace kaudit::node
