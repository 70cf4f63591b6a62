// End-to-end through the library: levels agree with upstream's recorded decisions (the same
// cases `kaudit eval` is checked against), results do not depend on threads or chunk sizes,
// figures on a small log worked out by hand, bad lines, empty logs, long lines, gzip.
#include "simulate/simulator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file.h"
#include "simulate/format.h"
#include "simulate/report.h"
#include "simulate/test_util.h"

namespace kaudit::simulate {
namespace {

using testing::CompileOrDie;
using testing::EventLine;
using testing::EventSpec;
using testing::TempDir;
using testing::WriteFile;
using testing::WriteGzip;

const char* kFixtures = "tests/fixtures/conformance/eval";

StatusOr<SimulationResult> RunSim(const policy::CompiledPolicy& p, std::vector<std::string> logs,
                                  int threads, std::size_t chunk, std::ostream* decisions = nullptr,
                                  std::size_t max_line = 256u << 20) {
  SimulateOptions o;
  o.logs = std::move(logs);
  o.threads = threads;
  o.chunk_bytes = chunk;
  o.max_line_bytes = max_line;
  o.process.record_decisions = decisions != nullptr;
  o.decisions = decisions;
  return Simulate(p, o);
}

std::string JsonReport(const SimulationResult& r, const policy::Policy& p) {
  ReportOptions ro;
  ro.policy_source = "candidate.yaml";
  ro.disk_budget_bytes = 1ULL << 30;
  std::ostringstream out;
  WriteJson(BuildReport(r, p, ro), out);
  return out.str();
}

TEST(SimulateConformanceTest, EveryEventsLevelMatchesUpstreamsRecordedDecision) {
  int policies = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kFixtures)) {
    if (entry.path().extension() != ".yaml") continue;
    ++policies;
    std::string base = entry.path().string().substr(0, entry.path().string().size() - 5);
    SCOPED_TRACE(entry.path().string());
    StatusOr<std::string> yaml = ReadFileLimited(entry.path().string());
    ASSERT_TRUE(yaml.ok());
    policy::CompiledPolicy compiled = CompileOrDie(*yaml);
    StatusOr<std::string> expected = ReadFileLimited(base + ".expected");
    ASSERT_TRUE(expected.ok());
    // Small chunks and two workers: decisions must still come out in log order.
    std::ostringstream decisions;
    auto r = RunSim(compiled, {std::string(kFixtures) + "/events.jsonl"}, 2, 4096, &decisions);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(decisions.str(), *expected);
    EXPECT_EQ(r->stats.corrupt_lines, 0u);
  }
  EXPECT_GE(policies, 10);
}

// A log with a bit of everything: multi-stage requests crossing chunk boundaries, bodies,
// several users, a few days, bad lines.
std::string MixedLog() {
  std::string log;
  const char* users[] = {"alice", "bob", "system:kube-proxy", "system:node:n1"};
  const char* verbs[] = {"get", "create", "update", "watch", "list"};
  const char* resources[] = {"pods", "secrets", "configmaps", "endpoints"};
  for (int i = 0; i < 400; ++i) {
    EventSpec e;
    e.audit_id = "id-" + std::to_string(i);
    e.user = users[i % 4];
    e.verb = verbs[i % 5];
    e.resource_name = resources[(i / 3) % 4];
    e.level = i % 3 == 0 ? "RequestResponse" : "Metadata";
    e.received = "2024-05-0" + std::to_string(1 + i % 3) + "T10:00:00.000000Z";
    e.stage_time = e.received;
    if (e.level == "RequestResponse" && e.verb != "watch") {
      e.response_object = R"({"kind":"X","metadata":{"name":"n","managedFields":[{"a":)" +
                          std::to_string(i) + "}]}}";
      if (e.verb == "create" || e.verb == "update") e.request_object = R"({"kind":"X","v":1})";
    }
    if (i % 2 == 0) {
      EventSpec rr = e;
      rr.stage = "RequestReceived";
      rr.request_object.clear();
      rr.response_object.clear();
      log += EventLine(rr) + "\n";
    }
    if (i % 7 == 0) log += "\n";
    if (i % 50 == 0) log += "{\"kind\":\"Event\", broken\n";
    log += EventLine(e) + "\n";
  }
  return log;
}

