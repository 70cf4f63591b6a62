// Each expectation below was worked out by hand from upstream's checker.go semantics
// (../shared/reference/audit-semantics.md §3), not taken from this code's output.
#include "policy/eval.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace kaudit::policy {
namespace {

constexpr uint8_t kRR = 1U << 0;  // RequestReceived
constexpr uint8_t kRS = 1U << 1;  // ResponseStarted
constexpr uint8_t kRC = 1U << 2;  // ResponseComplete
constexpr uint8_t kPanic = 1U << 3;

PolicyRule Rule(std::string level) {
  PolicyRule r;
  r.level = std::move(level);
  return r;
}

CompiledPolicy MustCompile(const Policy& p) {
  StatusOr<CompiledPolicy> c = CompiledPolicy::Compile(p);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(*c);
}

CompiledPolicy MustCompile(std::vector<PolicyRule> rules) {
  Policy p;
  p.rules = std::move(rules);
  return MustCompile(p);
}

// Request builders. The group arrays live in the test so the spans stay valid.
struct Req {
  RequestAttributes a;
  std::vector<std::string_view> groups;
  const RequestAttributes& get() {
    a.groups = groups;
    return a;
  }
};

Req Resource(std::string_view user, std::string_view verb, std::string_view group,
             std::string_view resource, std::string_view subresource = "", std::string_view ns = "",
             std::string_view name = "") {
  Req r;
  r.a.has_user = true;
  r.a.user = user;
  r.a.verb = verb;
  r.a.is_resource_request = true;
  r.a.api_group = group;
  r.a.resource = resource;
  r.a.subresource = subresource;
  r.a.namespace_ = ns;
  r.a.name = name;
  return r;
}

Req NonResource(std::string_view user, std::string_view verb, std::string_view path) {
  Req r;
  r.a.has_user = true;
  r.a.user = user;
  r.a.verb = verb;
  r.a.path = path;
  return r;
}

int RuleFor(const CompiledPolicy& p, Req r) { return p.Evaluate(r.get()).rule_index; }

TEST(EvalTest, FirstMatchingRuleWins) {
  PolicyRule alice = Rule("Metadata");
  alice.users = {"alice"};
  CompiledPolicy p = MustCompile({alice, Rule("Request"), Rule("RequestResponse")});
  Decision d = p.Evaluate(NonResource("alice", "get", "/healthz").get());
  EXPECT_EQ(d.level, Level::kMetadata);
  EXPECT_EQ(d.rule_index, 0);
  d = p.Evaluate(NonResource("bob", "get", "/healthz").get());
  EXPECT_EQ(d.level, Level::kRequest);
  EXPECT_EQ(d.rule_index, 1);
  EXPECT_EQ(p.rule_count(), 3U);
}

TEST(EvalTest, NoMatchIsNoneWithPolicyStagesAndManagedFields) {
  Policy pol;
  PolicyRule r = Rule("RequestResponse");
  r.users = {"alice"};
  r.omit_stages = {"Panic"};
  r.omit_managed_fields = false;
  pol.rules = {r};
  pol.omit_stages = {"RequestReceived"};
  pol.omit_managed_fields = true;
  CompiledPolicy p = MustCompile(pol);
  Decision d = p.Evaluate(NonResource("bob", "get", "/").get());
  EXPECT_EQ(d.level, Level::kNone);
  EXPECT_EQ(d.omit_stages, kRR);  // the policy's only, not the rule's Panic
  EXPECT_TRUE(d.omit_managed_fields);
  EXPECT_EQ(d.rule_index, -1);
  EXPECT_TRUE(d.Omits(Stage::kRequestReceived));
  EXPECT_FALSE(d.Omits(Stage::kPanic));
}

TEST(EvalTest, OmitStagesAreTheUnionOfRuleAndPolicy) {
  Policy pol;
  PolicyRule r = Rule("Metadata");
  r.omit_stages = {"Panic", "RequestReceived", "RequestReceived"};
  pol.rules = {r, Rule("None")};
  pol.omit_stages = {"ResponseStarted"};
  CompiledPolicy p = MustCompile(pol);
  EXPECT_EQ(p.Evaluate(NonResource("u", "get", "/").get()).omit_stages, kRR | kRS | kPanic);
  // A rule with no omitStages of its own still carries the policy's.
  pol.rules = {Rule("Metadata")};
  EXPECT_EQ(MustCompile(pol).Evaluate(NonResource("u", "get", "/").get()).omit_stages, kRS);
}

TEST(EvalTest, OmitManagedFieldsRuleValueOverridesPolicyValue) {
  for (bool policy_value : {false, true}) {
    Policy pol;
    pol.omit_managed_fields = policy_value;
    PolicyRule unset = Rule("Metadata");
    unset.users = {"unset"};
    PolicyRule on = Rule("Metadata");
    on.users = {"on"};
    on.omit_managed_fields = true;
    PolicyRule off = Rule("Metadata");
    off.users = {"off"};
    off.omit_managed_fields = false;
    pol.rules = {unset, on, off};
    CompiledPolicy p = MustCompile(pol);
    EXPECT_EQ(p.Evaluate(NonResource("unset", "get", "/").get()).omit_managed_fields, policy_value);
    EXPECT_TRUE(p.Evaluate(NonResource("on", "get", "/").get()).omit_managed_fields);
    EXPECT_FALSE(p.Evaluate(NonResource("off", "get", "/").get()).omit_managed_fields);
  }
}

TEST(EvalTest, UsersMatchExactlyAndCaseSensitively) {
  PolicyRule r = Rule("Metadata");
  r.users = {"alice", "system:kube-proxy"};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, NonResource("alice", "get", "/")), 0);
  EXPECT_EQ(RuleFor(p, NonResource("system:kube-proxy", "get", "/")), 0);
  EXPECT_EQ(RuleFor(p, NonResource("Alice", "get", "/")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("alice2", "get", "/")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("system:kube-prox", "get", "/")), -1);
}

