// The request-set model behind lint's shadowing checks. Expected values are worked out by hand
// from checker.go's ruleMatches (audit-semantics.md §3), not from this code.
#include "policy/lint_match.h"

#include <gtest/gtest.h>

// Rules are written as designated initializers naming only the fields a case is about.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace kaudit::policy::lint_internal {
namespace {

using K = ResourcePattern::Kind;

TEST(ClassifyResourceTest, Kinds) {
  EXPECT_EQ(ClassifyResource("*").kind, K::kAll);
  ResourcePattern pods = ClassifyResource("pods");
  EXPECT_EQ(pods.kind, K::kExact);
  EXPECT_EQ(pods.resource, "pods");
  EXPECT_EQ(pods.subresource, "");
  ResourcePattern log = ClassifyResource("pods/log");
  EXPECT_EQ(log.kind, K::kExact);
  EXPECT_EQ(log.subresource, "log");
  ResourcePattern any_sub = ClassifyResource("pods/*");
  EXPECT_EQ(any_sub.kind, K::kResourceAnySub);
  EXPECT_EQ(any_sub.resource, "pods");
  ResourcePattern scale = ClassifyResource("*/scale");
  EXPECT_EQ(scale.kind, K::kAnyResourceSub);
  EXPECT_EQ(scale.subresource, "scale");
  // Spellings whose meaning differs between versions, or that match nothing.
  for (const char* s : {"*/*", "a/b/c", "pods/", "/log", "*/**", "x*/*", "*/"}) {
    EXPECT_EQ(ClassifyResource(s).kind, K::kOpaque) << s;
  }
  // A '*' that is not a wildcard position is a literal character of an exact name.
  EXPECT_EQ(ClassifyResource("pod*").kind, K::kExact);
  EXPECT_EQ(ClassifyResource("**/x").kind, K::kExact);
}

bool Covers(const char* outer, const char* inner) {
  return PatternCovers(ClassifyResource(outer), ClassifyResource(inner));
}

TEST(PatternCoversTest, Wildcards) {
  EXPECT_TRUE(Covers("*", "pods/log"));
  EXPECT_TRUE(Covers("*", "*/*"));
  EXPECT_TRUE(Covers("pods/*", "pods"));  // pods/* also matches plain pods
  EXPECT_TRUE(Covers("pods/*", "pods/log"));
  EXPECT_TRUE(Covers("*/scale", "deployments/scale"));
  EXPECT_TRUE(Covers("*/scale", "*/scale"));
  EXPECT_TRUE(Covers("*/*", "*/*"));  // the same string matches the same requests
}

TEST(PatternCoversTest, NearMisses) {
  EXPECT_FALSE(Covers("pods", "pods/log"));  // pods does not match pods/log
  EXPECT_FALSE(Covers("pods", "pods/*"));
  EXPECT_FALSE(Covers("pods/log", "pods/*"));
  EXPECT_FALSE(Covers("*/scale", "deployments"));
  EXPECT_FALSE(Covers("*/scale", "deployments/*"));
  EXPECT_FALSE(Covers("deployments/*", "*/scale"));
  EXPECT_FALSE(Covers("*/*", "pods/log"));  // opaque: not relied on
  EXPECT_FALSE(Covers("pods/log", "*"));
}

TEST(IntersectPatternsTest, Cases) {
  auto meet = [](const char* a, const char* b) {
    return IntersectPatterns(ClassifyResource(a), ClassifyResource(b));
  };
  auto pl = meet("pods/*", "*/log");
  ASSERT_TRUE(pl);
  EXPECT_EQ(pl->kind, K::kExact);
  EXPECT_EQ(pl->resource, "pods");
  EXPECT_EQ(pl->subresource, "log");
  ASSERT_TRUE(meet("*/log", "pods/*"));
  EXPECT_EQ(meet("pods", "pods/*")->text, "pods");
  EXPECT_EQ(meet("*", "secrets")->text, "secrets");
  EXPECT_EQ(meet("*/*", "secrets")->text, "secrets");  // opaque: assumed to overlap
  EXPECT_FALSE(meet("pods", "pods/log"));
  EXPECT_FALSE(meet("*/scale", "*/status"));
  EXPECT_FALSE(meet("pods/*", "nodes/*"));
  EXPECT_FALSE(meet("*/token", "secrets"));  // secrets has no subresource
}

bool UrlCov(const char* outer, const char* inner) {
  return UrlCovers(ClassifyUrl(outer), ClassifyUrl(inner));
}

TEST(UrlCoversTest, Prefixes) {
  EXPECT_TRUE(UrlCov("/api*", "/apis/*"));   // every path starting /apis/ starts with /api
  EXPECT_FALSE(UrlCov("/apis/*", "/api*"));  // "/api" itself does not start with /apis/
  EXPECT_TRUE(UrlCov("*", "/metrics"));
  EXPECT_TRUE(UrlCov("**", "*"));  // trailing stars are all trimmed: matches every path
  EXPECT_TRUE(UrlCov("/healthz*", "/healthz"));
  EXPECT_TRUE(UrlCov("/healthz*", "/healthz/etcd"));
  EXPECT_FALSE(UrlCov("/healthz", "/healthz*"));
  EXPECT_FALSE(UrlCov("/healthz*", "*"));
  EXPECT_FALSE(UrlCov("/metrics", "/metrics/"));
  EXPECT_TRUE(UrlCov("/metrics", "/metrics"));
}

PolicyRule Rule(PolicyRule r) {
  if (r.level.empty()) r.level = "Metadata";
  return r;
}

bool RuleCovers(const PolicyRule& outer, const PolicyRule& inner) {
  return SelectorCovers(ToSelector(outer), ToSelector(inner));
}

TEST(SelectorCoversTest, VerbsAndGroups) {
  EXPECT_FALSE(RuleCovers(Rule({.verbs = {"get"}}), Rule({.verbs = {"get", "list"}})));
  EXPECT_TRUE(RuleCovers(Rule({.verbs = {"get", "list"}}), Rule({.verbs = {"get"}})));
  // userGroups match when the user has any listed group: [a] misses a user only in b.
  EXPECT_FALSE(RuleCovers(Rule({.user_groups = {"a"}}), Rule({.user_groups = {"a", "b"}})));
  EXPECT_TRUE(RuleCovers(Rule({.user_groups = {"a", "b"}}), Rule({.user_groups = {"a"}})));
  // A user list says nothing about groups and the other way round.
  EXPECT_FALSE(RuleCovers(Rule({.user_groups = {"a"}}), Rule({.users = {"alice"}})));
  EXPECT_FALSE(RuleCovers(Rule({.users = {"alice"}}), Rule({.user_groups = {"a"}})));
  EXPECT_TRUE(
      RuleCovers(Rule({.users = {"alice"}}), Rule({.users = {"alice"}, .user_groups = {"a"}})));
  // An empty list matches requests without a user too; a listed one never does.
  EXPECT_FALSE(RuleCovers(Rule({.users = {"alice"}}), Rule({})));
}

TEST(SelectorCoversTest, Kinds) {
  PolicyRule core = Rule({.resources = {{.group = ""}}});
  PolicyRule metrics = Rule({.non_resource_urls = {"/metrics"}});
  PolicyRule all_urls = Rule({.non_resource_urls = {"*"}});
  PolicyRule ns_only = Rule({.namespaces = {"a"}});
  EXPECT_TRUE(RuleCovers(Rule({}), core));
  EXPECT_TRUE(RuleCovers(Rule({}), metrics));
  EXPECT_FALSE(RuleCovers(core, metrics));   // resource rules never match /metrics
  EXPECT_FALSE(RuleCovers(all_urls, core));  // non-resource rules never match resources
  EXPECT_FALSE(RuleCovers(all_urls, Rule({})));
  EXPECT_FALSE(RuleCovers(ns_only, metrics));  // namespaces alone make a resource rule
  EXPECT_TRUE(RuleCovers(ns_only, Rule({.resources = {{.group = ""}}, .namespaces = {"a"}})));
  EXPECT_FALSE(RuleCovers(Rule({.resources = {{.group = ""}}, .namespaces = {"a"}}), ns_only));
  EXPECT_FALSE(RuleCovers(ns_only, Rule({.namespaces = {"a", "b"}})));
}

TEST(SelectorCoversTest, ResourcesAndNames) {
  PolicyRule apps_star = Rule({.resources = {{.group = "apps", .resources = {"*"}}}});
  PolicyRule apps_whole = Rule({.resources = {{.group = "apps"}}});
  EXPECT_TRUE(RuleCovers(apps_star, apps_whole));
  EXPECT_TRUE(RuleCovers(apps_whole, apps_star));
  PolicyRule apps_star_x =
      Rule({.resources = {{.group = "apps", .resources = {"*"}, .resource_names = {"x"}}}});
  EXPECT_FALSE(RuleCovers(apps_star_x, apps_whole));  // whole-group entries ignore names
  PolicyRule deploy_x = Rule(
      {.resources = {{.group = "apps", .resources = {"deployments"}, .resource_names = {"x"}}}});
  PolicyRule deploy = Rule({.resources = {{.group = "apps", .resources = {"deployments"}}}});
  EXPECT_TRUE(RuleCovers(apps_whole, deploy_x));
  EXPECT_TRUE(RuleCovers(deploy, deploy_x));
  EXPECT_FALSE(RuleCovers(deploy_x, deploy));
  EXPECT_TRUE(RuleCovers(apps_star_x, deploy_x));
  // A group is compared exactly; "" is the core group only.
  EXPECT_FALSE(RuleCovers(Rule({.resources = {{.group = ""}}}), deploy));
  EXPECT_FALSE(RuleCovers(Rule({.resources = {{.group = "*"}}}), deploy));
}

TEST(AnalyzeCoverageTest, UnionOfEarlierRules) {
  std::vector<Selector> earlier = {ToSelector(Rule({.verbs = {"get"}})),
                                   ToSelector(Rule({.verbs = {"list"}}))};
  Selector later = ToSelector(Rule({.verbs = {"get", "list"}}));
  Coverage c = AnalyzeCoverage(later, earlier, 1024);
  EXPECT_TRUE(c.enumerated);
  EXPECT_TRUE(c.all_covered);
  EXPECT_EQ(c.by, (std::vector<int>{0, 1}));
  // Without enumeration only single rules are compared: still sound, less complete.
  Coverage coarse = AnalyzeCoverage(later, earlier, 1);
  EXPECT_FALSE(coarse.enumerated);
  EXPECT_FALSE(coarse.all_covered);
}

TEST(AnalyzeCoverageTest, CoveredParts) {
  std::vector<Selector> earlier = {ToSelector(Rule({.verbs = {"get"}}))};
  Coverage c = AnalyzeCoverage(ToSelector(Rule({.verbs = {"get", "list"}})), earlier, 1024);
  EXPECT_FALSE(c.all_covered);
  ASSERT_EQ(c.covered_parts.size(), 1u);
  EXPECT_EQ(c.covered_parts[0].element.dim, Element::Dim::kVerbs);
  EXPECT_EQ(c.covered_parts[0].element.index, 0);
  EXPECT_EQ(c.covered_parts[0].by, std::vector<int>{0});

  // Resource entries: secrets covered, configmaps not.
  std::vector<Selector> caps = {
      ToSelector(Rule({.resources = {{.group = "", .resources = {"secrets"}}}}))};
  Coverage r = AnalyzeCoverage(
      ToSelector(Rule({.resources = {{.group = "", .resources = {"configmaps", "secrets"}}}})),
      caps, 1024);
  ASSERT_EQ(r.covered_parts.size(), 1u);
  EXPECT_EQ(r.covered_parts[0].element,
            (Element{.dim = Element::Dim::kResources, .index = 0, .pattern = 1}));

  // A cell split over two names of one pattern: covered only when both names are.
  std::vector<Selector> name_x = {ToSelector(
      Rule({.resources = {{.group = "", .resources = {"configmaps"}, .resource_names = {"x"}}}}))};
  Coverage n = AnalyzeCoverage(ToSelector(Rule({.resources = {{.group = "",
                                                               .resources = {"configmaps"},
                                                               .resource_names = {"x", "y"}}}})),
                               name_x, 1024);
  EXPECT_FALSE(n.all_covered);
  EXPECT_TRUE(n.covered_parts.empty());
}

TEST(AnalyzeCoverageTest, DiffersWhenAnOverlappingRuleWithAnotherEffectComesFirst) {
  // rules[0] None for alice, rules[1] Metadata for pods; later Metadata for pods is covered by
  // rules[1], but alice's pod requests get None from rules[0].
  std::vector<Selector> earlier = {
      ToSelector(Rule({.level = "None", .users = {"alice"}})),
      ToSelector(Rule({.resources = {{.group = "", .resources = {"pods"}}}}))};
  Selector later = ToSelector(Rule({.resources = {{.group = "", .resources = {"pods"}}}}));
  std::vector<int> effects = {0, 1};
  Coverage c = AnalyzeCoverage(later, earlier, 1024, effects, 1);
  EXPECT_TRUE(c.all_covered);
  EXPECT_TRUE(c.differs);
  // The same with rules[0] on a URL: disjoint, so the later rule is merely redundant.
  earlier[0] = ToSelector(Rule({.level = "None", .users = {"alice"}, .non_resource_urls = {"/x"}}));
  Coverage d = AnalyzeCoverage(later, earlier, 1024, effects, 1);
  EXPECT_TRUE(d.all_covered);
  EXPECT_FALSE(d.differs);
}

TEST(MayOverlapTest, Cases) {
  auto overlap = [](PolicyRule a, PolicyRule b) {
    return MayOverlap(ToSelector(Rule(std::move(a))), ToSelector(Rule(std::move(b))));
  };
  EXPECT_FALSE(overlap({.verbs = {"get"}}, {.verbs = {"list"}}));
  EXPECT_FALSE(overlap({.users = {"a"}}, {.users = {"b"}}));
  EXPECT_TRUE(overlap({.user_groups = {"a"}}, {.user_groups = {"b"}}));  // one user, both groups
  EXPECT_FALSE(overlap({.non_resource_urls = {"/x"}}, {.namespaces = {"a"}}));
  EXPECT_TRUE(overlap({.non_resource_urls = {"/api*"}}, {.non_resource_urls = {"/apis/*"}}));
  EXPECT_FALSE(overlap({.non_resource_urls = {"/metrics"}}, {.non_resource_urls = {"/healthz*"}}));
  EXPECT_FALSE(overlap({.resources = {{.group = "", .resources = {"pods"}}}},
                       {.resources = {{.group = "", .resources = {"pods/log"}}}}));
  EXPECT_TRUE(overlap({.resources = {{.group = "", .resources = {"pods/*"}}}},
                      {.resources = {{.group = "", .resources = {"*/log"}}}}));
  EXPECT_FALSE(
      overlap({.resources = {{.group = "", .resources = {"pods"}, .resource_names = {"x"}}}},
              {.resources = {{.group = "", .resources = {"pods"}, .resource_names = {"y"}}}}));
}

TEST(RestrictToResourceTest, Cases) {
  ResourcePattern secrets = ClassifyResource("secrets");
  EXPECT_FALSE(RestrictToResource(ToSelector(Rule({.non_resource_urls = {"*"}})), "", secrets));
  EXPECT_FALSE(
      RestrictToResource(ToSelector(Rule({.resources = {{.group = "apps"}}})), "", secrets));
  auto all = RestrictToResource(ToSelector(Rule({.verbs = {"get"}})), "", secrets);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->verbs, std::vector<std::string>{"get"});
  ASSERT_EQ(all->entries.size(), 1u);
  EXPECT_EQ(all->entries[0].patterns[0].text, "secrets");
  auto named = RestrictToResource(
      ToSelector(Rule({.resources = {{.group = "", .resources = {"*"}, .resource_names = {"x"}}},
                       .namespaces = {"a"}})),
      "", secrets);
  ASSERT_TRUE(named);
  EXPECT_EQ(named->namespaces, std::vector<std::string>{"a"});
  EXPECT_EQ(named->entries[0].names, std::vector<std::string>{"x"});
}

}  // namespace
}  // namespace kaudit::policy::lint_internal
