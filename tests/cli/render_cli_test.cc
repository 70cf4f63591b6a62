// `kaudit render` as a user runs it: output, files, exit codes, and every class of bad input
// (each must exit 1 with a message naming the place, never crash). Expected policies are the
// hand-written golden files of tests/fixtures/render/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

void Spit(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

class RenderCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kaudit-render-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fixtures_ = fs::path(Env("KAUDIT_SOURCE_DIR", ".")) / "tests/fixtures/render";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `kaudit ARGS` through the shell (arguments are ours: no quoting needed).
  Result Run(const std::string& args, const std::string& stdin_file = "/dev/null") {
    std::string cmd = Env("KAUDIT_BIN", "build/kaudit") + " " + args + " <" + stdin_file + " >" +
                      (dir_ / "stdout").string() + " 2>" + (dir_ / "stderr").string();
    int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = Slurp(dir_ / "stdout");
    r.err = Slurp(dir_ / "stderr");
    return r;
  }

  std::string Fixture(const std::string& name) { return (fixtures_ / name).string(); }

  fs::path File(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    Spit(p, content);
    return p;
  }

  fs::path dir_;
  fs::path fixtures_;
};

constexpr const char* kNow = "--now 2025-01-01T00:00:00Z";
constexpr const char* kProfile =
    "apiVersion: kaudit.io/v1alpha1\nkind: AuditProfile\nmetadata:\n  name: p\nspec:\n";

TEST_F(RenderCliTest, PrintsTheEffectivePolicy) {
  Result r = Run("render -f " + Fixture("compose.input.yaml") + " " + kNow);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, Slurp(fixtures_ / "compose.policy.yaml"));
  EXPECT_THAT(r.err, HasSubstr("note: " + Fixture("compose.input.yaml") +
                               ":18: document 2 (v1 ConfigMap \"unrelated\") is not an "
                               "AuditProfile: skipped\n"));
  EXPECT_THAT(r.err, HasSubstr("note: profile \"debug-alice\" spec.rules[2] expired at "
                               "2024-06-01T12:00:00Z: dropped\n"));
  EXPECT_THAT(r.err, HasSubstr("warning: profile \"baseline\" (priority 0) sets "
                               "spec.backends.log differently from profile \"debug-alice\""));
}

TEST_F(RenderCliTest, FileAndDocumentOrderDoNotMatter) {
  std::string all = Slurp(fixtures_ / "compose.input.yaml");
  std::size_t cut = all.find("---\napiVersion: v1\nkind: ConfigMap");
  ASSERT_NE(cut, std::string::npos);
  fs::create_directory(dir_ / "in");
  fs::path a = File("in/a.yaml", all.substr(0, cut));
  fs::path b = File("in/b.yml", all.substr(cut + 4));
  File("in/notes.txt", "not read: wrong extension");
  std::string want = Slurp(fixtures_ / "compose.policy.yaml");
  EXPECT_EQ(Run("render -f " + b.string() + " -f " + a.string() + " " + kNow).out, want);
  EXPECT_EQ(Run("render -f " + a.string() + " -f " + b.string() + " " + kNow).out, want);
  EXPECT_EQ(Run("render -f " + (dir_ / "in").string() + " " + kNow).out, want);
  EXPECT_EQ(Run(std::string("render -f - ") + kNow, Fixture("compose.input.yaml")).out, want);
}

TEST_F(RenderCliTest, OutDirHoldsEverythingANodeNeeds) {
  fs::path out = dir_ / "out" / "nested";
  Result r =
      Run("render -f " + Fixture("compose.input.yaml") + " " + kNow + " --out-dir " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r.out.size(), 11u);
  std::string rev = r.out.substr(0, 10);
  EXPECT_EQ(Slurp(out / "revision"), rev + "\n");
  EXPECT_EQ(Slurp(out / "policy.yaml"), Slurp(fixtures_ / "compose.policy.yaml"));
  std::string flags = Slurp(fixtures_ / "compose.flags.json");
  flags.replace(flags.find("REVISION"), 8, rev);
  EXPECT_EQ(Slurp(out / "flags.json"), flags);
  EXPECT_FALSE(fs::exists(out / "webhook.kubeconfig"));
  // What it wrote is a policy kube-apiserver loads.
  Result v = Run("validate " + (out / "policy.yaml").string());
  EXPECT_EQ(v.code, 0) << v.out;
  // Same input, same bytes.
  Result again =
      Run("render -f " + Fixture("compose.input.yaml") + " " + kNow + " --out-dir " + out.string());
  EXPECT_EQ(again.out, r.out);
}

