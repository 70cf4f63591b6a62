#include <thread>

#include "kube/client.h"
#include "kube/errors.h"
#include "kube/rate_limiter.h"
#include "kube/util.h"

namespace kaudit::kube {
namespace {

void AddParam(std::string* q, const char* name, const std::string& value) {
  if (value.empty()) return;
  *q += q->empty() ? '?' : '&';
  *q += name;
  *q += '=';
  *q += QueryEscape(value);
}

std::string Meta(const Json& obj, const char* field) {
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) return "";
  const Json& m = obj["metadata"];
  auto it = m.find(field);
  return it != m.end() && it->is_string() ? it->get<std::string>() : "";
}

bool Idempotent(const std::string& method) {
  return method == "GET" || method == "PUT" || method == "DELETE";
}

class RestClient : public Client {
 public:
  RestClient(std::shared_ptr<HttpTransport> t, RestClientOptions o)
      : transport_(std::move(t)), opts_(o), limiter_(o.qps, o.burst) {}

  StatusOr<Json> Get(const ResourceType& t, const std::string& ns,
                     const std::string& name) override {
    return Call("GET", t.Path(ns, name), "", "");
  }

  StatusOr<Json> ListPage(const ResourceType& t, const std::string& ns,
                          const ListOptions& o) override {
    std::string q;
    AddParam(&q, "labelSelector", o.label_selector);
    AddParam(&q, "fieldSelector", o.field_selector);
    AddParam(&q, "resourceVersion", o.resource_version);
    AddParam(&q, "resourceVersionMatch", o.resource_version_match);
    if (o.limit > 0) AddParam(&q, "limit", std::to_string(o.limit));
    AddParam(&q, "continue", o.continue_token);
    return Call("GET", t.Path(ns) + q, "", "");
  }

  StatusOr<Json> List(const ResourceType& t, const std::string& ns,
                      const ListOptions& o) override {
    auto first = ListPage(t, ns, o);
    if (!first.ok()) return first;
    Json all = std::move(*first);
    ListOptions next = o;
    for (;;) {
      std::string cont = all["metadata"].value("continue", "");
      if (cont.empty()) break;
      next.continue_token = cont;
      next.resource_version.clear();  // the token carries the snapshot
      next.resource_version_match.clear();
      auto page = ListPage(t, ns, next);
      if (!page.ok() && IsExpired(page.status())) {
        ListOptions whole = o;
        whole.limit = 0;
        whole.continue_token.clear();
        return ListPage(t, ns, whole);
      }
      if (!page.ok()) return page;
      for (auto& item : (*page)["items"]) all["items"].push_back(std::move(item));
      all["metadata"]["continue"] = page->at("metadata").value("continue", "");
    }
    all["metadata"].erase("continue");
    all["metadata"].erase("remainingItemCount");
    return all;
  }

  StatusOr<Json> Create(const ResourceType& t, const std::string& ns, const Json& obj) override {
    return Call("POST", t.Path(ns), obj.dump(), "application/json");
  }

  StatusOr<Json> Update(const ResourceType& t, const Json& obj) override {
    return Put(t, obj, "");
  }

  StatusOr<Json> UpdateStatus(const ResourceType& t, const Json& obj) override {
    return Put(t, obj, "status");
  }

  StatusOr<Json> Patch(const ResourceType& t, const std::string& ns, const std::string& name,
                       PatchType type, const Json& patch, const PatchOptions& o) override {
    if (name.empty()) return Status::InvalidArgument("patch: metadata.name is required");
    std::string q;
    AddParam(&q, "fieldManager", o.field_manager);
    if (type == PatchType::kApply) {
      if (o.field_manager.empty()) {
        return Status::InvalidArgument("apply: a field manager is required");
      }
      if (o.force) AddParam(&q, "force", "true");
    }
    static const char* kTypes[] = {"application/merge-patch+json", "application/json-patch+json",
                                   "application/strategic-merge-patch+json",
                                   "application/apply-patch+yaml"};
    return Call("PATCH", t.Path(ns, name, o.subresource) + q, patch.dump(),
                kTypes[static_cast<int>(type)]);
  }

