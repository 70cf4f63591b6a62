// The emulator's RBAC authorization (support/rbac.h) against kube-apiserver's behaviour:
// request attributes, rule matching, subjects, role resolution, the bootstrap policy and the
// 403 body; then the emulator in RBAC mode over HTTPS.
#include "support/rbac.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "kube/client.h"
#include "kube/config.h"
#include "kube/errors.h"
#include "support/emulator.h"

namespace kaudit::emulator::rbac {
namespace {

using Query = std::multimap<std::string, std::string>;

Attributes Req(const std::string& method, const std::string& path, Query q = {}) {
  return RequestAttributes(method, path, q);
}

// ---- request attributes ----

TEST(RbacAttributes, NamespacedGetListWatchCreateUpdatePatchDelete) {
  Attributes a = Req("GET", "/api/v1/namespaces/kaudit-system/configmaps/kaudit-rollout");
  EXPECT_TRUE(a.resource_request);
  EXPECT_EQ(a.verb, "get");
  EXPECT_EQ(a.api_group, "");
  EXPECT_EQ(a.api_version, "v1");
  EXPECT_EQ(a.ns, "kaudit-system");
  EXPECT_EQ(a.resource, "configmaps");
  EXPECT_EQ(a.subresource, "");
  EXPECT_EQ(a.name, "kaudit-rollout");

  EXPECT_EQ(Req("HEAD", "/api/v1/namespaces/a/configmaps/x").verb, "get");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps").verb, "list");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps", {{"watch", "true"}}).verb, "watch");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps", {{"watch", "1"}}).verb, "watch");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps", {{"watch", "yes"}}).verb, "watch");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps", {{"watch", "False"}}).verb, "list");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps", {{"watch", "0"}}).verb, "list");
  EXPECT_EQ(Req("POST", "/api/v1/namespaces/a/configmaps").verb, "create");
  EXPECT_EQ(Req("POST", "/api/v1/namespaces/a/configmaps").name, "");
  EXPECT_EQ(Req("PUT", "/api/v1/namespaces/a/configmaps/x").verb, "update");
  EXPECT_EQ(Req("PATCH", "/api/v1/namespaces/a/configmaps/x").verb, "patch");
  EXPECT_EQ(Req("DELETE", "/api/v1/namespaces/a/configmaps/x").verb, "delete");
  EXPECT_EQ(Req("DELETE", "/api/v1/namespaces/a/configmaps").verb, "deletecollection");
}

TEST(RbacAttributes, GroupsSubresourcesClusterScopeAndNamespaces) {
  Attributes a = Req("PUT", "/apis/kaudit.io/v1alpha1/auditprofiles/p/status");
  EXPECT_EQ(a.api_group, "kaudit.io");
  EXPECT_EQ(a.api_version, "v1alpha1");
  EXPECT_EQ(a.ns, "");
  EXPECT_EQ(a.resource, "auditprofiles");
  EXPECT_EQ(a.subresource, "status");
  EXPECT_EQ(a.name, "p");
  EXPECT_EQ(a.verb, "update");

  Attributes lease = Req("PUT", "/apis/coordination.k8s.io/v1/namespaces/s/leases/l");
  EXPECT_EQ(lease.api_group, "coordination.k8s.io");
  EXPECT_EQ(lease.ns, "s");
  EXPECT_EQ(lease.resource, "leases");

  // All namespaces: a list with no namespace.
  Attributes all = Req("GET", "/api/v1/pods");
  EXPECT_EQ(all.verb, "list");
  EXPECT_EQ(all.ns, "");
  EXPECT_EQ(all.resource, "pods");

  // A namespace is its own namespace; status and finalize are its subresources.
  Attributes ns = Req("GET", "/api/v1/namespaces/foo");
  EXPECT_EQ(ns.resource, "namespaces");
  EXPECT_EQ(ns.name, "foo");
  EXPECT_EQ(ns.ns, "foo");
  Attributes st = Req("PUT", "/api/v1/namespaces/foo/status");
  EXPECT_EQ(st.resource, "namespaces");
  EXPECT_EQ(st.subresource, "status");
  EXPECT_EQ(st.ns, "foo");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces").verb, "list");
}