constexpr const char* kWebhookProfile =
    "  preset: Recommended\n  backends:\n    webhook:\n      kubeconfigSecretRef: {name: falco}\n";
constexpr const char* kKubeconfig =
    "apiVersion: v1\nkind: Config\nclusters:\n- name: falco\n  cluster:\n"
    "    server: https://falco.falco.svc:9765/k8s-audit\n"
    "contexts:\n- name: default\n  context: {cluster: falco}\ncurrent-context: default\n";

TEST_F(RenderCliTest, WebhookKubeconfig) {
  fs::path profile = File("hook.yaml", std::string(kProfile) + kWebhookProfile);
  fs::path kubeconfig = File("sink.kubeconfig", kKubeconfig);
  fs::path out = dir_ / "out";
  Result missing = Run("render -f " + profile.string() + " --out-dir " + out.string());
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("error: the webhook backend needs the kubeconfig from "
                                     "Secret \"falco\" key \"kubeconfig\""));
  EXPECT_FALSE(fs::exists(out / "revision"));
  // Printing the policy alone does not need it.
  Result preview = Run("render -f " + profile.string());
  EXPECT_EQ(preview.code, 0);
  EXPECT_THAT(preview.err, HasSubstr("webhook left out of this render"));

  Result r = Run("render -f " + profile.string() + " --out-dir " + out.string() +
                 " --webhook-kubeconfig " + kubeconfig.string());
  ASSERT_EQ(r.code, 0) << r.err;
  std::string rev = r.out.substr(0, 10);
  EXPECT_EQ(Slurp(out / "webhook.kubeconfig"), kKubeconfig);
  EXPECT_EQ(fs::status(out / "webhook.kubeconfig").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_THAT(Slurp(out / "flags.json"),
              HasSubstr("{\"name\": \"audit-webhook-config-file\", \"value\": "
                        "\"/etc/kubernetes/kaudit/webhook/" +
                        rev + ".kubeconfig\"}"));
  // Re-rendering without a webhook removes the stale kubeconfig.
  fs::path plain = File("plain.yaml", std::string(kProfile) + "  preset: Metadata\n");
  ASSERT_EQ(Run("render -f " + plain.string() + " --out-dir " + out.string()).code, 0);
  EXPECT_FALSE(fs::exists(out / "webhook.kubeconfig"));
  EXPECT_THAT(Slurp(out / "flags.json"), Not(HasSubstr("webhook")));

  fs::path bad = File("bad.kubeconfig", "apiVersion: v1\nkind: Config\n");
  Result refused = Run("render -f " + profile.string() + " --out-dir " + out.string() +
                       " --webhook-kubeconfig " + bad.string());
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err, HasSubstr("error: webhook kubeconfig: current-context is not set"));
}

TEST_F(RenderCliTest, LockedPreambleOnlyOffByFlag) {
  fs::path p = File("p.yaml", std::string(kProfile) + "  preset: Metadata\n");
  EXPECT_THAT(Run("render -f " + p.string()).out, HasSubstr("# locked: "));
  Result off = Run("render -f " + p.string() + " --no-locked-preamble");
  EXPECT_EQ(off.code, 0);
  EXPECT_EQ(off.out, Slurp(fixtures_ / "preset-metadata.yaml"));
}

struct BadCase {
  const char* name;
  std::string content;
  std::string want;  // a piece of stderr
};

