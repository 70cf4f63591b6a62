// The selector checks of lint: verbs, literal "*", API groups, resources, subresources,
// namespaces on cluster-scoped resources, resourceNames with nameless verbs, resource paths in
// nonResourceURLs, and matches-nothing. Each with cases that must be reported and near misses
// that must not; expectations from audit-semantics.md §3 and the Kubernetes API, by hand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/lint.h"
#include "policy/lint_testing.h"

namespace kaudit::policy {
namespace {

using lint_testing::LintCode;
using lint_testing::Rules;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// --- verbs and wildcards ------------------------------------------------------------------------

TEST(LintVerbTest, Typos) {
  auto f = LintCode(Rules("- level: None\n  verbs: [gets, GET, bind, read]\n"), kCodeUnknownVerb);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_THAT(f[0].fix, HasSubstr("replace rules[0].verbs[0] with \"get\""));
  EXPECT_THAT(f[1].fix, HasSubstr("replace rules[0].verbs[1] with \"get\""));
  EXPECT_THAT(f[2].message, HasSubstr("RBAC verb"));
  EXPECT_THAT(f[3].fix, HasSubstr("get, list and watch"));
  EXPECT_THAT(
      LintCode(Rules("- level: None\n  verbs: [gets, GET, bind, read]\n"), kCodeMatchesNothing),
      ::testing::SizeIs(1));
}

TEST(LintVerbTest, KnownVerbs) {
  Policy p = Rules(
      "- level: None\n  verbs: [get, list, watch, create, update, patch, delete,"
      " deletecollection]\n  resources: [{group: apps}]\n"
      "- level: None\n  verbs: [get, post, put, patch, delete, head, options]\n"
      "  nonResourceURLs: [\"/x\"]\n");
  EXPECT_THAT(LintCode(p, kCodeUnknownVerb), IsEmpty());
  EXPECT_THAT(LintCode(p, kCodeVerbNeverMatches), IsEmpty());
  EXPECT_THAT(LintCode(p, kCodeMatchesNothing), IsEmpty());
}

TEST(LintVerbTest, WrongKindOfVerb) {
  auto res = LintCode(Rules("- level: None\n  verbs: [post]\n  resources: [{group: apps}]\n"),
                      kCodeVerbNeverMatches);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_THAT(res[0].fix, HasSubstr("\"create\""));
  auto url = LintCode(Rules("- level: None\n  verbs: [list, get]\n  nonResourceURLs: [/x]\n"),
                      kCodeVerbNeverMatches);
  ASSERT_EQ(url.size(), 1u);
  EXPECT_THAT(url[0].fix, HasSubstr("replace rules[0].verbs[0] with \"get\""));
  // A rule for every kind of request may name both kinds of verb.
  EXPECT_THAT(LintCode(Rules("- level: None\n  verbs: [post, list]\n"), kCodeVerbNeverMatches),
              IsEmpty());
}

TEST(LintWildcardTest, StarIsLiteral) {
  Policy p = Rules(
      "- level: None\n  verbs: [\"*\"]\n"
      "- level: None\n  users: [\"*\"]\n  userGroups: [\"*\"]\n"
      "- level: None\n  namespaces: [\"*\"]\n"
      "  resources: [{group: \"\", resources: [pods], resourceNames: [\"*\"]}]\n");
  auto f = LintCode(p, kCodeNotAWildcard);
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0].rule_index, 0);
  EXPECT_EQ(f[1].rule_index, 1);
  EXPECT_EQ(f[3].rule_index, 2);
  EXPECT_THAT(LintCode(Rules("- level: None\n  verbs: [get]\n  nonResourceURLs: [\"*\"]\n"
                             "- level: None\n  resources: [{group: \"\", resources: [\"*\"]}]\n"),
                       kCodeNotAWildcard),
              IsEmpty());
}

// --- groups and resources -----------------------------------------------------------------------

TEST(LintResourceTest, DeploymentsWithoutGroupMatchNothing) {
  Policy p = Rules("- level: RequestResponse\n  resources: [{resources: [deployments]}]\n");
  auto f = LintCode(p, kCodeWrongGroup);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_THAT(f[0].message, HasSubstr("served by group \"apps\""));
  EXPECT_THAT(f[0].fix, HasSubstr("set rules[0].resources[0].group to \"apps\""));
  auto dead = LintCode(p, kCodeMatchesNothing);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].rule_index, 0);
}

