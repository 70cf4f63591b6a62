// The CRD itself: what kube-apiserver checks when it is created (structural schema, CEL rules
// within the cost budget), the names and columns the design asks for, and that kubectl reads
// the file the same way kaudit's YAML decoder does.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "crd/crd_support.h"
#include "support/schema/schema.h"

namespace kaudit::crdtest {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const json& Version() { return Crd()["spec"]["versions"][0]; }

TEST(Crd, IsAcceptedByTheStaticChecks) { EXPECT_THAT(schema::CheckCrd(Crd()), IsEmpty()); }

TEST(Crd, NamesScopeAndVersion) {
  const json& spec = Crd()["spec"];
  EXPECT_EQ(Crd()["metadata"]["name"], "auditprofiles.kaudit.io");
  EXPECT_EQ(spec["group"], "kaudit.io");
  EXPECT_EQ(spec["scope"], "Cluster");
  EXPECT_EQ(spec["names"]["kind"], "AuditProfile");
  EXPECT_EQ(spec["names"]["plural"], "auditprofiles");
  EXPECT_EQ(spec["names"]["singular"], "auditprofile");
  EXPECT_EQ(spec["names"]["shortNames"], json::array({"ap"}));
  EXPECT_EQ(spec["names"]["categories"], json::array({"kaudit"}));
  ASSERT_EQ(spec["versions"].size(), 1u);
  EXPECT_EQ(Version()["name"], "v1alpha1");
  EXPECT_EQ(Version()["served"], true);
  EXPECT_EQ(Version()["storage"], true);
  EXPECT_EQ(Version()["subresources"], json({{"status", json::object()}}));
}

TEST(Crd, PrinterColumns) {
  std::vector<std::string> shown;
  for (const json& col : Version()["additionalPrinterColumns"]) {
    if (col.value("priority", 0) == 0) {
      shown.push_back(col["name"].get<std::string>() + " " + col["jsonPath"].get<std::string>());
    }
  }
  EXPECT_THAT(shown, ElementsAre("Preset .spec.preset", "Revision .status.revision",
                                 "Nodes .status.nodesSummary",
                                 "Ready .status.conditions[?(@.type==\"Ready\")].status",
                                 "Age .metadata.creationTimestamp"));
}

TEST(Crd, StatusHasTheFieldsTheControllerWrites) {
  const json& status = Schema()["properties"]["status"];
  std::vector<std::string> fields;
  for (auto& [k, v] : status["properties"].items()) fields.push_back(k);
  EXPECT_THAT(fields,
              ::testing::UnorderedElementsAre("observedGeneration", "revision", "nodesSummary",
                                              "conditions", "nodes", "warnings"));
  const json& cond = status["properties"]["conditions"]["items"];
  EXPECT_THAT(cond["required"],
              ElementsAre("type", "status", "lastTransitionTime", "reason", "message"));
  EXPECT_EQ(status["properties"]["conditions"]["x-kubernetes-list-type"], "map");
}

// A status as the controller would write it through /status is accepted; a malformed one is
// refused with the field named.
TEST(Crd, StatusSchemaAcceptsWhatTheControllerWrites) {
  std::string file = SourceDir() + "/tests/fixtures/profiles/valid/with-status.yaml";
  std::string error;
  std::vector<json> objs = ProfileObjects(ReadFile(file), &error);
  ASSERT_EQ(objs.size(), 1u) << error;
  EXPECT_THAT(schema::Validate(Schema(), objs[0]), IsEmpty());
  json bad = objs[0];
  bad["status"]["conditions"][0]["status"] = "Maybe";
  bad["status"]["conditions"][1]["type"] = "Ready";
  bad["status"]["nodes"][0]["lastTransitionTime"] = "yesterday";
  EXPECT_THAT(
      schema::Validate(Schema(), bad),
      ::testing::UnorderedElementsAre(
          "status.conditions[0].status: Unsupported value: \"Maybe\": supported values: "
          "\"True\", \"False\", \"Unknown\"",
          "status.conditions[1]: Duplicate value: [\"Ready\"]",
          "status.nodes[0].lastTransitionTime: Invalid value: \"yesterday\": "
          "status.nodes[0].lastTransitionTime in body must be of type date-time: \"yesterday\""));
}

TEST(Crd, EveryCelRuleIsCheapAndCosted) {
  schema::CelReport report = schema::CheckCelRules(Schema());
  EXPECT_THAT(report.errors, IsEmpty());
  EXPECT_EQ(report.rules.size(), 12u)
      << "update docs/auditprofile.md (Admission checks) when rules change";
  for (const schema::RuleCost& r : report.rules) {
    EXPECT_LE(r.total(), schema::kPerRuleCostLimit) << r.path << " " << r.rule;
    std::printf("cel-cost %-55s cardinality %7llu x cost %3llu = %9llu\n", r.path.c_str(),
                static_cast<unsigned long long>(r.cardinality),
                static_cast<unsigned long long>(r.expression_cost),
                static_cast<unsigned long long>(r.total()));
  }
  std::printf("cel-cost total %llu of %llu\n", static_cast<unsigned long long>(report.total_cost),
              static_cast<unsigned long long>(schema::kPerCrdCostLimit));
  EXPECT_LE(report.total_cost, schema::kPerCrdCostLimit);
}

// The checks above would notice: remove a bound a rule depends on and the CRD is refused.
TEST(Crd, RemovingABoundBreaksTheCostRule) {
  json s = Schema();
  s["properties"]["spec"]["properties"]["rules"].erase("maxItems");
  EXPECT_THAT(schema::CheckCelRules(s).errors,
              ::testing::Contains(::testing::HasSubstr("a list above this rule has no maxItems")));
  s = Schema();
  s["properties"]["spec"]["properties"]["rules"]["items"]["properties"]["users"]["items"].erase(
      "maxLength");
  EXPECT_THAT(schema::CheckCelRules(s).errors,
              ::testing::Contains(::testing::HasSubstr("spec.rules[*].users[*] has no maxLength")));
}

std::string Shell(const std::string& command, int* status) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  *status = pclose(pipe.release());
  return out;
}

// kubectl (no server needed with --local) reads the CRD file to the same object as kyaml, so
// what these tests check is what `kubectl apply -f crds/` sends.
TEST(Crd, KubectlReadsTheFileAsKyamlDoes) {
  int status = -1;
  Shell("command -v kubectl >/dev/null 2>&1", &status);
  if (status != 0) GTEST_SKIP() << "kubectl not installed";
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "kaudit-crd-test";
  std::filesystem::create_directories(dir);
  std::string kubeconfig = (dir / "kubeconfig").string();
  std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\n";
  std::string out =
      Shell("KUBECONFIG=" + kubeconfig + " kubectl annotate --local -o json -f " + SourceDir() +
                "/crds/kaudit.io_auditprofiles.yaml kaudit.io/crd-test=1 2>&1",
            &status);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(status, 0) << out;
  json got = json::parse(out, nullptr, false);
  ASSERT_FALSE(got.is_discarded()) << out;
  got["metadata"]["annotations"].erase("kaudit.io/crd-test");
  if (got["metadata"]["annotations"].empty()) got["metadata"].erase("annotations");
  EXPECT_EQ(got, Crd());
}

}  // namespace
}  // namespace kaudit::crdtest
