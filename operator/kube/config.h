// Where and how to reach an API server: kubeconfig files (with the KUBECONFIG merge rules) and
// the in-cluster service-account configuration, resolved into one RestConfig.
//
// Secrets (tokens, keys) are read into memory and never written anywhere or logged; a token
// file is kept as a path so it can be re-read (see auth.h).
//
// Thread safety: the loaders are pure functions of their inputs and the file system.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kaudit::kube {

// users[].user.exec of a kubeconfig (client.authentication.k8s.io/v1 only).
struct ExecConfig {
  std::string api_version;
  std::string command;  // resolved against the kubeconfig's folder when it contains a '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  bool provide_cluster_info = false;
  std::string interactive_mode;  // Never | IfAvailable | Always
};

struct RestConfig {
  std::string server;  // "https://host:port" (no trailing slash)
  std::string ca_pem;  // PEM; empty means the system trust store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;       // a static bearer token
  std::string token_file;  // re-read periodically when set (takes precedence over token)
  std::optional<ExecConfig> exec;
  std::string namespace_name = "default";  // the context's namespace
  // Client-side rate limit (client-go defaults: 5 QPS, burst 10).
  double qps = 5;
  int burst = 10;
  std::string user_agent = "kaudit";
};

struct KubeconfigOptions {
  // Explicit file (a --kubeconfig flag); when empty, the KUBECONFIG value below is used.
  std::string explicit_path;
  // The KUBECONFIG path list (':'-separated). Empty falls back to $HOME/.kube/config.
  std::string kubeconfig_env;
  std::string home;  // for the fallback
  std::string context;  // overrides current-context
};

// Loads and merges kubeconfig files as clientcmd does: the first file to define a cluster,
// user or context name (and the first non-empty current-context) wins; files named in the
// list that do not exist are skipped, but an explicit path must exist. Relative file paths
// resolve against the folder of the file that named them.
StatusOr<RestConfig> LoadKubeconfig(const KubeconfigOptions& opts);

// Parses one kubeconfig text; dir is the folder that relative paths resolve against.
// Exposed for tests; LoadKubeconfig is the usual entry point.
StatusOr<RestConfig> ParseKubeconfig(const std::string& yaml_text, const std::string& dir,
                                     const std::string& context);

struct InClusterOptions {
  std::string service_host;  // $KUBERNETES_SERVICE_HOST
  std::string service_port;  // $KUBERNETES_SERVICE_PORT
  std::string sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
};

// Reads the environment (KUBERNETES_SERVICE_HOST/PORT) into InClusterOptions.
InClusterOptions InClusterOptionsFromEnv();

// https://$HOST:$PORT, the service account's CA, its token (as a token_file, re-read) and
// namespace. kFailedPrecondition when not running in a cluster.
StatusOr<RestConfig> LoadInClusterConfig(const InClusterOptions& opts);

// controller-runtime's order: explicit path, then $KUBECONFIG, then in-cluster, then
// $HOME/.kube/config.
StatusOr<RestConfig> LoadDefaultConfig(const std::string& explicit_path,
                                       const std::string& context);

}  // namespace kaudit::kube