TEST(LintResourceTest, WellKnownGroups) {
  struct Case {
    const char* resource;
    const char* group;
  };
  for (Case c :
       {Case{"daemonsets", "apps"}, Case{"statefulsets", "apps"},
        Case{"ingresses", "networking.k8s.io"}, Case{"networkpolicies", "networking.k8s.io"},
        Case{"roles", "rbac.authorization.k8s.io"},
        Case{"clusterrolebindings", "rbac.authorization.k8s.io"},
        Case{"leases", "coordination.k8s.io"}, Case{"cronjobs", "batch"}, Case{"jobs", "batch"},
        Case{"customresourcedefinitions", "apiextensions.k8s.io"}}) {
    auto f = LintCode(Rules(std::string("- level: None\n  resources: [{group: \"\", resources: [") +
                            c.resource + "]}]\n"),
                      kCodeWrongGroup);
    ASSERT_EQ(f.size(), 1u) << c.resource;
    EXPECT_THAT(f[0].fix, HasSubstr(std::string("\"") + c.group + "\"")) << c.resource;
  }
  // A core resource under another group; with other resources in the entry, the fix moves it.
  auto pods = LintCode(
      Rules("- level: None\n  resources: [{group: apps, resources: [deployments, pods]}]\n"),
      kCodeWrongGroup);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_THAT(pods[0].message, HasSubstr("the core group"));
  EXPECT_THAT(pods[0].fix, HasSubstr("move \"pods\" to an entry with group: \"\""));
  // Served in both groups: no finding.
  EXPECT_THAT(
      Lint(Rules("- level: None\n  resources: [{group: \"events.k8s.io\", resources: [events]},"
                 " {group: \"\", resources: [events]}]\n")),
      IsEmpty());
}

TEST(LintResourceTest, TyposAndKinds) {
  auto f = LintCode(
      Rules("- level: None\n  resources: [{group: apps, resources: [deployment, "
            "\"Deployments/status\"]}]\n"
            "- level: None\n  resources: [{group: \"\", resources: [Pod, foos]}]\n"
            "- level: None\n  resources: [{group: policy, resources: [podsecuritypolicies]}]\n"),
      kCodeUnknownResource);
  ASSERT_EQ(f.size(), 5u);
  EXPECT_THAT(f[0].fix, HasSubstr("with \"deployments\""));
  EXPECT_THAT(f[1].fix, HasSubstr("with \"deployments/status\""));
  EXPECT_THAT(f[2].fix, HasSubstr("with \"pods\""));
  EXPECT_THAT(f[3].fix, HasSubstr("kubectl api-resources"));
  EXPECT_THAT(f[4].message, HasSubstr("removed in Kubernetes 1.25"));
}

TEST(LintResourceTest, CustomGroupsAreNotJudged) {
  EXPECT_THAT(Lint(Rules("- level: None\n  resources: [{group: example.com, resources: [widgets, "
                         "\"widgets/status\"]},"
                         " {group: metrics.k8s.io, resources: [pods, nodes]}]\n")),
              IsEmpty());
  // ...except for what no group can serve: resource names are lower case.
  EXPECT_THAT(
      LintCode(Rules("- level: None\n  resources: [{group: example.com, resources: [Widgets]}]\n"),
               kCodeUnknownResource),
      ::testing::SizeIs(1));
}

TEST(LintResourceTest, UnknownGroups) {
  auto f =
      LintCode(Rules("- level: None\n  resources: [{group: rbac, resources: [roles]}]\n"
                     "- level: None\n  resources: [{group: core, resources: [pods]}]\n"
                     "- level: None\n  resources: [{group: extensions, resources: [ingresses]}]\n"),
               kCodeUnknownGroup);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_THAT(f[0].fix, HasSubstr("\"rbac.authorization.k8s.io\""));
  EXPECT_THAT(f[1].fix, HasSubstr("to \"\""));
  EXPECT_THAT(f[2].fix, HasSubstr("networking.k8s.io"));
}

