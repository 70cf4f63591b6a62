// `kaudit simulate` as people and scripts run it: its per-event levels agree with `kaudit eval`
// on the same events, every input form (file, several files, gzip, stdin, profiles), the output
// formats, and exit codes for bad usage and bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace kaudit {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Spit(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

const char* kPolicy = R"(apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  users: ["system:kube-proxy"]
- level: RequestResponse
  verbs: [create, update, patch]
  resources: [{group: rbac.authorization.k8s.io}]
- level: Metadata
  omitStages: [RequestReceived]
)";

class SimulateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kaudit-simulate-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    source_ = Env("KAUDIT_SOURCE_DIR", ".");
    events_ = (source_ / "tests/fixtures/conformance/eval/events.jsonl").string();
    Spit(dir_ / "policy.yaml", kPolicy);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `kaudit ARGS` through the shell (arguments are ours: no quoting needed).
  Result Run(const std::string& args, const std::string& stdin_file = "/dev/null") {
    std::string cmd = Env("KAUDIT_BIN", "build/kaudit") + " " + args + " <" + stdin_file + " >" +
                      (dir_ / "stdout").string() + " 2>" + (dir_ / "stderr").string();
    int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(dir_ / "stdout");
    r.err = Slurp(dir_ / "stderr");
    return r;
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_, source_;
  std::string events_;
};

TEST_F(SimulateCliTest, LevelsAgreeWithKauditEvalForEveryFixturePolicy) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(source_ / "tests/fixtures/conformance/eval")) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string pol = entry.path().string();
    SCOPED_TRACE(pol);
    Result eval = Run("eval " + pol + " " + events_);
    ASSERT_EQ(eval.code, 0) << eval.err;
    Result sim = Run("simulate --policy " + pol + " --log " + events_ + " --decisions " +
                     P("decisions.txt") + " --format json");
    ASSERT_EQ(sim.code, 0) << sim.err;
    EXPECT_EQ(Slurp(dir_ / "decisions.txt"), eval.out);
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST_F(SimulateCliTest, BadLinesAgreeWithEvalAndAreNotFatal) {
  std::string log = Slurp(events_).substr(0, 20000);
  log = log.substr(0, log.rfind('\n') + 1) + "{not json\n" + Slurp(events_).substr(0, 3000);
  Spit(dir_ / "mixed.log", log);
  Result eval = Run("eval " + P("policy.yaml") + " " + P("mixed.log"));
  EXPECT_EQ(eval.code, 1);  // eval fails on bad lines...
  Result sim = Run("simulate --policy " + P("policy.yaml") + " --log " + P("mixed.log") +
                   " --decisions " + P("d.txt") + " --format json");
  EXPECT_EQ(sim.code, 0) << sim.err;  // ...simulate counts them and carries on
  EXPECT_EQ(Slurp(dir_ / "d.txt"), eval.out);
  nlohmann::json j = nlohmann::json::parse(sim.out);
  EXPECT_EQ(j["input"]["corruptLines"], 1);
  EXPECT_EQ(j["input"]["truncatedLines"], 1);  // the cut-off last line
}

TEST_F(SimulateCliTest, GzipSeveralFilesAndStdinGiveTheSameTotals) {
  std::string all = Slurp(events_);
  std::size_t half = all.find('\n', all.size() / 2) + 1;
  Spit(dir_ / "audit-old.log", all.substr(0, half));
  Spit(dir_ / "audit.log", all.substr(half));
  ASSERT_EQ(std::system(("gzip " + P("audit-old.log")).c_str()), 0);
  Result plain =
      Run("simulate --policy " + P("policy.yaml") + " --log " + events_ + " --format json");
  Result split = Run("simulate --policy " + P("policy.yaml") + " --log " + P("audit-old.log.gz") +
                     " " + P("audit.log") + " --format json");
  Result piped = Run("simulate --policy " + P("policy.yaml") + " --log - --format json", events_);
  ASSERT_EQ(plain.code, 0) << plain.err;
  ASSERT_EQ(split.code, 0) << split.err;
  ASSERT_EQ(piped.code, 0) << piped.err;
  nlohmann::json a = nlohmann::json::parse(plain.out);
  nlohmann::json b = nlohmann::json::parse(split.out);
  nlohmann::json c = nlohmann::json::parse(piped.out);
  EXPECT_EQ(a["totals"], b["totals"]);
  EXPECT_EQ(a["totals"], c["totals"]);
  EXPECT_EQ(a["rules"], b["rules"]);
  EXPECT_EQ(b["input"]["files"][0]["compressed"], true);
  EXPECT_EQ(c["input"]["files"][0]["path"], "<stdin>");
}

TEST_F(SimulateCliTest, TableAndMarkdownReports) {
  Result table = Run("simulate --policy " + P("policy.yaml") + " --log " + events_ +
                     " --disk-budget 10GiB --explain-user system:kube-proxy");
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("== Totals"));
  EXPECT_THAT(table.out, HasSubstr("Disk budget 10.0 GiB"));
  EXPECT_THAT(table.out, HasSubstr("Why user \"system:kube-proxy\" gets its levels"));
  EXPECT_THAT(table.out, HasSubstr("None: users=system:kube-proxy"));
  Result md =
      Run("simulate --policy " + P("policy.yaml") + " --log " + events_ + " --format markdown");
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_THAT(md.out, HasSubstr("### Totals"));
  EXPECT_THAT(md.out, HasSubstr("|---"));
}

TEST_F(SimulateCliTest, ProfilesAreRenderedAsTheCandidate) {
  Spit(dir_ / "profile.yaml", R"(apiVersion: kaudit.io/v1alpha1
kind: AuditProfile
metadata:
  name: baseline
spec:
  preset: Recommended
)");
  Result r = Run("simulate -f " + P("profile.yaml") + " --log " + events_ + " --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["policy"]["source"], "profiles baseline");
  EXPECT_GT(j["policy"]["rules"].get<int>(), 5);
  EXPECT_LT(j["totals"]["after"]["bytes"].get<uint64_t>(),
            j["totals"]["before"]["bytes"].get<uint64_t>());
}

TEST_F(SimulateCliTest, UsageErrorsExitTwo) {
  const std::string log = " --log " + events_;
  const std::string pol = " --policy " + P("policy.yaml");
  struct Case {
    std::string args, message;
  } cases[] = {
      {"simulate" + log, "either with --policy"},
      {"simulate" + pol + " -f " + P("policy.yaml") + log, "either with --policy"},
      {"simulate" + pol, "--log"},
      {"simulate" + pol + log + " --format xml", "\"xml\" is not one of table, json, markdown"},
      {"simulate" + pol + log + " --disk-budget lots", "--disk-budget: \"lots\" is not a size"},
      {"simulate --policy - --log -", "standard input"},
  };
  for (const Case& c : cases) {
    Result r = Run(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.args;
  }
}

TEST_F(SimulateCliTest, BadPolicyOrMissingLogExitOne) {
  Spit(dir_ / "bad.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n");
  Result bad = Run("simulate --policy " + P("bad.yaml") + " --log " + events_);
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, HasSubstr("rules[0].level"));
  EXPECT_EQ(bad.out, "");
  Result missing = Run("simulate --policy " + P("policy.yaml") + " --log " + P("nope.log"));
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("nope.log"));
  EXPECT_EQ(missing.out, "");
}

}  // namespace
}  // namespace kaudit