TEST(RbacAttributes, LegacyWatchAndProxyPrefixes) {
  Attributes w = Req("GET", "/api/v1/watch/namespaces/a/configmaps");
  EXPECT_EQ(w.verb, "watch");
  EXPECT_EQ(w.ns, "a");
  EXPECT_EQ(w.resource, "configmaps");
  Attributes p = Req("GET", "/api/v1/proxy/namespaces/a/pods/x/some/path");
  EXPECT_EQ(p.verb, "proxy");
  EXPECT_EQ(p.name, "x");
  EXPECT_EQ(p.subresource, "");  // proxy takes no subresource
}

TEST(RbacAttributes, AListOrWatchPinnedByFieldSelectorCarriesTheName) {
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps",
                {{"fieldSelector", "metadata.name=kaudit-rollout"}, {"watch", "true"}})
                .name,
            "kaudit-rollout");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps",
                {{"fieldSelector", "metadata.name==x,data.k=v"}})
                .name,
            "x");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps", {{"fieldSelector", "metadata.name!=x"}})
                .name,
            "");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps", {{"fieldSelector", "metadata.namespace=a"}})
                .name,
            "");
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps", {{"fieldSelector", "metadata.name=.."}})
                .name,
            "");  // not a valid path segment
  EXPECT_EQ(Req("GET", "/api/v1/namespaces/a/configmaps", {{"fieldSelector", "garbage"}}).name, "");
}

TEST(RbacAttributes, NonResourceRequests) {
  for (const char* p : {"/healthz", "/api", "/api/v1", "/apis", "/apis/kaudit.io",
                        "/apis/kaudit.io/v1alpha1", "/version", "/openapi/v2", "/"}) {
    Attributes a = Req("GET", p);
    EXPECT_FALSE(a.resource_request) << p;
    EXPECT_EQ(a.verb, "get") << p;
    EXPECT_EQ(a.path, p);
  }
  EXPECT_EQ(Req("POST", "/healthz").verb, "post");
}

// ---- rules ----

Json Rule(Json verbs, Json groups, Json resources, Json names = Json()) {
  Json r = {{"verbs", verbs}, {"apiGroups", groups}, {"resources", resources}};
  if (!names.is_null()) r["resourceNames"] = names;
  return r;
}

TEST(RbacRules, VerbsGroupsResourcesAndWildcards) {
  Attributes get = Req("GET", "/api/v1/namespaces/a/configmaps/x");
  EXPECT_TRUE(RuleAllows(get, Rule({"get"}, {""}, {"configmaps"})));
  EXPECT_TRUE(RuleAllows(get, Rule({"*"}, {""}, {"configmaps"})));
  EXPECT_TRUE(RuleAllows(get, Rule({"get"}, {"*"}, {"configmaps"})));
  EXPECT_TRUE(RuleAllows(get, Rule({"get"}, {""}, {"*"})));
  EXPECT_FALSE(RuleAllows(get, Rule({"list", "watch"}, {""}, {"configmaps"})));
  EXPECT_FALSE(RuleAllows(get, Rule({"get"}, {"apps"}, {"configmaps"})));
  EXPECT_FALSE(RuleAllows(get, Rule({"get"}, {""}, {"secrets"})));
  EXPECT_FALSE(RuleAllows(get, Rule({"get"}, {""}, {"configmaps/status"})));
  EXPECT_FALSE(RuleAllows(get, Rule({"get"}, Json::array(), {"configmaps"})));
}

TEST(RbacRules, SubresourcesAreSeparateResources) {
  Attributes status = Req("PUT", "/apis/kaudit.io/v1alpha1/auditprofiles/p/status");
  EXPECT_FALSE(RuleAllows(status, Rule({"update"}, {"kaudit.io"}, {"auditprofiles"})));
  EXPECT_TRUE(RuleAllows(status, Rule({"update"}, {"kaudit.io"}, {"auditprofiles/status"})));
  EXPECT_TRUE(RuleAllows(status, Rule({"update"}, {"kaudit.io"}, {"*/status"})));
  EXPECT_TRUE(RuleAllows(status, Rule({"update"}, {"kaudit.io"}, {"*"})));
  EXPECT_FALSE(RuleAllows(status, Rule({"update"}, {"kaudit.io"}, {"*/scale"})));
  Attributes main = Req("PUT", "/apis/kaudit.io/v1alpha1/auditprofiles/p");
  EXPECT_FALSE(RuleAllows(main, Rule({"update"}, {"kaudit.io"}, {"auditprofiles/status"})));
  EXPECT_FALSE(RuleAllows(main, Rule({"update"}, {"kaudit.io"}, {"*/status"})));
}

