// Checks of a rule's resources, resourceNames and namespaces against the built-in API table,
// and of its nonResourceURLs against the shape of resource paths (RequestInfo).
#include <algorithm>
#include <cctype>

#include "policy/lint_checks.h"
#include "policy/lint_known_apis.h"

namespace kaudit::policy::lint_internal {
namespace {

bool Has(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool HasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char ch) { return std::isupper(static_cast<unsigned char>(ch)); });
}

std::string EntryField(std::size_t e) { return "resources[" + std::to_string(e) + "]"; }

std::string PatternField(std::size_t e, std::size_t k) {
  return EntryField(e) + ".resources[" + std::to_string(k) + "]";
}

// The fix for a resource that exists in another known group.
void ReportWrongGroup(const RuleCheck& c, std::size_t e, std::size_t k, std::string_view base,
                      const std::vector<std::string_view>& groups) {
  const GroupResources& gr = c.rule().resources[e];
  std::string served = GroupDesc(groups.front());
  for (std::size_t i = 1; i < groups.size(); ++i) served += " and " + GroupDesc(groups[i]);
  std::string msg =
      GroupDesc(gr.group) + " has no resource " + Quote(base) + "; it is served by " + served;
  if (gr.group.empty()) msg += " (an entry without group means the core group only)";
  std::string fix =
      gr.resources.size() == 1
          ? "set " + c.Field(EntryField(e) + ".group") + " to " + Quote(groups.front())
          : "move " + Quote(gr.resources[k]) + " to an entry with group: " + Quote(groups.front());
  c.Add(Severity::kWarning, kCodeWrongGroup, std::move(msg), std::move(fix));
}

void ReportUnknownResource(const RuleCheck& c, std::size_t e, std::size_t k,
                           std::string_view base) {
  const GroupResources& gr = c.rule().resources[e];
  std::string msg = GroupDesc(gr.group) + " has no resource " + Quote(base);
  std::string_view removed = RemovedNote(gr.group, base);
  if (!removed.empty()) msg += " (" + std::string(removed) + ")";
  std::string field = c.Field(PatternField(e, k));
  std::string same = Suggest(base, ResourcesOf(gr.group));
  if (!same.empty()) {
    std::string text = gr.resources[k];
    c.Add(Severity::kWarning, kCodeUnknownResource, msg + "; resources are lower-case plurals",
          "replace " + field + " with " + Quote(same + text.substr(base.size())));
    return;
  }
  // Not in this group even when respelt: maybe a respelt name of another group.
  std::vector<std::string_view> all;
  for (const KnownResource& r : KnownResources()) all.push_back(r.resource);
  std::string other = Suggest(base, all);
  if (!other.empty()) {
    std::string_view group = GroupsServing(other).front();
    c.Add(
        Severity::kWarning, kCodeUnknownResource, std::move(msg),
        "replace " + field + " with " + Quote(other) + " in an entry with group: " + Quote(group));
    return;
  }
  c.Add(Severity::kWarning, kCodeUnknownResource, std::move(msg),
        "remove " + field + ", or check the name with `kubectl api-resources`");
}

void ReportUnknownSubresource(const RuleCheck& c, std::size_t e, std::size_t k,
                              const KnownResource& known, const std::string& sub) {
  std::string field = c.Field(PatternField(e, k));
  std::string msg = Quote(known.resource) + " has no subresource " + Quote(sub);
  // RBAC rules for the kubelet's own API use these; they never reach kube-apiserver.
  static const std::vector<std::string_view> kKubelet = {"stats",      "metrics", "log",    "spec",
                                                         "checkpoint", "configz", "healthz"};
  if (known.group.empty() && known.resource == "nodes" &&
      std::find(kKubelet.begin(), kKubelet.end(), sub) != kKubelet.end()) {
    c.Add(Severity::kWarning, kCodeUnknownSubresource,
          msg + ": nodes/" + sub +
              " authorizes requests to the kubelet, which kube-apiserver "
              "never audits",
          "remove " + field);
    return;
  }
  std::string best = Suggest(sub, known.subresources);
  c.Add(Severity::kWarning, kCodeUnknownSubresource, std::move(msg),
        best.empty()
            ? "remove " + field
            : "replace " + field + " with " + Quote(std::string(known.resource) + "/" + best));
}