TEST(EvalTest, UserGroupsMatchWhenAnyGroupIsListed) {
  PolicyRule r = Rule("Metadata");
  r.user_groups = {"system:nodes", "dev"};
  CompiledPolicy p = MustCompile({r});
  Req node = NonResource("system:node:a", "get", "/");
  node.groups = {"system:authenticated", "system:nodes"};
  EXPECT_EQ(RuleFor(p, node), 0);
  Req other = NonResource("x", "get", "/");
  other.groups = {"system:authenticated", "System:Nodes"};
  EXPECT_EQ(RuleFor(p, other), -1);
  EXPECT_EQ(RuleFor(p, NonResource("x", "get", "/")), -1);  // no groups at all
}

TEST(EvalTest, UsersAndGroupsMustBothMatch) {
  PolicyRule r = Rule("Metadata");
  r.users = {"alice"};
  r.user_groups = {"dev"};
  CompiledPolicy p = MustCompile({r});
  Req alice_dev = NonResource("alice", "get", "/");
  alice_dev.groups = {"dev"};
  Req bob_dev = NonResource("bob", "get", "/");
  bob_dev.groups = {"dev"};
  EXPECT_EQ(RuleFor(p, alice_dev), 0);
  EXPECT_EQ(RuleFor(p, bob_dev), -1);
  EXPECT_EQ(RuleFor(p, NonResource("alice", "get", "/")), -1);
}

TEST(EvalTest, RequestWithoutUserNeverMatchesUserOrGroupRules) {
  PolicyRule users = Rule("RequestResponse");
  users.users = {""};  // even the empty name: upstream tests user == nil first
  PolicyRule groups = Rule("Request");
  groups.user_groups = {"system:unauthenticated"};
  CompiledPolicy p = MustCompile({users, groups, Rule("Metadata")});
  Req anonymous = NonResource("", "get", "/healthz");
  anonymous.a.has_user = false;
  anonymous.groups = {"system:unauthenticated"};  // ignored without a user
  EXPECT_EQ(RuleFor(p, anonymous), 2);
  // With a user whose name is "", the users rule does match.
  Req empty_name = NonResource("", "get", "/healthz");
  EXPECT_EQ(RuleFor(p, empty_name), 0);
}

TEST(EvalTest, VerbsMatchExactly) {
  PolicyRule r = Rule("Metadata");
  r.verbs = {"get", "watch", "GET", "escalate"};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "watch", "", "pods")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "list", "", "pods")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("u", "post", "/")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("u", "GET", "/")), 0);            // listed literally
  EXPECT_EQ(RuleFor(p, Resource("u", "escalate", "", "roles")), 0);  // an unusual verb
  EXPECT_EQ(RuleFor(p, Resource("u", "Watch", "", "pods")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "", "", "pods")), -1);
}

TEST(EvalTest, UnknownVerbsDoNotMatchEachOther) {
  PolicyRule r = Rule("Metadata");
  r.verbs = {"bind"};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "bind", "", "x")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "sign", "", "x")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "x")), -1);
}

TEST(EvalTest, RuleWithNeitherResourcesNorUrlsMatchesEverything) {
  PolicyRule r = Rule("Metadata");
  r.verbs = {"get"};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/metrics")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "apps", "deployments", "scale", "ns", "n")), 0);
}