TEST(RbacRules, ResourceNames) {
  Json rule = Rule({"get", "list", "watch", "create", "patch"}, {""}, {"configmaps"},
                   {"kaudit-rollout"});
  EXPECT_TRUE(RuleAllows(Req("GET", "/api/v1/namespaces/a/configmaps/kaudit-rollout"), rule));
  EXPECT_FALSE(RuleAllows(Req("GET", "/api/v1/namespaces/a/configmaps/other"), rule));
  EXPECT_TRUE(RuleAllows(Req("PATCH", "/api/v1/namespaces/a/configmaps/kaudit-rollout"), rule));
  // A list or watch of the whole collection has no name: resourceNames never match it...
  EXPECT_FALSE(RuleAllows(Req("GET", "/api/v1/namespaces/a/configmaps"), rule));
  EXPECT_FALSE(RuleAllows(Req("GET", "/api/v1/namespaces/a/configmaps", {{"watch", "true"}}), rule));
  // ...unless a field selector pins it to the one name.
  EXPECT_TRUE(RuleAllows(Req("GET", "/api/v1/namespaces/a/configmaps",
                             {{"watch", "true"}, {"fieldSelector", "metadata.name=kaudit-rollout"}}),
                         rule));
  // A create (POST) has no name in the URL: never restricted by resourceNames...
  EXPECT_FALSE(RuleAllows(Req("POST", "/api/v1/namespaces/a/configmaps"), rule));
  // ...but the create a server-side apply needs when it creates the object carries the name.
  Attributes apply = Req("PATCH", "/api/v1/namespaces/a/configmaps/kaudit-rollout");
  EXPECT_EQ(CreateOnApply(apply).verb, "create");
  EXPECT_TRUE(RuleAllows(CreateOnApply(apply), rule));
  EXPECT_FALSE(RuleAllows(CreateOnApply(Req("PATCH", "/api/v1/namespaces/a/configmaps/x")), rule));
  // deletecollection has no name either.
  EXPECT_FALSE(RuleAllows(Req("DELETE", "/api/v1/namespaces/a/configmaps"),
                          Rule({"deletecollection"}, {""}, {"configmaps"}, {"kaudit-rollout"})));
  // An empty resourceNames list means every name.
  EXPECT_TRUE(RuleAllows(Req("GET", "/api/v1/namespaces/a/configmaps/any"),
                         Rule({"get"}, {""}, {"configmaps"}, Json::array())));
}

TEST(RbacRules, NonResourceUrls) {
  Json rule = {{"verbs", {"get"}}, {"nonResourceURLs", {"/healthz", "/apis/*"}}};
  EXPECT_TRUE(RuleAllows(Req("GET", "/healthz"), rule));
  EXPECT_FALSE(RuleAllows(Req("GET", "/healthz/etcd"), rule));
  EXPECT_TRUE(RuleAllows(Req("GET", "/apis/kaudit.io"), rule));
  EXPECT_FALSE(RuleAllows(Req("GET", "/apis"), rule));
  EXPECT_FALSE(RuleAllows(Req("POST", "/healthz"), rule));
  EXPECT_TRUE(RuleAllows(Req("GET", "/anything"), {{"verbs", {"get"}}, {"nonResourceURLs", {"*"}}}));
  // Resource rules never match non-resource requests and the other way round.
  EXPECT_FALSE(RuleAllows(Req("GET", "/healthz"), Rule({"get"}, {"*"}, {"*"})));
  EXPECT_FALSE(RuleAllows(Req("GET", "/api/v1/namespaces/a/pods/x"),
                          {{"verbs", {"get"}}, {"nonResourceURLs", {"*"}}}));
}

// ---- subjects and role resolution ----

struct Objects {
  std::map<std::string, Json> cluster_roles;
  std::map<std::string, Json> roles;  // "ns/name"
  std::vector<Json> crbs, rbs;

  PolicySource Source() {
    PolicySource p;
    p.cluster_role = [this](const std::string& n) -> const Json* {
      auto it = cluster_roles.find(n);
      return it == cluster_roles.end() ? nullptr : &it->second;
    };
    p.role = [this](const std::string& ns, const std::string& n) -> const Json* {
      auto it = roles.find(ns + "/" + n);
      return it == roles.end() ? nullptr : &it->second;
    };
    p.cluster_role_bindings = [this] {
      std::vector<const Json*> out;
      for (const auto& b : crbs) out.push_back(&b);
      return out;
    };
    p.role_bindings = [this](const std::string& ns) {
      std::vector<const Json*> out;
      for (const auto& b : rbs) {
        if (b["metadata"].value("namespace", "") == ns) out.push_back(&b);
      }
      return out;
    };
    return p;
  }
};

