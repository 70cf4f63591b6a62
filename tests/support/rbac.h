// RBAC authorization for the kube-apiserver emulator, as kube-apiserver does it with
// --authorization-mode=RBAC (k8s.io/apiserver request info, plugin/pkg/auth/authorizer/rbac and
// pkg/registry/rbac/validation): request attributes from the HTTP request, rules from the
// Role/ClusterRole/RoleBinding/ClusterRoleBinding objects, the 403 Status body, and the
// bootstrap policy a fresh cluster has (cluster-admin for system:masters, system:discovery,
// system:public-info-viewer, system:basic-user).
//
// Not emulated: aggregated ClusterRoles (aggregationRule is ignored: only a role's own rules
// count), the escalation checks on writing roles and bindings (escalate/bind), impersonation,
// the Node authorizer, and authorization of list/watch by label or field selectors (beta in 1.31).
//
// Thread safety: pure functions; the PolicySource is read under the caller's lock.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace kaudit::emulator::rbac {

using Json = nlohmann::json;

struct UserInfo {
  std::string name;
  std::vector<std::string> groups;
};

// authorizer.Attributes of one request.
struct Attributes {
  bool resource_request = false;
  std::string path;  // URL path (what nonResourceURLs match)
  std::string verb;  // get list watch create update patch delete deletecollection (or the
                     // lowercase HTTP method for non-resource requests)
  std::string api_group, api_version, ns, resource, subresource, name;
};

// kube-apiserver's RequestInfo: /api/<v>/..., /apis/<g>/<v>/..., the /watch/ and /proxy/
// prefixes, namespaces/<ns>/<resource>, list vs watch from the watch parameter, a list or
// watch pinned to one object by fieldSelector metadata.name=<name> carries that name, DELETE
// of a collection is deletecollection. Anything else is a non-resource request.
Attributes RequestAttributes(const std::string& method, const std::string& path,
                             const std::multimap<std::string, std::string>& query);

// The attributes of the create that a server-side apply (PATCH) creating an object needs as
// well (the patch handler authorizes it with the object's name).
Attributes CreateOnApply(const Attributes& patch);

// One PolicyRule (rbac.authorization.k8s.io/v1 JSON) against a request.
bool RuleAllows(const Attributes& a, const Json& rule);

// The RBAC objects: lookups by name and lists, as the authorizer's listers.
struct PolicySource {
  std::function<const Json*(const std::string& name)> cluster_role;
  std::function<const Json*(const std::string& ns, const std::string& name)> role;
  std::function<std::vector<const Json*>()> cluster_role_bindings;
  std::function<std::vector<const Json*>(const std::string& ns)> role_bindings;
};

// Whether a binding's subject names this user (User, Group, ServiceAccount; a ServiceAccount
// without a namespace takes the binding's).
bool SubjectMatches(const Json& subject, const UserInfo& user, const std::string& binding_ns);

struct Decision {
  bool allowed = false;
  std::string reason;  // "" or "RBAC: <errors resolving roles>" when denied
};

// The RBAC authorizer (members of system:masters are allowed before it, as kube-apiserver's
// privileged-group authorizer does).
Decision Authorize(const Attributes& a, const UserInfo& user, const PolicySource& policy);

// The 403 Status body kube-apiserver answers a denied request with.
Json ForbiddenStatus(const Attributes& a, const UserInfo& user, const std::string& reason);
// The message alone, e.g. `configmaps "x" is forbidden: User "u" cannot get resource
// "configmaps" in API group "" in the namespace "ns"`.
std::string ForbiddenMessage(const Attributes& a, const UserInfo& user, const std::string& reason);

// The bootstrap policy: {resource ("clusterroles" or "clusterrolebindings"), object}.
std::vector<std::pair<std::string, Json>> BootstrapPolicy();

// A ServiceAccount user name's groups (system:serviceaccounts, system:serviceaccounts:<ns>),
// empty for any other user.
std::vector<std::string> ServiceAccountGroups(const std::string& user);

}  // namespace kaudit::emulator::rbac
