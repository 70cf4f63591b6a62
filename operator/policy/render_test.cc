// Composition, the locked preamble, expiry, flags and revisions. Expected policies and flag
// lists are written out by hand from render.h's rules (golden files in tests/fixtures/render/).
#include "policy/render.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/sha256.h"
#include "kyaml/parse.h"
#include "policy/loader.h"
#include "policy/render_testing.h"

namespace kaudit::policy {
namespace {

using testing::As;
using testing::Custom;
using testing::LevelOf;
using testing::Profile;
using testing::Res;

SystemTime At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

RenderOptions Opts(const char* now = "2025-01-01T00:00:00Z") {
  RenderOptions o;
  o.now = At(now);
  return o;
}

RenderedConfig MustRender(const std::vector<AuditProfile>& profiles,
                          const RenderOptions& opts = Opts()) {
  StatusOr<RenderedConfig> r = Render(profiles, opts);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  LoadResult loaded = LoadPolicy(r->policy_yaml, {.strict = true});
  EXPECT_TRUE(loaded.ok) << (loaded.errors.empty() ? "" : loaded.errors[0]);
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(loaded.policy, r->policy);
  return *r;
}

std::vector<std::string> Users(const RenderedConfig& r) {
  std::vector<std::string> out;
  for (const PolicyRule& rule : r.policy.rules) {
    if (!rule.users.empty()) out.push_back(rule.users[0]);
  }
  return out;
}

bool HasNote(const RenderedConfig& r, const std::string& text) {
  return std::any_of(r.notes.begin(), r.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

std::vector<AuditProfile> ParseFixture(const std::string& name) {
  ProfileParseResult p = ParseProfiles(testing::ReadFixture(name), name);
  EXPECT_TRUE(p.ok()) << (p.errors.empty() ? "" : p.errors[0]);
  return p.profiles;
}

TEST(RenderTest, ComposeGolden) {
  RenderedConfig r = MustRender(ParseFixture("compose.input.yaml"));
  EXPECT_EQ(r.policy_yaml, testing::ReadFixture("compose.policy.yaml"));
  std::string flags = testing::ReadFixture("compose.flags.json");
  flags.replace(flags.find("REVISION"), 8, r.revision);
  EXPECT_EQ(r.flags_json, flags);

  // The revision, recomputed from its definition in render.h.
  std::string canon = "kaudit-revision-v1\npolicy.yaml " + std::to_string(r.policy_yaml.size()) +
                      "\n" + r.policy_yaml;
  std::string lines;
  for (std::size_t i = 1; i < r.flags.size(); ++i) {
    lines += r.flags[i].first + "=" + r.flags[i].second + "\n";
  }
  canon += "flags " + std::to_string(lines.size()) + "\n" + lines + "webhook.kubeconfig -\n";
  EXPECT_EQ(r.revision, Sha256Hex(canon).substr(0, 10));

  EXPECT_TRUE(HasNote(r,
                      "profile \"debug-alice\" spec.rules[2] expired at "
                      "2024-06-01T12:00:00Z: dropped"));
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].field, "spec.backends.log");
  EXPECT_EQ(r.conflicts[0].profile, "baseline");
  EXPECT_EQ(r.conflicts[0].winner, "debug-alice");
  EXPECT_EQ(r.next_expiry, At("2030-01-01T00:00:00Z"));
  EXPECT_EQ(r.preset, Preset::kMetadata);
  EXPECT_EQ(r.preset_profile, "baseline");
  ASSERT_EQ(r.sources.size(), 2u);
  EXPECT_EQ(r.sources[0].name, "debug-alice");
}

TEST(RenderTest, OutputDoesNotDependOnInputOrder) {
  std::vector<AuditProfile> ps = ParseFixture("compose.input.yaml");
  AuditProfile extra = Profile("aaa", Preset::kRecommended, 10);  // same priority as debug-alice
  extra.rules.push_back(Custom("Request", {"carol"}));
  ps.push_back(extra);
  RenderedConfig first = MustRender(ps);
  std::sort(ps.begin(), ps.end(),
            [](const AuditProfile& a, const AuditProfile& b) { return a.name < b.name; });
  do {
    RenderedConfig again = MustRender(ps);
    EXPECT_EQ(again.policy_yaml, first.policy_yaml);
    EXPECT_EQ(again.flags_json, first.flags_json);
    EXPECT_EQ(again.revision, first.revision);
  } while (std::next_permutation(
      ps.begin(), ps.end(),
      [](const AuditProfile& a, const AuditProfile& b) { return a.name < b.name; }));
  // Equal priority: by name, so "aaa" comes before "debug-alice", and its preset wins.
  EXPECT_EQ(Users(first)[0], "carol");
  EXPECT_EQ(first.preset, Preset::kRecommended);
}

TEST(RenderTest, RulesAreOrderedByPriorityThenName) {
  std::vector<AuditProfile> ps = {Profile("b"), Profile("a"), Profile("c", std::nullopt, 5),
                                  Profile("z", std::nullopt, -3)};
  for (AuditProfile& p : ps) p.rules.push_back(Custom("Metadata", {"from-" + p.name}));
  RenderedConfig r = MustRender(ps);
  EXPECT_EQ(Users(r), (std::vector<std::string>{"from-c", "from-a", "from-b", "from-z"}));
  EXPECT_TRUE(HasNote(r, "no profile names a preset"));
  EXPECT_FALSE(r.preset.has_value());
}

TEST(RenderTest, PresetComesFromTheFirstProfileThatNamesOne) {
  std::vector<AuditProfile> ps = {Profile("low", Preset::kAllRequestBodies, -1),
                                  Profile("b", Preset::kMetadata), Profile("a", Preset::kNone),
                                  Profile("top", std::nullopt, 100)};
  RenderedConfig r = MustRender(ps);
  EXPECT_EQ(r.preset, Preset::kNone);
  EXPECT_EQ(r.preset_profile, "a");
  ASSERT_EQ(r.conflicts.size(), 2u);
  EXPECT_EQ(r.conflicts[0].field, "spec.preset");
  EXPECT_EQ(r.conflicts[0].profile, "b");
  EXPECT_EQ(r.conflicts[1].profile, "low");
  EXPECT_EQ(r.policy.rules.back().level, "None");  // None's catch-all
}

TEST(RenderTest, SamePresetTwiceIsNoConflict) {
  RenderedConfig r = MustRender({Profile("a", Preset::kMetadata), Profile("b", Preset::kMetadata)});
  EXPECT_TRUE(r.conflicts.empty());
}

TEST(RenderTest, TheLockedPreambleCannotBeOverridden) {
  AuditProfile greedy = Profile("greedy", Preset::kAllRequestBodies, 1000);
  greedy.rules.push_back(Custom("None", {"mallory"}));  // hide mallory
  greedy.rules.push_back(Custom("RequestResponse"));    // bodies for everything else
  RenderedConfig r = MustRender({greedy});
  ASSERT_EQ(r.origins.size(), r.policy.rules.size());
  EXPECT_EQ(r.origins[0].kind, RuleOrigin::Kind::kPreamble);
  EXPECT_EQ(r.origins[3].kind, RuleOrigin::Kind::kPreamble);
  EXPECT_EQ(r.origins[4].kind, RuleOrigin::Kind::kProfile);

  const Policy& p = r.policy;
  const std::vector<std::string> users = {"system:authenticated"};
  EXPECT_EQ(LevelOf(p, Res("get", "", "secrets")), Level::kMetadata);
  EXPECT_EQ(LevelOf(p, Res("create", "", "serviceaccounts", "token")), Level::kMetadata);
  EXPECT_EQ(LevelOf(p, Res("create", "authentication.k8s.io", "tokenreviews")), Level::kMetadata);
  EXPECT_EQ(LevelOf(p, As(Res("get", "", "secrets"), "mallory", users)), Level::kMetadata);
  EXPECT_EQ(LevelOf(p, As(Res("patch", "kaudit.io", "auditprofiles"), "mallory", users)),
            Level::kRequestResponse);
  testing::Request crd =
      As(Res("delete", "apiextensions.k8s.io", "customresourcedefinitions"), "mallory", users);
  crd.name = "auditprofiles.kaudit.io";
  EXPECT_EQ(LevelOf(p, crd), Level::kRequestResponse);
  crd.verb = "deletecollection";
  crd.name = "";
  EXPECT_EQ(LevelOf(p, crd), Level::kRequestResponse);
  // A create names no object: kube-apiserver never matches it by resourceNames, so every CRD
  // creation is locked (re-creating a deleted AuditProfile CRD must leave a trace).
  crd.verb = "create";
  EXPECT_EQ(LevelOf(p, crd), Level::kRequestResponse);
  // Not locked: reads of profiles, other CRDs, mallory's other actions.
  EXPECT_EQ(LevelOf(p, As(Res("get", "kaudit.io", "auditprofiles"), "mallory", users)),
            Level::kNone);
  crd.verb = "delete";
  crd.name = "widgets.example.com";
  EXPECT_EQ(LevelOf(p, crd), Level::kNone);
  EXPECT_EQ(LevelOf(p, Res("get", "", "configmaps")), Level::kRequestResponse);

  RenderOptions off = Opts();
  off.locked_preamble = false;
  Policy unlocked = MustRender({greedy}, off).policy;
  EXPECT_EQ(LevelOf(unlocked, Res("get", "", "secrets")), Level::kRequestResponse);
  EXPECT_EQ(LevelOf(unlocked, As(Res("patch", "kaudit.io", "auditprofiles"), "mallory", users)),
            Level::kNone);
}

// The presets repeat the preamble's Secrets rule so they are safe alone; with the preamble in
// front the copy could never match, so it is left out (lint would call it redundant).
TEST(RenderTest, PresetCopyOfThePreambleRuleIsLeftOutBehindThePreamble) {
  auto secrets_rules = [](const RenderedConfig& r) {
    int n = 0;
    for (const PolicyRule& rule : r.policy.rules) {
      for (const GroupResources& gr : rule.resources) {
        if (gr.group.empty() &&
            std::find(gr.resources.begin(), gr.resources.end(), "secrets") != gr.resources.end()) {
          ++n;
        }
      }
    }
    return n;
  };
  for (Preset preset : {Preset::kWriteRequestBodies, Preset::kAllRequestBodies,
                        Preset::kRecommended}) {
    AuditProfile p = Profile("p", preset);
    EXPECT_EQ(secrets_rules(MustRender({p})), 1) << PresetName(preset);
    RenderOptions off = Opts();
    off.locked_preamble = false;
    EXPECT_EQ(secrets_rules(MustRender({p}, off)), 1) << PresetName(preset);
    // Profile defaults change the copy's stages, not what it matches: still never reached.
    p.omit_stages = {"Panic"};
    p.omit_managed_fields = true;
    EXPECT_EQ(secrets_rules(MustRender({p})), 1) << PresetName(preset);
  }
}

TEST(RenderTest, ProfileStagesAndManagedFieldsApplyToItsOwnRulesOnly) {
  AuditProfile a = Profile("a", std::nullopt, 1);
  a.omit_stages = {"ResponseStarted", "ResponseComplete", "RequestReceived", "Panic"};
  a.omit_managed_fields = true;
  a.rules.push_back(Custom("Metadata", {"alice"}));
  ProfileRule keep = Custom("Metadata", {"bob"});
  keep.rule.omit_managed_fields = false;
  keep.rule.omit_stages = {"Panic"};
  a.rules.push_back(keep);
  AuditProfile b = Profile("b", Preset::kMetadata);
  b.omit_stages = {"Panic"};
  b.rules.push_back(Custom("Request", {"carol"}));
  RenderedConfig r = MustRender({a, b});
  const std::vector<PolicyRule>& rules = r.policy.rules;
  ASSERT_EQ(rules.size(), 4u + 2u + 1u + 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(rules[i].omit_managed_fields.has_value());
    EXPECT_EQ(rules[i].omit_stages, (std::vector<std::string>{"RequestReceived"}));
  }
  const std::vector<std::string> all = {"RequestReceived", "ResponseStarted", "ResponseComplete",
                                        "Panic"};
  EXPECT_EQ(rules[4].omit_stages, all);
  EXPECT_EQ(rules[4].omit_managed_fields, true);
  EXPECT_EQ(rules[5].omit_stages, all);
  EXPECT_EQ(rules[5].omit_managed_fields, false);  // the rule's own setting wins
  EXPECT_EQ(rules[6].omit_stages, (std::vector<std::string>{"Panic"}));
  EXPECT_FALSE(rules[6].omit_managed_fields.has_value());
  // b's preset carries b's stages: health probes rule had none, the catch-all had one.
  EXPECT_EQ(rules[7].omit_stages, (std::vector<std::string>{"Panic"}));
  EXPECT_EQ(rules[10].omit_stages, (std::vector<std::string>{"RequestReceived", "Panic"}));
  EXPECT_TRUE(r.policy.omit_stages.empty());
  EXPECT_FALSE(r.policy.omit_managed_fields);
}

TEST(RenderTest, ExpiredRulesDropOutAtTheirTime) {
  AuditProfile p = Profile("debug", Preset::kMetadata);
  ProfileRule a = Custom("RequestResponse", {"a"});
  a.expires_at = At("2025-01-01T00:00:00Z");  // exactly now: gone
  ProfileRule b = Custom("RequestResponse", {"b"});
  b.expires_at = At("2025-01-01T00:00:01Z");
  ProfileRule c = Custom("RequestResponse", {"c"});
  c.expires_at = At("2025-03-01T00:00:00Z");
  p.rules = {c, a, b, Custom("Request", {"d"})};
  RenderedConfig r = MustRender({p});
  EXPECT_EQ(Users(r), (std::vector<std::string>{"c", "b", "d"}));
  EXPECT_EQ(r.next_expiry, At("2025-01-01T00:00:01Z"));
  EXPECT_TRUE(HasNote(r, "spec.rules[1] expired at 2025-01-01T00:00:00Z: dropped"));
  EXPECT_EQ(r.origins[4].comment, "profile \"debug\" spec.rules[0]");
  EXPECT_EQ(r.origins[4].expires_at, At("2025-03-01T00:00:00Z"));

  // Extending a rule that is still in force changes nothing on the nodes.
  AuditProfile extended = p;
  extended.rules[0].expires_at = At("2026-03-01T00:00:00Z");
  EXPECT_EQ(MustRender({extended}).revision, r.revision);

  RenderedConfig later = MustRender({p}, Opts("2025-06-01T00:00:00Z"));
  EXPECT_EQ(Users(later), (std::vector<std::string>{"d"}));
  EXPECT_FALSE(later.next_expiry.has_value());
  EXPECT_NE(later.revision, r.revision);
}

TEST(RenderTest, AnEmptyEffectivePolicyIsRefused) {
  AuditProfile p = Profile("only-expired");
  ProfileRule old = Custom("Metadata");
  old.expires_at = At("2020-01-01T00:00:00Z");
  p.rules = {old};
  RenderOptions opts = Opts();
  opts.locked_preamble = false;
  StatusOr<RenderedConfig> r = Render({p}, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("0 rules"), std::string::npos);
  // With the preamble there is always something to load.
  EXPECT_EQ(MustRender({p}).policy.rules.size(), 4u);
}

using Flags = std::vector<std::pair<std::string, std::string>>;

TEST(RenderTest, DefaultFlags) {
  RenderedConfig r = MustRender({Profile("p", Preset::kRecommended)});
  ASSERT_EQ(r.revision.size(), 10u);
  EXPECT_EQ(r.revision.find_first_not_of("0123456789abcdef"), std::string::npos);
  Flags want = {{"audit-policy-file", "/etc/kubernetes/kaudit/policies/" + r.revision + ".yaml"},
                {"audit-log-path", "/var/log/kubernetes/audit/audit.log"},
                {"audit-log-format", "json"},
                {"audit-log-maxage", "30"},
                {"audit-log-maxbackup", "10"},
                {"audit-log-maxsize", "100"},
                {"audit-log-compress", "false"},
                {"audit-log-mode", "blocking"},
                {"audit-log-truncate-enabled", "false"}};
  EXPECT_EQ(r.flags, want);
  EXPECT_EQ(r.health_timeout, std::chrono::minutes(5));
  EXPECT_FALSE(r.paused);
}

TEST(RenderTest, LogSettingsBecomeFlags) {
  AuditProfile p = Profile("p", Preset::kMetadata);
  LogBackendSpec& l = p.log.emplace();
  l.path = "/var/log/kubernetes/kaudit/api.log";
  l.max_age_days = 0;
  l.max_backups = 3;
  l.max_size_mb = 250;
  l.compress = true;
  l.format = "legacy";
  l.mode = "blocking-strict";
  l.batch.max_size = 5;  // ignored outside batch mode
  l.truncate.enabled = true;
  l.truncate.max_event_size = 2048;
  RenderedConfig r = MustRender({p});
  Flags want = {{"audit-policy-file", NodePolicyPath(r.revision)},
                {"audit-log-path", "/var/log/kubernetes/kaudit/api.log"},
                {"audit-log-format", "legacy"},
                {"audit-log-maxage", "0"},
                {"audit-log-maxbackup", "3"},
                {"audit-log-maxsize", "250"},
                {"audit-log-compress", "true"},
                {"audit-log-mode", "blocking-strict"},
                {"audit-log-truncate-enabled", "true"},
                {"audit-log-truncate-max-batch-size", "10485760"},
                {"audit-log-truncate-max-event-size", "2048"}};
  EXPECT_EQ(r.flags, want);
  EXPECT_TRUE(HasNote(r, "spec.backends.log.batch is ignored: mode is blocking-strict"));
}

constexpr const char* kKubeconfig =
    "apiVersion: v1\nkind: Config\nclusters:\n- name: falco\n  cluster:\n"
    "    server: https://falco.example.com:9765/k8s-audit\n"
    "contexts:\n- name: default\n  context:\n    cluster: falco\n"
    "current-context: default\n";

AuditProfile WithWebhook() {
  AuditProfile p = Profile("sink", Preset::kRecommended);
  p.webhook.emplace().secret_name = "falco-sink";
  return p;
}

TEST(RenderTest, WebhookFlagsAndKubeconfig) {
  RenderOptions opts = Opts();
  opts.webhook_kubeconfig = kKubeconfig;
  RenderedConfig r = MustRender({WithWebhook()}, opts);
  ASSERT_GE(r.flags.size(), 2u);
  EXPECT_EQ(r.flags[1], (std::pair<std::string, std::string>(
                            "audit-webhook-config-file",
                            "/etc/kubernetes/kaudit/webhook/" + r.revision + ".kubeconfig")));
  Flags tail(r.flags.end() - 10, r.flags.end());
  Flags want = {{"audit-webhook-mode", "batch"},
                {"audit-webhook-initial-backoff", "10s"},
                {"audit-webhook-batch-buffer-size", "10000"},
                {"audit-webhook-batch-max-size", "400"},
                {"audit-webhook-batch-max-wait", "30s"},
                {"audit-webhook-batch-throttle-enable", "true"},
                {"audit-webhook-batch-throttle-qps", "10"},
                {"audit-webhook-batch-throttle-burst", "15"},
                {"audit-webhook-truncate-enabled", "false"}};
  EXPECT_EQ(Flags(tail.begin() + 1, tail.end()), want);
  EXPECT_EQ(r.webhook_kubeconfig, std::string(kKubeconfig));

  // The kubeconfig is part of the revision.
  opts.webhook_kubeconfig = std::string(kKubeconfig) + "# rotated credentials\n";
  EXPECT_NE(MustRender({WithWebhook()}, opts).revision, r.revision);
}

TEST(RenderTest, WebhookWithoutKubeconfig) {
  StatusOr<RenderedConfig> r = Render({WithWebhook()}, Opts());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("Secret \"falco-sink\" key \"kubeconfig\""),
            std::string::npos);
  RenderOptions preview = Opts();
  preview.allow_missing_webhook_kubeconfig = true;
  RenderedConfig p = MustRender({WithWebhook()}, preview);
  EXPECT_FALSE(p.webhook.has_value());
  for (const auto& f : p.flags) EXPECT_EQ(f.first.find("audit-webhook"), std::string::npos);
  EXPECT_TRUE(HasNote(p, "webhook left out of this render"));
}

TEST(RenderTest, WebhookKubeconfigIsChecked) {
  EXPECT_TRUE(CheckWebhookKubeconfig(kKubeconfig).ok());
  EXPECT_FALSE(CheckWebhookKubeconfig("").ok());
  EXPECT_FALSE(CheckWebhookKubeconfig("clusters: [").ok());
  std::string no_current = kKubeconfig;
  no_current.erase(no_current.find("current-context"));
  EXPECT_FALSE(CheckWebhookKubeconfig(no_current).ok());
  std::string wrong_cluster = kKubeconfig;
  wrong_cluster.replace(wrong_cluster.find("cluster: falco"), 14, "cluster: other");
  EXPECT_FALSE(CheckWebhookKubeconfig(wrong_cluster).ok());
  std::string no_server = kKubeconfig;
  no_server.replace(no_server.find("https://"), 8, "ftp://");
  EXPECT_FALSE(CheckWebhookKubeconfig(no_server).ok());
  RenderOptions opts = Opts();
  opts.webhook_kubeconfig = no_current;
  EXPECT_FALSE(Render({WithWebhook()}, opts).ok());
}

TEST(RenderTest, BackendAndRolloutSettingsComeFromTheFirstProfileThatSetsThem) {
  AuditProfile high = Profile("high", std::nullopt, 10);
  high.rollout.health_timeout = std::chrono::minutes(10);
  AuditProfile low = Profile("low", Preset::kMetadata);
  low.rollout.health_timeout = std::chrono::minutes(2);
  low.rollout.paused = true;
  low.log.emplace().max_backups = 1;
  AuditProfile same = Profile("same", std::nullopt, -1);
  same.log.emplace().max_backups = 1;
  RenderedConfig r = MustRender({low, high, same});
  EXPECT_EQ(r.health_timeout, std::chrono::minutes(10));
  EXPECT_TRUE(r.paused);
  EXPECT_EQ(r.log.max_backups, 1);
  ASSERT_EQ(r.conflicts.size(), 1u);  // "same" agrees with "low"
  EXPECT_EQ(r.conflicts[0].field, "spec.rollout.healthTimeout");
  EXPECT_EQ(r.conflicts[0].profile, "low");
  EXPECT_NE(r.conflicts[0].message.find("profile \"high\" (priority 10)"), std::string::npos);
}

TEST(RenderTest, ExplicitDefaultsDoNotConflictWithNothing) {
  AuditProfile a = Profile("a", Preset::kMetadata);
  a.log.emplace().max_age_days = kDefaultMaxAgeDays;
  AuditProfile b = Profile("b");
  b.log.emplace();
  EXPECT_TRUE(MustRender({a, b}).conflicts.empty());
  EXPECT_EQ(MustRender({a}).revision, MustRender({b, Profile("c", Preset::kMetadata)}).revision);
}

TEST(RenderTest, RefusedInputs) {
  EXPECT_FALSE(Render({}, Opts()).ok());
  StatusOr<RenderedConfig> dup = Render({Profile("x"), Profile("x")}, Opts());
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("two AuditProfiles are named \"x\""), std::string::npos);

