// eval_eventgen: writes N audit.k8s.io/v1 Event lines (JSON lines) with the request mix a
// busy cluster's apiserver sees, for measuring `kaudit eval` (hack/bench/eval.sh).
//
//   eval_eventgen [--events N] [--seed S] > events.jsonl
//
// The mix: kubelets (system:nodes) renewing leases and patching node and pod status,
// kube-proxy and controllers watching and updating, the scheduler binding pods, service
// accounts reading ConfigMaps and Secrets, people (OIDC users) running kubectl against
// deployments, pods/log, pods/exec and RBAC, anonymous and monitoring probes of /healthz,
// /readyz, /livez, /metrics, discovery (/api, /apis, /openapi/v2), and custom resources. Each
// request gets its RequestReceived and ResponseComplete lines (watches also ResponseStarted),
// and writes carry a small requestObject, as a Request-level policy would log them.
// Deterministic for a given seed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9e3779b97f4a7c15ULL + 7) {}
  uint32_t Below(uint32_t n) {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return static_cast<uint32_t>(((s_ * 0x2545f4914f6cdd1dULL) >> 32) % n);
  }

 private:
  uint64_t s_;
};

struct Who {
  const char* user;  // '*' is replaced by a number
  const char* groups;
  const char* agent;
};

constexpr Who kNode = {"system:node:worker-*", R"(["system:nodes","system:authenticated"])",
                       "kubelet/v1.30.2 (linux/amd64) kubernetes/39683505"};
constexpr Who kProxy = {"system:kube-proxy", R"(["system:authenticated"])",
                        "kube-proxy/v1.30.2 (linux/amd64) kubernetes/39683505"};
constexpr Who kKcm = {"system:kube-controller-manager", R"(["system:authenticated"])",
                      "kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/39683505"};
constexpr Who kSched = {"system:kube-scheduler", R"(["system:authenticated"])",
                        "kube-scheduler/v1.30.2 (linux/amd64) kubernetes/39683505/scheduler"};
constexpr Who kSa = {
    "system:serviceaccount:team-*:app",
    R"(["system:serviceaccounts","system:serviceaccounts:team","system:authenticated"])",
    "app/1.4.0"};
constexpr Who kHuman = {"oidc:user*@example.com", R"(["oidc:developers","system:authenticated"])",
                        "kubectl/v1.30.2 (linux/amd64) kubernetes/39683505"};
constexpr Who kAnon = {"system:anonymous", R"(["system:unauthenticated"])", "kube-probe/1.30"};
constexpr Who kProm = {
    "system:serviceaccount:monitoring:prometheus",
    R"(["system:serviceaccounts","system:serviceaccounts:monitoring","system:authenticated"])",
    "Prometheus/2.51.0"};

struct Request {
  const Who* who;
  const char* verb;
  const char* group;  // nullptr = non-resource request; "" = core
  const char* resource;
  const char* subresource;
  const char* ns;    // "" = cluster-scoped or all namespaces; '*' = team-N
  const char* name;  // "" = nameless; '*' = generated
  const char* path;  // non-resource path (with query)
  int weight;
};