Json Binding(const std::string& ns, const std::string& kind, const std::string& role, Json subjects) {
  Json b = {{"metadata", {{"name", "b"}}},
            {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", kind}, {"name", role}}},
            {"subjects", subjects}};
  if (!ns.empty()) b["metadata"]["namespace"] = ns;
  return b;
}

const UserInfo kAgent{"system:serviceaccount:kaudit-system:kaudit-agent",
                      {"system:serviceaccounts", "system:serviceaccounts:kaudit-system",
                       "system:authenticated"}};

TEST(RbacSubjects, UserGroupAndServiceAccount) {
  EXPECT_TRUE(SubjectMatches({{"kind", "User"}, {"name", "alice"}}, {"alice", {}}, ""));
  EXPECT_FALSE(SubjectMatches({{"kind", "User"}, {"name", "alice"}}, {"bob", {}}, ""));
  EXPECT_TRUE(SubjectMatches({{"kind", "Group"}, {"name", "ops"}}, {"bob", {"ops"}}, ""));
  EXPECT_FALSE(SubjectMatches({{"kind", "Group"}, {"name", "ops"}}, {"ops", {}}, ""));
  Json sa = {{"kind", "ServiceAccount"}, {"name", "kaudit-agent"}, {"namespace", "kaudit-system"}};
  EXPECT_TRUE(SubjectMatches(sa, kAgent, ""));
  EXPECT_TRUE(SubjectMatches(sa, kAgent, "other"));
  // No namespace: the binding's own; a ClusterRoleBinding has none, so it never matches.
  Json bare = {{"kind", "ServiceAccount"}, {"name", "kaudit-agent"}};
  EXPECT_TRUE(SubjectMatches(bare, kAgent, "kaudit-system"));
  EXPECT_FALSE(SubjectMatches(bare, kAgent, "default"));
  EXPECT_FALSE(SubjectMatches(bare, kAgent, ""));
  // The ServiceAccount groups bind every ServiceAccount (of a namespace).
  EXPECT_TRUE(SubjectMatches({{"kind", "Group"}, {"name", "system:serviceaccounts:kaudit-system"}},
                             kAgent, ""));
}

TEST(RbacSubjects, ServiceAccountGroups) {
  EXPECT_THAT(ServiceAccountGroups("system:serviceaccount:ns:sa"),
              ::testing::ElementsAre("system:serviceaccounts", "system:serviceaccounts:ns"));
  EXPECT_TRUE(ServiceAccountGroups("alice").empty());
  EXPECT_TRUE(ServiceAccountGroups("system:serviceaccount:ns").empty());
  EXPECT_TRUE(ServiceAccountGroups("system:serviceaccount::sa").empty());
  EXPECT_TRUE(ServiceAccountGroups("system:serviceaccount:a:b:c").empty());
}

TEST(RbacAuthorize, RoleBindingGrantsOnlyInItsNamespace) {
  Objects o;
  o.roles["kaudit-system/r"] = {{"rules", {Rule({"get"}, {""}, {"configmaps"})}}};
  o.roles["other/r"] = {{"rules", {Rule({"*"}, {"*"}, {"*"})}}};
  o.rbs.push_back(Binding("kaudit-system", "Role", "r",
                          {{{"kind", "ServiceAccount"}, {"name", "kaudit-agent"}}}));
  auto p = o.Source();
  EXPECT_TRUE(Authorize(Req("GET", "/api/v1/namespaces/kaudit-system/configmaps/x"), kAgent, p).allowed);
  EXPECT_FALSE(Authorize(Req("GET", "/api/v1/namespaces/other/configmaps/x"), kAgent, p).allowed);
  EXPECT_FALSE(Authorize(Req("GET", "/api/v1/namespaces/kaudit-system/secrets/x"), kAgent, p).allowed);
  EXPECT_FALSE(Authorize(Req("GET", "/api/v1/configmaps"), kAgent, p).allowed);  // all namespaces
}

TEST(RbacAuthorize, RoleBindingToAClusterRoleIsScopedToTheBindingsNamespace) {
  Objects o;
  o.cluster_roles["pod-reader"] = {{"rules", {Rule({"get", "list"}, {""}, {"pods"})}}};
  o.rbs.push_back(Binding("kube-system", "ClusterRole", "pod-reader",
                          {{{"kind", "User"}, {"name", "alice"}}}));
  auto p = o.Source();
  UserInfo alice{"alice", {"system:authenticated"}};
  EXPECT_TRUE(Authorize(Req("GET", "/api/v1/namespaces/kube-system/pods/x"), alice, p).allowed);
  EXPECT_FALSE(Authorize(Req("GET", "/api/v1/namespaces/default/pods/x"), alice, p).allowed);
  EXPECT_FALSE(Authorize(Req("GET", "/api/v1/pods"), alice, p).allowed);
  EXPECT_FALSE(Authorize(Req("GET", "/api/v1/nodes/n"), alice, p).allowed);
}

TEST(RbacAuthorize, ClusterRoleBindingGrantsEverywhere) {
  Objects o;
  o.cluster_roles["reader"] = {{"rules", {Rule({"list", "watch"}, {""}, {"nodes", "pods"})}}};
  o.crbs.push_back(Binding("", "ClusterRole", "reader", {{{"kind", "Group"}, {"name", "ops"}}}));
  auto p = o.Source();
  UserInfo bob{"bob", {"ops"}};
  EXPECT_TRUE(Authorize(Req("GET", "/api/v1/nodes"), bob, p).allowed);
  EXPECT_TRUE(Authorize(Req("GET", "/api/v1/namespaces/x/pods"), bob, p).allowed);
  EXPECT_TRUE(Authorize(Req("GET", "/api/v1/pods", {{"watch", "1"}}), bob, p).allowed);
  EXPECT_FALSE(Authorize(Req("GET", "/api/v1/nodes/n"), bob, p).allowed);  // get is not list
  EXPECT_FALSE(Authorize(Req("GET", "/api/v1/nodes"), UserInfo{"carol", {"dev"}}, p).allowed);
}

TEST(RbacAuthorize, SystemMastersBypassesRbac) {
  Objects o;
  auto p = o.Source();
  EXPECT_TRUE(Authorize(Req("DELETE", "/api/v1/nodes"), {"admin", {"system:masters"}}, p).allowed);
  EXPECT_FALSE(Authorize(Req("DELETE", "/api/v1/nodes"), {"admin", {"system:authenticated"}}, p).allowed);
}

TEST(RbacAuthorize, MissingRolesAreTheReason) {
  Objects o;
  o.rbs.push_back(Binding("a", "Role", "gone", {{{"kind", "User"}, {"name", "alice"}}}));
  auto p = o.Source();
  UserInfo alice{"alice", {}};
  Decision d = Authorize(Req("GET", "/api/v1/namespaces/a/pods/x"), alice, p);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "RBAC: role.rbac.authorization.k8s.io \"gone\" not found");
  o.crbs.push_back(Binding("", "ClusterRole", "gone-too", {{{"kind", "User"}, {"name", "alice"}}}));
  o.crbs.push_back(Binding("", "ClusterRole", "gone-too", {{{"kind", "User"}, {"name", "alice"}}}));
  d = Authorize(Req("GET", "/api/v1/namespaces/a/pods/x"), alice, p);
  EXPECT_EQ(d.reason,
            "RBAC: [clusterrole.rbac.authorization.k8s.io \"gone-too\" not found, "
            "role.rbac.authorization.k8s.io \"gone\" not found]");
  // Bindings of other users are not resolved.
  EXPECT_EQ(Authorize(Req("GET", "/api/v1/namespaces/a/pods/x"), {"bob", {}}, p).reason, "");
}

