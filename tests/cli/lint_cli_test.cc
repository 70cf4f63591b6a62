// `kaudit lint` as a user runs it: the output line format, --format json, --fail-on and its
// default (error), policy files and -f profiles, and bad input (exit 1) and bad usage (exit 2).
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
using ::testing::Not;

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

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

constexpr const char* kHeader =
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n";

// rules[1] can never match: every system:nodes request is caught by rules[0].
constexpr const char* kShadowed =
    "- level: None\n  userGroups: [\"system:nodes\"]\n"
    "- level: Metadata\n  userGroups: [\"system:nodes\"]\n  verbs: [get]\n"
    "- level: Metadata\n";

constexpr const char* kShadowedLine =
    "warning rules[1] shadowed-rule: can never match: every request it matches is matched first "
    "by rules[0] (None), so its level Metadata never applies (fix: remove rules[1], or move it "
    "above rules[0] if it should win)\n";

class LintCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kaudit-lint-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `kaudit lint ARGS` through the shell (arguments are ours: no quoting needed).
  Result Lint(const std::string& args, const std::string& stdin_file = "/dev/null") {
    std::string cmd = Env("KAUDIT_BIN", "build/kaudit") + " lint " + args + " <" + stdin_file +
                      " >" + (dir_ / "stdout").string() + " 2>" + (dir_ / "stderr").string();
    int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = Slurp(dir_ / "stdout");
    r.err = Slurp(dir_ / "stderr");
    return r;
  }

  std::string File(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  std::string Policy(const std::string& rules) { return File("policy.yaml", kHeader + rules); }

  fs::path dir_;
};

TEST_F(LintCliTest, OneLinePerFinding) {
  Result r = Lint(Policy(kShadowed));
  EXPECT_EQ(r.code, 0) << r.err;  // a warning does not fail by default
  EXPECT_EQ(r.out, kShadowedLine);
  EXPECT_EQ(r.err, "");
}

TEST_F(LintCliTest, CleanPolicyPrintsNothing) {
  Result r = Lint(Policy("- level: None\n  nonResourceURLs: [\"/healthz*\"]\n- level: Metadata\n"));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
}

TEST_F(LintCliTest, FailOn) {
  std::string warn = Policy(kShadowed);
  EXPECT_EQ(Lint(warn + " --fail-on warning").code, 1);
  EXPECT_EQ(Lint(warn + " --fail-on info").code, 1);
  EXPECT_EQ(Lint(warn + " --fail-on error").code, 0);
  EXPECT_EQ(Lint(warn + " --fail-on never").code, 0);
  // A body-logging catch-all is an error: fails by default, not with never.
  std::string leak = File("leak.yaml", std::string(kHeader) + "- level: RequestResponse\n");
  Result r = Lint(leak);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, HasSubstr("error rules[0] sensitive-body: logs Secrets"));
  EXPECT_EQ(Lint(leak + " --fail-on never").code, 0);
}

TEST_F(LintCliTest, Json) {
  Result r = Lint("--format json " + Policy(kShadowed));
  EXPECT_EQ(r.code, 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["rules"], 3);
  EXPECT_EQ(j["failed"], false);
  ASSERT_EQ(j["findings"].size(), 1u);
  const nlohmann::json& f = j["findings"][0];
  EXPECT_EQ(f["severity"], "warning");
  EXPECT_EQ(f["code"], "shadowed-rule");
  EXPECT_EQ(f["rule"], 1);
  EXPECT_THAT(f["fix"].get<std::string>(), HasSubstr("remove rules[1]"));
  EXPECT_EQ(j["summary"]["warning"], 1);
  EXPECT_EQ(j["summary"]["error"], 0);
  // Policy-wide findings have no rule index.
  Result none =
      Lint("--format json --fail-on warning " +
           File("nocatch.yaml", std::string(kHeader) + "- level: None\n  verbs: [get]\n"));
  EXPECT_EQ(none.code, 1);
  nlohmann::json n = nlohmann::json::parse(none.out);
  EXPECT_EQ(n["failed"], true);
  ASSERT_EQ(n["findings"].size(), 1u);
  EXPECT_TRUE(n["findings"][0]["rule"].is_null());
  EXPECT_EQ(n["findings"][0]["code"], "no-catch-all");
}