TEST(LintResourceTest, Subresources) {
  auto f = LintCode(
      Rules("- level: None\n  resources: [{group: \"\", resources: [pods/logs, nodes/stats]}]\n"),
      kCodeUnknownSubresource);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_THAT(f[0].fix, HasSubstr("\"pods/log\""));
  EXPECT_THAT(f[1].message, HasSubstr("kubelet"));  // not "did you mean nodes/status"
  EXPECT_THAT(f[1].fix, HasSubstr("remove rules[0].resources[0].resources[1]"));
  EXPECT_THAT(
      Lint(Rules("- level: None\n  resources: [{group: \"\", resources: [pods/log, pods/exec,"
                 " serviceaccounts/token, \"*/scale\"]},"
                 " {group: apps, resources: [deployments/scale]},"
                 " {group: networking.k8s.io, resources: [networkpolicies/status]}]\n")),
      IsEmpty());
}

TEST(LintResourceTest, NamespacesOnClusterScopedResources) {
  auto f = LintCode(Rules("- level: None\n  namespaces: [kube-system]\n"
                          "  resources: [{group: \"\", resources: [nodes, pods, namespaces]}]\n"),
                    kCodeClusterScopedNamespace);
  ASSERT_EQ(f.size(), 1u);  // a request for Namespace x carries namespace x
  EXPECT_THAT(f[0].message, HasSubstr("\"nodes\""));
  EXPECT_THAT(LintCode(Rules("- level: None\n  namespaces: [kube-system, \"\"]\n"
                             "  resources: [{group: \"\", resources: [nodes]}]\n"),
                       kCodeClusterScopedNamespace),
              IsEmpty());
  EXPECT_THAT(
      LintCode(
          Rules("- level: None\n  namespaces: [a]\n"
                "  resources: [{group: rbac.authorization.k8s.io, resources: [clusterroles]}]\n"),
          kCodeMatchesNothing),
      ::testing::SizeIs(1));
}

TEST(LintResourceTest, ResourceNamesWithNamelessVerbs) {
  std::string cm = "  resources: [{group: \"\", resources: [configmaps], resourceNames: [x]}]\n";
  auto dead = LintCode(Rules("- level: None\n  verbs: [create, deletecollection]\n" + cm),
                       kCodeNamesNeverMatch);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].severity, Severity::kWarning);
  EXPECT_THAT(LintCode(Rules("- level: None\n  verbs: [create]\n" + cm), kCodeMatchesNothing),
              ::testing::SizeIs(1));
  // A list or watch of one object (fieldSelector metadata.name) does carry the name.
  auto lists =
      LintCode(Rules("- level: None\n  verbs: [list, watch]\n" + cm), kCodeNamesNeverMatch);
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(lists[0].severity, Severity::kInfo);
  auto mixed =
      LintCode(Rules("- level: None\n  verbs: [get, create]\n" + cm), kCodeNamesNeverMatch);
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_EQ(mixed[0].severity, Severity::kInfo);
  // "" matches nameless requests; a create on a subresource names its object; no verbs: fine.
  EXPECT_THAT(
      LintCode(
          Rules("- level: None\n  verbs: [create]\n"
                "  resources: [{group: \"\", resources: [configmaps], resourceNames: [x, \"\"]}]\n"
                "- level: None\n  verbs: [create]\n"
                "  resources: [{group: \"\", resources: [pods/eviction], resourceNames: [x]}]\n"
                "- level: None\n" +
                cm),
          kCodeNamesNeverMatch),
      IsEmpty());
}

TEST(LintUrlTest, ResourcePathsInNonResourceUrls) {
  Policy p = Rules(
      "- level: None\n  nonResourceURLs: [/api/v1/pods, /apis/apps/v1/namespaces/a/deployments]\n"
      "- level: None\n  nonResourceURLs: [\"/api/v1/p*\", /metrics]\n");
  auto f = LintCode(p, kCodeUrlIsResourcePath);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_THAT(f[0].fix, HasSubstr("{group: \"\", resources: [\"pods\"]}"));
  EXPECT_THAT(f[1].fix, HasSubstr("{group: \"apps\", resources: [\"deployments\"]}"));
  EXPECT_THAT(f[2].fix, HasSubstr("{group: \"\"}"));
  auto dead = LintCode(p, kCodeMatchesNothing);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].rule_index, 0);
  EXPECT_THAT(
      LintCode(Rules("- level: None\n  nonResourceURLs: [/api, /api/v1, \"/api/*\", /apis/apps/v1,"
                     " \"/apis/*\", \"/api/v1/*\"]\n"),
               kCodeUrlIsResourcePath),
      IsEmpty());
}

}  // namespace
}  // namespace kaudit::policy
