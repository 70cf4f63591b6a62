// `kaudit eval` as a user runs it ($KAUDIT_BIN): byte-for-byte upstream's recorded output, and
// the documented behaviour for bad input (docs/eval.md).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace kaudit {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class EvalCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("KAUDIT_BIN");
    ASSERT_NE(bin, nullptr) << "KAUDIT_BIN is not set (run through ctest)";
    bin_ = bin;
    ASSERT_TRUE(fs::exists(bin_)) << bin_ << " is not built";
    const char* src = std::getenv("KAUDIT_SOURCE_DIR");
    src_ = src != nullptr ? src : ".";
    char tmpl[] = "/tmp/kaudit-eval-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    if (!tmp_.empty()) fs::remove_all(tmp_, ec);
  }

  // Runs kaudit with args (already shell-quoted where needed), stdin from stdin_file if given.
  CliResult Kaudit(const std::string& args, const std::string& stdin_file = "/dev/null") {
    const fs::path out = tmp_ / "stdout", err = tmp_ / "stderr";
    std::string cmd = "'" + bin_ + "' " + args + " <'" + stdin_file + "' >'" + out.string() +
                      "' 2>'" + err.string() + "'";
    int status = std::system(cmd.c_str());
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadAll(out);
    r.err = ReadAll(err);
    return r;
  }

  fs::path Conformance(const std::string& name) const {
    return fs::path(src_) / "tests/fixtures/conformance/eval" / name;
  }

  std::string bin_;
  std::string src_;
  fs::path tmp_;
};

TEST_F(EvalCliTest, ReproducesRecordedOutputsByteForByte) {
  for (const char* name : {"p03", "p33"}) {
    SCOPED_TRACE(name);
    CliResult r = Kaudit("eval '" + Conformance(std::string(name) + ".yaml").string() + "' '" +
                         Conformance("events.jsonl").string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, ReadAll(Conformance(std::string(name) + ".expected")));
    EXPECT_EQ(r.err, "");
  }
}

TEST_F(EvalCliTest, ReadsEventsFromStdin) {
  CliResult r = Kaudit("eval '" + Conformance("p09.yaml").string() + "' -",
                       Conformance("events.jsonl").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ReadAll(Conformance("p09.expected")));
}

TEST_F(EvalCliTest, ExplainNamesTheRule) {
  WriteFile(tmp_ / "policy.yaml",
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\n"
            "rules:\n- level: None\n  nonResourceURLs: [/healthz*]\n"
            "- level: Request\n  users: [alice]\n  omitStages: [Panic]\n");
  WriteFile(tmp_ / "events.jsonl",
            R"({"verb":"get","user":{"username":"bob"},"requestURI":"/healthz/etcd"})"
            "\n\n"
            R"({"verb":"get","user":{"username":"alice"},"requestURI":"/api"})"
            "\n"
            R"({"verb":"get","user":{"username":"bob"},"requestURI":"/api"})");
  CliResult r = Kaudit("eval --explain '" + (tmp_ / "policy.yaml").string() + "' '" +
                       (tmp_ / "events.jsonl").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "None RequestReceived rule=0\n"
            "Request RequestReceived Panic rule=1\n"
            "None RequestReceived rule=none\n");
}

TEST_F(EvalCliTest, BadLinesPrintErrorKeepAlignmentAndExitOne) {
  WriteFile(tmp_ / "policy.yaml",
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
            "- level: Metadata\n");
  WriteFile(tmp_ / "events.jsonl", R"({"verb":"get","user":{},"requestURI":"/"})"
                                   "\nnot json\n"
                                   R"({"verb":"get","user":{},"requestURI":"/a%zz"})"
                                   "\n"
                                   R"({"verb":"get","user":{},"requestURI":"/"})"
                                   "\n");
  CliResult r = Kaudit("eval '" + (tmp_ / "policy.yaml").string() + "' '" +
                       (tmp_ / "events.jsonl").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "Metadata\nerror\nerror\nMetadata\n");
  const std::string name = (tmp_ / "events.jsonl").string();
  EXPECT_NE(r.err.find(name + ":2: not an audit event"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(name + ":3: requestURI: invalid URL escape \"%zz\""), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("2 of 4 lines are not valid audit events"), std::string::npos) << r.err;
}

TEST_F(EvalCliTest, LegacyFormatLinesAreRefused) {
  WriteFile(tmp_ / "policy.yaml",
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
            "- level: Metadata\n");
  WriteFile(tmp_ / "events.log",
            R"(2026-01-12T09:30:00Z AUDIT: id="x" stage="ResponseComplete" ip="1.2.3.4" )"
            R"(method="get" user="u" groups="<none>" as="<self>" asgroups="<lookup>" )"
            R"(user-agent="curl" namespace="<none>" uri="/healthz" response="200")"
            "\n");
  CliResult r = Kaudit("eval '" + (tmp_ / "policy.yaml").string() + "' '" +
                       (tmp_ / "events.log").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "error\n");
  EXPECT_NE(r.err.find(":1: legacy-format line"), std::string::npos) << r.err;
}

TEST_F(EvalCliTest, PolicyKubeApiserverWouldRefuseIsExitOne) {
  WriteFile(tmp_ / "bad.yaml",
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
            "- level: metadata\n");
  WriteFile(tmp_ / "events.jsonl", R"({"verb":"get","user":{},"requestURI":"/"})"
                                   "\n");
  CliResult r = Kaudit("eval '" + (tmp_ / "bad.yaml").string() + "' '" +
                       (tmp_ / "events.jsonl").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("rules[0].level"), std::string::npos) << r.err;

  r = Kaudit("eval '" + (tmp_ / "missing.yaml").string() + "' '" +
             (tmp_ / "events.jsonl").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.yaml"), std::string::npos) << r.err;
}

TEST_F(EvalCliTest, MissingEventsFileAndUsageErrors) {
  WriteFile(tmp_ / "policy.yaml",
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
            "- level: Metadata\n");
  CliResult r = Kaudit("eval '" + (tmp_ / "policy.yaml").string() + "' '" +
                       (tmp_ / "nope.jsonl").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nope.jsonl"), std::string::npos) << r.err;

  EXPECT_EQ(Kaudit("eval '" + (tmp_ / "policy.yaml").string() + "'").exit_code, 2);
  EXPECT_EQ(Kaudit("eval - -").exit_code, 2);
}

}  // namespace
}  // namespace kaudit
