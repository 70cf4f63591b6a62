// simulate_loggen: writes a realistic kube-apiserver audit log (audit.k8s.io/v1 JSON lines) for
// benchmarking `kaudit simulate` (hack/bench/simulate.sh).
//
//   simulate_loggen [--bytes N] [--seed S] [--hours H] [--start-unix SECONDS] > audit.log
//
// The traffic mix is what a mid-sized cluster's apiserver sees: kubelet lease renewals and
// status patches, leader election, controllers updating endpoints, watches, Events, probes of
// /healthz and /metrics, token and access reviews, CI bots rolling deployments, people reading
// secrets and editing RBAC, and custom resources. The source policy that "recorded" it is a noisy
// one: writes at RequestResponse (request and response bodies, managedFields included), a share
// of reads at RequestResponse, the rest at Metadata, and every stage kept (RequestReceived,
// ResponseStarted for watches, ResponseComplete). Stages of one request are interleaved with
// other requests' lines, as in a real log. Deterministic for a given seed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9e3779b97f4a7c15ULL + 1) {}
  uint64_t Next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545f4914f6cdd1dULL;
  }
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>((Next() >> 32) % n); }
  bool Chance(uint32_t percent) { return Below(100) < percent; }

 private:
  uint64_t s_;
};

struct Args {
  uint64_t bytes = 1ULL << 30;
  uint64_t seed = 1;
  double hours = 48;
  int64_t start_s = 1714521600;  // 2024-05-01T00:00:00Z
};

// One kind of traffic: who does what to which resource, and how the noisy policy recorded it.
struct Traffic {
  const char* user;
  const char* groups;  // JSON array body
  const char* verb;
  const char* resource;
  const char* group;  // "" = core
  const char* subresource;
  const char* ns;    // "" = cluster-scoped
  const char* name;  // "" = no name (list/create); "*" = generated name
  int weight;
  int body_kind;   // index into the body templates; -1 = non-resource request
  int rr_percent;  // share recorded at RequestResponse (the rest at Metadata)
  const char* agent;
};

constexpr const char* kNodeGroups = R"(["system:nodes","system:authenticated"])";
constexpr const char* kSaGroups =
    R"(["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"])";
constexpr const char* kAuthGroups = R"(["system:authenticated"])";
constexpr const char* kAdminGroups = R"(["system:masters","system:authenticated"])";
constexpr const char* kDevGroups = R"(["dev-team","system:authenticated"])";

enum Body {
  kLease,
  kPod,
  kNode,
  kEndpoints,
  kEvent,
  kConfigMap,
  kSecret,
  kDeployment,
  kReview,
  kRbac,
  kCustom,
  kPodList,
  kBodyKinds
};

