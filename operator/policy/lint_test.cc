// Each lint check, with the cases that must be reported and the near misses that must not.
// Policies are written as YAML (loaded as kube-apiserver would) so each case reads like the file
// a user writes; expectations come from audit-semantics.md §3, worked out by hand.
#include "policy/lint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/lint_testing.h"
#include "policy/presets.h"

// Rules are written as designated initializers naming only the fields a case is about.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace kaudit::policy {
namespace {

using lint_testing::LintCode;
using lint_testing::Rules;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// --- shadowed-rule / partially-shadowed -------------------------------------------------------

TEST(LintShadowTest, CatchAllShadowsEverythingAfterIt) {
  Policy p = Rules(
      "- level: None\n"
      "- level: RequestResponse\n"
      "  resources: [{group: \"\", resources: [pods]}]\n",
      true, false);
  auto f = LintCode(p, kCodeShadowedRule);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_index, 1);
  EXPECT_EQ(f[0].severity, Severity::kWarning);  // None wins over RequestResponse
  EXPECT_THAT(f[0].message, HasSubstr("rules[0] (None)"));
  EXPECT_THAT(f[0].fix, HasSubstr("remove rules[1], or move it above rules[0]"));
}

TEST(LintShadowTest, IdenticalRuleWithTheSameEffectIsRedundant) {
  std::string rule = "- level: Metadata\n  resources: [{group: \"\", resources: [secrets]}]\n";
  auto f = LintCode(Rules(rule + rule), kCodeShadowedRule);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_index, 1);
  EXPECT_EQ(f[0].severity, Severity::kInfo);
  EXPECT_THAT(f[0].message, HasSubstr("redundant"));
}

TEST(LintShadowTest, DifferentStagesAreADifferentEffect) {
  auto f = LintCode(Rules("- level: Metadata\n  verbs: [get]\n"
                          "- level: Metadata\n  verbs: [get]\n  omitStages: [ResponseStarted]\n"),
                    kCodeShadowedRule);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
}

TEST(LintShadowTest, SubresourceWildcardShadowsThePlainResource) {
  // pods/* also matches plain pods (checker.go), so rules[1] never matches.
  auto f = LintCode(Rules("- level: None\n  resources: [{group: \"\", resources: [\"pods/*\"]}]\n"
                          "- level: Request\n  resources: [{group: \"\", resources: [pods]}]\n"),
                    kCodeShadowedRule);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_index, 1);
}

TEST(LintShadowTest, PlainResourceDoesNotShadowItsSubresources) {
  Policy p = Rules(
      "- level: None\n  resources: [{group: \"\", resources: [pods]}]\n"
      "- level: Request\n  resources: [{group: \"\", resources: [pods/log]}]\n"
      "- level: Request\n  resources: [{group: \"\", resources: [\"pods/*\"]}]\n");
  EXPECT_THAT(LintCode(p, kCodeShadowedRule), IsEmpty());
  EXPECT_THAT(LintCode(p, kCodePartiallyShadowed), IsEmpty());
}

TEST(LintShadowTest, UrlPrefixes) {
  auto shadowed = LintCode(Rules("- level: None\n  nonResourceURLs: [\"/api*\"]\n"
                                 "- level: Metadata\n  nonResourceURLs: [\"/apis/*\"]\n"),
                           kCodeShadowedRule);
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_EQ(shadowed[0].rule_index, 1);
  // The other way round "/api" itself still reaches rules[1].
  Policy p = Rules(
      "- level: None\n  nonResourceURLs: [\"/apis/*\"]\n"
      "- level: Metadata\n  nonResourceURLs: [\"/api*\"]\n");
  EXPECT_THAT(LintCode(p, kCodeShadowedRule), IsEmpty());
  EXPECT_THAT(LintCode(p, kCodePartiallyShadowed), IsEmpty());
}

TEST(LintShadowTest, VerbSubsetIsOnlyPartial) {
  Policy p = Rules(
      "- level: Metadata\n  verbs: [get]\n  resources: [{group: \"\"}]\n"
      "- level: RequestResponse\n  verbs: [get, list]\n  resources: [{group: \"\"}]\n");
  EXPECT_THAT(LintCode(p, kCodeShadowedRule), IsEmpty());
  auto part = LintCode(p, kCodePartiallyShadowed);
  ASSERT_EQ(part.size(), 1u);
  EXPECT_EQ(part[0].rule_index, 1);
  EXPECT_EQ(part[0].severity, Severity::kWarning);
  EXPECT_THAT(part[0].message, HasSubstr("verb \"get\""));
  EXPECT_THAT(part[0].fix, HasSubstr("remove \"get\" from rules[1].verbs"));
}