// Returns true when no served request has this resource in this group and namespace set.
bool CheckPattern(const RuleCheck& c, std::size_t e, std::size_t k) {
  const GroupResources& gr = c.rule().resources[e];
  ResourcePattern p = ClassifyResource(gr.resources[k]);
  using K = ResourcePattern::Kind;
  if (p.kind != K::kExact && p.kind != K::kResourceAnySub) return false;
  const std::string& base = p.resource;
  if (!IsKnownGroup(gr.group)) {
    if (!HasUpper(base)) return false;
    c.Add(Severity::kWarning, kCodeUnknownResource,
          Quote(base) +
              " has upper-case letters: resource names are lower-case plurals (the "
              "kind Deployment is the resource deployments)",
          "replace " + c.Field(PatternField(e, k)) +
              " with the resource name from "
              "`kubectl api-resources`");
    return true;
  }
  const KnownResource* known = FindResource(gr.group, base);
  if (known == nullptr) {
    std::vector<std::string_view> groups = GroupsServing(base);
    if (groups.empty()) {
      ReportUnknownResource(c, e, k, base);
    } else {
      ReportWrongGroup(c, e, k, base, groups);
    }
    return true;
  }
  if (p.kind == K::kExact && !p.subresource.empty() && known->subresources_known &&
      std::find(known->subresources.begin(), known->subresources.end(), p.subresource) ==
          known->subresources.end()) {
    ReportUnknownSubresource(c, e, k, *known, p.subresource);
    return true;
  }
  const std::vector<std::string>& ns = c.rule().namespaces;
  // A request for one Namespace object carries that namespace, so "namespaces" is exempt.
  if (!ns.empty() && !Has(ns, "") && known->cluster_scoped && base != "namespaces") {
    c.Add(Severity::kWarning, kCodeClusterScopedNamespace,
          Quote(base) + " of " + GroupDesc(gr.group) +
              " is cluster-scoped: its requests have namespace \"\", which " +
              c.Field("namespaces") + " does not list",
          "add \"\" to " + c.Field("namespaces") + ", or move " + Quote(gr.resources[k]) +
              " to a rule without namespaces");
    return true;
  }
  return false;
}

// resourceNames against verbs whose requests carry no name: create (of a top-level resource)
// and deletecollection never; list and watch only with fieldSelector metadata.name=NAME. Returns
// the indexes of patterns that can then match nothing.
std::vector<std::size_t> CheckNames(const RuleCheck& c, std::size_t e) {
  const GroupResources& gr = c.rule().resources[e];
  const std::vector<std::string>& verbs = c.rule().verbs;
  if (gr.resource_names.empty() || Has(gr.resource_names, "") || verbs.empty()) return {};
  std::vector<std::size_t> top;  // patterns naming a resource without subresource
  for (std::size_t k = 0; k < gr.resources.size(); ++k) {
    ResourcePattern p = ClassifyResource(gr.resources[k]);
    if (p.kind == ResourcePattern::Kind::kExact && p.subresource.empty()) top.push_back(k);
  }
  if (top.empty()) return {};
  auto count = [&](std::initializer_list<std::string_view> set) {
    return std::count_if(verbs.begin(), verbs.end(), [&](const std::string& v) {
      return std::find(set.begin(), set.end(), v) != set.end();
    });
  };
  auto nameless = count({"create", "deletecollection"});
  auto lists = count({"list", "watch"});
  auto other = static_cast<std::ptrdiff_t>(verbs.size()) - nameless - lists;
  std::string names = c.Field(EntryField(e) + ".resourceNames");
  if (other == 0 && lists == 0) {
    c.Add(Severity::kWarning, kCodeNamesNeverMatch,
          "resourceNames never match: create and deletecollection requests for a resource carry "
          "no object name",
          "add \"\" to " + names + " to match them, or remove resourceNames");
    return top;
  }
  if (other == 0) {
    c.Add(Severity::kInfo, kCodeNamesNeverMatch,
          "with these verbs resourceNames match only list and watch requests that select one "
          "object by fieldSelector metadata.name; create and deletecollection carry no name",
          "add \"\" to " + names + " to match every list, or use get, update, patch and delete");
  } else if (nameless > 0) {
    c.Add(Severity::kInfo, kCodeNamesNeverMatch,
          "create and deletecollection requests for " + Quote(gr.resources[top.front()]) +
              " carry no object name, so they never match resourceNames",
          "add \"\" to " + names +
              ", or select create and deletecollection in a rule without "
              "resourceNames");
  }
  return {};
}

