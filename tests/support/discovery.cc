// The resource registry, discovery documents and Table output (what kubectl get prints).
#include <chrono>

#include "common/time.h"
#include "support/emulator_impl.h"

namespace kaudit::emulator {
namespace {

ResourceInfo Builtin(const std::string& group, const std::string& resource,
                     const std::string& singular, const std::string& kind, bool namespaced,
                     bool has_status, std::vector<std::string> short_names = {}) {
  ResourceInfo r;
  r.group = group;
  r.versions = {"v1"};
  r.resource = resource;
  r.singular = singular;
  r.kind = kind;
  r.list_kind = kind + "List";
  r.namespaced = namespaced;
  r.has_status = has_status;
  r.short_names = std::move(short_names);
  return r;
}

std::string GroupVersion(const std::string& g, const std::string& v) {
  return g.empty() ? v : g + "/" + v;
}

std::string HumanDuration(std::chrono::seconds d) {
  long long s = d.count();
  if (s < 0) s = 0;
  if (s < 120) return std::to_string(s) + "s";
  long long m = s / 60;
  if (m < 10) return std::to_string(m) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  if (m < 180) return std::to_string(m) + "m";
  long long h = m / 60;
  if (h < 8) return std::to_string(h) + "h" + (m % 60 ? std::to_string(m % 60) + "m" : "");
  if (h < 48) return std::to_string(h) + "h";
  long long days = h / 24;
  if (h < 24 * 8) return std::to_string(days) + "d" + (h % 24 ? std::to_string(h % 24) + "h" : "");
  if (days < 365 * 2) return std::to_string(days) + "d";
  return std::to_string(days / 365) + "y";
}

Json Age(const Json& obj) {
  std::string ts = obj["metadata"].value("creationTimestamp", "");
  auto t = ParseRfc3339(ts);
  if (!t) return "<unknown>";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now() - *t));
}

// A JSONPath subset: .a.b, [n], [?(@.k=="v")] (what printer columns use).
Json EvalPath(const Json& root, const std::string& path) {
  const Json* cur = &root;
  std::size_t i = 0;
  while (i < path.size() && cur) {
    if (path[i] == '.') {
      std::size_t j = i + 1;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      std::string key = path.substr(i + 1, j - i - 1);
      cur = cur->is_object() && cur->contains(key) ? &(*cur)[key] : nullptr;
      i = j;
    } else if (path[i] == '[') {
      std::size_t close = path.find(']', i);
      if (close == std::string::npos) return nullptr;
      std::string inner = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (!cur->is_array()) return nullptr;
      if (inner.rfind("?(@.", 0) == 0) {
        auto eq = inner.find("==");
        std::string key = inner.substr(4, eq - 4);
        std::string want = inner.substr(eq + 2);
        while (!want.empty() && (want.back() == ')' || want.back() == '"' || want.back() == '\'')) {
          want.pop_back();
        }
        if (!want.empty() && (want.front() == '"' || want.front() == '\'')) want.erase(0, 1);
        const Json* found = nullptr;
        for (const auto& e : *cur) {
          if (e.is_object() && e.contains(key) && e[key].is_string() && e[key] == want) {
            found = &e;
            break;
          }
        }
        cur = found;
      } else {
        std::size_t n = std::strtoul(inner.c_str(), nullptr, 10);
        cur = n < cur->size() ? &(*cur)[n] : nullptr;
      }
    } else {
      ++i;
    }
  }
  return cur ? *cur : Json();
}

}  // namespace