TEST(LintShadowTest, SeveralEarlierRulesTogether) {
  auto f = LintCode(Rules("- level: None\n  verbs: [get]\n"
                          "- level: None\n  verbs: [list]\n"
                          "- level: Metadata\n  verbs: [get, list]\n"),
                    kCodeShadowedRule);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_index, 2);
  EXPECT_THAT(f[0].message, HasSubstr("rules[0] (None), rules[1] (None)"));
}

TEST(LintShadowTest, GroupsAreAnyOf) {
  // [a, b] catches every user in a; [a] misses users only in b.
  EXPECT_THAT(LintCode(Rules("- level: None\n  userGroups: [a, b]\n"
                             "- level: Metadata\n  userGroups: [a]\n"),
                       kCodeShadowedRule),
              ::testing::SizeIs(1));
  Policy p = Rules(
      "- level: None\n  userGroups: [a]\n"
      "- level: Metadata\n  userGroups: [a, b]\n");
  EXPECT_THAT(LintCode(p, kCodeShadowedRule), IsEmpty());
  auto part = LintCode(p, kCodePartiallyShadowed);
  ASSERT_EQ(part.size(), 1u);
  EXPECT_THAT(part[0].message, HasSubstr("userGroups entry \"a\""));
}

TEST(LintShadowTest, UserAndGroupSelectorsAreIndependent) {
  EXPECT_THAT(LintCode(Rules("- level: None\n  users: [alice]\n"
                             "- level: Metadata\n  users: [alice]\n  userGroups: [g]\n"),
                       kCodeShadowedRule),
              ::testing::SizeIs(1));
  EXPECT_THAT(LintCode(Rules("- level: None\n  userGroups: [g]\n"
                             "- level: Metadata\n  users: [alice]\n"),
                       kCodeShadowedRule),
              IsEmpty());
}

TEST(LintShadowTest, ResourceRulesNeverShadowNonResourceRules) {
  Policy p = Rules(
      "- level: None\n  resources: [{group: \"\"}]\n"
      "- level: None\n  namespaces: [\"\"]\n"
      "- level: Metadata\n  nonResourceURLs: [/metrics]\n");
  EXPECT_THAT(LintCode(p, kCodeShadowedRule), IsEmpty());
}

TEST(LintShadowTest, NamespacesAlonePartiallyShadow) {
  auto part = LintCode(Rules("- level: None\n  namespaces: [kube-system]\n"
                             "- level: Request\n  namespaces: [kube-system, default]\n"
                             "  resources: [{group: \"\", resources: [pods]}]\n"),
                       kCodePartiallyShadowed);
  ASSERT_EQ(part.size(), 1u);
  EXPECT_THAT(part[0].message, HasSubstr("namespace \"kube-system\""));
}

TEST(LintShadowTest, ResourceEntryFixKeepsTheEntryMeaningful) {
  auto part =
      LintCode(Rules("- level: Metadata\n  resources: [{group: \"\", resources: [secrets]}]\n"
                     "- level: RequestResponse\n"
                     "  resources: [{group: \"\", resources: [secrets, configmaps]},\n"
                     "              {group: apps}]\n"),
               kCodePartiallyShadowed);
  ASSERT_EQ(part.size(), 1u);
  EXPECT_THAT(part[0].fix, HasSubstr("remove \"secrets\" from rules[1].resources[0].resources"));
  // With one resource left in an entry, the entry goes: an empty list would mean "all".
  auto whole_entry =
      LintCode(Rules("- level: Metadata\n  resources: [{group: \"\", resources: [secrets]}]\n"
                     "- level: RequestResponse\n"
                     "  resources: [{group: \"\", resources: [secrets]}, {group: apps}]\n"),
               kCodePartiallyShadowed);
  ASSERT_EQ(whole_entry.size(), 1u);
  EXPECT_THAT(whole_entry[0].fix, HasSubstr("remove rules[1].resources[0]"));
}

TEST(LintShadowTest, RedundantOnlyWhenNoOverlappingRuleWithAnotherLevelComesFirst) {
  std::string pods = "  resources: [{group: \"\", resources: [pods]}]\n";
  auto warn = LintCode(Rules("- level: None\n  users: [alice]\n- level: Metadata\n" + pods +
                             "- level: Metadata\n" + pods),
                       kCodeShadowedRule);
  ASSERT_EQ(warn.size(), 1u);
  EXPECT_EQ(warn[0].severity, Severity::kWarning);  // alice's pod requests get None
  auto info = LintCode(Rules("- level: None\n  users: [alice]\n  nonResourceURLs: [/x]\n"
                             "- level: Metadata\n" +
                             pods + "- level: Metadata\n" + pods),
                       kCodeShadowedRule);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].severity, Severity::kInfo);
}

