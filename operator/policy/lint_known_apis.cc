#include "policy/lint_known_apis.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace kaudit::policy::lint_internal {
namespace {

constexpr bool kCluster = true;
constexpr bool kNamespaced = false;
// Subresource list marker: "-" = not checked; "" = none exist; otherwise space-separated.
constexpr const char* kUnchecked = "-";

struct Row {
  const char* group;
  const char* resource;
  bool cluster;
  const char* subresources;
};

// Sources: `kubectl api-resources` and the REST storage of kube-apiserver (pkg/registry/*) for
// 1.28-1.33, alpha and beta APIs included. "namespaces" is cluster-scoped, but a request for one
// namespace carries that namespace (RequestInfo), which the namespace check accounts for.
constexpr Row kRows[] = {
    {"", "bindings", kNamespaced, ""},
    {"", "componentstatuses", kCluster, ""},
    {"", "configmaps", kNamespaced, ""},
    {"", "endpoints", kNamespaced, ""},
    {"", "events", kNamespaced, ""},
    {"", "limitranges", kNamespaced, ""},
    {"", "namespaces", kCluster, "finalize status"},
    {"", "nodes", kCluster, "proxy status"},
    {"", "persistentvolumeclaims", kNamespaced, "status"},
    {"", "persistentvolumes", kCluster, "status"},
    {"", "pods", kNamespaced,
     "attach binding ephemeralcontainers eviction exec log portforward proxy resize status"},
    {"", "podtemplates", kNamespaced, ""},
    {"", "replicationcontrollers", kNamespaced, "scale status"},
    {"", "resourcequotas", kNamespaced, "status"},
    {"", "secrets", kNamespaced, ""},
    {"", "serviceaccounts", kNamespaced, "token"},
    {"", "services", kNamespaced, "proxy status"},
    {"admissionregistration.k8s.io", "mutatingadmissionpolicies", kCluster, kUnchecked},
    {"admissionregistration.k8s.io", "mutatingadmissionpolicybindings", kCluster, kUnchecked},
    {"admissionregistration.k8s.io", "mutatingwebhookconfigurations", kCluster, ""},
    {"admissionregistration.k8s.io", "validatingadmissionpolicies", kCluster, "status"},
    {"admissionregistration.k8s.io", "validatingadmissionpolicybindings", kCluster, ""},
    {"admissionregistration.k8s.io", "validatingwebhookconfigurations", kCluster, ""},
    {"apiextensions.k8s.io", "customresourcedefinitions", kCluster, "status"},
    {"apiregistration.k8s.io", "apiservices", kCluster, "status"},
    {"apps", "controllerrevisions", kNamespaced, ""},
    {"apps", "daemonsets", kNamespaced, "status"},
    {"apps", "deployments", kNamespaced, "scale status"},
    {"apps", "replicasets", kNamespaced, "scale status"},
    {"apps", "statefulsets", kNamespaced, "scale status"},
    {"authentication.k8s.io", "selfsubjectreviews", kCluster, ""},
    {"authentication.k8s.io", "tokenreviews", kCluster, ""},
    {"authorization.k8s.io", "localsubjectaccessreviews", kNamespaced, ""},
    {"authorization.k8s.io", "selfsubjectaccessreviews", kCluster, ""},
    {"authorization.k8s.io", "selfsubjectrulesreviews", kCluster, ""},
    {"authorization.k8s.io", "subjectaccessreviews", kCluster, ""},
    {"autoscaling", "horizontalpodautoscalers", kNamespaced, "status"},
    {"batch", "cronjobs", kNamespaced, "status"},
    {"batch", "jobs", kNamespaced, "status"},
    {"certificates.k8s.io", "certificatesigningrequests", kCluster, "approval status"},
    {"certificates.k8s.io", "clustertrustbundles", kCluster, kUnchecked},
    {"certificates.k8s.io", "podcertificaterequests", kNamespaced, kUnchecked},
    {"coordination.k8s.io", "leasecandidates", kNamespaced, kUnchecked},
    {"coordination.k8s.io", "leases", kNamespaced, ""},
    {"discovery.k8s.io", "endpointslices", kNamespaced, ""},
    {"events.k8s.io", "events", kNamespaced, ""},
    {"flowcontrol.apiserver.k8s.io", "flowschemas", kCluster, "status"},
    {"flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", kCluster, "status"},
    {"internal.apiserver.k8s.io", "storageversions", kCluster, kUnchecked},
    {"networking.k8s.io", "ingressclasses", kCluster, kUnchecked},
    {"networking.k8s.io", "ingresses", kNamespaced, kUnchecked},
    {"networking.k8s.io", "ipaddresses", kCluster, kUnchecked},
    {"networking.k8s.io", "networkpolicies", kNamespaced, kUnchecked},
    {"networking.k8s.io", "servicecidrs", kCluster, kUnchecked},
    {"node.k8s.io", "runtimeclasses", kCluster, kUnchecked},
    {"policy", "poddisruptionbudgets", kNamespaced, "status"},
    {"rbac.authorization.k8s.io", "clusterrolebindings", kCluster, ""},
    {"rbac.authorization.k8s.io", "clusterroles", kCluster, ""},
    {"rbac.authorization.k8s.io", "rolebindings", kNamespaced, ""},
    {"rbac.authorization.k8s.io", "roles", kNamespaced, ""},
    {"scheduling.k8s.io", "priorityclasses", kCluster, kUnchecked},
    {"storage.k8s.io", "csidrivers", kCluster, kUnchecked},
    {"storage.k8s.io", "csinodes", kCluster, kUnchecked},
    {"storage.k8s.io", "csistoragecapacities", kNamespaced, kUnchecked},
    {"storage.k8s.io", "storageclasses", kCluster, kUnchecked},
    {"storage.k8s.io", "volumeattachments", kCluster, kUnchecked},
    {"storage.k8s.io", "volumeattributesclasses", kCluster, kUnchecked},
    {"storagemigration.k8s.io", "storageversionmigrations", kCluster, kUnchecked},
};

struct Removed {
  const char* group;
  const char* resource;
  const char* note;
};
constexpr Removed kRemoved[] = {
    {"policy", "podsecuritypolicies", "PodSecurityPolicy was removed in Kubernetes 1.25"},
};

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    std::size_t sp = s.find(' ');
    out.push_back(s.substr(0, sp));
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

const std::vector<KnownResource>& BuildTable() {
  static const auto* const kTable = [] {
    auto* t = new std::vector<KnownResource>;
    for (const Row& r : kRows) {
      std::string_view subs = r.subresources;
      bool known = subs != kUnchecked;
      t->push_back({r.group, r.resource, r.cluster, known,
                    known ? SplitSpaces(subs) : std::vector<std::string_view>{}});
    }
    return t;
  }();
  return *kTable;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Levenshtein distance, stopping early above limit.
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

const std::vector<KnownResource>& Table() { return BuildTable(); }

}  // namespace

const std::vector<KnownResource>& KnownResources() { return Table(); }

bool IsKnownGroup(std::string_view group) {
  const auto& t = Table();
  return std::any_of(t.begin(), t.end(), [&](const KnownResource& r) { return r.group == group; });
}

const KnownResource* FindResource(std::string_view group, std::string_view resource) {
  for (const KnownResource& r : Table()) {
    if (r.group == group && r.resource == resource) return &r;
  }
  return nullptr;
}

std::vector<std::string_view> GroupsServing(std::string_view resource) {
  std::vector<std::string_view> out;
  for (const KnownResource& r : Table()) {
    if (r.resource == resource) out.push_back(r.group);
  }
  return out;
}

std::vector<std::string_view> ResourcesOf(std::string_view group) {
  std::vector<std::string_view> out;
  for (const KnownResource& r : Table()) {
    if (r.group == group) out.push_back(r.resource);
  }
  return out;
}

std::string_view RemovedNote(std::string_view group, std::string_view resource) {
  for (const Removed& r : kRemoved) {
    if (r.group == group && r.resource == resource) return r.note;
  }
  return "";
}

std::optional<GroupHint> HintForUnknownGroup(std::string_view group) {
  if (IsKnownGroup(group)) return std::nullopt;
  if (group == "core" || group == "v1") {
    return GroupHint{"", "the core group is written as the empty string"};
  }
  if (group == "extensions") {
    return GroupHint{"",
                     "the extensions group is no longer served (its last resources moved "
                     "to apps and networking.k8s.io by Kubernetes 1.22)"};
  }
  // A group written without its domain: "rbac" for rbac.authorization.k8s.io.
  std::string found;
  for (const KnownResource& r : Table()) {
    std::string_view g = r.group;
    if (g.size() > group.size() && g.starts_with(group) && g[group.size()] == '.' && found != g) {
      if (!found.empty()) return std::nullopt;  // ambiguous
      found = std::string(g);
    }
  }
  if (found.empty()) return std::nullopt;
  return GroupHint{found, "API groups are written in full"};
}

bool IsResourceVerb(std::string_view verb) {
  static constexpr std::array<std::string_view, 9> kVerbs = {
      "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy"};
  return std::find(kVerbs.begin(), kVerbs.end(), verb) != kVerbs.end();
}

bool IsNonResourceVerb(std::string_view verb) {
  static constexpr std::array<std::string_view, 9> kVerbs = {
      "get", "post", "put", "patch", "delete", "head", "options", "connect", "trace"};
  return std::find(kVerbs.begin(), kVerbs.end(), verb) != kVerbs.end();
}

bool IsRbacOnlyVerb(std::string_view verb) {
  static constexpr std::array<std::string_view, 7> kVerbs = {
      "bind", "escalate", "impersonate", "use", "approve", "sign", "attest"};
  return std::find(kVerbs.begin(), kVerbs.end(), verb) != kVerbs.end();
}

std::string Suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string lower = Lower(word);
  for (std::string_view c : candidates) {
    if (c == lower || c == lower + "s" || c == lower + "es" ||
        (lower.ends_with("y") && c == lower.substr(0, lower.size() - 1) + "ies")) {
      return std::string(c);
    }
  }
  std::size_t limit = word.size() <= 4 ? 1 : 2;
  std::string best;
  std::size_t best_d = limit + 1;
  for (std::string_view c : candidates) {
    std::size_t d = EditDistance(lower, c);
    if (d < best_d) {
      best_d = d;
      best = std::string(c);
    }
  }
  return best;
}

}  // namespace kaudit::policy::lint_internal
