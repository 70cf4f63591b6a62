// Client: typed requests against the Kubernetes REST API (get, list with pagination and
// selectors, create, update, patch of every kind, server-side apply, delete with
// preconditions, the status subresource, watch). Objects are nlohmann::json values.
//
// Failures are kaudit::Status values built from the server's Status body (see errors.h for
// codes and retry classes).
//
// Thread safety: implementations are safe for concurrent use; calls block the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "kube/cancel.h"
#include "kube/transport.h"

namespace kaudit::kube {

using Json = nlohmann::json;

// A resource type as the REST paths name it.
struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, lowercase: "configmaps"
  std::string kind;      // "ConfigMap"
  bool namespaced = true;

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1/namespaces/ns/configmaps[/name[/sub]]"; ns is ignored for cluster-scoped types,
  // and an empty ns on a namespaced type means all namespaces.
  std::string Path(const std::string& ns, const std::string& name = "",
                   const std::string& subresource = "") const;
};

namespace resources {
ResourceType ConfigMaps();
ResourceType Secrets();
ResourceType Namespaces();
ResourceType Nodes();
ResourceType Pods();
ResourceType Leases();  // coordination.k8s.io/v1
ResourceType Events();  // events.k8s.io/v1
ResourceType CustomResourceDefinitions();
}  // namespace resources

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;        // "" = most recent (quorum), "0" = any
  std::string resource_version_match;  // "", "NotOlderThan" or "Exact"
  int64_t limit = 0;                   // page size; 0 = no paging
  std::string continue_token;
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;
  bool allow_bookmarks = true;
  std::chrono::seconds timeout{0};  // server-side timeoutSeconds; 0 = the server's default
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  Json object;
};

enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

struct PatchOptions {
  std::string field_manager;  // required for kApply
  bool force = false;         // kApply: take ownership of conflicting fields
  std::string subresource;    // e.g. "status"
};

struct DeleteOptions {
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::string propagation_policy;  // Foreground, Background, Orphan, or ""
  std::optional<int64_t> grace_period_seconds;
};

class Client {
 public:
  virtual ~Client() = default;

  virtual StatusOr<Json> Get(const ResourceType& t, const std::string& ns,
                             const std::string& name) = 0;
  // One page as the server sends it (metadata.continue set when more remain).
  virtual StatusOr<Json> ListPage(const ResourceType& t, const std::string& ns,
                                  const ListOptions& o) = 0;
  // Every page, joined into one list whose metadata.resourceVersion is the snapshot's. If a
  // continue token expires midway, lists again in one request (client-go's pager does too).
  virtual StatusOr<Json> List(const ResourceType& t, const std::string& ns,
                              const ListOptions& o) = 0;
  virtual StatusOr<Json> Create(const ResourceType& t, const std::string& ns, const Json& obj) = 0;
  // PUT; obj carries metadata.name (and namespace) and the resourceVersion read.
  virtual StatusOr<Json> Update(const ResourceType& t, const Json& obj) = 0;
  virtual StatusOr<Json> UpdateStatus(const ResourceType& t, const Json& obj) = 0;
  virtual StatusOr<Json> Patch(const ResourceType& t, const std::string& ns,
                               const std::string& name, PatchType type, const Json& patch,
                               const PatchOptions& o = {}) = 0;
  // Server-side apply of obj (the fields this manager owns), by its name and namespace.
  virtual StatusOr<Json> Apply(const ResourceType& t, const Json& obj, const PatchOptions& o) = 0;
  virtual Status Delete(const ResourceType& t, const std::string& ns, const std::string& name,
                        const DeleteOptions& o = {}) = 0;
  // Streams events to on_event until the server ends the watch (OK), on_event returns false
  // (OK), cancel fires (kCancelled), or an error (the answer's Status). ERROR events are passed
  // to on_event like any other.
  virtual Status Watch(const ResourceType& t, const std::string& ns, const WatchOptions& o,
                       const std::function<bool(const WatchEvent&)>& on_event,
                       Canceller* cancel) = 0;
};

struct RestClientOptions {
  double qps = 5;  // client-side rate limit (client-go defaults)
  int burst = 10;
  // Retries when the server answers 429 or 5xx with Retry-After (client-go: 10).
  int max_retry_after_retries = 10;
  std::chrono::seconds max_retry_after{30};  // caps a server's Retry-After
  // Retries of idempotent requests (GET, PUT, DELETE) after a transport failure.
  int max_transport_retries = 3;
  std::chrono::milliseconds transport_backoff{200};
};

// A Client over an HttpTransport (rate limit and retries live here).
std::unique_ptr<Client> NewRestClient(std::shared_ptr<HttpTransport> transport,
                                      const RestClientOptions& opts = {});

// The usual wiring: auth provider, cpprestsdk transport and REST client for a RestConfig
// (its qps/burst are used).
StatusOr<std::unique_ptr<Client>> NewClientFromConfig(const RestConfig& config,
                                                      const TransportOptions& topts = {});

// Runs fn until it returns something other than a Conflict, at most `steps` times, waiting
// 10 ms (jittered by 10%) between tries: client-go's retry.RetryOnConflict(DefaultRetry).
Status RetryOnConflict(const std::function<Status()>& fn, int steps = 5);

// "ns/name" or "name": the cache key client-go uses.
std::string ObjectKey(const Json& obj);

}  // namespace kaudit::kube