constexpr Request kMix[] = {
    {&kNode, "update", "coordination.k8s.io", "leases", "", "kube-node-lease", "worker-*", "", 120},
    {&kNode, "get", "coordination.k8s.io", "leases", "", "kube-node-lease", "worker-*", "", 40},
    {&kNode, "patch", "", "nodes", "status", "", "worker-*", "", 40},
    {&kNode, "patch", "", "pods", "status", "*", "app-*", "", 40},
    {&kNode, "get", "", "configmaps", "", "*", "kube-root-ca.crt", "", 30},
    {&kNode, "create", "", "serviceaccounts", "token", "*", "app", "", 15},
    {&kProxy, "watch", "discovery.k8s.io", "endpointslices", "", "", "", "", 20},
    {&kProxy, "list", "", "services", "", "", "", "", 5},
    {&kKcm, "update", "", "endpoints", "", "*", "svc-*", "", 30},
    {&kKcm, "update", "apps", "deployments", "status", "*", "app-*", "", 20},
    {&kKcm, "create", "", "pods", "", "*", "", "", 10},
    {&kKcm, "get", "coordination.k8s.io", "leases", "", "kube-system", "kube-controller-manager",
     "", 25},
    {&kKcm, "watch", "", "pods", "", "", "", "", 5},
    {&kSched, "create", "", "pods", "binding", "*", "app-*", "", 10},
    {&kSched, "update", "coordination.k8s.io", "leases", "", "kube-system", "kube-scheduler", "",
     25},
    {&kSa, "get", "", "configmaps", "", "*", "settings", "", 25},
    {&kSa, "get", "", "secrets", "", "*", "db-credentials", "", 10},
    {&kSa, "create", "events.k8s.io", "events", "", "*", "", "", 20},
    {&kSa, "list", "", "pods", "", "*", "", "", 10},
    {&kHuman, "get", "apps", "deployments", "", "*", "app-*", "", 6},
    {&kHuman, "list", "", "pods", "", "*", "", "", 6},
    {&kHuman, "get", "", "pods", "log", "*", "app-*", "", 4},
    {&kHuman, "create", "", "pods", "exec", "*", "app-*", "", 2},
    {&kHuman, "patch", "apps", "deployments", "scale", "*", "app-*", "", 2},
    {&kHuman, "update", "rbac.authorization.k8s.io", "rolebindings", "", "*", "edit", "", 1},
    {&kHuman, "delete", "", "pods", "", "*", "app-*", "", 2},
    {&kHuman, "get", "cert-manager.io", "certificates", "", "*", "tls", "", 2},
    {&kHuman, "get", nullptr, nullptr, nullptr, nullptr, nullptr, "/api?timeout=32s", 3},
    {&kHuman, "get", nullptr, nullptr, nullptr, nullptr, nullptr, "/apis?timeout=32s", 3},
    {&kHuman, "get", nullptr, nullptr, nullptr, nullptr, nullptr, "/openapi/v2?timeout=32s", 1},
    {&kAnon, "get", nullptr, nullptr, nullptr, nullptr, nullptr, "/healthz", 20},
    {&kAnon, "get", nullptr, nullptr, nullptr, nullptr, nullptr, "/readyz", 20},
    {&kAnon, "get", nullptr, nullptr, nullptr, nullptr, nullptr, "/livez?verbose", 10},
    {&kProm, "get", nullptr, nullptr, nullptr, nullptr, nullptr, "/metrics", 15},
    {&kProm, "get", "", "nodes", "proxy", "", "worker-*", "", 5},
    {&kKcm, "get", nullptr, nullptr, nullptr, nullptr, nullptr, "/healthz/etcd", 2},
    {&kKcm, "deletecollection", "", "pods", "", "*", "", "", 1},
};

std::string Expand(const char* pattern, uint32_t n) {
  std::string out;
  for (const char* p = pattern; *p != '\0'; ++p) {
    if (*p == '*') {
      out += std::to_string(n);
    } else {
      out += *p;
    }
  }
  return out;
}

bool IsWrite(std::string_view verb) {
  return verb == "create" || verb == "update" || verb == "patch";
}

std::string RequestUri(const Request& r, const std::string& ns, const std::string& name) {
  if (r.group == nullptr) return r.path;
  std::string uri = *r.group != '\0' ? std::string("/apis/") + r.group + "/v1" : "/api/v1";
  if (!ns.empty()) uri += "/namespaces/" + ns;
  uri += std::string("/") + r.resource;
  if (!name.empty()) uri += "/" + name;
  if (*r.subresource != '\0') uri += std::string("/") + r.subresource;
  if (std::string_view(r.verb) == "watch") uri += "?watch=true&resourceVersion=12345";
  return uri;
}

std::string ObjectRef(const Request& r, const std::string& ns, const std::string& name) {
  std::string o = std::string(R"("objectRef":{"resource":")") + r.resource + "\"";
  if (!ns.empty()) o += R"(,"namespace":")" + ns + "\"";
  if (!name.empty()) o += R"(,"name":")" + name + "\"";
  o += std::string(R"(,"apiGroup":")") + r.group + R"(","apiVersion":"v1")";
  if (*r.subresource != '\0') o += std::string(R"(,"subresource":")") + r.subresource + "\"";
  return o + "},";
}

