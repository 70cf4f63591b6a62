// The policy YAML writer: quoting that survives YAML 1.1, and exact layout.
#include "policy/emit.h"

#include <gtest/gtest.h>

#include "policy/loader.h"

namespace kaudit::policy {
namespace {

TEST(EmitTest, QuotesEveryStringSafely) {
  EXPECT_EQ(YamlQuote("no"), "\"no\"");
  EXPECT_EQ(YamlQuote(""), "\"\"");
  EXPECT_EQ(YamlQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(YamlQuote("tab\there\nnl\r"), "\"tab\\there\\nnl\\r\"");
  EXPECT_EQ(YamlQuote(std::string("nul\0x", 5)), "\"nul\\0x\"");
  EXPECT_EQ(YamlQuote("\x01\x7f"), "\"\\u0001\\u007F\"");
  EXPECT_EQ(YamlQuote("caf\xC3\xA9 \xF0\x9F\x94\x92"), "\"caf\xC3\xA9 \xF0\x9F\x94\x92\"");
  EXPECT_EQ(YamlQuote("\xC2\x85|\xE2\x80\xA8|\xEF\xBB\xBF"), "\"\\u0085|\\u2028|\\uFEFF\"");
  EXPECT_EQ(YamlQuote("\xff"), "\"\xEF\xBF\xBD\"");                  // invalid byte
  EXPECT_EQ(YamlQuote("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // overlong encoding
}

TEST(EmitTest, Layout) {
  Policy p;
  p.omit_stages = {"RequestReceived"};
  p.omit_managed_fields = true;
  PolicyRule r;
  r.level = "Request";
  r.users = {"a"};
  r.user_groups = {"g"};
  r.verbs = {"get", "list"};
  GroupResources core;
  core.resources = {"pods", "pods/log"};
  GroupResources apps;
  apps.group = "apps";
  apps.resource_names = {"x"};
  apps.resources = {"deployments"};
  r.resources = {core, apps};
  r.namespaces = {""};
  r.omit_stages = {"Panic"};
  r.omit_managed_fields = false;
  PolicyRule urls;
  urls.level = "None";
  urls.non_resource_urls = {"/healthz*"};
  p.rules = {r, urls};
  EXPECT_EQ(EmitPolicyYaml(p, {"first\nrule", ""}, "head one\n\nhead two"),
            "# head one\n#\n# head two\n"
            "apiVersion: audit.k8s.io/v1\n"
            "kind: Policy\n"
            "omitStages: [\"RequestReceived\"]\n"
            "omitManagedFields: true\n"
            "rules:\n"
            "  # first rule\n"
            "  - level: \"Request\"\n"
            "    users: [\"a\"]\n"
            "    userGroups: [\"g\"]\n"
            "    verbs: [\"get\", \"list\"]\n"
            "    resources:\n"
            "      - group: \"\"\n"
            "        resources: [\"pods\", \"pods/log\"]\n"
            "      - group: \"apps\"\n"
            "        resources: [\"deployments\"]\n"
            "        resourceNames: [\"x\"]\n"
            "    namespaces: [\"\"]\n"
            "    omitStages: [\"Panic\"]\n"
            "    omitManagedFields: false\n"
            "  - level: \"None\"\n"
            "    nonResourceURLs: [\"/healthz*\"]\n");
  EXPECT_EQ(EmitPolicyYaml(Policy{}), "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n");
}

// Strings YAML 1.1 would otherwise read as something else, or that break plain scalars.
TEST(EmitTest, TrickyStringsLoadBackUnchanged) {
  const std::vector<std::string> tricky = {"yes",
                                           "no",
                                           "on",
                                           "off",
                                           "y",
                                           "n",
                                           "Y",
                                           "NO",
                                           "true",
                                           "False",
                                           "null",
                                           "~",
                                           "",
                                           "123",
                                           "0x1F",
                                           "0o17",
                                           "017",
                                           "1e3",
                                           "1_000",
                                           ".inf",
                                           "-.inf",
                                           ".nan",
                                           "2024-01-01",
                                           "2024-01-01T10:00:00Z",
                                           "12:30:45",
                                           "*",
                                           "&anchor",
                                           "!tag",
                                           "- item",
                                           "? key",
                                           ": x",
                                           "a: b",
                                           "#comment",
                                           "a #b",
                                           "[x]",
                                           "{x}",
                                           "|",
                                           ">",
                                           "%x",
                                           "@x",
                                           "`x",
                                           "'single'",
                                           "\"double\"",
                                           " lead",
                                           "trail ",
                                           "tab\tin",
                                           "new\nline",
                                           "back\\slash",
                                           "caf\xC3\xA9",
                                           "\xF0\x9F\x94\x92",
                                           "<<",
                                           "=",
                                           "---",
                                           "...",
                                           "system:serviceaccount:ns:sa"};
  Policy p;
  PolicyRule r;
  r.level = "Metadata";
  r.users = tricky;
  r.user_groups = tricky;
  r.namespaces = tricky;
  p.rules = {r};
  LoadResult loaded = LoadPolicy(EmitPolicyYaml(p), {.strict = true});
  ASSERT_TRUE(loaded.ok) << (loaded.errors.empty() ? "" : loaded.errors[0]);
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(loaded.policy, p);
}

}  // namespace
}  // namespace kaudit::policy