TEST_F(RenderCliTest, BadInputExitsOneWithTheReason) {
  std::string huge = std::string(kProfile) + "  rules:\n";
  while (huge.size() < 4u << 20) huge += "  - {level: None, users: [someone-with-a-long-name]}\n";
  const BadCase cases[] = {
      {"malformed.yaml", std::string(kProfile) + "  rules: [\n", "malformed.yaml: yaml: line "},
      {"types.yaml", std::string(kProfile) + "  priority: high\n",
       "types.yaml:6: spec.priority: Invalid value: \"high\": must be of type integer"},
      {"level.yaml", std::string(kProfile) + "  rules:\n  - level: Everything\n",
       "level.yaml:7: spec.rules[0].level: Unsupported value: \"Everything\""},
      {"huge.yaml", huge, "huge.yaml: file is larger than 3145728 bytes"},
      {"utf8.yaml", std::string(kProfile) + "  preset: \"\xc3\x28\"\n", "utf8.yaml: "},
      {"binary.yaml",
       std::string("\x7f"
                   "ELF\x02\x01\x01\0\0\0",
                   10),
       "binary.yaml"},
      {"empty.yaml", "", "error: no kaudit.io/v1alpha1 AuditProfile in the input"},
      {"configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
       "error: no kaudit.io/v1alpha1 AuditProfile in the input"},
      {"nokind.yaml", "metadata: {name: x}\n",
       "nokind.yaml:1: document 1: Object 'Kind' is "
       "missing"},
      {"path.yaml", std::string(kProfile) + "  backends:\n    log: {path: /etc/kubernetes/a.log}\n",
       "path.yaml:7: spec.backends.log.path: Invalid value: \"/etc/kubernetes/a.log\": must lie "
       "under /var/log/kubernetes"},
  };
  for (const BadCase& c : cases) {
    Result r = Run("render -f " + File(c.name, c.content).string());
    EXPECT_EQ(r.code, 1) << c.name << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.want)) << c.name;
    EXPECT_TRUE(r.out.empty()) << c.name;
  }
  Result missing = Run("render -f " + (dir_ / "nope.yaml").string());
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("nope.yaml: No such file or directory"));
}

TEST_F(RenderCliTest, DuplicateNamesAcrossFiles) {
  fs::path a = File("a.yaml", std::string(kProfile) + "  preset: Metadata\n");
  fs::path b = File("b.yaml", std::string("---\n") + kProfile + "  preset: None\n");
  Result r = Run("render -f " + a.string() + " -f " + b.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: " + b.string() +
                               ":2: metadata.name: Duplicate value: "
                               "\"p\": also defined at " +
                               a.string() + ":1"));
}

TEST_F(RenderCliTest, StrictTurnsUnknownFieldsIntoErrors) {
  fs::path p = File("p.yaml", std::string(kProfile) + "  preset: Metadata\n  prority: 5\n");
  Result lenient = Run("render -f " + p.string());
  EXPECT_EQ(lenient.code, 0);
  EXPECT_THAT(lenient.err, HasSubstr("warning: " + p.string() +
                                     ":7: spec.prority: unknown "
                                     "field (did you mean \"priority\"?)"));
  Result strict = Run("render --strict -f " + p.string());
  EXPECT_EQ(strict.code, 1);
  EXPECT_THAT(strict.err, HasSubstr("error: " + p.string() + ":7: spec.prority: unknown field"));
}

TEST_F(RenderCliTest, UsageErrors) {
  EXPECT_EQ(Run("render").code, 2);
  EXPECT_EQ(Run("render -f x.yaml --bogus").code, 2);
  fs::path p = File("p.yaml", std::string(kProfile) + "  preset: Metadata\n");
  Result now = Run("render -f " + p.string() + " --now yesterday");
  EXPECT_EQ(now.code, 1);
  EXPECT_THAT(now.err, HasSubstr("--now: not an RFC 3339 time: yesterday"));
}

}  // namespace
}  // namespace kaudit