void WriteEvent(const Request& r, Rng& rng, uint64_t id, const char* stage, uint64_t t_us) {
  const uint32_t n = rng.Below(50);
  const std::string user = Expand(r.who->user, n);
  const std::string ns = r.ns == nullptr ? "" : Expand(r.ns[0] == '*' ? "team-*" : r.ns, n % 12);
  const std::string name = r.name == nullptr ? "" : Expand(r.name, rng.Below(400));
  char ts[64];
  std::snprintf(ts, sizeof ts, "2026-01-12T%02u:%02u:%02u.%06uZ",
                static_cast<unsigned>(t_us / 3600000000ULL % 24),
                static_cast<unsigned>(t_us / 60000000ULL % 60),
                static_cast<unsigned>(t_us / 1000000ULL % 60),
                static_cast<unsigned>(t_us % 1000000));
  std::string line = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata",)";
  char audit_id[48];
  std::snprintf(audit_id, sizeof audit_id, "%08x-%04x-4%03x-a%03x-%012llx",
                static_cast<unsigned>(id >> 8), static_cast<unsigned>(id & 0xffff),
                static_cast<unsigned>(n), static_cast<unsigned>(id % 4096),
                static_cast<unsigned long long>(id * 2654435761ULL));
  line += std::string(R"("auditID":")") + audit_id + R"(","stage":")" + stage + R"(",)";
  line += R"("requestURI":")" + RequestUri(r, ns, name) + R"(","verb":")" + r.verb + R"(",)";
  line += R"("user":{"username":")" + user + R"(","groups":)" + r.who->groups + "},";
  line += R"("sourceIPs":["10.0.)" + std::to_string(n % 4) + "." + std::to_string(n) + R"("],)";
  line += std::string(R"("userAgent":")") + r.who->agent + R"(",)";
  if (r.group != nullptr) line += ObjectRef(r, ns, name);
  if (std::string_view(stage) != "RequestReceived") {
    line += R"("responseStatus":{"metadata":{},"code":200},)";
  }
  if (r.group != nullptr && IsWrite(r.verb) && std::string_view(stage) == "ResponseComplete") {
    line += R"("requestObject":{"kind":")" + std::string(r.resource) +
            R"(","apiVersion":"v1","metadata":{"name":")" + name +
            R"(","resourceVersion":"12345"}},)";
  }
  line += std::string(R"("requestReceivedTimestamp":")") + ts + R"(","stageTimestamp":")" + ts +
          R"(","annotations":{"authorization.k8s.io/decision":"allow",)"
          R"("authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding )"
          R"(\"system:basic-user\""}})";
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t events = 1000000, seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view k = argv[i];
    if (k == "--events") {
      events = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (k == "--seed") {
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: eval_eventgen [--events N] [--seed S] > events.jsonl\n");
      return 2;
    }
  }
  int total_weight = 0;
  for (const Request& r : kMix) total_weight += r.weight;
  Rng rng(seed);
  uint64_t written = 0, id = 0, t_us = 0;
  while (written < events) {
    uint32_t pick = rng.Below(static_cast<uint32_t>(total_weight));
    const Request* r = kMix;
    for (const Request& candidate : kMix) {
      if (pick < static_cast<uint32_t>(candidate.weight)) {
        r = &candidate;
        break;
      }
      pick -= static_cast<uint32_t>(candidate.weight);
    }
    ++id;
    t_us += 1 + rng.Below(2000);
    const bool watch = std::string_view(r->verb) == "watch";
    for (const char* stage : {"RequestReceived", "ResponseStarted", "ResponseComplete"}) {
      if (written == events) break;
      if (!watch && std::string_view(stage) == "ResponseStarted") continue;
      Rng copy = rng;  // the same names for every stage of one request
      WriteEvent(*r, copy, id, stage, t_us);
      ++written;
    }
    rng.Below(1000);
  }
  return 0;
}