constexpr Traffic kTraffic[] = {
    {"system:node:*", kNodeGroups, "update", "leases", "coordination.k8s.io", "", "kube-node-lease",
     "node", 150, kLease, 100, "kubelet/v1.29.4"},
    {"system:node:*", kNodeGroups, "get", "leases", "coordination.k8s.io", "", "kube-node-lease",
     "node", 60, kLease, 0, "kubelet/v1.29.4"},
    {"system:node:*", kNodeGroups, "patch", "nodes", "", "status", "", "node", 40, kNode, 100,
     "kubelet/v1.29.4"},
    {"system:node:*", kNodeGroups, "get", "nodes", "", "", "", "node", 30, kNode, 10,
     "kubelet/v1.29.4"},
    {"system:node:*", kNodeGroups, "patch", "pods", "", "status", "*ns", "*", 45, kPod, 100,
     "kubelet/v1.29.4"},
    {"system:node:*", kNodeGroups, "get", "pods", "", "", "*ns", "*", 30, kPod, 20,
     "kubelet/v1.29.4"},
    {"system:node:*", kNodeGroups, "get", "configmaps", "", "", "*ns", "*", 25, kConfigMap, 0,
     "kubelet/v1.29.4"},
    {"system:node:*", kNodeGroups, "get", "secrets", "", "", "*ns", "*", 20, kSecret, 0,
     "kubelet/v1.29.4"},
    {"system:kube-controller-manager", kAuthGroups, "update", "leases", "coordination.k8s.io", "",
     "kube-system", "kube-controller-manager", 40, kLease, 100, "kube-controller-manager/v1.29.4"},
    {"system:kube-scheduler", kAuthGroups, "update", "leases", "coordination.k8s.io", "",
     "kube-system", "kube-scheduler", 40, kLease, 100, "kube-scheduler/v1.29.4"},
    {"system:kube-scheduler", kAuthGroups, "create", "pods", "", "binding", "*ns", "*", 15, kReview,
     100, "kube-scheduler/v1.29.4"},
    {"system:serviceaccount:kube-system:endpointslice-controller", kSaGroups, "update",
     "endpointslices", "discovery.k8s.io", "", "*ns", "*", 50, kEndpoints, 100,
     "kube-controller-manager/v1.29.4"},
    {"system:serviceaccount:kube-system:endpoint-controller", kSaGroups, "update", "endpoints", "",
     "", "*ns", "*", 30, kEndpoints, 100, "kube-controller-manager/v1.29.4"},
    {"system:serviceaccount:kube-system:replicaset-controller", kSaGroups, "update", "replicasets",
     "apps", "status", "*ns", "*", 20, kDeployment, 100, "kube-controller-manager/v1.29.4"},
    {"system:serviceaccount:kube-system:deployment-controller", kSaGroups, "update", "deployments",
     "apps", "status", "*ns", "*", 15, kDeployment, 100, "kube-controller-manager/v1.29.4"},
    {"system:serviceaccount:kube-system:generic-garbage-collector", kSaGroups, "list", "pods", "",
     "", "", "", 10, kPodList, 5, "kube-controller-manager/v1.29.4"},
    {"system:kube-proxy", kAuthGroups, "watch", "endpointslices", "discovery.k8s.io", "", "", "",
     25, kEndpoints, 0, "kube-proxy/v1.29.4"},
    {"system:serviceaccount:monitoring:prometheus", kSaGroups, "watch", "pods", "", "", "", "", 20,
     kPod, 0, "prometheus/2.51.0"},
    {"system:serviceaccount:monitoring:prometheus", kSaGroups, "list", "pods", "", "", "*ns", "",
     15, kPodList, 10, "prometheus/2.51.0"},
    {"system:serviceaccount:kube-system:event-controller", kSaGroups, "create", "events", "", "",
     "*ns", "", 60, kEvent, 100, "kube-controller-manager/v1.29.4"},
    {"system:node:*", kNodeGroups, "create", "events", "events.k8s.io", "", "*ns", "", 40, kEvent,
     100, "kubelet/v1.29.4"},
    {"system:anonymous", R"(["system:unauthenticated"])", "get", "", "", "", "", "/healthz", 40, -1,
     0, "kube-probe/1.29"},
    {"system:anonymous", R"(["system:unauthenticated"])", "get", "", "", "", "", "/readyz", 40, -1,
     0, "kube-probe/1.29"},
    {"system:serviceaccount:monitoring:prometheus", kSaGroups, "get", "", "", "", "", "/metrics",
     20, -1, 0, "prometheus/2.51.0"},
    {"system:node:*", kNodeGroups, "create", "tokenreviews", "authentication.k8s.io", "", "", "",
     15, kReview, 100, "kubelet/v1.29.4"},
    {"system:serviceaccount:kube-system:metrics-server", kSaGroups, "create",
     "subjectaccessreviews", "authorization.k8s.io", "", "", "", 15, kReview, 100,
     "metrics-server/v0.7.0"},
    {"system:node:*", kNodeGroups, "create", "serviceaccounts", "", "token", "*ns", "*", 10,
     kReview, 100, "kubelet/v1.29.4"},
    {"system:serviceaccount:ci:deployer", kSaGroups, "patch", "deployments", "apps", "", "*ns", "*",
     12, kDeployment, 100, "argocd-application-controller/v2.10"},
    {"system:serviceaccount:ci:deployer", kSaGroups, "update", "configmaps", "", "", "*ns", "*", 8,
     kConfigMap, 100, "argocd-application-controller/v2.10"},
    {"system:serviceaccount:cert-manager:cert-manager", kSaGroups, "update", "certificates",
     "cert-manager.io", "status", "*ns", "*", 10, kCustom, 100, "cert-manager/v1.14.4"},
    {"system:serviceaccount:argocd:argocd-application-controller", kSaGroups, "patch",
     "applications", "argoproj.io", "", "argocd", "*", 12, kCustom, 100,
     "argocd-application-controller/v2.10"},
    {"alice@example.com", kDevGroups, "get", "secrets", "", "", "*ns", "*", 3, kSecret, 100,
     "kubectl/v1.29.4"},
    {"alice@example.com", kDevGroups, "list", "pods", "", "", "*ns", "", 4, kPodList, 50,
     "kubectl/v1.29.4"},
    {"alice@example.com", kDevGroups, "create", "pods", "", "exec", "*ns", "*", 2, kReview, 100,
     "kubectl/v1.29.4"},
    {"kubernetes-admin", kAdminGroups, "update", "clusterroles", "rbac.authorization.k8s.io", "",
     "", "*", 1, kRbac, 100, "kubectl/v1.29.4"},
    {"kubernetes-admin", kAdminGroups, "create", "rolebindings", "rbac.authorization.k8s.io", "",
     "*ns", "", 1, kRbac, 100, "kubectl/v1.29.4"},
    {"kubernetes-admin", kAdminGroups, "delete", "secrets", "", "", "*ns", "*", 1, kSecret, 100,
     "kubectl/v1.29.4"},
    {"bob@example.com", kDevGroups, "get", "deployments", "apps", "", "*ns", "*", 4, kDeployment,
     100, "kubectl/v1.29.4"},
};