const char* kMixedPolicy = R"(apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  users: ["system:kube-proxy"]
- level: Metadata
  resources: [{group: "", resources: ["secrets"]}]
  omitStages: [RequestReceived]
- level: RequestResponse
  verbs: [create, update]
  omitManagedFields: true
- level: Request
  resources: [{group: "", resources: ["configmaps"]}]
- level: Metadata
)";

TEST(SimulateTest, ResultDoesNotDependOnThreadsOrChunkSize) {
  TempDir dir;
  std::string log = WriteFile(dir.File("audit.log"), MixedLog());
  policy::Policy pol;
  policy::CompiledPolicy compiled = CompileOrDie(kMixedPolicy, &pol);
  auto base = RunSim(compiled, {log}, 1, 8u << 20);
  ASSERT_TRUE(base.ok());
  const std::string want = JsonReport(*base, pol);
  for (auto [threads, chunk] :
       {std::pair{2, 512}, std::pair{3, 1000}, std::pair{2, 4096}, std::pair{1, 700}}) {
    auto r = RunSim(compiled, {log}, threads, static_cast<std::size_t>(chunk));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(JsonReport(*r, pol), want) << threads << " threads, chunks of " << chunk;
  }
  EXPECT_EQ(base->stats.corrupt_lines, 8u);  // i = 0, 50, ..., 350
  EXPECT_EQ(base->requests.requests, 400u);
}

TEST(SimulateTest, GzipInputGivesTheSameFiguresAsPlain) {
  TempDir dir;
  std::string text = MixedLog();
  std::string plain = WriteFile(dir.File("audit.log"), text);
  // Rotated logs: two gzip files then the live file, as --audit-log-compress leaves them.
  std::size_t third = text.find('\n', text.size() / 3) + 1;
  std::size_t two_thirds = text.find('\n', 2 * text.size() / 3) + 1;
  std::string g1 = WriteGzip(dir.File("audit-1.log.gz"), {text.substr(0, third)});
  std::string g2 = WriteGzip(dir.File("audit-2.log.gz"), {text.substr(third, two_thirds - third)});
  std::string live = WriteFile(dir.File("audit-live.log"), text.substr(two_thirds));
  policy::Policy pol;
  policy::CompiledPolicy compiled = CompileOrDie(kMixedPolicy, &pol);
  auto a = RunSim(compiled, {plain}, 2, 4096);
  auto b = RunSim(compiled, {g1, g2, live}, 2, 4096);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->stats.before.bytes, b->stats.before.bytes);
  EXPECT_EQ(a->stats.after.bytes, b->stats.after.bytes);
  EXPECT_EQ(a->stats.before.events, b->stats.before.events);
  EXPECT_EQ(a->requests.requests, b->requests.requests);  // requests span the file boundaries
  EXPECT_EQ(a->requests.added_received_events, b->requests.added_received_events);
  ASSERT_EQ(b->files.size(), 3u);
  EXPECT_TRUE(b->files[0].compressed);
  EXPECT_FALSE(b->files[2].compressed);
  EXPECT_EQ(b->files[0].decoded_bytes + b->files[1].decoded_bytes + b->files[2].decoded_bytes,
            text.size());
}

TEST(SimulateTest, EmptyLogAndEmptyLinesGiveAnEmptyReport) {
  TempDir dir;
  std::string empty = WriteFile(dir.File("empty.log"), "");
  std::string blank = WriteFile(dir.File("blank.log"), "\n  \n\r\n");
  policy::Policy pol;
  policy::CompiledPolicy compiled = CompileOrDie(kMixedPolicy, &pol);
  auto r = RunSim(compiled, {empty, blank}, 2, 4096);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stats.before.events, 0u);
  EXPECT_EQ(r->stats.lines, 3u);
  EXPECT_EQ(r->stats.blank_lines, 3u);
  EXPECT_EQ(r->requests.requests, 0u);
  std::string json = JsonReport(*r, pol);
  EXPECT_NE(json.find("\"from\": null"), std::string::npos);
  EXPECT_NE(json.find("less than a minute"), std::string::npos);
}