  StatusOr<Json> Apply(const ResourceType& t, const Json& obj, const PatchOptions& o) override {
    Json body = obj;
    body["apiVersion"] = t.ApiVersion();
    body["kind"] = t.kind;
    return Patch(t, Meta(obj, "namespace"), Meta(obj, "name"), PatchType::kApply, body, o);
  }

  Status Delete(const ResourceType& t, const std::string& ns, const std::string& name,
                const DeleteOptions& o) override {
    Json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
    if (!o.precondition_uid.empty()) body["preconditions"]["uid"] = o.precondition_uid;
    if (!o.precondition_resource_version.empty()) {
      body["preconditions"]["resourceVersion"] = o.precondition_resource_version;
    }
    if (!o.propagation_policy.empty()) body["propagationPolicy"] = o.propagation_policy;
    if (o.grace_period_seconds) body["gracePeriodSeconds"] = *o.grace_period_seconds;
    auto r = Call("DELETE", t.Path(ns, name), body.dump(), "application/json");
    return r.ok() ? Status::Ok() : r.status();
  }

  Status Watch(const ResourceType& t, const std::string& ns, const WatchOptions& o,
               const std::function<bool(const WatchEvent&)>& on_event,
               Canceller* cancel) override;

 private:
  StatusOr<Json> Put(const ResourceType& t, const Json& obj, const std::string& sub) {
    std::string name = Meta(obj, "name");
    std::string ns = Meta(obj, "namespace");
    if (name.empty()) return Status::InvalidArgument("update: metadata.name is required");
    if (t.namespaced && ns.empty()) {
      return Status::InvalidArgument("update: metadata.namespace is required for " + t.resource);
    }
    return Call("PUT", t.Path(ns, name, sub), obj.dump(), "application/json");
  }

  StatusOr<HttpResponse> Send(const HttpRequest& req);
  StatusOr<Json> Call(const std::string& method, const std::string& path, std::string body,
                      const std::string& content_type);

  std::shared_ptr<HttpTransport> transport_;
  const RestClientOptions opts_;
  TokenBucket limiter_;
};

StatusOr<HttpResponse> RestClient::Send(const HttpRequest& req) {
  int retry_after_tries = 0;
  int transport_tries = 0;
  for (;;) {
    limiter_.Wait();
    auto resp = transport_->Do(req);
    if (!resp.ok()) {
      if (resp.status().code() == StatusCode::kUnavailable && Idempotent(req.method) &&
          transport_tries < opts_.max_transport_retries) {
        std::this_thread::sleep_for(Jitter(opts_.transport_backoff * (1 << transport_tries), 0.5));
        ++transport_tries;
        continue;
      }
      return resp;
    }
    std::string ra = resp->Header("retry-after");
    bool throttled = resp->status == 429 || (resp->status >= 500 && !ra.empty());
    if (throttled && retry_after_tries < opts_.max_retry_after_retries) {
      ApiError e = ParseApiError(resp->status, resp->body, ra);
      auto wait = std::min(e.retry_after.value_or(std::chrono::seconds(1)), opts_.max_retry_after);
      std::this_thread::sleep_for(wait);
      ++retry_after_tries;
      continue;
    }
    return resp;
  }
}

StatusOr<Json> RestClient::Call(const std::string& method, const std::string& path,
                                std::string body, const std::string& content_type) {
  HttpRequest req;
  req.method = method;
  req.path = path;
  req.body = std::move(body);
  req.content_type = content_type;
  req.headers.emplace_back("Accept", "application/json");
  auto resp = Send(req);
  if (!resp.ok()) return resp.status();
  if (resp->status < 200 || resp->status > 299) {
    return ToStatus(ParseApiError(resp->status, resp->body, resp->Header("retry-after")));
  }
  if (resp->body.empty()) return Json::object();
  Json doc = Json::parse(resp->body, nullptr, false);
  if (doc.is_discarded()) {
    return Status::Internal(method + " " + path + ": the server's answer is not JSON");
  }
  return doc;
}

Status RestClient::Watch(const ResourceType& t, const std::string& ns, const WatchOptions& o,
                         const std::function<bool(const WatchEvent&)>& on_event,
                         Canceller* cancel) {
  std::string q = "?watch=true";
  AddParam(&q, "labelSelector", o.label_selector);
  AddParam(&q, "fieldSelector", o.field_selector);
  AddParam(&q, "resourceVersion", o.resource_version);
  if (o.allow_bookmarks) AddParam(&q, "allowWatchBookmarks", "true");
  if (o.timeout.count() > 0) AddParam(&q, "timeoutSeconds", std::to_string(o.timeout.count()));
  HttpRequest req;
  req.path = t.Path(ns) + q;
  req.headers.emplace_back("Accept", "application/json");
  if (!limiter_.Wait(cancel)) return Status::Cancelled("watch cancelled");
  Status parse_error;
  auto resp = transport_->Stream(
      req,
      [&](std::string_view line) {
        Json doc = Json::parse(line, nullptr, false);
        if (doc.is_discarded() || !doc.is_object() || !doc.contains("type")) {
          parse_error = Status::Internal("watch: an event is not JSON: " +
                                         std::string(line.substr(0, 200)));
          return false;
        }
        WatchEvent ev{doc.value("type", ""), doc.contains("object") ? doc["object"] : Json()};
        return on_event(ev);
      },
      cancel);
  if (!resp.ok()) return resp.status();
  if (resp->status < 200 || resp->status > 299) {
    return ToStatus(ParseApiError(resp->status, resp->body, resp->Header("retry-after")));
  }
  return parse_error;
}

}  // namespace

