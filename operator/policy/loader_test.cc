// The loader's behaviour, case by case, worked out from k8s.io/apiserver's reader.go,
// validation.go and the decoding stack (audit-semantics.md §2, conformance README).
#include "policy/loader.h"

#include <gtest/gtest.h>

#include <string>

namespace kaudit::policy {
namespace {

constexpr const char* kHead = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";

LoadResult Load(const std::string& body, bool strict = false) {
  return LoadPolicy(body, {.strict = strict});
}

std::string OnlyError(const LoadResult& r) {
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.errors.size(), 1u);
  return r.errors.empty() ? "" : r.errors[0];
}

TEST(LoaderTest, LoadsAMinimalPolicy) {
  LoadResult r = Load(std::string(kHead) + "rules:\n- level: Metadata\n");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.policy.rules.size(), 1u);
  EXPECT_EQ(r.policy.rules[0].level, "Metadata");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(LoaderTest, RefusesZeroRules) {
  EXPECT_EQ(OnlyError(Load(kHead)), "loaded illegal policy with 0 rules");
  EXPECT_EQ(OnlyError(Load(std::string(kHead) + "omitStages: [RequestReceived]\n")),
            "loaded illegal policy with 0 rules");
}

TEST(LoaderTest, VersionAndKind) {
  EXPECT_EQ(OnlyError(Load("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n")),
            "failed decoding: no kind \"Policy\" is registered for version \"audit.k8s.io/v1beta1\" "
            "in scheme \"k8s.io/apiserver/pkg/audit/scheme.go:30\"");
  EXPECT_EQ(OnlyError(Load("rules: [{level: None}]\n")),
            "unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
  // kind may be left out: the decoder takes it from the object it decodes into.
  EXPECT_TRUE(Load("apiVersion: audit.k8s.io/v1\nrules: [{level: None}]\n").ok);
  EXPECT_EQ(OnlyError(Load("apiVersion: audit.k8s.io/v1\nkind: Event\nrules: [{level: None}]\n")),
            "failed decoding: converting (v1.Event) to (audit.Policy): unknown conversion");
}

TEST(LoaderTest, TypeErrorsAreFatalAndWordedLikeGo) {
  EXPECT_EQ(OnlyError(Load(std::string(kHead) + "rules:\n- level: Metadata\n  users: [no]\n")),
            "failed decoding: json: cannot unmarshal bool into Go struct field "
            "PolicyRule.rules.users of type string");
  EXPECT_EQ(OnlyError(Load(std::string(kHead) + "rules:\n- level: None\n  resources:\n  - group: 1\n")),
            "failed decoding: json: cannot unmarshal number into Go struct field "
            "GroupResources.rules.resources.group of type string");
  EXPECT_EQ(OnlyError(Load(std::string(kHead) + "rules: [x]\n")),
            "failed decoding: json: cannot unmarshal string into Go struct field Policy.rules of "
            "type v1.PolicyRule");
}

TEST(LoaderTest, UnknownFieldsWarnAndWidenTheRule) {
  // The mis-indented verbs of upstream's own test: dropped, so the rule matches every verb.
  LoadResult r = Load(std::string(kHead) + "rules:\n- level: Metadata\n  verb: [get]\n");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.policy.rules[0].verbs.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("unknown field \"rules[0].verb\" (line 5)"), std::string::npos)
      << r.warnings[0];
  LoadResult strict = Load(std::string(kHead) + "rules:\n- level: Metadata\n  verb: [get]\n", true);
  EXPECT_FALSE(strict.ok);
}

TEST(LoaderTest, FieldNamesAreCaseSensitive) {
  LoadResult r = Load(std::string(kHead) + "rules:\n- Level: Metadata\n");
  EXPECT_EQ(OnlyError(r), "rules[0].level: Required value");
  EXPECT_EQ(r.warnings.size(), 1u);
}

TEST(LoaderTest, DuplicateKeysKeepTheLastAndWarn) {
  LoadResult r = Load(std::string(kHead) + "rules:\n- level: None\n  level: Metadata\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.policy.rules[0].level, "Metadata");
  EXPECT_EQ(r.warnings.size(), 1u);
}

TEST(LoaderTest, JsonInput) {
  LoadResult r = Load(R"({"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Request"}]})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.policy.rules[0].level, "Request");
  EXPECT_EQ(OnlyError(Load(R"({"apiVersion":"audit.k8s.io/v1", // comment
"kind":"Policy"})")),
            "failed decoding: couldn't get version/kind; json parse error: invalid character '/' "
            "looking for beginning of object key string");
}

TEST(LoaderTest, ValidationErrorsAllReported) {
  LoadResult r = Load(std::string(kHead) +
                      "omitStages: [Never]\nrules:\n- level: metadata\n"
                      "- level: None\n  nonResourceURLs: [\"/a*b\"]\n  namespaces: [x]\n");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0],
            "omitStages[0]: Invalid value: \"Never\": allowed stages are "
            "RequestReceived,ResponseStarted,ResponseComplete,Panic");
  EXPECT_EQ(r.errors[1],
            "rules[0].level: Unsupported value: \"metadata\": supported values: \"None\", "
            "\"Metadata\", \"Request\", \"RequestResponse\"");
  EXPECT_EQ(r.errors[2],
            "rules[1].nonResourceURLs[0]: Invalid value: \"/a*b\": non-resource URL wildcards '*' "
            "must be the final character of the rule");
  EXPECT_EQ(r.errors[3],
            "rules[1].nonResourceURLs: Invalid value: []string{\"/a*b\"}: rules cannot apply to "
            "both regular resources and non-resource URLs");
}

TEST(LoaderTest, BadInputNeverCrashes) {
  for (const std::string& bad : {std::string("\xff\xfe\x00", 3), std::string(5000, '['),
                                 std::string("a: &a [*a]\n"), std::string("{\"a\":"),
                                 std::string("- - - - -\n"), std::string("!!binary x\n")}) {
    LoadResult r = Load(bad);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.errors.empty());
  }
}

}  // namespace
}  // namespace kaudit::policy

namespace kaudit::policy {
namespace {

TEST(LoaderMarksTest, ErrorsPointAtTheirSource) {
  LoadResult r = LoadPolicy(
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n"
      "- level: Metadata\n  nonResourceURLs:\n  - healthz\n");
  ASSERT_EQ(r.errors.size(), 1u);
  ASSERT_EQ(r.error_marks.size(), 1u);
  EXPECT_EQ(r.error_marks[0].line, 7);  // the "- healthz" line
  EXPECT_EQ(r.error_marks[0].column, 5);
  LoadResult syntax = LoadPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: `x`\n");
  ASSERT_EQ(syntax.error_marks.size(), 1u);
  EXPECT_EQ(syntax.error_marks[0].line, 4);
  EXPECT_EQ(syntax.error_marks[0].column, 10);
}

}  // namespace
}  // namespace kaudit::policy