constexpr const char* kNamespaces[] = {"default",      "kube-system", "monitoring", "prod",
                                       "staging",      "dev",         "team-a",     "team-b",
                                       "cert-manager", "argocd"};

// Bodies are built once per kind at a few sizes and reused: the point is realistic sizes and
// JSON structure, not unique content.
std::string ManagedFields(Rng& rng, int entries) {
  std::string s = R"("managedFields":[)";
  for (int i = 0; i < entries; ++i) {
    if (i > 0) s += ',';
    s += R"({"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1",)"
         R"("time":"2024-04-30T10:11:12Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":)"
         R"({"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":)"
         R"({"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{}}}}}}},)"
         R"("subresource":"status"})";
    if (rng.Chance(50)) s.back() = '}';  // vary lengths a little
  }
  return s + "]";
}

std::string Filler(Rng& rng, std::size_t bytes) {
  std::string s = R"("data":{)";
  int i = 0;
  while (s.size() < bytes) {
    if (i > 0) s += ',';
    s += "\"key" + std::to_string(i++) + "\":\"";
    std::size_t n = 16 + rng.Below(96);
    for (std::size_t k = 0; k < n; ++k) s += static_cast<char>('a' + rng.Below(26));
    s += '"';
  }
  return s + "}";
}

std::string Object(Rng& rng, const char* kind, std::size_t size, int managed) {
  std::string s = "{\"kind\":\"";
  s += kind;
  s += R"(","apiVersion":"v1","metadata":{"name":"obj-)" + std::to_string(rng.Below(100000)) +
       R"(","namespace":"default","uid":"6f1c1a52-3b44-4b8e-9a3e-)" +
       std::to_string(100000000000ULL + rng.Below(899999999)) + R"(","resourceVersion":")" +
       std::to_string(1000000 + rng.Below(9000000)) +
       R"(","creationTimestamp":"2024-04-30T10:11:12Z","labels":{"app":"web"},)";
  s += ManagedFields(rng, managed);
  s += "},";
  s += Filler(rng, size);
  return s + "}";
}

struct Bodies {
  std::vector<std::vector<std::string>> by_kind;  // [kind][variant]
};

Bodies MakeBodies(Rng& rng) {
  struct Spec {
    const char* kind;
    std::size_t size;
    int managed;
  };
  const Spec specs[kBodyKinds] = {
      {"Lease", 120, 1},          {"Pod", 4000, 3},         {"Node", 7000, 4},
      {"EndpointSlice", 1200, 1}, {"Event", 500, 0},        {"ConfigMap", 2500, 1},
      {"Secret", 900, 1},         {"Deployment", 3500, 3},  {"TokenReview", 600, 0},
      {"ClusterRole", 1500, 1},   {"Certificate", 2000, 2}, {"PodList", 60000, 0},
  };
  Bodies b;
  b.by_kind.resize(kBodyKinds);
  for (int k = 0; k < kBodyKinds; ++k) {
    for (int v = 0; v < 8; ++v) {
      std::size_t size = specs[k].size / 2 + rng.Below(static_cast<uint32_t>(specs[k].size));
      b.by_kind[static_cast<std::size_t>(k)].push_back(
          Object(rng, specs[k].kind, size, specs[k].managed));
    }
  }
  return b;
}

void AppendTime(std::string* out, int64_t us) {
  int64_t s = us / 1000000;
  int64_t days = s / 86400;
  int64_t rem = s % 86400;
  // civil_from_days
  int64_t z = days + 719468;
  int64_t era = z / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60), static_cast<long long>(us % 1000000));
  out->append(buf);
}