TEST(LintShadowTest, ResourceNames) {
  std::string named =
      "- level: None\n  resources: [{group: \"\", resources: [configmaps], resourceNames: [x]}]\n";
  EXPECT_THAT(LintCode(Rules(named + "- level: Metadata\n"
                                     "  resources: [{group: \"\", resources: [configmaps]}]\n"),
                       kCodeShadowedRule),
              IsEmpty());
  EXPECT_THAT(
      LintCode(
          Rules("- level: None\n  resources: [{group: \"\", resources: [configmaps]}]\n" + named),
          kCodeShadowedRule),
      ::testing::SizeIs(1));
}

// --- no-catch-all -------------------------------------------------------------------------------

TEST(LintCatchAllTest, MissingCatchAll) {
  auto f = LintCode(Rules("- level: Metadata\n  verbs: [get]\n", true, false), kCodeNoCatchAll);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_index, -1);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_THAT(f[0].fix, HasSubstr("- level: Metadata"));
}

TEST(LintCatchAllTest, AnyRuleWithoutSelectorsIsACatchAll) {
  EXPECT_THAT(LintCode(Rules("- level: None\n", true, false), kCodeNoCatchAll), IsEmpty());
  EXPECT_THAT(LintCode(Rules("- level: Metadata\n  omitStages: [RequestReceived]\n"
                             "- level: None\n  verbs: [get]\n",
                             true, false),
                       kCodeNoCatchAll),
              IsEmpty());
  // nonResourceURLs ["*"] leaves every resource request out.
  EXPECT_THAT(LintCode(Rules("- level: Metadata\n  nonResourceURLs: [\"*\"]\n", true, false),
                       kCodeNoCatchAll),
              ::testing::SizeIs(1));
}

// --- sensitive-body -----------------------------------------------------------------------------

TEST(LintSensitiveTest, BodyCatchAllLogsCredentials) {
  Policy p = Rules("- level: RequestResponse\n", true, false);
  auto f = LintCode(p, kCodeSensitiveBody);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].severity, Severity::kError);
  EXPECT_THAT(f[0].message, HasSubstr("Secrets"));
  EXPECT_THAT(f[0].message, HasSubstr("serviceaccounts/token"));
  EXPECT_THAT(f[0].message, HasSubstr("TokenReviews"));
  EXPECT_THAT(f[0].fix,
              HasSubstr("{group: \"authentication.k8s.io\", resources: [\"tokenreviews\"]}"));
  EXPECT_EQ(f[1].severity, Severity::kInfo);
  EXPECT_THAT(f[1].message, HasSubstr("ConfigMaps"));
}

TEST(LintSensitiveTest, EarlierCapsOnlyCoverWhatTheyMatch) {
  auto f = LintCode(Rules("- level: Metadata\n  resources: [{group: \"\", resources: [secrets]}]\n"
                          "- level: RequestResponse\n",
                          true, false),
                    kCodeSensitiveBody);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].rule_index, 1);
  EXPECT_THAT(f[0].message, ::testing::Not(HasSubstr("Secrets")));
  EXPECT_THAT(f[0].message, HasSubstr("TokenReviews"));
  // A cap for one user leaves everyone else's Secrets at RequestResponse.
  auto per_user = LintCode(Rules("- level: Metadata\n  users: [alice]\n  resources: [{group: \"\", "
                                 "resources: [secrets]}]\n"
                                 "- level: RequestResponse\n  resources: [{group: \"\"}]\n",
                                 true, false),
                           kCodeSensitiveBody);
  ASSERT_FALSE(per_user.empty());
  EXPECT_THAT(per_user[0].message, HasSubstr("Secrets"));
  // A cap for some names leaves the other Secrets.
  auto per_name = LintCode(
      Rules(
          "- level: None\n  resources: [{group: \"\", resources: [secrets], resourceNames: [x]}]\n"
          "- level: RequestResponse\n  resources: [{group: \"\", resources: [secrets]}]\n"),
      kCodeSensitiveBody);
  EXPECT_THAT(per_name, ::testing::SizeIs(1));
}