  AuditProfile p = Profile("elsewhere", Preset::kMetadata);
  p.log.emplace().path = "/var/log/kubernetes/audit/audit.log";
  RenderOptions opts = Opts();
  opts.allowed_log_root = "/srv/audit";
  StatusOr<RenderedConfig> r = Render({p}, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "profile \"elsewhere\": spec.backends.log.path: Invalid value: "
            "\"/var/log/kubernetes/audit/audit.log\": must lie under /srv/audit (the agent's "
            "allowed log root)");
}

// The shipped examples (examples/*.yaml, applied by users with kubectl): each parses without a
// warning even in strict mode and renders to a policy kube-apiserver loads; together they cover
// every preset, and the webhook example's Secret holds a kubeconfig kube-apiserver accepts.
TEST(RenderTest, ShippedExamples) {
  const char* root = std::getenv("KAUDIT_SOURCE_DIR");
  std::filesystem::path dir = std::filesystem::path(root ? root : ".") / "examples";
  std::set<Preset> presets;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    std::string text = testing::ReadSourceFile("examples/" + entry.path().filename().string());
    ProfileOptions strict;
    strict.strict = true;
    ProfileParseResult parsed = ParseProfiles(text, entry.path().filename().string(), strict);
    EXPECT_TRUE(parsed.ok()) << ::testing::PrintToString(parsed.errors);
    EXPECT_TRUE(parsed.warnings.empty()) << ::testing::PrintToString(parsed.warnings);
    ASSERT_EQ(parsed.profiles.size(), 1u);
    if (parsed.profiles[0].preset) presets.insert(*parsed.profiles[0].preset);
    RenderOptions opts = Opts();
    if (parsed.profiles[0].webhook) {
      StatusOr<std::vector<kyaml::Document>> docs = kyaml::ParseAllDocuments(text);
      ASSERT_TRUE(docs.ok());
      const kyaml::Value* data = (*docs)[0].root.Find("stringData");
      ASSERT_NE(data, nullptr);
      opts.webhook_kubeconfig = data->Find(parsed.profiles[0].webhook->secret_key)->text();
    }
    RenderedConfig r = MustRender(parsed.profiles, opts);
    EXPECT_EQ(r.webhook.has_value(), parsed.profiles[0].webhook.has_value());
  }
  EXPECT_GE(files, 6);
  EXPECT_EQ(presets.size(), 5u);
}

}  // namespace
}  // namespace kaudit::policy