TEST(EvalTest, NamespacesOnlyRuleIsAResourceRule) {
  PolicyRule cluster = Rule("Request");
  cluster.namespaces = {""};
  CompiledPolicy p = MustCompile({cluster});
  // Cluster-scoped objects and all-namespace lists have namespace "".
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "nodes", "", "", "n1")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "list", "", "pods")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "list", "", "pods", "", "default")), -1);
  // ...and never a non-resource request, though its "namespace" is empty too.
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/healthz")), -1);
}

TEST(EvalTest, NamespacesAndResourcesMustBothMatch) {
  PolicyRule r = Rule("Request");
  r.namespaces = {"kube-system"};
  r.resources = {GroupResources{"", {"configmaps"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "configmaps", "", "kube-system", "c")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "configmaps", "", "default", "c")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "secrets", "", "kube-system", "c")), -1);
}

TEST(EvalTest, NonResourceRuleNeverMatchesResourceRequests) {
  PolicyRule r = Rule("Metadata");
  r.non_resource_urls = {"*"};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/anything")), 0);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods")), -1);
}

TEST(EvalTest, NonResourceUrlExactAndPrefix) {
  PolicyRule r = Rule("Metadata");
  r.non_resource_urls = {"/api", "/healthz*", "/apis/*"};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/api")), 0);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/api/v1")), -1);  // exact only
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/api/")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/healthz")), 0);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/healthz/etcd")), 0);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/healthzzz")), 0);  // a plain string prefix
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/health")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/apis")), -1);  // "/apis/*" needs the slash
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/apis/")), 0);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/apis/apps/v1")), 0);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/API")), -1);
}

TEST(EvalTest, NonResourceUrlTrailingStarsAreAllTrimmed) {
  // strings.TrimRight(spec, "*"): "/a**" (which validation would refuse) is the prefix "/a".
  PolicyRule r = Rule("Metadata");
  r.non_resource_urls = {"/a**"};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/abc")), 0);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/b")), -1);
}

TEST(EvalTest, OmittedGroupMeansCoreOnly) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"", {"deployments", "pods"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "apps", "deployments")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "extensions", "deployments")), -1);
}

TEST(EvalTest, StarGroupIsLiteralBefore136) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"*", {}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "apps", "deployments")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "*", "pods")), 0);
}

TEST(EvalTest, GroupWithoutResourcesMatchesTheWholeGroupIgnoringNames) {
  PolicyRule r = Rule("Request");
  // Validation refuses resourceNames without resources; the checker returns before looking.
  r.resources = {GroupResources{"apps", {}, {"only-this"}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "apps", "deployments", "", "ns", "other")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "apps", "deployments", "scale", "ns", "x")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "batch", "jobs")), -1);
}

TEST(EvalTest, PlainResourceDoesNotMatchItsSubresources) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"", {"pods"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "", "ns", "p")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "log", "ns", "p")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "status", "ns", "p")), -1);
}

TEST(EvalTest, ResourceSlashStarAlsoMatchesThePlainResource) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"", {"pods/*"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "log", "ns", "p")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "create", "", "pods", "exec", "ns", "p")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "list", "", "pods", "", "ns")), 0);  // no subresource
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "podsx", "log", "ns", "p")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "nodes", "status")), -1);
}

TEST(EvalTest, StarSlashSubresourceNeedsThatSubresource) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"apps", {"*/scale"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "patch", "apps", "deployments", "scale", "ns", "d")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "patch", "apps", "statefulsets", "scale", "ns", "s")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "patch", "apps", "deployments", "", "ns", "d")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "patch", "apps", "deployments", "status", "ns", "d")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "patch", "", "replicationcontrollers", "scale")), -1);
}

TEST(EvalTest, StarMatchesEveryResourceAndSubresourceOfTheGroup) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"rbac.authorization.k8s.io", {"*"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "rbac.authorization.k8s.io", "roles")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "rbac.authorization.k8s.io", "roles", "x")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "roles")), -1);
}

TEST(EvalTest, StarSlashStarMatchesNothingReal) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"", {"*/*", "*/", "pods/"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "log")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "nodes", "status")), -1);
}

