// A kube-apiserver emulator for tests, the end-to-end suite and the demo: a real HTTPS server on
// 127.0.0.1 speaking the Kubernetes REST protocol for what kaudit uses.
//
//  - discovery (/api, /apis, group versions, /version), Table output for kubectl;
//  - namespaces, configmaps, secrets, nodes, pods, leases (coordination.k8s.io/v1), events
//    (events.k8s.io/v1), customresourcedefinitions (apiextensions.k8s.io/v1), and every custom
//    resource a CRD defines (status subresource, generation bumped on spec changes only);
//  - one global resourceVersion counter, a bounded history (older versions answer 410),
//    list with limit/continue and label/field selectors, watch with bookmarks;
//  - create/update (409 on a stale resourceVersion)/merge, JSON and strategic merge patch,
//    server-side apply with managedFields, delete with preconditions and finalizers;
//  - bearer tokens and client certificates from a CA made at start; per-user denials;
//  - authorization: everything allowed (default), or RBAC exactly as kube-apiserver's
//    --authorization-mode=RBAC from the rbac.authorization.k8s.io/v1 objects it stores, with the
//    bootstrap policy (system:masters is cluster-admin; support/rbac.h);
//  - fault injection: drop watches, expire history, fail/drop/delay requests, restart.
//
// Thread safety: every public method is safe to call from any thread while the server runs.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "support/pki.h"

namespace kaudit::emulator {

struct EmulatorOptions {
  int port = 0;           // 0 = pick a free port
  std::string data_dir;   // when set: kubeconfig, ca.crt and emulator.json are written there
  std::chrono::milliseconds bookmark_interval{5000};
  std::size_t max_history = 200000;  // changes kept for watches
  std::chrono::seconds max_watch_timeout{1800};
  std::string admin_token;  // empty = random
  bool verbose = false;     // log every request to stderr
  // "AlwaysAllow" (default: everything authenticated is allowed, then Deny() rules) or "RBAC"
  // (Roles, ClusterRoles and their bindings decide; the admin token's user is in
  // system:masters, which bypasses RBAC; /_emulator control calls need system:masters).
  std::string authorization_mode = "AlwaysAllow";
};

// A fault applied to matching requests (control requests under /_emulator are never faulted).
struct FaultRule {
  int count = 1;           // requests affected; -1 = until ClearFaults()
  int code = 0;            // answer with this HTTP code and a Status body (0 = none)
  bool drop = false;       // close the connection without an answer
  int retry_after_seconds = -1;        // Retry-After header when >= 0
  std::chrono::milliseconds delay{0};  // wait before handling
  std::string method;                  // "" = any
  std::string path_contains;           // "" = any
  std::string user;                    // "" = any
};

struct RequestRecord {
  std::string method;
  std::string target;
  std::string user;
  int code = 0;  // 0 = dropped
  bool watch = false;
};

class Emulator {
 public:
  explicit Emulator(EmulatorOptions opts = {});
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  Status Start();
  void Stop();
  // Stops (every connection drops) and starts again on the same port; objects are kept.
  Status Restart();

  int port() const;
  std::string server() const;  // https://127.0.0.1:PORT
  const std::string& ca_pem() const;
  const std::string& admin_token() const;
  std::string kubeconfig_path() const;  // data_dir/kubeconfig, or "" without a data dir
  // A kubeconfig text for a bearer token, or for a client certificate.
  std::string KubeconfigForToken(const std::string& token) const;
  std::string KubeconfigForCert(const KeyPair& cert) const;

  // A bearer token for user; groups get system:authenticated, and a ServiceAccount user
  // (system:serviceaccount:<ns>:<name>) also system:serviceaccounts and
  // system:serviceaccounts:<ns>, as kube-apiserver's ServiceAccount token authenticator does.
  void AddToken(const std::string& token, const std::string& user,
                const std::vector<std::string>& groups = {});
  void RemoveToken(const std::string& token);
  StatusOr<KeyPair> IssueClientCert(const std::string& user,
                                    const std::vector<std::string>& groups = {});
  // Forbids user the verb ("get", "list", "watch", "create", "update", "patch", "delete",
  // or "*") on resource (plural, optionally "plural/subresource", or "*"), in either
  // authorization mode.
  void Deny(const std::string& user, const std::string& verb, const std::string& resource);
  void ClearDenies();

  void DropWatches();
  void ExpireHistory();
  void AddFault(const FaultRule& rule);
  void ClearFaults();

  std::vector<RequestRecord> Requests() const;
  void ClearRequests();
  int ActiveWatches() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kaudit::emulator
