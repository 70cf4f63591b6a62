// Every field of the C++ AuditProfile model appears in the CRD schema and vice versa.
//
// Three checks close the loop: (1) valid/full.yaml sets every leaf of the spec schema (so the
// schema has no field the fixture lacks); (2) kaudit decodes that file strictly, without an
// unknown-field error, and every value lands in the struct member it belongs to (so every
// schema field is a model field); (3) the member count of each model struct is pinned, so a
// member added to the model without a schema field (and a line here) fails this test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/time.h"
#include "crd/crd_support.h"
#include "policy/profile.h"

namespace kaudit::crdtest {
namespace {

using json = nlohmann::json;

// Aggregate member counting: T{a, b, ...} compiles for up to as many initialisers as T has
// members (AnyField converts to any member type).
struct AnyField {
  template <class T>
  operator T() const;  // never defined: only used in unevaluated requires-expressions
};
template <class T, class... A>
constexpr std::size_t CountFields() {
  if constexpr (requires { T{A{}..., AnyField{}}; }) {
    return CountFields<T, A..., AnyField>();
  } else {
    return sizeof...(A);
  }
}

TEST(Model, StructMemberCountsArePinned) {
  using namespace policy;
  // Update these together with the CRD schema, valid/full.yaml and FullProfileLandsInTheModel.
  EXPECT_EQ(CountFields<GroupResources>(), 3u);
  EXPECT_EQ(CountFields<PolicyRule>(), 9u);
  EXPECT_EQ(CountFields<ProfileRule>(), 3u) << "rule, expires_at, mark";
  EXPECT_EQ(CountFields<BatchSpec>(), 6u);
  EXPECT_EQ(CountFields<TruncateSpec>(), 3u);
  EXPECT_EQ(CountFields<LogBackendSpec>(), 9u);
  EXPECT_EQ(CountFields<WebhookBackendSpec>(), 6u) << "secret_name and secret_key are the ref";
  EXPECT_EQ(CountFields<RolloutSpec>(), 2u);
  EXPECT_EQ(CountFields<AuditProfile>(), 10u) << "name and origin are not spec fields";
}

void SchemaLeaves(const json& s, const std::string& path, std::set<std::string>* out) {
  std::string type = s.value("type", "");
  if (type == "object" && s.contains("properties")) {
    for (auto& [k, sub] : s["properties"].items()) SchemaLeaves(sub, path + "." + k, out);
  } else if (type == "array") {
    SchemaLeaves(s["items"], path + "[*]", out);
  } else {
    out->insert(path);
  }
}

void DataLeaves(const json& v, const std::string& path, std::set<std::string>* out) {
  if (v.is_object()) {
    for (auto& [k, sub] : v.items()) DataLeaves(sub, path + "." + k, out);
  } else if (v.is_array()) {
    for (const json& item : v) DataLeaves(item, path + "[*]", out);
  } else {
    out->insert(path);
  }
}

std::string FullText() {
  return ReadFile(SourceDir() + "/tests/fixtures/profiles/valid/full.yaml");
}

TEST(Model, FullProfileCoversTheWholeSpecSchema) {
  std::set<std::string> schema_leaves, data_leaves;
  SchemaLeaves(Schema()["properties"]["spec"], "spec", &schema_leaves);
  std::string error;
  std::vector<json> objs = ProfileObjects(FullText(), &error);
  ASSERT_EQ(objs.size(), 1u) << error;
  DataLeaves(objs[0]["spec"], "spec", &data_leaves);
  EXPECT_EQ(schema_leaves, data_leaves);
  EXPECT_GE(schema_leaves.size(), 45u);
}

TEST(Model, FullProfileLandsInTheModel) {
  policy::ProfileOptions opts;
  opts.strict = true;
  policy::ProfileParseResult r = policy::ParseProfiles(FullText(), "full.yaml", opts);
  ASSERT_TRUE(r.ok()) << Lines(r.errors);
  ASSERT_EQ(r.profiles.size(), 1u);
  const policy::AuditProfile& p = r.profiles[0];
  EXPECT_EQ(p.preset, policy::Preset::kWriteRequestBodies);
  EXPECT_EQ(p.priority, 42);
  ASSERT_EQ(p.rules.size(), 2u);
  const policy::PolicyRule& r0 = p.rules[0].rule;
  EXPECT_EQ(r0.level, "RequestResponse");
  EXPECT_THAT(r0.users, ::testing::ElementsAre("alice"));
  EXPECT_THAT(r0.user_groups, ::testing::ElementsAre("oncall"));
  EXPECT_THAT(r0.verbs, ::testing::ElementsAre("patch"));
  ASSERT_EQ(r0.resources.size(), 1u);
  EXPECT_EQ(r0.resources[0], (policy::GroupResources{"apps", {"deployments/scale"}, {"web"}}));
  EXPECT_THAT(r0.namespaces, ::testing::ElementsAre("shop"));
  EXPECT_THAT(r0.omit_stages, ::testing::ElementsAre("ResponseStarted"));
  EXPECT_EQ(r0.omit_managed_fields, false);
  ASSERT_TRUE(p.rules[0].expires_at.has_value());
  EXPECT_EQ(FormatRfc3339(*p.rules[0].expires_at), "2024-05-01T18:00:00Z");
  EXPECT_THAT(p.rules[1].rule.non_resource_urls, ::testing::ElementsAre("/metrics"));
  EXPECT_THAT(p.omit_stages, ::testing::ElementsAre("RequestReceived"));
  EXPECT_EQ(p.omit_managed_fields, true);
  EXPECT_EQ(p.rollout.health_timeout, std::chrono::minutes(7));
  EXPECT_EQ(p.rollout.paused, true);
}

TEST(Model, FullProfileBackendsLandInTheModel) {
  using std::chrono::seconds;
  policy::ProfileOptions opts;
  opts.strict = true;
  policy::ProfileParseResult r = policy::ParseProfiles(FullText(), "full.yaml", opts);
  ASSERT_EQ(r.profiles.size(), 1u) << Lines(r.errors);
  const policy::AuditProfile& p = r.profiles[0];
  ASSERT_TRUE(p.log.has_value());
  const policy::LogBackendSpec& l = *p.log;
  EXPECT_EQ(l.path, "/var/log/kubernetes/kaudit/audit.log");
  EXPECT_EQ(l.max_age_days, 31);
  EXPECT_EQ(l.max_backups, 11);
  EXPECT_EQ(l.max_size_mb, 101);
  EXPECT_EQ(l.compress, true);
  EXPECT_EQ(l.format, "legacy");
  EXPECT_EQ(l.mode, "batch");
  EXPECT_EQ(l.batch, (policy::BatchSpec{10001, 2, seconds(3), true, 4.5, 6}));
  EXPECT_EQ(l.truncate, (policy::TruncateSpec{true, 10485761, 102401}));
  ASSERT_TRUE(p.webhook.has_value());
  const policy::WebhookBackendSpec& w = *p.webhook;
  EXPECT_EQ(w.secret_name, "audit-sink");
  EXPECT_EQ(w.secret_key, "sink.kubeconfig");
  EXPECT_EQ(w.mode, "blocking");
  EXPECT_EQ(w.initial_backoff, seconds(11));
  EXPECT_EQ(w.batch, (policy::BatchSpec{10002, 401, seconds(31), false, 12.0, 16}));
  EXPECT_EQ(w.truncate, (policy::TruncateSpec{true, 2000000, 1000000}));
}

}  // namespace
}  // namespace kaudit::crdtest