TEST(EvalTest, SlashStarMatchesOnlyAnEmptyResource) {
  // "/*" is "resource/*" with resource "": TrimSuffix leaves "", so only an objectRef without a
  // resource matches (never seen from a real apiserver, but that is what the code does).
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"", {"/*"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods")), -1);
}

TEST(EvalTest, ResourceNamesAndNamelessRequests) {
  PolicyRule named = Rule("RequestResponse");
  named.resources = {GroupResources{"rbac.authorization.k8s.io", {"clusterroles"}, {"edit"}}};
  PolicyRule with_empty = Rule("Request");
  with_empty.resources = {GroupResources{"", {"configmaps"}, {"", "cm"}}};
  CompiledPolicy p = MustCompile({named, with_empty});
  const std::string_view rbac = "rbac.authorization.k8s.io";
  EXPECT_EQ(RuleFor(p, Resource("u", "get", rbac, "clusterroles", "", "", "edit")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", rbac, "clusterroles", "", "", "admin")), -1);
  // list/create/deletecollection carry no name: only an "" entry matches them.
  EXPECT_EQ(RuleFor(p, Resource("u", "list", rbac, "clusterroles")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "create", "", "configmaps", "", "ns")), 1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "configmaps", "", "ns", "cm")), 1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "configmaps", "", "ns", "other")), -1);
}

TEST(EvalTest, ResourceNamesApplyToWildcardsToo) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"", {"pods/*", "*/status"}, {"web-0"}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "log", "ns", "web-0")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "", "ns", "web-0")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "nodes", "status", "", "web-0")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "log", "ns", "web-1")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "list", "", "pods", "", "ns")), -1);
}

TEST(EvalTest, ResourceNamesAreCheckedPerGroupResources) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"", {"secrets"}, {"a"}}, GroupResources{"", {"secrets"}, {}}};
  CompiledPolicy p = MustCompile({r});
  // The first entry's names miss, the second entry (no names) matches.
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "secrets", "", "ns", "b")), 0);
}

TEST(EvalTest, ResourceRuleNeverMatchesNonResourceRequests) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"", {"*"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/api")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("u", "get", "/api/v1/pods")), -1);
}

TEST(EvalTest, ExactResourceStringComparesTheCombinedForm) {
  PolicyRule r = Rule("Request");
  r.resources = {GroupResources{"", {"pods/log", "a/b/c"}, {}}};
  CompiledPolicy p = MustCompile({r});
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "log")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods/log")), 0);  // same combined string
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "a/b", "c")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "a", "b/c")), 0);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pods", "lo")), -1);
  EXPECT_EQ(RuleFor(p, Resource("u", "get", "", "pod", "slog")), -1);
}

TEST(EvalTest, LargeListsUseTheSortedPathCorrectly) {
  PolicyRule r = Rule("Metadata");
  std::vector<std::string> users;
  for (int i = 0; i < 40; ++i) users.push_back("user-" + std::to_string(i));
  r.users = users;
  r.verbs = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
             "x1",  "x2",   "x3",    "x4",     "x5",     "x6",    "x7",     "x8",
             "x9",  "x10"};
  r.non_resource_urls = {"/a", "/b", "/c", "/d", "/e", "/f", "/g", "/h", "/i", "/j", "/k"};
  CompiledPolicy p = MustCompile({r});
  for (const std::string& u : users) {
    EXPECT_EQ(RuleFor(p, NonResource(u, "x7", "/k")), 0) << u;
  }
  EXPECT_EQ(RuleFor(p, NonResource("user-40", "get", "/a")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("user-1", "x11", "/a")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("user-1", "get", "/l")), -1);
  EXPECT_EQ(RuleFor(p, NonResource("user-1", "get", "/")), -1);
}

TEST(EvalTest, CompileRejectsUnknownLevelAndStage) {
  Policy pol;
  pol.rules = {Rule("metadata")};
  StatusOr<CompiledPolicy> c = CompiledPolicy::Compile(pol);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("rules[0].level"), std::string::npos);

  PolicyRule r = Rule("Metadata");
  r.omit_stages = {"RequestReceived", "Done"};
  pol.rules = {Rule("None"), r};
  c = CompiledPolicy::Compile(pol);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("rules[1].omitStages[1]"), std::string::npos);

  pol.rules = {Rule("None")};
  pol.omit_stages = {"panic"};
  c = CompiledPolicy::Compile(pol);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("omitStages[0]"), std::string::npos);
}

TEST(EvalTest, EmptyPolicyEvaluatesToNone) {
  CompiledPolicy p = MustCompile(Policy{});
  EXPECT_EQ(p.rule_count(), 0U);
  Decision d = p.Evaluate(NonResource("u", "get", "/").get());
  EXPECT_EQ(d.level, Level::kNone);
  EXPECT_EQ(d.rule_index, -1);
}

TEST(EvalTest, CompiledPolicyIsMovable) {
  CompiledPolicy a = MustCompile({Rule("Request")});
  CompiledPolicy b = std::move(a);
  EXPECT_EQ(b.Evaluate(NonResource("u", "get", "/").get()).level, Level::kRequest);
}

}  // namespace
}  // namespace kaudit::policy