void Emulator::Impl::RegisterBuiltins() {
  for (auto r : {Builtin("", "namespaces", "namespace", "Namespace", false, true, {"ns"}),
                 Builtin("", "configmaps", "configmap", "ConfigMap", true, false, {"cm"}),
                 Builtin("", "secrets", "secret", "Secret", true, false),
                 Builtin("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, false,
                         {"sa"}),
                 Builtin("", "nodes", "node", "Node", false, true, {"no"}),
                 Builtin("", "pods", "pod", "Pod", true, true, {"po"}),
                 Builtin("coordination.k8s.io", "leases", "lease", "Lease", true, false),
                 Builtin("events.k8s.io", "events", "event", "Event", true, false, {"ev"}),
                 Builtin("rbac.authorization.k8s.io", "roles", "role", "Role", true, false),
                 Builtin("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding",
                         true, false),
                 Builtin("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole",
                         false, false),
                 Builtin("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding",
                         "ClusterRoleBinding", false, false),
                 Builtin("apiextensions.k8s.io", "customresourcedefinitions",
                         "customresourcedefinition", "CustomResourceDefinition", false, true,
                         {"crd", "crds"}),
                 // What installing kaudit creates (manifests/, the chart): stored and served so
                 // `kubectl apply -k` and `helm template | kubectl apply` can run against the
                 // emulator. Nothing acts on them (no Deployment or DaemonSet controller).
                 Builtin("", "services", "service", "Service", true, true, {"svc"}),
                 Builtin("apps", "deployments", "deployment", "Deployment", true, true, {"deploy"}),
                 Builtin("apps", "daemonsets", "daemonset", "DaemonSet", true, true, {"ds"}),
                 Builtin("batch", "jobs", "job", "Job", true, true),
                 Builtin("policy", "poddisruptionbudgets", "poddisruptionbudget",
                         "PodDisruptionBudget", true, true, {"pdb"}),
                 Builtin("networking.k8s.io", "networkpolicies", "networkpolicy", "NetworkPolicy",
                         true, false, {"netpol"})}) {
    // kube-apiserver bumps metadata.generation on spec changes for these kinds.
    if (r.resource == "customresourcedefinitions" || r.group == "apps" || r.group == "batch" ||
        r.group == "policy" || r.group == "networking.k8s.io") {
      r.generation = true;
    }
    registry_[r.GR()] = r;
  }
}

bool Emulator::Impl::Lookup(const std::string& group, const std::string& version,
                            const std::string& resource, ResourceInfo* out) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = registry_.find(group + "/" + resource);
  if (it == registry_.end()) return false;
  const auto& v = it->second.versions;
  if (std::find(v.begin(), v.end(), version) == v.end()) return false;
  *out = it->second;
  return true;
}