void AppendUuid(std::string* out, Rng& rng) {
  static const char* kHex = "0123456789abcdef";
  uint64_t a = rng.Next(), b = rng.Next();
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      out->push_back('-');
      continue;
    }
    uint64_t& src = i < 18 ? a : b;
    out->push_back(kHex[src & 15]);
    src >>= 4;
  }
}

struct Request {
  const Traffic* t;
  std::string user, ns, name, audit_id, uri;
  bool rr;  // recorded at RequestResponse (else Metadata)
  int64_t received_us, done_us;
  int request_body = -1, response_body = -1;  // body variant indices
  uint64_t due = 0;
  bool started = false;  // ResponseStarted written (watch)
};

bool IsWrite(std::string_view v) {
  return v == "create" || v == "update" || v == "patch" || v == "delete";
}

class Generator {
 public:
  Generator(const Args& a) : args_(a), rng_(a.seed), bodies_(MakeBodies(rng_)) {
    for (const Traffic& t : kTraffic) total_weight_ += t.weight;
  }
  void Run();

 private:
  const Traffic& Pick();
  Request Start(uint64_t step);
  void BuildUri(Request* r);
  void WriteEvent(const Request& r, std::string_view stage);
  void WriteHeader(const Request& r, std::string_view stage);
  void Flush() {
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    written_ += out_.size();
    out_.clear();
  }
  int64_t Now() const {
    double frac = static_cast<double>(written_ + out_.size()) / static_cast<double>(args_.bytes);
    return args_.start_s * 1000000 + static_cast<int64_t>(frac * args_.hours * 3.6e9);
  }

  Args args_;
  Rng rng_;
  Bodies bodies_;
  int total_weight_ = 0;
  std::string out_;
  uint64_t written_ = 0;
  std::vector<Request> pending_;
};

const Traffic& Generator::Pick() {
  int x = static_cast<int>(rng_.Below(static_cast<uint32_t>(total_weight_)));
  for (const Traffic& t : kTraffic) {
    if (x < t.weight) return t;
    x -= t.weight;
  }
  return kTraffic[0];
}

void Generator::BuildUri(Request* r) {
  const Traffic& t = *r->t;
  if (t.body_kind < 0) {
    r->uri = t.name;
    return;
  }
  r->uri = t.group[0] ? std::string("/apis/") + t.group + "/v1" : std::string("/api/v1");
  if (!r->ns.empty()) r->uri += "/namespaces/" + r->ns;
  r->uri += std::string("/") + t.resource;
  if (!r->name.empty()) r->uri += "/" + r->name;
  if (t.subresource[0]) r->uri += std::string("/") + t.subresource;
  std::string_view verb = t.verb;
  if (verb == "list") r->uri += "?limit=500&resourceVersion=0";
  if (verb == "watch") {
    r->uri += "?allowWatchBookmarks=true&resourceVersion=" +
              std::to_string(1000000 + rng_.Below(9000000)) + "&timeout=8m21s&watch=true";
  }
}

Request Generator::Start(uint64_t step) {
  Request r;
  r.t = &Pick();
  const Traffic& t = *r.t;
  std::string node = "node-" + std::to_string(rng_.Below(60));
  r.user = t.user;
  if (r.user == "system:node:*") r.user = "system:node:" + node;
  r.ns = std::string_view(t.ns) == "*ns" ? kNamespaces[rng_.Below(10)] : t.ns;
  std::string_view name = t.name;
  if (t.body_kind >= 0) {
    r.name = name == "node" ? node
             : name == "*"  ? "web-" + std::to_string(rng_.Below(5000)) + "-x" +
                                 std::to_string(rng_.Below(90000))
                           : std::string(name);
  }
  AppendUuid(&r.audit_id, rng_);
  r.rr = t.body_kind >= 0 && rng_.Chance(static_cast<uint32_t>(t.rr_percent));
  r.received_us = Now();
  bool watch = std::string_view(t.verb) == "watch";
  r.done_us =
      r.received_us + (watch ? 300000000 + rng_.Below(200000000) : 1000 + rng_.Below(80000));
  r.due = step + (watch ? 500 + rng_.Below(3000) : rng_.Below(12));
  if (r.rr) {
    int variant = static_cast<int>(rng_.Below(8));
    if (IsWrite(t.verb) && std::string_view(t.verb) != "delete") r.request_body = variant;
    if (!watch) r.response_body = variant;
  }
  BuildUri(&r);
  return r;
}