TEST(RbacAuthorize, BootstrapPolicyServesDiscoveryToAuthenticatedUsersOnly) {
  Objects o;
  for (auto& [res, obj] : BootstrapPolicy()) {
    std::string name = obj["metadata"]["name"];
    if (res == "clusterroles") o.cluster_roles[name] = obj;
    else o.crbs.push_back(obj);
  }
  auto p = o.Source();
  UserInfo someone{"someone", {"system:authenticated"}};
  for (const char* path : {"/api", "/api/v1", "/apis", "/apis/kaudit.io/v1alpha1", "/version",
                           "/openapi/v2", "/healthz", "/readyz", "/livez"}) {
    EXPECT_TRUE(Authorize(Req("GET", path), someone, p).allowed) << path;
  }
  EXPECT_FALSE(Authorize(Req("GET", "/metrics"), someone, p).allowed);
  EXPECT_FALSE(Authorize(Req("GET", "/api/v1/namespaces"), someone, p).allowed);
  UserInfo anonymous{"system:anonymous", {"system:unauthenticated"}};
  EXPECT_TRUE(Authorize(Req("GET", "/healthz"), anonymous, p).allowed);
  EXPECT_FALSE(Authorize(Req("GET", "/apis"), anonymous, p).allowed);
  // cluster-admin is bound to system:masters as well.
  EXPECT_TRUE(o.cluster_roles.count("cluster-admin"));
}

