// Sizes at the candidate level, worked out from the event text (audit-semantics.md §5: member
// order, bodies only at Request/RequestResponse), and the small pure helpers: resource keys,
// security categories, timestamps, sizes and disk budgets.
#include "simulate/sizing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "simulate/classify.h"
#include "simulate/report.h"
#include "simulate/timestamp.h"

namespace kaudit::simulate {
namespace {

using policy::Decision;
using policy::Level;
using policy::Stage;

Decision At(Level l, uint8_t omit = 0, bool omit_managed = false) {
  Decision d;
  d.level = l;
  d.omit_stages = omit;
  d.omit_managed_fields = omit_managed;
  d.rule_index = 0;
  return d;
}

// A RequestResponse line: prefix + requestObject + responseObject + suffix.
struct Sample {
  std::string request = R"({"kind":"Pod","metadata":{"name":"a","managedFields":[{"m":1}]}})";
  std::string response =
      R"({"kind":"Pod","metadata":{"name":"a","managedFields":[{"m":22}]},"x":1})";
  std::string line;
  RecordedEvent Recorded() const {
    RecordedEvent e;
    e.bytes = line.size() + 1;
    e.level_text = "RequestResponse";
    e.level = Level::kRequestResponse;
    e.is_resource_request = true;
    e.request_object_bytes = request.size();
    e.response_object_bytes = response.size();
    e.request_managed_bytes = std::string(R"([{"m":1}])").size();
    e.response_managed_bytes = std::string(R"([{"m":22}])").size();
    return e;
  }
  Sample() {
    line = R"({"level":"RequestResponse","stage":"ResponseComplete","requestObject":)" + request +
           R"(,"responseObject":)" + response + R"(,"stageTimestamp":"t"})";
  }
};

TEST(SizeUnderTest, SameLevelKeepsTheLineAsIs) {
  Sample s;
  SizedEvent out = SizeUnder(s.Recorded(), At(Level::kRequestResponse), Stage::kResponseComplete);
  EXPECT_TRUE(out.kept);
  EXPECT_EQ(out.bytes, s.line.size() + 1);
  EXPECT_FALSE(out.drops_body);
  EXPECT_FALSE(out.needs_request_body || out.needs_response_body);
}

TEST(SizeUnderTest, MetadataRemovesBothBodiesAndRenamesTheLevel) {
  Sample s;
  // What the apiserver would have written at Metadata, built by hand.
  std::string expected = R"({"level":"Metadata","stage":"ResponseComplete","stageTimestamp":"t"})";
  SizedEvent out = SizeUnder(s.Recorded(), At(Level::kMetadata), Stage::kResponseComplete);
  EXPECT_TRUE(out.kept);
  EXPECT_EQ(out.bytes, expected.size() + 1);
  EXPECT_TRUE(out.drops_body);
  EXPECT_EQ(out.metadata_bytes, expected.size() + 1);
}

TEST(SizeUnderTest, RequestKeepsOnlyTheRequestBody) {
  Sample s;
  std::string expected = R"({"level":"Request","stage":"ResponseComplete","requestObject":)" +
                         s.request + R"(,"stageTimestamp":"t"})";
  SizedEvent out = SizeUnder(s.Recorded(), At(Level::kRequest), Stage::kResponseComplete);
  EXPECT_EQ(out.bytes, expected.size() + 1);
}

TEST(SizeUnderTest, OmitManagedFieldsRemovesThemFromKeptBodies) {
  Sample s;
  std::string request = R"({"kind":"Pod","metadata":{"name":"a"}})";
  std::string response = R"({"kind":"Pod","metadata":{"name":"a"},"x":1})";
  std::string expected =
      R"({"level":"RequestResponse","stage":"ResponseComplete","requestObject":)" + request +
      R"(,"responseObject":)" + response + R"(,"stageTimestamp":"t"})";
  SizedEvent out =
      SizeUnder(s.Recorded(), At(Level::kRequestResponse, 0, true), Stage::kResponseComplete);
  EXPECT_EQ(out.bytes, expected.size() + 1);
}

TEST(SizeUnderTest, NoneAndOmittedStagesDropTheEvent) {
  Sample s;
  EXPECT_FALSE(SizeUnder(s.Recorded(), At(Level::kNone), Stage::kResponseComplete).kept);
  const uint8_t omit_complete = 1U << static_cast<int>(Stage::kResponseComplete);
  SizedEvent out =
      SizeUnder(s.Recorded(), At(Level::kRequestResponse, omit_complete), Stage::kResponseComplete);
  EXPECT_FALSE(out.kept);
  EXPECT_EQ(out.bytes, 0u);
  EXPECT_TRUE(
      SizeUnder(s.Recorded(), At(Level::kRequestResponse, omit_complete), Stage::kRequestReceived)
          .kept);
}

TEST(SizeUnderTest, HigherLevelThanRecordedNeedsAnEstimate) {
  RecordedEvent e;
  std::string line = R"({"level":"Metadata","stage":"ResponseComplete"})";
  e.bytes = line.size() + 1;
  e.level_text = "Metadata";
  e.level = Level::kMetadata;
  e.is_resource_request = true;
  SetBodyExpectations("update", Stage::kResponseComplete, &e);
  SizedEvent out = SizeUnder(e, At(Level::kRequestResponse), Stage::kResponseComplete);
  // Measured part: only the level string grows ("Metadata" -> "RequestResponse": +7).
  EXPECT_EQ(out.bytes, line.size() + 1 + 7);
  EXPECT_TRUE(out.needs_request_body);
  EXPECT_TRUE(out.needs_response_body);
  // A get has a response body but no request body; a watch has neither; RequestReceived lines
  // never carry bodies: nothing to estimate there, the size is known.
  SetBodyExpectations("get", Stage::kResponseComplete, &e);
  out = SizeUnder(e, At(Level::kRequestResponse), Stage::kResponseComplete);
  EXPECT_FALSE(out.needs_request_body);
  EXPECT_TRUE(out.needs_response_body);
  SetBodyExpectations("watch", Stage::kResponseComplete, &e);
  out = SizeUnder(e, At(Level::kRequestResponse), Stage::kResponseComplete);
  EXPECT_FALSE(out.needs_request_body || out.needs_response_body);
  SetBodyExpectations("update", Stage::kRequestReceived, &e);
  out = SizeUnder(e, At(Level::kRequestResponse), Stage::kRequestReceived);
  EXPECT_FALSE(out.needs_request_body || out.needs_response_body);
  // Non-resource requests never get bodies (audit-semantics §1).
  e.is_resource_request = false;
  SetBodyExpectations("update", Stage::kResponseComplete, &e);
  out = SizeUnder(e, At(Level::kRequestResponse), Stage::kResponseComplete);
  EXPECT_FALSE(out.needs_request_body || out.needs_response_body);
}

TEST(ClassifyTest, ResourceKeysAreSpelledAsKubectlDoes) {
  std::string k;
  ResourceKey(true, "", "pods", "", "", &k);
  EXPECT_EQ(k, "pods");
  ResourceKey(true, "", "pods", "log", "", &k);
  EXPECT_EQ(k, "pods/log");
  ResourceKey(true, "apps", "deployments", "scale", "", &k);
  EXPECT_EQ(k, "deployments.apps/scale");
  ResourceKey(false, "", "", "", "/healthz", &k);
  EXPECT_EQ(k, "/healthz");
}

TEST(ClassifyTest, SecurityCategories) {
  EXPECT_EQ(SecurityCategory("clusterrolebindings.rbac.authorization.k8s.io", "create"), "rbac");
  EXPECT_EQ(SecurityCategory("roles.rbac.authorization.k8s.io", "get"), "");  // reads are not
  EXPECT_EQ(SecurityCategory("secrets", "get"), "secrets");
  EXPECT_EQ(SecurityCategory("secrets", "list"), "secrets");
  EXPECT_EQ(SecurityCategory("serviceaccounts/token", "create"), "tokens");
  EXPECT_EQ(SecurityCategory("tokenreviews.authentication.k8s.io", "create"), "tokens");
  EXPECT_EQ(SecurityCategory("pods/exec", "create"), "exec");
  EXPECT_EQ(SecurityCategory("nodes/proxy", "get"), "exec");
  EXPECT_EQ(
      SecurityCategory("validatingwebhookconfigurations.admissionregistration.k8s.io", "patch"),
      "admission");
  EXPECT_EQ(SecurityCategory("customresourcedefinitions.apiextensions.k8s.io", "delete"), "crds");
  EXPECT_EQ(SecurityCategory("auditprofiles.kaudit.io", "update"), "audit");
  EXPECT_EQ(SecurityCategory("pods", "delete"), "");
  EXPECT_EQ(SecurityCategory("/healthz", "get"), "");
  EXPECT_EQ(SecurityCategory("secrets.example.com", "get"), "");  // a CRD named secrets
}

TEST(TimestampTest, ParsesKubernetesMicroTimeAndOffsets) {
  // 2024-05-01T10:00:00Z = 1714557600 s since the epoch.
  EXPECT_EQ(ParseMicros("2024-05-01T10:00:00.123456Z"), 1714557600123456LL);
  EXPECT_EQ(ParseMicros("2024-05-01T10:00:00Z"), 1714557600000000LL);
  EXPECT_EQ(ParseMicros("2024-05-01T10:00:00.5Z"), 1714557600500000LL);
  EXPECT_EQ(ParseMicros("2024-05-01T12:00:00+02:00"), 1714557600000000LL);
  EXPECT_EQ(ParseMicros("2024-05-01"), std::nullopt);
  EXPECT_EQ(ParseMicros(""), std::nullopt);
  EXPECT_EQ(ParseMicros("2024-13-01T10:00:00Z"), std::nullopt);
  EXPECT_EQ(FormatDay(DayOf(1714557600123456LL)), "2024-05-01");
  EXPECT_EQ(FormatDay(0), "1970-01-01");
  EXPECT_EQ(FormatDay(DayOf(-1)), "1969-12-31");
  EXPECT_EQ(FormatMicros(1714557600123456LL), "2024-05-01T10:00:00Z");
}

TEST(ParseSizeTest, UnitsAndErrors) {
  EXPECT_EQ(ParseSize("1048576").value(), 1048576u);
  EXPECT_EQ(ParseSize("10GiB").value(), 10ULL << 30);
  EXPECT_EQ(ParseSize("500Mi").value(), 500ULL << 20);
  EXPECT_EQ(ParseSize("2G").value(), 2000000000ULL);
  EXPECT_EQ(ParseSize("1.5TB").value(), 1500000000000ULL);
  EXPECT_EQ(ParseSize("64KB").value(), 64000u);
  for (const char* bad : {"", "GiB", "-5GiB", "10 GiB", "ten", "10XB", "0"}) {
    StatusOr<uint64_t> r = ParseSize(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("--disk-budget"), std::string::npos);
    }
  }
}

TEST(DiskBudgetTest, RetentionAndRotationWorkedByHand) {
  // 10 GiB budget; 24 h of log; 48 GiB recorded, 12 GiB under the candidate.
  const uint64_t gib = 1ULL << 30;
  DiskBudget b = PlanDiskBudget(10 * gib, 24, 48 * gib, 12 * gib);
  ASSERT_TRUE(b.before.known && b.after.known);
  EXPECT_DOUBLE_EQ(b.before.bytes_per_hour, 2.0 * gib);
  EXPECT_DOUBLE_EQ(b.before.retention_hours, 5.0);
  EXPECT_DOUBLE_EQ(b.after.retention_hours, 20.0);
  // 10240 MiB / 11 files = 930 > 100, so files of 100 MiB; 102 files fit, one is the live file.
  EXPECT_EQ(b.max_size_mb, 100);
  EXPECT_EQ(b.max_backups, 101);
  // 101 backups x 100 MiB at 0.5 GiB per hour: 10100 / 512 hours.
  EXPECT_NEAR(b.rotation_retention_hours, 10100.0 / 512.0, 1e-9);
}

TEST(DiskBudgetTest, SmallBudgetUsesSmallerFilesAndTinyBudgetIsExplained) {
  DiskBudget b = PlanDiskBudget(55ULL << 20, 10, 1000, 1000);
  EXPECT_EQ(b.max_size_mb, 5);   // 55 / 11
  EXPECT_EQ(b.max_backups, 10);  // 55 / 5 - 1
  DiskBudget tiny = PlanDiskBudget(1ULL << 20, 10, 1000, 1000);
  EXPECT_EQ(tiny.max_size_mb, 0);
  EXPECT_NE(tiny.note.find("below 2 MiB"), std::string::npos);
  DiskBudget no_time = PlanDiskBudget(1ULL << 30, 0, 1000, 1000);
  EXPECT_FALSE(no_time.before.known);
  EXPECT_NE(no_time.note.find("less than a minute"), std::string::npos);
}

}  // namespace
}  // namespace kaudit::simulate
