// Decoding and validating AuditProfiles: every field, the defaults, and every class of bad
// input (each must give a clear message naming file, line and field, and never crash). Expected
// messages follow the wording documented in profile.h and schema_reader.h.
#include "policy/profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kyaml/parse.h"

namespace kaudit::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kHead =
    "apiVersion: kaudit.io/v1alpha1\nkind: AuditProfile\nmetadata:\n  name: p\n";

ProfileParseResult Parse(const std::string& text, bool strict = false) {
  ProfileOptions o;
  o.strict = strict;
  return ParseProfiles(text, "p.yaml", o);
}

// The only error of a profile whose spec is body (line numbers: kHead is 4 lines, "spec:" is 5).
std::string OnlyError(const std::string& body) {
  ProfileParseResult r = Parse(std::string(kHead) + "spec:\n" + body);
  EXPECT_TRUE(r.profiles.empty());
  EXPECT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(r.errors);
  return r.errors.empty() ? "" : r.errors[0];
}

AuditProfile MustParse(const std::string& text) {
  ProfileParseResult r = Parse(text);
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(r.errors);
  EXPECT_EQ(r.profiles.size(), 1u);
  return r.profiles.empty() ? AuditProfile{} : r.profiles[0];
}

// Every field of the spec set once.
constexpr const char* kFullSpec = R"(spec:
  preset: Recommended
  priority: -5
  omitStages: [RequestReceived]
  omitManagedFields: true
  rules:
    - level: RequestResponse
      users: [alice]
      userGroups: [devs]
      verbs: [create, patch]
      resources:
        - group: apps
          resources: [deployments, deployments/scale]
          resourceNames: [web]
      namespaces: ["", prod]
      omitStages: [Panic]
      omitManagedFields: false
      expiresAt: "2030-05-01T12:00:00+02:00"
    - level: None
      nonResourceURLs: ["/metrics"]
  backends:
    log:
      path: /var/log/kubernetes/audit/a.log
      maxAgeDays: 7
      maxBackups: 2
      maxSizeMB: 50
      compress: true
      format: legacy
      mode: batch
      batch: {bufferSize: 500, maxSize: 20, maxWait: 5s, throttleEnable: true,
              throttleQPS: 2.5, throttleBurst: 4}
      truncate: {enabled: true, maxBatchSize: 2000000, maxEventSize: 100000}
    webhook:
      kubeconfigSecretRef: {name: falco, key: config.yaml}
      mode: blocking
      initialBackoff: 1m30s
  rollout:
    healthTimeout: 90s
    paused: yes
)";

TEST(ProfileTest, EveryTopLevelAndRuleFieldDecodes) {
  AuditProfile p = MustParse(std::string(kHead) + kFullSpec);
  EXPECT_EQ(p.name, "p");
  EXPECT_EQ(p.origin, "p.yaml:1");
  EXPECT_EQ(p.preset, Preset::kRecommended);
  EXPECT_EQ(p.priority, -5);
  EXPECT_THAT(p.omit_stages, ElementsAre("RequestReceived"));
  EXPECT_EQ(p.omit_managed_fields, true);
  ASSERT_EQ(p.rules.size(), 2u);
  const PolicyRule& r = p.rules[0].rule;
  EXPECT_EQ(r.level, "RequestResponse");
  EXPECT_THAT(r.users, ElementsAre("alice"));
  EXPECT_THAT(r.user_groups, ElementsAre("devs"));
  EXPECT_THAT(r.verbs, ElementsAre("create", "patch"));
  ASSERT_EQ(r.resources.size(), 1u);
  EXPECT_EQ(r.resources[0],
            (GroupResources{"apps", {"deployments", "deployments/scale"}, {"web"}}));
  EXPECT_THAT(r.namespaces, ElementsAre("", "prod"));
  EXPECT_THAT(r.omit_stages, ElementsAre("Panic"));
  EXPECT_EQ(r.omit_managed_fields, false);
  EXPECT_EQ(p.rules[0].expires_at, ParseRfc3339("2030-05-01T10:00:00Z"));
  EXPECT_EQ(p.rules[0].mark.line, 11);
  EXPECT_THAT(p.rules[1].rule.non_resource_urls, ElementsAre("/metrics"));
  EXPECT_FALSE(p.rules[1].expires_at.has_value());
}