bool Emulator::Impl::Discovery(const HttpRequest& req, Reply* out) {
  const std::string& p = req.path;
  if (req.method != "GET") return false;
  if (p == "/version") {
    *out = Reply{200, {{"major", "1"}, {"minor", "32"}, {"gitVersion", "v1.32.0-kaudit-emulator"},
                       {"gitCommit", "0000000000000000000000000000000000000000"},
                       {"gitTreeState", "clean"}, {"buildDate", "2026-01-01T00:00:00Z"},
                       {"goVersion", "go1.23.0"}, {"compiler", "gc"},
                       {"platform", "linux/amd64"}}, {}};
    return true;
  }
  if (p.rfind("/openapi", 0) == 0) {
    *out = ErrorReply(404, "NotFound", "the emulator serves no OpenAPI documents");
    return true;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (p == "/api" || p == "/api/") {
    *out = Reply{200, {{"kind", "APIVersions"}, {"versions", {"v1"}},
                       {"serverAddressByClientCIDRs",
                        {{{"clientCIDR", "0.0.0.0/0"},
                          {"serverAddress", "127.0.0.1:" + std::to_string(port_.load())}}}}}, {}};
    return true;
  }
  // group -> versions, in registry order
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& [gr, info] : registry_) {
    if (info.group.empty()) continue;
    auto& vs = groups[info.group];
    for (const auto& v : info.versions) {
      if (std::find(vs.begin(), vs.end(), v) == vs.end()) vs.push_back(v);
    }
  }
  auto group_doc = [](const std::string& g, const std::vector<std::string>& vs) {
    Json versions = Json::array();
    for (const auto& v : vs) versions.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
    return Json{{"name", g}, {"versions", versions}, {"preferredVersion", versions[0]}};
  };
  if (p == "/apis" || p == "/apis/") {
    Json list = Json::array();
    for (const auto& [g, vs] : groups) list.push_back(group_doc(g, vs));
    *out = Reply{200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", list}}, {}};
    return true;
  }
  std::string group, version;
  if (p.rfind("/api/", 0) == 0 && p.find('/', 5) == std::string::npos) {
    version = p.substr(5);
    if (version != "v1") return false;
  } else if (p.rfind("/apis/", 0) == 0) {
    std::string rest = p.substr(6);
    auto slash = rest.find('/');
    group = rest.substr(0, slash);
    if (slash == std::string::npos) {
      auto g = groups.find(group);
      if (g == groups.end()) return false;
      Json doc = group_doc(group, g->second);
      doc["kind"] = "APIGroup";
      doc["apiVersion"] = "v1";
      *out = Reply{200, doc, {}};
      return true;
    }
    version = rest.substr(slash + 1);
    if (version.find('/') != std::string::npos) return false;
  } else {
    return false;
  }
  Json resources = Json::array();
  bool any = false;
  for (const auto& [gr, info] : registry_) {
    if (info.group != group) continue;
    if (std::find(info.versions.begin(), info.versions.end(), version) == info.versions.end()) {
      continue;
    }
    any = true;
    Json r = {{"name", info.resource}, {"singularName", info.singular},
              {"namespaced", info.namespaced}, {"kind", info.kind},
              {"verbs", {"create", "delete", "deletecollection", "get", "list", "patch", "update",
                         "watch"}}};
    if (!info.short_names.empty()) r["shortNames"] = info.short_names;
    if (!info.categories.empty()) r["categories"] = info.categories;
    resources.push_back(r);
    if (info.has_status) {
      resources.push_back({{"name", info.resource + "/status"}, {"singularName", ""},
                           {"namespaced", info.namespaced}, {"kind", info.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  if (!any) return false;
  *out = Reply{200, {{"kind", "APIResourceList"}, {"apiVersion", "v1"},
                     {"groupVersion", GroupVersion(group, version)}, {"resources", resources}}, {}};
  return true;
}

bool Emulator::Impl::WantsTable(const HttpRequest& req) const {
  return req.Header("accept").find("as=Table") != std::string::npos;
}

Json Emulator::Impl::ToTable(const ResourceInfo& info, const std::vector<Json>& objs,
                             const HttpRequest& req, bool with_columns) {
  Json cols = Json::array({{{"name", "Name"}, {"type", "string"}, {"format", "name"},
                            {"description", "Name must be unique within a namespace."},
                            {"priority", 0}}});
  Json printer = info.printer_columns;
  if (printer.empty()) {
    if (info.resource == "configmaps") {
      printer.push_back({{"name", "Data"}, {"type", "integer"}, {"jsonPath", "#data"}});
    }
    printer.push_back({{"name", "Age"}, {"type", "date"},
                       {"jsonPath", ".metadata.creationTimestamp"}});
  }
  for (const auto& c : printer) {
    cols.push_back({{"name", c.value("name", "")}, {"type", c.value("type", "string")},
                    {"format", c.value("format", "")}, {"description", c.value("description", "")},
                    {"priority", c.value("priority", 0)}});
  }
  std::string include = req.Query("includeObject");
  Json rows = Json::array();
  for (const auto& obj : objs) {
    Json cells = Json::array({obj["metadata"].value("name", "")});
    for (const auto& c : printer) {
      std::string jp = c.value("jsonPath", "");
      if (jp == "#data") {
        cells.push_back(obj.contains("data") ? obj["data"].size() : 0);
        continue;
      }
      Json v = EvalPath(obj, jp);
      if (c.value("type", "") == "date" && v.is_string()) {
        auto t = ParseRfc3339(v.get<std::string>());
        v = t ? Json(HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now() - *t)))
              : v;
      }
      cells.push_back(v);
    }
    Json row = {{"cells", cells}};
    if (include == "Object") {
      row["object"] = obj;
    } else if (include != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", obj["metadata"]}};
    }
    rows.push_back(row);
  }
  (void)Age;
  Json table = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", Json::object()}, {"rows", rows}};
  if (with_columns) table["columnDefinitions"] = cols;
  return table;
}

}  // namespace kaudit::emulator