// ---- the 403 ----

TEST(RbacForbidden, MessagesAsKubeApiserver) {
  UserInfo sa{"system:serviceaccount:kaudit-system:kaudit-agent", {}};
  EXPECT_EQ(ForbiddenMessage(Req("GET", "/api/v1/namespaces/kaudit-system/configmaps/x"), sa, ""),
            "configmaps \"x\" is forbidden: User \"system:serviceaccount:kaudit-system:kaudit-agent\" "
            "cannot get resource \"configmaps\" in API group \"\" in the namespace \"kaudit-system\"");
  EXPECT_EQ(ForbiddenMessage(Req("GET", "/api/v1/nodes"), sa, ""),
            "nodes is forbidden: User \"system:serviceaccount:kaudit-system:kaudit-agent\" cannot "
            "list resource \"nodes\" in API group \"\" at the cluster scope");
  EXPECT_EQ(ForbiddenMessage(Req("PUT", "/apis/kaudit.io/v1alpha1/auditprofiles/p/status"), sa, ""),
            "auditprofiles.kaudit.io \"p\" is forbidden: User "
            "\"system:serviceaccount:kaudit-system:kaudit-agent\" cannot update resource "
            "\"auditprofiles/status\" in API group \"kaudit.io\" at the cluster scope");
  EXPECT_EQ(ForbiddenMessage(Req("GET", "/metrics"), sa, ""),
            "forbidden: User \"system:serviceaccount:kaudit-system:kaudit-agent\" cannot get path "
            "\"/metrics\"");
  EXPECT_EQ(ForbiddenMessage(Req("GET", "/api/v1/namespaces/a/pods/x"), {"u", {}},
                             "RBAC: role.rbac.authorization.k8s.io \"r\" not found"),
            "pods \"x\" is forbidden: User \"u\" cannot get resource \"pods\" in API group \"\" in "
            "the namespace \"a\": RBAC: role.rbac.authorization.k8s.io \"r\" not found");
}

TEST(RbacForbidden, StatusBody) {
  Json s = ForbiddenStatus(Req("GET", "/apis/coordination.k8s.io/v1/namespaces/a/leases/l"),
                           {"u", {}}, "");
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["apiVersion"], "v1");
  EXPECT_EQ(s["metadata"], Json::object());
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(s["reason"], "Forbidden");
  EXPECT_EQ(s["code"], 403);
  EXPECT_EQ(s["details"], (Json{{"name", "l"}, {"group", "coordination.k8s.io"}, {"kind", "leases"}}));
  Json list = ForbiddenStatus(Req("GET", "/api/v1/namespaces/a/pods"), {"u", {}}, "");
  EXPECT_EQ(list["details"], (Json{{"kind", "pods"}}));  // empty fields are omitted
  EXPECT_EQ(ForbiddenStatus(Req("GET", "/metrics"), {"u", {}}, "")["details"], Json::object());
}

// ---- the emulator in RBAC mode, over HTTPS ----

class RbacEmulatorTest : public ::testing::Test {
 protected:
  void Start(const std::string& mode) {
    EmulatorOptions o;
    o.authorization_mode = mode;
    emu_ = std::make_unique<Emulator>(o);
    ASSERT_TRUE(emu_->Start().ok());
    admin_ = Client(emu_->admin_token());
    emu_->AddToken("agent-token", "system:serviceaccount:kaudit-system:kaudit-agent");
    agent_ = Client("agent-token");
    ASSERT_TRUE(admin_->Create(kube::resources::Namespaces(), "",
                               {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                {"metadata", {{"name", "kaudit-system"}}}})
                    .ok());
  }