TEST_F(LintCliTest, InvalidPolicy) {
  Result r = Lint(Policy("- level: metadata\n"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("rules[0].level"));
  Result j = Lint("--format json --fail-on never " + Policy("- level: metadata\n"));
  EXPECT_EQ(j.code, 1);  // invalid input fails whatever --fail-on says
  nlohmann::json doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["valid"], false);
  EXPECT_FALSE(doc["errors"].empty());
  Result missing = Lint((dir_ / "nope.yaml").string());
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("failed to read file path"));
}

TEST_F(LintCliTest, DroppedFieldsAreReported) {
  // "verb" is not a field: kube-apiserver drops it and the rule matches every verb.
  Result r = Lint(Policy("- level: None\n  verb: [get]\n  resources: [{group: apps}]\n"
                         "- level: Metadata\n") +
                  " --fail-on warning");
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, HasSubstr("warning policy decode-warning:"));
  EXPECT_THAT(r.out, HasSubstr("verb"));
}

TEST_F(LintCliTest, Stdin) {
  std::string file = Policy(kShadowed);
  Result r = Lint("-", file);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, kShadowedLine);
}

TEST_F(LintCliTest, Usage) {
  EXPECT_EQ(Lint("").code, 2);
  std::string file = Policy(kShadowed);
  EXPECT_EQ(Lint(file + " -f " + file).code, 2);
  EXPECT_EQ(Lint(file + " --fail-on sometimes").code, 2);
  EXPECT_EQ(Lint(file + " --format xml").code, 2);
}

constexpr const char* kProfile =
    "apiVersion: kaudit.io/v1alpha1\nkind: AuditProfile\nmetadata:\n  name: team-a\n"
    "spec:\n  preset: Metadata\n  omitStages: [RequestReceived]\n  rules:\n"
    "    - level: RequestResponse\n"
    "      resources: [{group: \"\", resources: [secrets]}]\n";

TEST_F(LintCliTest, ProfilesLintTheRenderedPolicy) {
  std::string profile = File("profile.yaml", kProfile);
  // The locked preamble keeps Secrets at Metadata, so the profile's rule never applies.
  Result r = Lint("-f " + profile);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("shadowed-rule: can never match"));
  EXPECT_THAT(r.out, HasSubstr("so its level RequestResponse never applies"));
  EXPECT_THAT(r.out, HasSubstr("[profile team-a spec.rules[0]]"));
  EXPECT_THAT(r.out, Not(HasSubstr("sensitive-body")));
  nlohmann::json j = nlohmann::json::parse(Lint("--format json -f " + profile).out);
  bool found = false;
  for (const nlohmann::json& f : j["findings"]) {
    if (f["code"] != "shadowed-rule") continue;
    found = true;
    EXPECT_EQ(f["origin"]["kind"], "profile");
    EXPECT_EQ(f["origin"]["profile"], "team-a");
    EXPECT_EQ(f["origin"]["index"], 0);
  }
  EXPECT_TRUE(found);
  // Without the preamble the same rule logs Secret values: an error.
  Result bare = Lint("--no-locked-preamble -f " + profile);
  EXPECT_EQ(bare.code, 1);
  EXPECT_THAT(bare.out,
              HasSubstr("error rules[0] sensitive-body: logs Secrets at RequestResponse"));
}

// What kaudit ships must pass its own strictest check: every preset, rendered behind the
// locked preamble, without a single warning.
TEST_F(LintCliTest, EveryPresetIsWarningFree) {
  for (const char* preset : {"None", "Metadata", "WriteRequestBodies", "AllRequestBodies",
                             "Recommended"}) {
    std::string profile = File(std::string(preset) + ".yaml",
                               "apiVersion: kaudit.io/v1alpha1\nkind: AuditProfile\n"
                               "metadata:\n  name: p\nspec:\n  preset: " +
                                   std::string(preset) + "\n");
    Result r = Lint("-f " + profile + " --fail-on warning");
    EXPECT_EQ(r.code, 0) << preset << "\n" << r.out << r.err;
    EXPECT_THAT(r.out, Not(HasSubstr("warning"))) << preset;
  }
}

TEST_F(LintCliTest, BadProfiles) {
  std::string bad = File("bad.yaml",
                         "apiVersion: kaudit.io/v1alpha1\nkind: AuditProfile\n"
                         "metadata:\n  name: x\nspec:\n  preset: Everything\n");
  Result r = Lint("-f " + bad);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("preset"));
  Result empty = Lint("-f " + File("cm.yaml",
                                   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                   "  name: x\n"));
  EXPECT_EQ(empty.code, 1);
  EXPECT_THAT(empty.err, HasSubstr("no kaudit.io/v1alpha1 AuditProfile"));
}

}  // namespace
}  // namespace kaudit