void Generator::WriteHeader(const Request& r, std::string_view stage) {
  const Traffic& t = *r.t;
  out_ += R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":")";
  out_ += r.rr ? "RequestResponse" : "Metadata";
  out_ += R"(","auditID":")" + r.audit_id + R"(","stage":")";
  out_ += stage;
  out_ += R"(","requestURI":")" + r.uri + R"(","verb":")" + t.verb;
  out_ += R"(","user":{"username":")" + r.user + R"(","groups":)" + t.groups;
  out_ += R"(},"sourceIPs":["10.0.)" + std::to_string(r.audit_id[0] % 8) + "." +
          std::to_string(r.audit_id[1]) + R"("],"userAgent":")" + t.agent + "\"";
  if (t.body_kind >= 0) {
    out_ += R"(,"objectRef":{"resource":")" + std::string(t.resource) + "\"";
    if (!r.ns.empty()) out_ += R"(,"namespace":")" + r.ns + "\"";
    if (!r.name.empty()) out_ += R"(,"name":")" + r.name + "\"";
    if (t.group[0]) out_ += R"(,"apiGroup":")" + std::string(t.group) + "\"";
    out_ += R"(,"apiVersion":"v1")";
    if (t.subresource[0]) out_ += R"(,"subresource":")" + std::string(t.subresource) + "\"";
    out_ += "}";
  }
}

void Generator::WriteEvent(const Request& r, std::string_view stage) {
  WriteHeader(r, stage);
  const auto& bodies = r.t->body_kind >= 0
                           ? bodies_.by_kind[static_cast<std::size_t>(r.t->body_kind)]
                           : bodies_.by_kind[0];
  bool complete = stage == "ResponseComplete";
  if (stage != "RequestReceived") out_ += R"(,"responseStatus":{"metadata":{},"code":200})";
  if (complete && r.request_body >= 0) {
    out_ += R"(,"requestObject":)" + bodies[static_cast<std::size_t>(r.request_body)];
  }
  if (complete && r.response_body >= 0) {
    out_ += R"(,"responseObject":)" + bodies[static_cast<std::size_t>(r.response_body)];
  }
  out_ += R"(,"requestReceivedTimestamp":")";
  AppendTime(&out_, r.received_us);
  out_ += R"(","stageTimestamp":")";
  AppendTime(&out_, stage == "RequestReceived"   ? r.received_us
                    : stage == "ResponseStarted" ? r.received_us + 900
                                                 : r.done_us);
  out_ += '"';
  if (stage != "RequestReceived") {
    out_ += R"(,"annotations":{"authorization.k8s.io/decision":"allow",)"
            R"("authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:)"
            R"(basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:)"
            R"(authenticated\""})";
  }
  out_ += "}\n";
}

void Generator::Run() {
  out_.reserve(8u << 20);
  for (uint64_t step = 0; written_ + out_.size() < args_.bytes; ++step) {
    Request r = Start(step);
    WriteEvent(r, "RequestReceived");
    pending_.push_back(std::move(r));
    for (std::size_t i = 0; i < pending_.size();) {
      Request& p = pending_[i];
      bool watch = std::string_view(p.t->verb) == "watch";
      if (watch && !p.started && p.due > step + 400) {
        WriteEvent(p, "ResponseStarted");
        p.started = true;
      }
      if (p.due > step) {
        ++i;
        continue;
      }
      WriteEvent(p, "ResponseComplete");
      pending_[i] = std::move(pending_.back());
      pending_.pop_back();
    }
    if (out_.size() >= (4u << 20)) Flush();
  }
  Flush();
}

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    std::string_view k = argv[i];
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (k == "--bytes") {
      a->bytes = std::strtoull(v, nullptr, 10);
    } else if (k == "--seed") {
      a->seed = std::strtoull(v, nullptr, 10);
    } else if (k == "--hours") {
      a->hours = std::strtod(v, nullptr);
    } else if (k == "--start-unix") {
      a->start_s = std::strtoll(v, nullptr, 10);
    } else {
      return false;
    }
  }
  return a->bytes > 0 && a->hours > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: simulate_loggen [--bytes N] [--seed S] [--hours H] [--start-unix S]\n");
    return 2;
  }
  Generator(args).Run();
  return std::fflush(stdout) == 0 ? 0 : 1;
}