TEST(LintSensitiveTest, LockedPreambleCapsEveryCredential) {
  Policy p;
  for (const CuratedRule& c : LockedPreamble()) p.rules.push_back(c.rule);
  p.rules.push_back({.level = "RequestResponse"});
  auto f = LintCode(p, kCodeSensitiveBody);
  ASSERT_EQ(f.size(), 1u);  // ConfigMaps only, as info
  EXPECT_EQ(f[0].severity, Severity::kInfo);
}

TEST(LintSensitiveTest, ReadsAtRequestCarryNoBody) {
  EXPECT_THAT(LintCode(Rules("- level: Request\n  verbs: [get, list, watch, delete]\n"),
                       kCodeSensitiveBody),
              IsEmpty());
  // A Request-level write of a Secret logs its data; a TokenRequest body holds no token.
  auto f = LintCode(Rules("- level: Request\n  verbs: [create]\n"), kCodeSensitiveBody);
  ASSERT_FALSE(f.empty());
  EXPECT_THAT(f[0].message, HasSubstr("Secrets"));
  EXPECT_THAT(f[0].message, ::testing::Not(HasSubstr("serviceaccounts/token")));
  // A watch's streamed response is never logged.
  EXPECT_THAT(LintCode(Rules("- level: RequestResponse\n  verbs: [watch]\n"), kCodeSensitiveBody),
              IsEmpty());
}

TEST(LintSensitiveTest, WildcardsAndGroups) {
  auto star = LintCode(
      Rules("- level: RequestResponse\n  resources: [{group: \"\", resources: [\"*\"]}]\n"),
      kCodeSensitiveBody);
  ASSERT_FALSE(star.empty());
  EXPECT_THAT(star[0].message, HasSubstr("Secrets"));
  auto token = LintCode(
      Rules("- level: RequestResponse\n  resources: [{group: \"\", resources: [\"*/token\"]}]\n"),
      kCodeSensitiveBody);
  ASSERT_EQ(token.size(), 1u);
  EXPECT_THAT(token[0].message, HasSubstr("serviceaccounts/token"));
  EXPECT_THAT(token[0].message, ::testing::Not(HasSubstr("Secrets")));
  // "*/*" means different things in different versions: assumed to reach Secrets.
  EXPECT_THAT(
      LintCode(
          Rules("- level: RequestResponse\n  resources: [{group: \"\", resources: [\"*/*\"]}]\n"),
          kCodeSensitiveBody),
      ::testing::Not(IsEmpty()));
  EXPECT_THAT(LintCode(Rules("- level: RequestResponse\n  resources: [{group: apps}]\n"
                             "- level: RequestResponse\n  nonResourceURLs: [\"*\"]\n"),
                       kCodeSensitiveBody),
              IsEmpty());
}

TEST(LintSensitiveTest, ShadowedBodyRuleIsNotALeak) {
  std::string secrets = "  resources: [{group: \"\", resources: [secrets]}]\n  namespaces: [a]\n";
  EXPECT_THAT(
      LintCode(Rules("- level: Metadata\n" + secrets + "- level: RequestResponse\n" + secrets),
               kCodeSensitiveBody),
      IsEmpty());
}

// --- request-received-not-omitted ----------------------------------------------------------------

TEST(LintStagesTest, RequestReceivedLogged) {
  auto f = LintCode(
      Rules("- level: None\n  verbs: [watch]\n- level: Request\n  verbs: [create]\n", false),
      kCodeRequestReceived);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_index, -1);
  EXPECT_THAT(f[0].message, HasSubstr("by rules[1], rules[2]"));  // None rules log nothing
  EXPECT_THAT(f[0].fix, HasSubstr("omitStages: [RequestReceived]"));
}

TEST(LintStagesTest, RequestReceivedOmitted) {
  EXPECT_THAT(LintCode(Rules("- level: Request\n  verbs: [create]\n", true), kCodeRequestReceived),
              IsEmpty());
  EXPECT_THAT(LintCode(Rules("- level: Request\n  omitStages: [RequestReceived]\n", false, false),
                       kCodeRequestReceived),
              IsEmpty());
  EXPECT_THAT(LintCode(Rules("- level: None\n", false, false), kCodeRequestReceived), IsEmpty());
}

// --- level-no-effect ----------------------------------------------------------------------------

TEST(LintLevelTest, BodiesOnUrlsAndWatches) {
  auto url = LintCode(Rules("- level: RequestResponse\n  nonResourceURLs: [/metrics]\n"),
                      kCodeLevelNoEffect);
  ASSERT_EQ(url.size(), 1u);
  EXPECT_EQ(url[0].severity, Severity::kInfo);
  EXPECT_THAT(url[0].fix, HasSubstr("rules[0].level to Metadata"));
  EXPECT_THAT(LintCode(Rules("- level: Request\n  verbs: [watch]\n  resources: [{group: apps}]\n"),
                       kCodeLevelNoEffect),
              ::testing::SizeIs(1));
  EXPECT_THAT(LintCode(Rules("- level: RequestResponse\n  verbs: [watch, get]\n"
                             "- level: Metadata\n  nonResourceURLs: [/metrics]\n"
                             "- level: RequestResponse\n"),
                       kCodeLevelNoEffect),
              IsEmpty());
}

