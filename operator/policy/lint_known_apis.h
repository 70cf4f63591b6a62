// Internal to lint: a curated table of what kube-apiserver serves itself, for the checks that
// recognise resources put under the wrong group, typos, and selectors that no request carries.
//
// The table lists, for each built-in API group, every resource kube-apiserver 1.28-1.33 can
// serve (alpha and beta ones included, so a cluster with a feature gate on is never told that a
// real resource does not exist), whether it is cluster-scoped, and for the well-known resources
// their complete list of subresources. Groups that change too fast to list (resource.k8s.io)
// and groups served by aggregated API servers (metrics.k8s.io) are left out: a group that is not
// in the table is never judged.
//
// Thread safety: immutable data and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaudit::policy::lint_internal {

struct KnownResource {
  std::string_view group;
  std::string_view resource;
  bool cluster_scoped = false;
  bool subresources_known = false;  // the list below is complete
  std::vector<std::string_view> subresources;
};

// The whole table, grouped by API group.
const std::vector<KnownResource>& KnownResources();
// True when the table lists every resource of the group.
bool IsKnownGroup(std::string_view group);
const KnownResource* FindResource(std::string_view group, std::string_view resource);
// The known groups that serve a resource of this name, in table order.
std::vector<std::string_view> GroupsServing(std::string_view resource);
// Every resource name of a known group.
std::vector<std::string_view> ResourcesOf(std::string_view group);
// Why a resource is absent, when it used to exist ("removed in Kubernetes 1.25"); "" otherwise.
std::string_view RemovedNote(std::string_view group, std::string_view resource);

// For a group that is not served at all but looks like a mistake ("core", "v1", "rbac",
// "extensions"): the group meant (possibly "") and a short explanation.
struct GroupHint {
  std::string group;
  std::string why;
};
std::optional<GroupHint> HintForUnknownGroup(std::string_view group);

// Verbs a request can carry: authorizer verbs of resource requests, lowercased HTTP methods of
// non-resource requests (audit-semantics.md §3).
bool IsResourceVerb(std::string_view verb);
bool IsNonResourceVerb(std::string_view verb);
// RBAC verbs that are checked by authorizers but are never the verb of an audited request.
bool IsRbacOnlyVerb(std::string_view verb);

// The closest candidate to a misspelt word (same when lowercased, a plural, or at most two
// edits away for longer words), or "" when none is close.
std::string Suggest(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace kaudit::policy::lint_internal