TEST(ProfileTest, EveryBackendAndRolloutFieldDecodes) {
  AuditProfile p = MustParse(std::string(kHead) + kFullSpec);
  ResolvedLog l = ResolveLog(p.log);
  EXPECT_EQ(l.path, "/var/log/kubernetes/audit/a.log");
  EXPECT_EQ(l.max_age_days, 7);
  EXPECT_EQ(l.max_backups, 2);
  EXPECT_EQ(l.max_size_mb, 50);
  EXPECT_TRUE(l.compress);
  EXPECT_EQ(l.format, "legacy");
  EXPECT_EQ(l.mode, "batch");
  EXPECT_EQ(l.batch, (ResolvedBatch{500, 20, std::chrono::seconds(5), true, 2.5, 4}));
  EXPECT_EQ(l.truncate, (ResolvedTruncate{true, 2000000, 100000}));
  ASSERT_TRUE(p.webhook.has_value());
  ResolvedWebhook w = ResolveWebhook(*p.webhook);
  EXPECT_EQ(w.secret_name, "falco");
  EXPECT_EQ(w.secret_key, "config.yaml");
  EXPECT_EQ(w.mode, "blocking");
  EXPECT_EQ(w.initial_backoff, std::chrono::seconds(90));
  EXPECT_EQ(p.rollout.health_timeout, std::chrono::seconds(90));
  EXPECT_EQ(p.rollout.paused, true);
}

TEST(ProfileTest, DefaultsForEverythingLeftOut) {
  AuditProfile p = MustParse(kHead);
  EXPECT_FALSE(p.preset.has_value());
  EXPECT_EQ(p.priority, 0);
  EXPECT_TRUE(p.rules.empty());
  EXPECT_FALSE(p.log.has_value());
  ResolvedLog l = ResolveLog(p.log);
  EXPECT_EQ(l.path, "/var/log/kubernetes/audit/audit.log");
  EXPECT_EQ(l.max_age_days, 30);
  EXPECT_EQ(l.max_backups, 10);
  EXPECT_EQ(l.max_size_mb, 100);
  EXPECT_FALSE(l.compress);
  EXPECT_EQ(l.format, "json");
  EXPECT_EQ(l.mode, "blocking");
  // kube-apiserver's own defaults for the log backend's batch and truncate flags.
  EXPECT_EQ(l.batch, (ResolvedBatch{10000, 1, Duration{0}, false, 0, 0}));
  EXPECT_EQ(l.truncate, (ResolvedTruncate{false, 10485760, 102400}));
  WebhookBackendSpec ws;
  ws.secret_name = "x";
  ResolvedWebhook w = ResolveWebhook(ws);
  EXPECT_EQ(w.secret_key, "kubeconfig");
  EXPECT_EQ(w.mode, "batch");
  EXPECT_EQ(w.initial_backoff, std::chrono::seconds(10));
  EXPECT_EQ(w.batch, (ResolvedBatch{10000, 400, std::chrono::seconds(30), true, 10, 15}));
  // null means "not set", as the API server prunes it.
  AuditProfile n = MustParse(std::string(kHead) + "spec:\n  preset: null\n  backends: ~\n");
  EXPECT_FALSE(n.preset.has_value());
  EXPECT_FALSE(n.log.has_value());
}

TEST(ProfileTest, OtherKindsAreSkippedWithANoteAndListsAreRead) {
  ProfileParseResult r = Parse(std::string(kHead) +
                               "---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"
                               "---\napiVersion: v1\nkind: List\nitems:\n"
                               "- apiVersion: kaudit.io/v1alpha1\n  kind: AuditProfile\n"
                               "  metadata: {name: q}\n"
                               "- apiVersion: example.com/v1\n  kind: AuditProfile\n"
                               "  metadata: {name: foreign}\n");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(r.errors);
  ASSERT_EQ(r.profiles.size(), 2u);
  EXPECT_EQ(r.profiles[1].name, "q");
  EXPECT_THAT(r.notes, ElementsAre("p.yaml:7: document 2 (v1 ConfigMap \"cm\") is not an "
                                   "AuditProfile: skipped",
                                   "p.yaml:18: document 3 item 1 (example.com/v1 AuditProfile "
                                   "\"foreign\") is not an AuditProfile: skipped"));
}