  std::unique_ptr<kube::Client> Client(const std::string& token) {
    auto cfg = kube::ParseKubeconfig(emu_->KubeconfigForToken(token), "", "");
    EXPECT_TRUE(cfg.ok());
    cfg->qps = 0;
    auto c = kube::NewClientFromConfig(*cfg);
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }

  static kube::ResourceType Roles() {
    return {"rbac.authorization.k8s.io", "v1", "roles", "Role", true};
  }
  static kube::ResourceType RoleBindings() {
    return {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true};
  }

  void Grant(Json rules) {
    ASSERT_TRUE(admin_->Create(Roles(), "kaudit-system",
                               {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "Role"},
                                {"metadata", {{"name", "agent"}, {"namespace", "kaudit-system"}}},
                                {"rules", rules}})
                    .ok());
    auto b = admin_->Create(
        RoleBindings(), "kaudit-system",
        {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "RoleBinding"},
         {"metadata", {{"name", "agent"}, {"namespace", "kaudit-system"}}},
         {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "agent"}}},
         {"subjects", {{{"kind", "ServiceAccount"}, {"name", "kaudit-agent"}, {"namespace", "kaudit-system"}}}}});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
  }

  static Json Cm(const std::string& name) {
    return {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", "kaudit-system"}}}, {"data", {{"k", "v"}}}};
  }

  std::unique_ptr<Emulator> emu_;
  std::unique_ptr<kube::Client> admin_, agent_;
};

TEST_F(RbacEmulatorTest, AlwaysAllowIsTheDefault) {
  Start("AlwaysAllow");
  EXPECT_TRUE(agent_->Create(kube::resources::ConfigMaps(), "kaudit-system", Cm("x")).ok());
  EXPECT_TRUE(agent_->List(kube::resources::Nodes(), "", {}).ok());
}

TEST_F(RbacEmulatorTest, RulesDecideAndDenialsAreUpstreamStatuses) {
  Start("RBAC");
  // Nothing granted yet: discovery only.
  auto denied = agent_->List(kube::resources::ConfigMaps(), "kaudit-system", {});
  ASSERT_FALSE(denied.ok());
  EXPECT_TRUE((denied.status().code() == StatusCode::kPermissionDenied && kube::ReasonOf(denied.status()) == "Forbidden")) << denied.status().ToString();
  EXPECT_THAT(denied.status().message(),
              ::testing::HasSubstr("configmaps is forbidden: User "
                                   "\"system:serviceaccount:kaudit-system:kaudit-agent\" cannot list "
                                   "resource \"configmaps\" in API group \"\" in the namespace "
                                   "\"kaudit-system\""));
  Grant({Rule({"get"}, {""}, {"configmaps"}),
         Rule({"list", "watch"}, {""}, {"configmaps"}, {"kaudit-rollout"}),
         Rule({"patch"}, {""}, {"configmaps"}, {"kaudit-node-cp1"})});
  ASSERT_TRUE(admin_->Create(kube::resources::ConfigMaps(), "kaudit-system", Cm("kaudit-rollout")).ok());
  EXPECT_TRUE(agent_->Get(kube::resources::ConfigMaps(), "kaudit-system", "kaudit-rollout").ok());
  kube::ListOptions pinned;
  pinned.field_selector = "metadata.name=kaudit-rollout";
  EXPECT_TRUE(agent_->List(kube::resources::ConfigMaps(), "kaudit-system", pinned).ok());
  EXPECT_FALSE(agent_->List(kube::resources::ConfigMaps(), "kaudit-system", {}).ok());
  EXPECT_FALSE(agent_->Create(kube::resources::ConfigMaps(), "kaudit-system", Cm("x")).ok());
  EXPECT_FALSE(agent_->Get(kube::resources::Secrets(), "kaudit-system", "s").ok());

  // An apply that would create the object needs create too (named): patch alone is refused
  // with kube-apiserver's bare message.
  kube::PatchOptions po;
  po.field_manager = "t";
  auto applied = agent_->Apply(kube::resources::ConfigMaps(), Cm("kaudit-node-cp1"), po);
  ASSERT_FALSE(applied.ok());
  EXPECT_TRUE((applied.status().code() == StatusCode::kPermissionDenied && kube::ReasonOf(applied.status()) == "Forbidden"));
  EXPECT_THAT(applied.status().message(),
              ::testing::HasSubstr("configmaps \"kaudit-node-cp1\" is forbidden: "));
  EXPECT_THAT(applied.status().message(), ::testing::Not(::testing::HasSubstr("User")));
  // Once it exists, patch is enough.
  ASSERT_TRUE(admin_->Create(kube::resources::ConfigMaps(), "kaudit-system", Cm("kaudit-node-cp1")).ok());
  EXPECT_TRUE(agent_->Apply(kube::resources::ConfigMaps(), Cm("kaudit-node-cp1"), po).ok());
  EXPECT_FALSE(agent_->Apply(kube::resources::ConfigMaps(), Cm("kaudit-rollout"), po).ok());

  // The admin (system:masters) is never refused.
  EXPECT_TRUE(admin_->List(kube::resources::Nodes(), "", {}).ok());
}

