// Report figures on a small log, worked out by hand from the lines written, and the shape of the
// json report that scripts rely on (docs/simulate.md).
#include "simulate/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "simulate/format.h"
#include "simulate/test_util.h"

namespace kaudit::simulate {
namespace {

using testing::CompileOrDie;
using testing::EventLine;
using testing::EventSpec;
using testing::TempDir;
using testing::WriteFile;

const char* kPolicy = R"(apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  users: ["system:kube-proxy"]
- level: Metadata
  resources: [{group: "", resources: ["secrets"]}]
- level: Request
  verbs: [create, update, patch]
- level: Metadata
  omitStages: [RequestReceived]
)";

const std::string kResponse = R"({"kind":"Pod","metadata":{"name":"web-1"},"spec":{}})";
const std::string kSecretIn = R"({"kind":"Secret","data":{"password":"aHVudGVyMg=="}})";
const std::string kSecretOut = R"({"kind":"Secret","metadata":{"name":"db"}})";
const std::string kConfigMap = R"({"kind":"ConfigMap","data":{"a":"b"}})";

struct SmallLog {
  std::vector<std::string> lines;  // event lines, in order
  std::string text;
};

// A: alice gets a pod (RequestReceived + ResponseComplete with the response body).
// B: kube-proxy watches endpoints. C: bob creates a secret, recorded with both bodies.
// D: ci creates a configmap, recorded at Metadata. E: ci creates a configmap with its body.
// Then a blank line, a corrupt line and a legacy line.
SmallLog MakeSmallLog() {
  SmallLog log;
  EventSpec a;
  a.audit_id = "A";
  a.level = "RequestResponse";
  a.stage = "RequestReceived";
  log.lines.push_back(EventLine(a));
  a.stage = "ResponseComplete";
  a.response_object = kResponse;
  log.lines.push_back(EventLine(a));
  EventSpec b;
  b.audit_id = "B";
  b.user = "system:kube-proxy";
  b.verb = "watch";
  b.resource_name = "endpoints";
  b.ns = "";
  b.name = "";
  b.stage_time = "2024-05-02T10:00:00.100000Z";  // a second day
  log.lines.push_back(EventLine(b));
  EventSpec c;
  c.audit_id = "C";
  c.user = "bob";
  c.verb = "create";
  c.resource_name = "secrets";
  c.level = "RequestResponse";
  c.request_object = kSecretIn;
  c.response_object = kSecretOut;
  log.lines.push_back(EventLine(c));
  EventSpec d;
  d.audit_id = "D";
  d.user = "ci";
  d.verb = "create";
  d.resource_name = "configmaps";
  log.lines.push_back(EventLine(d));
  EventSpec e = d;
  e.audit_id = "E";
  e.level = "RequestResponse";
  e.request_object = kConfigMap;
  log.lines.push_back(EventLine(e));
  for (const std::string& l : log.lines) log.text += l + "\n";
  log.text += "\n{\"kind\":\n";
  log.text += R"(2024-05-01T10:00:00Z AUDIT: id="x" stage="ResponseComplete" ip="1.2.3.4" )"
              R"(method="get" user="u" groups="<none>" as="<self>" asgroups="<lookup>" )"
              R"(user-agent="k" namespace="<none>" uri="/healthz" response="200")"
              "\n";
  return log;
}

struct Fixture {
  TempDir dir;
  SmallLog log = MakeSmallLog();
  policy::Policy policy;
  Report report;
  explicit Fixture(ReportOptions ro = {}) {
    policy::CompiledPolicy compiled = CompileOrDie(kPolicy, &policy);
    SimulateOptions o;
    o.logs = {WriteFile(dir.File("audit.log"), log.text)};
    o.threads = 2;
    o.chunk_bytes = 512;
    o.process.explain_user = ro.explain_user;
    o.process.explain_user_set = ro.explain_user_set;
    auto r = Simulate(compiled, o);
    EXPECT_TRUE(r.ok());
    ro.policy_source = "policy.yaml";
    report = BuildReport(*r, policy, ro);
  }
  uint64_t Size(std::size_t i) const { return log.lines[i].size() + 1; }
};

TEST(ReportTest, FiguresWorkedOutByHand) {
  Fixture f;
  const Report& r = f.report;
  EXPECT_EQ(r.lines, 9u);
  EXPECT_EQ(r.blank_lines, 1u);
  EXPECT_EQ(r.corrupt_lines, 1u);
  EXPECT_EQ(r.legacy_lines, 1u);
  uint64_t before = 0;
  for (std::size_t i = 0; i < 6; ++i) before += f.Size(i);
  EXPECT_EQ(r.before.events, 6u);
  EXPECT_EQ(r.before.bytes, before);
  // Under the candidate:
  //  A/RequestReceived: rule 3 omits the stage.  A/ResponseComplete: rule 3, Metadata: the
  //    response body and `,"responseObject":` (18) go, "RequestResponse" -> "Metadata" (-7).
  //  B: rule 0, None.  C: rule 1, Metadata: both bodies go (+17 and +18), level -7.
  //  D: rule 2, Request, recorded at Metadata: "Metadata" -> "Request" (-1); its body is an
  //    estimate.  E: rule 2, Request: the (absent) response stays absent, level -8.
  const uint64_t a2 = f.Size(1) - (kResponse.size() + 18) - 7;
  const uint64_t c = f.Size(3) - (kSecretIn.size() + 17) - (kSecretOut.size() + 18) - 7;
  const uint64_t d = f.Size(4) - 1;
  const uint64_t e = f.Size(5) - 8;
  EXPECT_EQ(r.after.events, 4u);
  EXPECT_EQ(r.after.bytes, a2 + c + d + e);
  EXPECT_EQ(r.requests, 5u);
  EXPECT_EQ(r.requests_kept, 4u);  // all but B
  // Estimates: D's request body, from E (the one create of configmaps recorded with it).
  EXPECT_EQ(r.estimated.body_events, 1u);
  EXPECT_EQ(r.estimated.body_bytes, kConfigMap.size() + 17);
  EXPECT_EQ(r.estimated.body_events_without_basis, 0u);
  // RequestReceived lines the candidate would add: C, D and E (A's is omitted by rule 3, B is
  // None), each at most its line at Metadata: C without bodies, D as is, E without its body.
  EXPECT_EQ(r.estimated.received_events, 3u);
  EXPECT_EQ(r.estimated.received_bytes, c + f.Size(4) + (f.Size(5) - (kConfigMap.size() + 17) - 7));
}

TEST(ReportTest, DaysRulesTopsAndLosses) {
  Fixture f;
  const Report& r = f.report;
  ASSERT_EQ(r.days.size(), 2u);
  EXPECT_EQ(r.days[0].first, "2024-05-01");
  EXPECT_EQ(r.days[0].second.before.events, 5u);
  EXPECT_EQ(r.days[1].first, "2024-05-02");
  EXPECT_EQ(r.days[1].second.before.bytes, f.Size(2));
  EXPECT_EQ(r.days[1].second.after.events, 0u);

  ASSERT_EQ(r.rules.size(), 5u);  // four rules + "no rule matches"
  EXPECT_EQ(r.rules[0].events, 1u);
  EXPECT_EQ(r.rules[0].bytes_before, f.Size(2));
  EXPECT_EQ(r.rules[0].after.events, 0u);
  EXPECT_EQ(r.rules[0].requests, 1u);
  EXPECT_EQ(r.rules[0].requests_kept, 0u);
  EXPECT_EQ(r.rules[2].events, 2u);
  EXPECT_EQ(r.rules[2].summary, "Request: verbs=create,update,patch");
  EXPECT_EQ(r.rules[3].events, 2u);
  EXPECT_EQ(r.rules[3].after.events, 1u);
  EXPECT_EQ(r.rules[4].index, -1);
  EXPECT_EQ(r.rules[4].events, 0u);

  // Top users: ci (D+E) and bob (C) and alice (A) by the larger of before/after bytes.
  ASSERT_GE(r.top_users.size(), 3u);
  std::vector<std::string> names;
  for (const NamedVolume& n : r.top_users) names.push_back(n.name);
  uint64_t ci = f.Size(4) + f.Size(5), bob = f.Size(3), alice = f.Size(0) + f.Size(1);
  std::vector<std::pair<uint64_t, std::string>> want = {
      {ci, "ci"}, {bob, "bob"}, {alice, "alice"}, {f.Size(2), "system:kube-proxy"}};
  std::sort(want.begin(), want.end(), [](auto& x, auto& y) { return x.first > y.first; });
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(names[i], want[i].second);

  // Lost: kube-proxy's watch of endpoints. Logged less: the secret create loses its bodies.
  ASSERT_EQ(r.lost.size(), 1u);
  EXPECT_EQ(r.lost[0].resource, "endpoints");
  EXPECT_EQ(r.lost[0].verb, "watch");
  ASSERT_EQ(r.reduced.size(), 1u);
  EXPECT_EQ(r.reduced[0].resource, "secrets");
  EXPECT_EQ(r.reduced[0].category, "secrets");
  EXPECT_EQ(r.reduced[0].bodies_dropped, 1u);
}

TEST(ReportTest, ExplainUserBreaksDownByRule) {
  ReportOptions ro;
  ro.explain_user = "alice";
  ro.explain_user_set = true;
  Fixture f(ro);
  const Report& r = f.report;
  ASSERT_TRUE(r.explain);
  EXPECT_EQ(r.explain_subject, "user \"alice\"");
  // Alice's two lines: both decided by rule 3 on get pods; the RequestReceived one is omitted.
  ASSERT_EQ(r.explain_lines.size(), 2u);
  for (const ExplainLine& l : r.explain_lines) {
    EXPECT_EQ(l.rule, 3);
    EXPECT_EQ(l.rule_level, "Metadata");
    EXPECT_EQ(l.verb, "get");
    EXPECT_EQ(l.resource, "pods");
    EXPECT_EQ(l.recorded_level, "RequestResponse");
    EXPECT_EQ(l.volume.before.events, 1u);
  }
  EXPECT_EQ(r.explain_lines[0].candidate_level, "Metadata");
  EXPECT_EQ(r.explain_lines[0].volume.after.events, 1u);
  EXPECT_EQ(r.explain_lines[1].candidate_level, "None");
  EXPECT_EQ(r.explain_lines[1].volume.after.events, 0u);
}

TEST(ReportTest, JsonShapeIsStable) {
  ReportOptions ro;
  ro.disk_budget_bytes = 1ULL << 30;
  Fixture f(ro);
  std::ostringstream out;
  WriteJson(f.report, out);
  nlohmann::json j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["apiVersion"], "kaudit.io/v1alpha1");
  EXPECT_EQ(j["kind"], "SimulationReport");
  EXPECT_EQ(j["policy"]["rules"], 4);
  for (const char* k : {"files", "lines", "events", "blankLines", "corruptLines", "truncatedLines",
                        "legacyLines", "oversizedLines", "corruptSamples", "from", "to", "hours"}) {
    EXPECT_TRUE(j["input"].contains(k)) << k;
  }
  EXPECT_EQ(j["input"]["corruptSamples"][0]["line"], 8);
  for (const char* side : {"before", "after"}) {
    for (const char* k : {"events", "requests", "bytes"}) {
      EXPECT_TRUE(j["totals"][side][k].is_number_unsigned()) << side << "." << k;
    }
  }
  EXPECT_EQ(j["totals"]["estimated"]["addedBytes"],
            j["totals"]["estimated"]["bodyBytes"].get<uint64_t>() +
                j["totals"]["estimated"]["addedRequestReceivedBytes"].get<uint64_t>());
  EXPECT_TRUE(j["levels"].is_array());
  EXPECT_EQ(j["days"][0]["date"], "2024-05-01");
  EXPECT_TRUE(j["days"][0]["before"]["bytes"].is_number());
  for (const char* k : {"users", "resources", "namespaces", "verbs"}) {
    ASSERT_TRUE(j["top"][k].is_array()) << k;
    EXPECT_TRUE(j["top"][k][0].contains("name"));
    EXPECT_TRUE(j["top"][k][0]["after"].contains("bytes"));
  }
  EXPECT_EQ(j["rules"].size(), 5u);
  EXPECT_EQ(j["rules"][4]["index"], -1);
  for (const char* k : {"index", "level", "summary", "requests", "requestsKept", "events",
                        "bytesBefore", "after", "estimatedAddedBytes"}) {
    EXPECT_TRUE(j["rules"][0].contains(k)) << k;
  }
  EXPECT_EQ(j["noLongerLogged"][0]["resource"], "endpoints");
  EXPECT_EQ(j["securityLoggedLess"][0]["category"], "secrets");
  EXPECT_EQ(j["estimates"][0]["resource"], "configmaps");
  EXPECT_TRUE(j["estimates"][0]["basis"].get<bool>());
  EXPECT_EQ(j["diskBudget"]["bytes"], 1ULL << 30);
  EXPECT_TRUE(j["diskBudget"]["after"]["retentionHours"].is_number());
  EXPECT_EQ(j["diskBudget"]["maxSizeMB"], 93);  // 1024 MiB / 11 files
  EXPECT_EQ(j["diskBudget"]["maxBackups"], 10);
  EXPECT_FALSE(j.contains("explain"));
}

TEST(ReportTest, TableAndMarkdownCarryTheSameFigures) {
  Fixture f;
  std::ostringstream table, md;
  WriteText(f.report, false, table);
  WriteText(f.report, true, md);
  for (const std::string& s : {table.str(), md.str()}) {
    EXPECT_NE(s.find("Totals"), std::string::npos);
    EXPECT_NE(s.find("No longer logged"), std::string::npos);
    EXPECT_NE(s.find("Estimated, not measured"), std::string::npos);
    EXPECT_NE(s.find("2024-05-02"), std::string::npos);
  }
  EXPECT_NE(md.str().find("|---"), std::string::npos);
  EXPECT_NE(md.str().find("### Totals"), std::string::npos);
  EXPECT_EQ(table.str().find("|---"), std::string::npos);
}

}  // namespace
}  // namespace kaudit::simulate