// --- whole policies -----------------------------------------------------------------------------

TEST(LintPolicyTest, CleanPolicyHasNoFindings) {
  Policy p = Rules(
      "- level: None\n  users: [system:kube-proxy]\n  verbs: [watch]\n"
      "  resources: [{group: \"\", resources: [endpoints, services]}]\n"
      "- level: None\n  nonResourceURLs: [\"/healthz*\", /version]\n"
      "- level: Metadata\n  resources: [{group: \"\", resources: [secrets, configmaps,"
      " serviceaccounts/token]}, {group: authentication.k8s.io, resources: [tokenreviews]}]\n"
      "- level: RequestResponse\n  verbs: [create, update, patch, delete]\n"
      "  resources: [{group: apps}, {group: \"\"}]\n");
  EXPECT_THAT(Lint(p), IsEmpty());
}

TEST(LintPolicyTest, OrderIsStable) {
  Policy p = Rules(
      "- level: RequestResponse\n  verbs: [gets]\n"
      "  resources: [{resources: [deployments, secrets]}]\n"
      "- level: None\n",
      false, false);
  std::vector<Finding> f = Lint(p);
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0].code, kCodeRequestReceived);  // policy-wide first
  EXPECT_EQ(f[1].code, kCodeSensitiveBody);    // then rule 0, in code order
  EXPECT_EQ(f[2].code, kCodeUnknownVerb);
  EXPECT_EQ(f[3].code, kCodeWrongGroup);
  EXPECT_EQ(f[4].code, kCodeMatchesNothing);  // every verb is dead
  for (std::size_t i = 1; i < f.size(); ++i) EXPECT_EQ(f[i].rule_index, 0);
  EXPECT_EQ(Lint(p), f);
  EXPECT_EQ(MaxSeverity(f), Severity::kError);
  EXPECT_EQ(MaxSeverity({}), std::nullopt);
}

TEST(LintPolicyTest, SeverityNames) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kError}) {
    EXPECT_EQ(ParseSeverity(SeverityName(s)), s);
  }
  EXPECT_EQ(ParseSeverity("Warning"), std::nullopt);
}

TEST(LintPolicyTest, EveryPresetWithThePreambleHasNoErrors) {
  for (Preset preset : {Preset::kNone, Preset::kMetadata, Preset::kWriteRequestBodies,
                        Preset::kAllRequestBodies, Preset::kRecommended}) {
    Policy p;
    for (const CuratedRule& c : LockedPreamble()) p.rules.push_back(c.rule);
    for (const CuratedRule& c : PresetRules(preset)) p.rules.push_back(c.rule);
    for (const Finding& f : Lint(p)) {
      EXPECT_NE(f.severity, Severity::kError) << PresetName(preset) << ": " << f.message;
    }
  }
}

// Every policy of the conformance corpus (recorded against kube-apiserver) and every rendered
// golden policy: lint never crashes and its findings are well formed; kaudit's own rendered
// presets never log credentials.
TEST(LintPolicyTest, CorpusPoliciesGiveWellFormedFindings) {
  namespace fs = std::filesystem;
  int linted = 0;
  for (const char* dir : {"tests/fixtures/conformance/validate", "tests/fixtures/conformance/eval",
                          "tests/fixtures/render"}) {
    if (!fs::is_directory(dir)) continue;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".yaml") continue;
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      LoadResult r = LoadPolicy(ss.str());
      if (!r.ok) continue;
      ++linted;
      for (const Finding& f : Lint(r.policy)) {
        EXPECT_FALSE(f.code.empty()) << e.path();
        EXPECT_FALSE(f.fix.empty()) << e.path() << ": " << f.code;
        EXPECT_GE(f.rule_index, -1);
        EXPECT_LT(f.rule_index, static_cast<int>(r.policy.rules.size()));
        if (e.path().string().find("render/preset-") != std::string::npos) {
          EXPECT_NE(f.severity, Severity::kError) << e.path() << ": " << f.message;
        }
      }
    }
  }
  EXPECT_GT(linted, 20);
}

}  // namespace
}  // namespace kaudit::policy