std::string Curl(const std::string& args) {
  std::string out;
  FILE* f = popen(("curl -sk " + args).c_str(), "r");
  if (!f) return out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  pclose(f);
  return out;
}

TEST_F(RbacEmulatorTest, ControlCallsNeedSystemMastersAndMintedServiceAccountsGetTheirGroups) {
  Start("RBAC");
  // A ServiceAccount token cannot reach the control API (it could mint itself an admin token).
  std::string refused = Curl("-X POST -H 'Authorization: Bearer agent-token' '" + emu_->server() +
                             "/_emulator/token?token=evil&user=admin&group=system:masters'");
  Json body = Json::parse(refused, nullptr, false);
  ASSERT_TRUE(body.is_object()) << refused;
  EXPECT_EQ(body.value("code", 0), 403);
  EXPECT_EQ(body.value("message", ""),
            "forbidden: User \"system:serviceaccount:kaudit-system:kaudit-agent\" cannot post path "
            "\"/_emulator/token\"");
  EXPECT_FALSE(Client("evil")->List(kube::resources::Nodes(), "", {}).ok());
  // The admin can, and a ServiceAccount minted there is in its groups: a binding to
  // system:serviceaccounts:kaudit-system grants it.
  Curl("-X POST -H 'Authorization: Bearer " + emu_->admin_token() + "' '" + emu_->server() +
       "/_emulator/token?token=sa2&user=system:serviceaccount:kaudit-system:other'");
  ASSERT_TRUE(admin_->Create(Roles(), "kaudit-system",
                             {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "Role"},
                              {"metadata", {{"name", "r"}, {"namespace", "kaudit-system"}}},
                              {"rules", {Rule({"list"}, {""}, {"secrets"})}}})
                  .ok());
  auto sa2 = Client("sa2");
  EXPECT_FALSE(sa2->List(kube::resources::Secrets(), "kaudit-system", {}).ok());
  ASSERT_TRUE(admin_->Create(
                  RoleBindings(), "kaudit-system",
                  {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "RoleBinding"},
                   {"metadata", {{"name", "r"}, {"namespace", "kaudit-system"}}},
                   {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "r"}}},
                   {"subjects", {{{"kind", "Group"}, {"name", "system:serviceaccounts:kaudit-system"}}}}})
                  .ok());
  EXPECT_TRUE(sa2->List(kube::resources::Secrets(), "kaudit-system", {}).ok());
  EXPECT_TRUE(agent_->List(kube::resources::Secrets(), "kaudit-system", {}).ok());
  EXPECT_FALSE(agent_->List(kube::resources::Secrets(), "default", {}).ok());
}

TEST_F(RbacEmulatorTest, RbacObjectsAreServedAndValidated) {
  Start("RBAC");
  auto cr = admin_->Get({"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false}, "",
                        "system:discovery");
  ASSERT_TRUE(cr.ok()) << cr.status().ToString();
  EXPECT_EQ((*cr)["rules"][0]["verbs"], Json({"get"}));
  // A RoleBinding's roleRef cannot name a kind other than Role or ClusterRole, nor change.
  auto bad = admin_->Create(
      RoleBindings(), "kaudit-system",
      {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "RoleBinding"},
       {"metadata", {{"name", "b"}, {"namespace", "kaudit-system"}}},
       {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Pod"}, {"name", "x"}}},
       {"subjects", Json::array()}});
  EXPECT_FALSE(bad.ok());
  Grant({Rule({"get"}, {""}, {"configmaps"})});
  auto rb = admin_->Get(RoleBindings(), "kaudit-system", "agent");
  ASSERT_TRUE(rb.ok());
  (*rb)["roleRef"]["name"] = "other";
  EXPECT_FALSE(admin_->Update(RoleBindings(), *rb).ok());
}

}  // namespace
}  // namespace kaudit::emulator::rbac