TEST(SimulateTest, BadLinesAreCountedWithFileAndLineNeverFatal) {
  TempDir dir;
  EventSpec ok;
  std::string a =
      WriteFile(dir.File("a.log"), EventLine(ok) + "\nnot json at all\n" + EventLine(ok) + "\n");
  EventSpec bad_stage;
  bad_stage.stage = "Finished";
  std::string legacy =
      R"(2024-05-01T10:00:00.000000001Z AUDIT: id="x" stage="ResponseComplete" ip="10.0.0.1" )"
      R"(method="get" user="alice" groups="\"g\"" as="<self>" asgroups="<lookup>" )"
      R"(user-agent="kubectl" namespace="default" uri="/api/v1/pods" response="200")";
  std::string full = EventLine(ok);
  std::string b = WriteFile(dir.File("b.log"), legacy + "\n" + EventLine(bad_stage) + "\n" +
                                                   R"({"user":{},"verb":"get"})" + "\n" +
                                                   full.substr(0, full.size() / 2));
  policy::CompiledPolicy compiled = CompileOrDie(kMixedPolicy);
  auto r = RunSim(compiled, {a, b}, 2, 4096);
  ASSERT_TRUE(r.ok());
  const Stats& s = r->stats;
  EXPECT_EQ(s.before.events, 2u);
  EXPECT_EQ(s.legacy_lines, 1u);
  EXPECT_EQ(s.corrupt_lines, 3u);    // not json, unknown stage, missing requestURI
  EXPECT_EQ(s.truncated_lines, 1u);  // the cut-off last line of b.log
  ASSERT_EQ(s.corrupt_samples.size(), 4u);
  EXPECT_EQ(s.corrupt_samples[0].file_index, 0);
  EXPECT_EQ(s.corrupt_samples[0].line, 2u);
  EXPECT_EQ(s.corrupt_samples[1].file_index, 1);
  EXPECT_EQ(s.corrupt_samples[1].line, 2u);
  EXPECT_NE(s.corrupt_samples[1].reason.find("Finished"), std::string::npos);
  EXPECT_EQ(s.corrupt_samples[2].line, 3u);
  EXPECT_NE(s.corrupt_samples[2].reason.find("requestURI"), std::string::npos);
  EXPECT_EQ(s.corrupt_samples[3].line, 4u);
  EXPECT_NE(s.corrupt_samples[3].reason.find("ends in the middle"), std::string::npos);
}

TEST(SimulateTest, LinesOverOneMebibyteAreReadAndMeasured) {
  TempDir dir;
  EventSpec big;
  big.level = "RequestResponse";
  big.verb = "create";
  std::string payload(3u << 20, 'p');  // a 3 MiB ConfigMap value
  big.request_object = R"({"kind":"ConfigMap","data":{"k":")" + payload + "\"}}";
  std::string line = EventLine(big);
  std::string path = WriteFile(dir.File("big.log"), line + "\n" + EventLine(EventSpec{}) + "\n");
  const char* metadata_only =
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n";
  policy::CompiledPolicy compiled = CompileOrDie(metadata_only);
  auto r = RunSim(compiled, {path}, 2, 64 * 1024);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stats.before.events, 2u);
  EXPECT_EQ(r->stats.oversized_lines, 0u);
  // At Metadata the request body and its member name go, and the level name shrinks by 7.
  uint64_t big_after = line.size() + 1 - (big.request_object.size() + 17) - 7;
  uint64_t small_after = EventLine(EventSpec{}).size() + 1;
  EXPECT_EQ(r->stats.after.bytes, big_after + small_after);
  // With a 1 MiB limit the same line is skipped and reported, the rest still read.
  auto limited = RunSim(compiled, {path}, 2, 64 * 1024, nullptr, 1u << 20);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->stats.oversized_lines, 1u);
  EXPECT_EQ(limited->stats.before.events, 1u);
}

TEST(SimulateTest, MissingLogIsAnError) {
  TempDir dir;
  policy::CompiledPolicy compiled = CompileOrDie(kMixedPolicy);
  auto r = RunSim(compiled, {dir.File("nope.log")}, 2, 4096);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nope.log"), std::string::npos);
}

}  // namespace
}  // namespace kaudit::simulate