TEST(ProfileTest, EmptyInputHoldsNoProfileAndNoError) {
  for (const char* text : {"", "---\n", "# only a comment\n"}) {
    ProfileParseResult r = Parse(text);
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.profiles.empty());
  }
}

TEST(ProfileTest, JsonInput) {
  ProfileParseResult r =
      Parse(R"({"apiVersion":"kaudit.io/v1alpha1","kind":"AuditProfile","metadata":{"name":"j"},)"
            R"("spec":{"preset":"Metadata","rules":[{"level":"Request","verbs":["get"]}]}})");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(r.errors);
  ASSERT_EQ(r.profiles.size(), 1u);
  EXPECT_EQ(r.profiles[0].rules[0].rule.verbs, std::vector<std::string>{"get"});
}

TEST(ProfileTest, MalformedYamlNamesTheFileAndLine) {
  ProfileParseResult r = Parse(std::string(kHead) + "spec:\n  rules: [\n  - level: None\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], HasSubstr("p.yaml: yaml: line "));
  EXPECT_TRUE(r.profiles.empty());
}

TEST(ProfileTest, WrongTypes) {
  EXPECT_EQ(OnlyError("  priority: ten\n"),
            "p.yaml:6: spec.priority: Invalid value: \"ten\": must be of type integer");
  EXPECT_EQ(OnlyError("  priority: 1.5\n"),
            "p.yaml:6: spec.priority: Invalid value: 1.5: must be of type integer");
  EXPECT_EQ(OnlyError("  priority: 99999999999\n"),
            "p.yaml:6: spec.priority: Invalid value: 99999999999: must be between -2147483648 "
            "and 2147483647");
  EXPECT_EQ(OnlyError("  rules: {level: None}\n"),
            "p.yaml:6: spec.rules: Invalid value: \"object\": must be of type array");
  EXPECT_EQ(OnlyError("  rules:\n  - level: None\n    verbs: [get, no]\n"),
            "p.yaml:8: spec.rules[0].verbs[1]: Invalid value: false: must be of type string "
            "(YAML reads unquoted yes/no/on/off/true/false as booleans: quote it)");
  EXPECT_EQ(OnlyError("  rules:\n  - level: None\n    namespaces: [0123]\n"),
            "p.yaml:8: spec.rules[0].namespaces[0]: Invalid value: 83: must be of type string "
            "(quote it)");
  EXPECT_EQ(OnlyError("  backends:\n    log:\n      compress: \"true\"\n"),
            "p.yaml:8: spec.backends.log.compress: Invalid value: \"true\": must be of type "
            "boolean");
  EXPECT_EQ(OnlyError("  rules:\n  - level: None\n    resources: [apps]\n"),
            "p.yaml:8: spec.rules[0].resources[0]: Invalid value: \"apps\": must be of type "
            "object");
  // A level of the wrong type is not also reported as a missing level.
  EXPECT_EQ(OnlyError("  rules:\n  - level: 3\n"),
            "p.yaml:7: spec.rules[0].level: Invalid value: 3: must be of type string (quote it)");
  ProfileParseResult r = Parse(
      "apiVersion: kaudit.io/v1alpha1\nkind: AuditProfile\n"
      "metadata: [p]\nspec: 5\n");
  EXPECT_THAT(r.errors, ElementsAre("p.yaml:3: metadata: Invalid value: \"array\": must be of "
                                    "type object",
                                    "p.yaml:4: spec: Invalid value: 5: must be of type object"));
}

TEST(ProfileTest, RulesAreValidatedAsKubeApiserverWould) {
  ProfileParseResult r =
      Parse(std::string(kHead) +
            "spec:\n  rules:\n  - level: Metadata\n  - level: All\n"
            "  - level: None\n    nonResourceURLs: [/logs/*/x]\n"
            "    resources: [{group: apps}]\n"
            "  - {level: None, resources: [{group: rbac.authorization.k8s.io/v1}]}\n"
            "  - {}\n  - {level: None, omitStages: [Later]}\n");
  EXPECT_TRUE(r.profiles.empty());
  ASSERT_EQ(r.errors.size(), 6u) << ::testing::PrintToString(r.errors);
  EXPECT_THAT(r.errors[0], HasSubstr("p.yaml:8: spec.rules[1].level: Unsupported value: \"All\""));
  EXPECT_THAT(r.errors[1], HasSubstr("p.yaml:10: spec.rules[2].nonResourceURLs[0]: Invalid value: "
                                     "\"/logs/*/x\""));
  EXPECT_THAT(r.errors[2], HasSubstr("p.yaml:10: spec.rules[2].nonResourceURLs: Invalid value: "));
  EXPECT_THAT(r.errors[2], HasSubstr("rules cannot apply to both regular resources and "
                                     "non-resource URLs"));
  EXPECT_THAT(r.errors[3], HasSubstr("p.yaml:12: spec.rules[3].resources.group: Invalid value: "
                                     "\"rbac.authorization.k8s.io/v1\""));
  EXPECT_THAT(r.errors[4], HasSubstr("p.yaml:13: spec.rules[4].level: Required value"));
  EXPECT_THAT(r.errors[5], HasSubstr("p.yaml:14: spec.rules[5].omitStages[0]: "));
}

TEST(ProfileTest, SpecLevelChecks) {
  EXPECT_EQ(OnlyError("  preset: recommended\n"),
            "p.yaml:6: spec.preset: Unsupported value: \"recommended\": supported values: "
            "\"None\", \"Metadata\", \"WriteRequestBodies\", \"AllRequestBodies\", "
            "\"Recommended\"");
  EXPECT_THAT(OnlyError("  omitStages: [ResponseStarted, Done]\n"),
              HasSubstr("p.yaml:6: spec.omitStages[1]: "));
  EXPECT_EQ(OnlyError("  rules:\n  - level: None\n    expiresAt: next tuesday\n"),
            "p.yaml:8: spec.rules[0].expiresAt: Invalid value: \"next tuesday\": must be an RFC "
            "3339 date-time such as \"2024-05-01T18:00:00Z\"");
  EXPECT_EQ(OnlyError("  rollout:\n    healthTimeout: 5 minutes\n"),
            "p.yaml:7: spec.rollout.healthTimeout: Invalid value: \"5 minutes\": must be a "
            "duration such as \"90s\", \"5m\" or \"1h30m\"");
  EXPECT_EQ(OnlyError("  rollout:\n    healthTimeout: 10s\n"),
            "p.yaml:7: spec.rollout.healthTimeout: Invalid value: \"10s\": must be between 30s "
            "and 1h0m0s");
  EXPECT_EQ(OnlyError("  rollout:\n    healthTimeout: -1m\n"),
            "p.yaml:7: spec.rollout.healthTimeout: Invalid value: \"-1m\": must not be negative");
}

TEST(ProfileTest, LogLimits) {
  auto log = [](const std::string& fields) {
    return OnlyError("  backends:\n    log:\n" + fields);
  };
  EXPECT_EQ(log("      path: audit.log\n"),
            "p.yaml:8: spec.backends.log.path: Invalid value: \"audit.log\": must be an absolute "
            "path");
  EXPECT_EQ(log("      path: /var/log/kubernetes/../../etc/shadow\n"),
            "p.yaml:8: spec.backends.log.path: Invalid value: "
            "\"/var/log/kubernetes/../../etc/shadow\": must be normalised: no empty, \".\" or "
            "\"..\" segments");
  EXPECT_EQ(log("      path: /var/log/kubernetes-evil/a.log\n"),
            "p.yaml:8: spec.backends.log.path: Invalid value: \"/var/log/kubernetes-evil/a.log\": "
            "must lie under /var/log/kubernetes (the agent's allowed log root)");
  EXPECT_EQ(log("      path: /var/log/kubernetes\n"),
            "p.yaml:8: spec.backends.log.path: Invalid value: \"/var/log/kubernetes\": must lie "
            "under /var/log/kubernetes (the agent's allowed log root)");
  EXPECT_EQ(log("      path: /var/log/kubernetes/audit/\n"),
            "p.yaml:8: spec.backends.log.path: Invalid value: \"/var/log/kubernetes/audit/\": "
            "must name a file, not a directory");
  EXPECT_EQ(log("      path: \"/var/log/kubernetes/a log\"\n"),
            "p.yaml:8: spec.backends.log.path: Invalid value: \"/var/log/kubernetes/a log\": may "
            "contain only letters, digits, '/', '.', '_' and '-'");
  EXPECT_EQ(log("      path: \"-\"\n"),
            "p.yaml:8: spec.backends.log.path: Invalid value: \"-\": must be an absolute path");
  EXPECT_EQ(log("      maxAgeDays: -1\n"),
            "p.yaml:8: spec.backends.log.maxAgeDays: Invalid value: -1: must be greater than or "
            "equal to 0");
  EXPECT_EQ(log("      maxBackups: -2\n"),
            "p.yaml:8: spec.backends.log.maxBackups: Invalid value: -2: must be greater than or "
            "equal to 0");
  EXPECT_THAT(log("      maxSizeMB: 0\n"),
              HasSubstr("p.yaml:8: spec.backends.log.maxSizeMB: Invalid value: 0: must be at "
                        "least 1 (0 means 100 MB before Kubernetes 1.36"));
  EXPECT_EQ(log("      format: text\n"),
            "p.yaml:8: spec.backends.log.format: Unsupported value: \"text\": supported values: "
            "\"json\", \"legacy\"");
  EXPECT_EQ(log("      mode: async\n"),
            "p.yaml:8: spec.backends.log.mode: Unsupported value: \"async\": supported values: "
            "\"batch\", \"blocking\", \"blocking-strict\"");
  EXPECT_EQ(log("      batch: {bufferSize: 0}\n"),
            "p.yaml:8: spec.backends.log.batch.bufferSize: Invalid value: 0: must be greater "
            "than 0");
  EXPECT_EQ(log("      batch: {maxWait: 1y}\n"),
            "p.yaml:8: spec.backends.log.batch.maxWait: Invalid value: \"1y\": must be a duration "
            "such as \"90s\", \"5m\" or \"1h30m\"");
  EXPECT_EQ(log("      truncate: {maxEventSize: 0}\n"),
            "p.yaml:8: spec.backends.log.truncate.maxEventSize: Invalid value: 0: must be greater "
            "than 0");
  // kube-apiserver checks max-batch-size >= max-event-size even with truncation off.
  EXPECT_EQ(log("      truncate: {maxEventSize: 20000000}\n"),
            "p.yaml:8: spec.backends.log.truncate.maxBatchSize: Invalid value: 10485760: must be "
            "greater than or equal to maxEventSize (20000000)");
}

TEST(ProfileTest, ThrottlingNeedsQpsAndBurstInBatchMode) {
  ProfileParseResult r = Parse(std::string(kHead) +
                               "spec:\n  backends:\n    log:\n      mode: batch\n"
                               "      batch: {throttleEnable: true}\n");
  EXPECT_THAT(r.errors,
              ElementsAre("p.yaml:9: spec.backends.log.batch.throttleQPS: Required value: must be "
                          "greater than 0 when throttleEnable is true",
                          "p.yaml:9: spec.backends.log.batch.throttleBurst: Required value: must "
                          "be greater than 0 when throttleEnable is true"));
  // Outside batch mode kube-apiserver never looks at them.
  MustParse(std::string(kHead) +
            "spec:\n  backends:\n    log:\n      batch: {throttleEnable: true}\n");
  EXPECT_THAT(OnlyError("  backends:\n    log:\n      batch: {throttleQPS: 0}\n"),
              HasSubstr("spec.backends.log.batch.throttleQPS: Invalid value: "));
  // The webhook backend throttles by default, with kube-apiserver's qps 10 and burst 15.
  MustParse(std::string(kHead) +
            "spec:\n  backends:\n    webhook:\n      kubeconfigSecretRef: {name: s}\n");
}

TEST(ProfileTest, WebhookLimits) {
  auto hook = [](const std::string& fields) {
    return OnlyError("  backends:\n    webhook:\n" + fields);
  };
  EXPECT_EQ(hook("      mode: batch\n"),
            "p.yaml:7: spec.backends.webhook.kubeconfigSecretRef: Required value");
  EXPECT_EQ(hook("      kubeconfigSecretRef: {key: k}\n"),
            "p.yaml:8: spec.backends.webhook.kubeconfigSecretRef.name: Required value");
  EXPECT_EQ(hook("      kubeconfigSecretRef: {name: Falco_Sink}\n"),
            "p.yaml:8: spec.backends.webhook.kubeconfigSecretRef.name: Invalid value: "
            "\"Falco_Sink\": must be a lowercase RFC 1123 subdomain (a Secret name)");
  EXPECT_EQ(hook("      kubeconfigSecretRef: {name: s, key: \"a/b\"}\n"),
            "p.yaml:8: spec.backends.webhook.kubeconfigSecretRef.key: Invalid value: \"a/b\": "
            "must be a Secret data key: letters, digits, '-', '_' and '.'");
  // No namespace: the Secret always comes from kaudit's own namespace.
  ProfileParseResult ns = Parse(std::string(kHead) +
                                "spec:\n  backends:\n    webhook:\n"
                                "      kubeconfigSecretRef: {name: s, namespace: kube-system}\n");
  EXPECT_EQ(ns.profiles.size(), 1u);
  EXPECT_THAT(ns.warnings,
              ElementsAre("p.yaml:8: spec.backends.webhook.kubeconfigSecretRef.namespace: not "
                          "supported: kaudit reads the Secret from its own namespace"));
}

TEST(ProfileTest, MetadataAndKind) {
  ProfileParseResult r = Parse(
      "apiVersion: kaudit.io/v1\nkind: AuditProfile\nmetadata: {name: a}\n"
      "---\nmetadata: {name: b}\n---\nkind: AuditProfile\n"
      "apiVersion: kaudit.io/v1alpha1\nmetadata: {name: Bad_Name}\n"
      "---\n- just\n- a list\n");
  EXPECT_THAT(r.errors,
              ElementsAre("p.yaml:1: apiVersion: Unsupported value: \"kaudit.io/v1\": supported "
                          "values: \"kaudit.io/v1alpha1\"",
                          "p.yaml:5: document 2: Object 'Kind' is missing",
                          "p.yaml:9: metadata.name: Invalid value: \"Bad_Name\": must be a "
                          "lowercase RFC 1123 subdomain: [a-z0-9] with '-' and '.' inside, at "
                          "most 253 characters",
                          "p.yaml:11: document 4: not an object (got array)"));
  EXPECT_THAT(Parse("apiVersion: kaudit.io/v1alpha1\nkind: AuditProfile\nspec: {}\n").errors,
              ElementsAre("p.yaml:1: metadata.name: Required value"));
  ProfileParseResult ns = Parse(std::string(kHead) + "  namespace: default\n");
  EXPECT_EQ(ns.profiles.size(), 1u);
  EXPECT_THAT(ns.warnings,
              ElementsAre("p.yaml:5: metadata.namespace: ignored: AuditProfile is cluster-scoped"));
}

TEST(ProfileTest, DuplicateNamesInOneText) {
  ProfileParseResult r = Parse(std::string(kHead) + "---\n" + kHead);
  EXPECT_THAT(r.errors, ElementsAre("p.yaml:6: metadata.name: Duplicate value: \"p\": also "
                                    "defined at p.yaml:1"));
}

TEST(ProfileTest, UnknownAndDuplicateFieldsWarnOrFailWithStrict) {
  std::string text = std::string(kHead) +
                     "spec:\n  rules:\n  - level: None\n    verb: [get]\n"
                     "  preset: Metadata\n  preset: None\n  backend: {}\n";
  ProfileParseResult lenient = Parse(text);
  ASSERT_TRUE(lenient.ok()) << ::testing::PrintToString(lenient.errors);
  EXPECT_EQ(lenient.profiles[0].preset, Preset::kNone);  // the last duplicate wins
  EXPECT_TRUE(lenient.profiles[0].rules[0].rule.verbs.empty());
  EXPECT_THAT(lenient.warnings,
              ElementsAre("p.yaml:8: spec.rules[0].verb: unknown field (did you mean \"verbs\"?); "
                          "the API server would drop it without a word",
                          "p.yaml:9: spec.preset: duplicate field: only the last one is used",
                          "p.yaml:11: spec.backend: unknown field (did you mean \"backends\"?); "
                          "the API server would drop it without a word"));
  ProfileParseResult strict = Parse(text, true);
  EXPECT_TRUE(strict.profiles.empty());
  EXPECT_EQ(strict.errors.size(), 3u);
  EXPECT_TRUE(strict.warnings.empty());
}

TEST(ProfileTest, EveryErrorIsReportedNotJustTheFirst) {
  ProfileParseResult r = Parse(std::string(kHead) +
                               "spec:\n  priority: x\n  preset: Loud\n  rules:\n  - level: Loud\n"
                               "  backends:\n    log: {format: xml, maxAgeDays: -3}\n");
  EXPECT_EQ(r.errors.size(), 5u) << ::testing::PrintToString(r.errors);
}

TEST(ProfileTest, SizeLimits) {
  std::string many = std::string(kHead) + "spec:\n  rules:\n";
  for (int i = 0; i < 1025; ++i) many += "  - level: None\n";
  EXPECT_THAT(Parse(many).errors,
              ElementsAre("p.yaml:6: spec.rules: Too many: 1025: must have at most 1024 items"));
  std::string users = "[" + std::string(300, 'u');
  for (int i = 0; i < 256; ++i) users += ", u" + std::to_string(i);
  EXPECT_EQ(OnlyError("  rules:\n  - level: None\n    users: " + users + "]\n"),
            "p.yaml:8: spec.rules[0].users: Too many: 257: must have at most 256 items");
  EXPECT_EQ(OnlyError("  rules:\n  - level: None\n    users: [" + std::string(1025, 'a') + "]\n"),
            "p.yaml:8: spec.rules[0].users[0]: Too long: may not be longer than 1024 bytes");
}

TEST(ProfileTest, HostileInputGivesAnErrorNotACrash) {
  // Larger than the parser accepts.
  std::string huge = std::string(kHead) + "spec:\n  rules:\n";
  while (huge.size() <= kyaml::ParseOptions{}.max_bytes) huge += "  - {level: None}\n";
  ProfileParseResult big = Parse(huge);
  ASSERT_EQ(big.errors.size(), 1u);
  EXPECT_THAT(big.errors[0], HasSubstr("p.yaml: "));
  // Invalid UTF-8.
  ProfileParseResult utf = Parse(std::string(kHead) + "spec:\n  rules:\n  - level: \"\xff\xfe\"\n");
  ASSERT_EQ(utf.errors.size(), 1u);
  EXPECT_THAT(utf.errors[0], HasSubstr("p.yaml: "));
  // Deep nesting.
  std::string deep = std::string(kHead) + "spec: " + std::string(5000, '[') + "\n";
  EXPECT_FALSE(Parse(deep).ok());
  // Alias expansion ("billion laughs").
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    laughs += std::string(1, c) + ": &" + std::string(1, c) + " [*" + prev + ", *" + prev + ", *" +
              prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
              ", *" + prev + ", *" + prev + "]\n";
  }
  EXPECT_FALSE(Parse(laughs).ok());
  // NUL bytes and binary garbage.
  EXPECT_FALSE(Parse(std::string("\0\x01\x02kind: x", 10)).ok());
}

TEST(ProfileTest, DecodeProfileTakesAnObject) {
  StatusOr<kyaml::Document> doc =
      kyaml::ParseFirstDocument(std::string(kHead) + "spec:\n  preset: Metadata\n");
  ASSERT_TRUE(doc.ok());
  ProfileParseResult r = DecodeProfile(doc->root, "api");
  ASSERT_EQ(r.profiles.size(), 1u);
  EXPECT_EQ(r.profiles[0].origin, "api:1");
  StatusOr<kyaml::Document> cm = kyaml::ParseFirstDocument("apiVersion: v1\nkind: ConfigMap\n");
  ASSERT_TRUE(cm.ok());
  EXPECT_THAT(DecodeProfile(cm->root, "api").errors,
              ElementsAre("api:1: not a kaudit.io/v1alpha1 AuditProfile"));
}

}  // namespace
}  // namespace kaudit::policy