std::string ResourceType::Path(const std::string& ns, const std::string& name,
                               const std::string& subresource) const {
  std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) p += "/namespaces/" + ns;
  p += "/" + resource;
  if (!name.empty()) p += "/" + name;
  if (!name.empty() && !subresource.empty()) p += "/" + subresource;
  return p;
}

namespace resources {
ResourceType ConfigMaps() { return {"", "v1", "configmaps", "ConfigMap", true}; }
ResourceType Secrets() { return {"", "v1", "secrets", "Secret", true}; }
ResourceType Namespaces() { return {"", "v1", "namespaces", "Namespace", false}; }
ResourceType Nodes() { return {"", "v1", "nodes", "Node", false}; }
ResourceType Pods() { return {"", "v1", "pods", "Pod", true}; }
ResourceType Leases() { return {"coordination.k8s.io", "v1", "leases", "Lease", true}; }
ResourceType Events() { return {"events.k8s.io", "v1", "events", "Event", true}; }
ResourceType CustomResourceDefinitions() {
  return {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
          false};
}
}  // namespace resources

std::unique_ptr<Client> NewRestClient(std::shared_ptr<HttpTransport> transport,
                                      const RestClientOptions& opts) {
  return std::make_unique<RestClient>(std::move(transport), opts);
}

StatusOr<std::unique_ptr<Client>> NewClientFromConfig(const RestConfig& config,
                                                      const TransportOptions& topts) {
  auto transport = NewCpprestTransport(config, NewAuthProvider(config), topts);
  if (!transport.ok()) return transport.status();
  RestClientOptions o;
  o.qps = config.qps;
  o.burst = config.burst;
  return NewRestClient(std::shared_ptr<HttpTransport>(std::move(*transport)), o);
}

Status RetryOnConflict(const std::function<Status()>& fn, int steps) {
  Status last;
  for (int i = 0; i < steps; ++i) {
    last = fn();
    if (!IsConflict(last)) return last;
    if (i + 1 < steps) std::this_thread::sleep_for(Jitter(std::chrono::milliseconds(10), 0.1));
  }
  return last;
}

std::string ObjectKey(const Json& obj) {
  std::string ns = Meta(obj, "namespace");
  std::string name = Meta(obj, "name");
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace kaudit::kube