// Returns true when the entry matches nothing.
bool CheckEntry(const RuleCheck& c, std::size_t e) {
  const GroupResources& gr = c.rule().resources[e];
  if (auto hint = HintForUnknownGroup(gr.group)) {
    std::string field = c.Field(EntryField(e) + ".group");
    std::string fix = gr.group == "extensions"
                          ? "use apps for deployments, daemonsets and replicasets, "
                            "networking.k8s.io for ingresses and networkpolicies"
                          : "set " + field + " to " + Quote(hint->group);
    c.Add(Severity::kWarning, kCodeUnknownGroup,
          GroupDesc(gr.group) + " is not served by kube-apiserver: " + hint->why, fix);
    return true;
  }
  if (gr.resources.empty()) return false;
  std::vector<bool> dead(gr.resources.size(), false);
  for (std::size_t k = 0; k < gr.resources.size(); ++k) dead[k] = CheckPattern(c, e, k);
  for (std::size_t k : CheckNames(c, e)) dead[k] = true;
  return std::all_of(dead.begin(), dead.end(), [](bool d) { return d; });
}

// For a path that RequestInfo parses as a resource request: "group/resource" to suggest.
std::optional<std::string> ResourcePath(const std::string& spec) {
  if (spec == "*") return std::nullopt;
  bool prefix = spec.ends_with('*');
  std::string path = prefix ? spec.substr(0, spec.find_last_not_of('*') + 1) : spec;
  std::size_t b = path.find_first_not_of('/');
  std::size_t l = path.find_last_not_of('/');
  if (b == std::string::npos) return std::nullopt;
  std::vector<std::string> segs;
  std::string rest = path.substr(b, l - b + 1);
  for (std::size_t at = 0;;) {
    std::size_t slash = rest.find('/', at);
    segs.push_back(rest.substr(at, slash - at));
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  std::size_t idx;  // where the resource (or "namespaces") segment is
  if (segs[0] == "api" && segs.size() >= 3) {
    idx = 2;
  } else if (segs[0] == "apis" && segs.size() >= 4) {
    idx = 3;
  } else {
    return std::nullopt;
  }
  std::string group = segs[0] == "api" ? "" : segs[1];
  if (segs[idx] == "namespaces" && segs.size() > idx + 2) idx += 2;
  if (prefix && idx + 1 == segs.size()) return group + "/";  // resource segment may be cut off
  return group + "/" + segs[idx];
}

}  // namespace

bool CheckResourceEntries(const RuleCheck& c) {
  const std::vector<GroupResources>& entries = c.rule().resources;
  bool all_dead = !entries.empty();
  for (std::size_t e = 0; e < entries.size(); ++e) all_dead = CheckEntry(c, e) && all_dead;
  return all_dead;
}

bool CheckUrls(const RuleCheck& c) {
  const std::vector<std::string>& urls = c.rule().non_resource_urls;
  bool all_dead = !urls.empty();
  for (std::size_t i = 0; i < urls.size(); ++i) {
    auto res = ResourcePath(urls[i]);
    if (!res) {
      all_dead = false;
      continue;
    }
    std::size_t slash = res->find('/');
    std::string group = res->substr(0, slash);
    std::string resource = res->substr(slash + 1);
    std::string example = "resources: [{group: " + Quote(group) +
                          (resource.empty() ? "" : ", resources: [" + Quote(resource) + "]") + "}]";
    c.Add(Severity::kWarning, kCodeUrlIsResourcePath,
          Quote(urls[i]) + " is the path of resource requests, which nonResourceURLs never match",
          "select them in a rule with " + example + " instead of " +
              c.Field("nonResourceURLs[" + std::to_string(i) + "]"));
  }
  return all_dead;
}

}  // namespace kaudit::policy::lint_internal
