// `kaudit node ...` as a person runs it: the real binary ($KAUDIT_BIN), a host root in a
// temporary folder, and a real HTTPS health endpoint on 127.0.0.1.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "node/node_test_util.h"
#include "node/testing_https_server.h"

namespace kaudit::node {
namespace {

using testing::HostRoot;
using testing::kManifestPath;

struct RunResult {
  int code = -1;
  std::string out, err;
};

std::string Bin() {
  const char* b = std::getenv("KAUDIT_BIN");
  return b ? b : "";
}

// Only async-signal-safe calls between fork and exec: the test has server threads running.
pid_t Spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  std::string bin = Bin();
  std::vector<char*> argv;
  argv.push_back(bin.data());
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(o);
  ::close(e);
  return pid;
}

class NodeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(Bin().empty()) << "KAUDIT_BIN is not set (run through ctest)";
    ASSERT_TRUE(std::filesystem::exists(Bin())) << Bin() << " not built";
    char tmpl[] = "/tmp/kaudit-nodecli-XXXXXX";
    work_ = ::mkdtemp(tmpl);
    cert_ = testing::MakeCert(work_, "apiserver");
    ASSERT_FALSE(cert_.cert.empty());
    WriteRevision("4f1c2a9e7b");
  }
  void TearDown() override { std::filesystem::remove_all(work_); }

  // A revision folder as `kaudit render --out-dir` writes it.
  void WriteRevision(const std::string& id) {
    rev_dir_ = work_ + "/rev-" + id;
    std::filesystem::create_directories(rev_dir_);
    auto put = [&](const std::string& n, const std::string& d) {
      std::ofstream(rev_dir_ + "/" + n) << d;
    };
    put("revision", id + "\n");
    put("policy.yaml", testing::kPolicy);
    put("flags.json", "[\n  {\"name\": \"audit-policy-file\", \"value\": "
                      "\"/etc/kubernetes/kaudit/policies/" + id + ".yaml\"},\n"
                      "  {\"name\": \"audit-log-path\", \"value\": "
                      "\"/var/log/kubernetes/audit/audit.log\"},\n"
                      "  {\"name\": \"audit-log-maxage\", \"value\": \"7\"}\n]\n");
  }

  RunResult Kaudit(const std::vector<std::string>& args) {
    std::string out = work_ + "/out", err = work_ + "/err";
    pid_t pid = Spawn(args, out, err);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::ReadFile(out),
            testing::ReadFile(err)};
  }

  std::vector<std::string> Apply(const HostRoot& host, const testing::TestHttpServer& server,
                                 const std::string& timeout) {
    return {"node",          "apply",        "--host-root",      host.path(),
            "--revision-dir", rev_dir_,      "--health-url",     server.url(),
            "--health-ca-file", cert_.cert,  "--health-timeout", timeout,
            "--health-interval", "50ms"};
  }

  std::string work_, rev_dir_;
  testing::TestCert cert_;
};

TEST_F(NodeCli, ApplyWaitsForHealthThenReapplyAndRevert) {
  HostRoot host;
  testing::TestHttpServer server(&cert_);
  RunResult r = Kaudit(Apply(host, server, "10s"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("added --audit-policy-file"), std::string::npos) << r.out;
  EXPECT_NE(host.Manifest().find("kaudit.io/revision: 4f1c2a9e7b"), std::string::npos);
  EXPECT_GE(server.requests(), 1);
  std::string applied = host.Manifest();
  r = Kaudit(Apply(host, server, "10s"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("already applied"), std::string::npos);
  EXPECT_EQ(host.Manifest(), applied);
  r = Kaudit({"node", "revert", "--host-root", host.path(), "--health-url", server.url(),
              "--health-ca-file", cert_.cert, "--health-interval", "50ms"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(host.Manifest() == host.original());
}

TEST_F(NodeCli, UnhealthyRevisionRollsBackWithExitThree) {
  HostRoot host;
  testing::TestHttpServer server(&cert_);
  server.set_status(500);
  RunResult r = Kaudit(Apply(host, server, "1s"));
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("rolled back"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP 500"), std::string::npos) << r.err;
  EXPECT_TRUE(host.Manifest() == host.original()) << "not restored byte for byte";
  RunResult st = Kaudit({"node", "status", "--host-root", host.path()});
  ASSERT_EQ(st.code, 0) << st.err;
  EXPECT_NE(st.out.find("RolledBack"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("HTTP 500"), std::string::npos) << st.out;
}

TEST_F(NodeCli, TheHealthUrlAndCaComeFromTheManifest) {
  HostRoot host;
  testing::TestHttpServer server(&cert_);
  std::string port = server.url().substr(std::string("https://127.0.0.1:").size());
  port = port.substr(0, port.find('/'));
  std::string m = host.original();
  for (std::size_t at; (at = m.find("host: 192.168.56.10")) != std::string::npos;) {
    m.replace(at, 19, "host: 127.0.0.1");
  }
  for (std::size_t at; (at = m.find("port: 6443")) != std::string::npos;) {
    m.replace(at, 10, "port: " + port);
  }
  host.Write(kManifestPath, m);
  host.Write("/etc/kubernetes/pki/ca.crt", testing::ReadFile(cert_.cert));
  RunResult r = Kaudit({"node", "apply", "--host-root", host.path(), "--revision-dir", rev_dir_,
                  "--health-timeout", "10s", "--health-interval", "50ms"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GE(server.requests(), 1);
}

TEST_F(NodeCli, KilledDuringTheHealthWaitTheNextRunCompletes) {
  HostRoot host;
  testing::TestHttpServer server(&cert_);
  server.set_status(503);
  pid_t pid = Spawn(Apply(host, server, "60s"), work_ + "/bg.out", work_ + "/bg.err");
  // Wait (bounded) until the new manifest is in place, then kill the process outright.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (host.Manifest() == host.original() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(host.Manifest(), host.original()) << "the apply never wrote the manifest";
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  EXPECT_TRUE(host.Exists("/var/lib/kaudit/pending.json"));
  RunResult st = Kaudit({"node", "status", "--host-root", host.path()});
  EXPECT_NE(st.out.find("did not finish"), std::string::npos) << st.out;
  std::string written = host.Manifest();
  server.set_status(200);
  RunResult r = Kaudit(Apply(host, server, "10s"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(host.Manifest(), written);
  EXPECT_FALSE(host.Exists("/var/lib/kaudit/pending.json"));
  EXPECT_NE(host.Read("/var/lib/kaudit/last-known-good.json").find("4f1c2a9e7b"),
            std::string::npos);
}

TEST_F(NodeCli, ApplyFromProfilesRendersInProcess) {
  HostRoot host;
  std::string profile = std::string(std::getenv("KAUDIT_SOURCE_DIR") ? std::getenv("KAUDIT_SOURCE_DIR") : ".") +
                        "/examples/metadata.yaml";
  RunResult r = Kaudit({"node", "apply", "--host-root", host.path(), "-f", profile, "--no-health-check"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(host.Manifest().find("kaudit.io/revision:"), std::string::npos);
  EXPECT_NE(host.Manifest().find("--audit-policy-file=/etc/kubernetes/kaudit/policies/"),
            std::string::npos);
}

TEST_F(NodeCli, BadInvocationsAndRefusals) {
  HostRoot host;
  EXPECT_EQ(Kaudit({"node", "apply", "--revision-dir", rev_dir_}).code, 2);
  EXPECT_EQ(Kaudit({"node", "apply", "--host-root", host.path()}).code, 2);
  EXPECT_EQ(Kaudit({"node", "apply", "--host-root", host.path(), "--revision-dir", rev_dir_,
                    "-f", "x.yaml"})
                .code,
            2);
  host.Write("/etc/kubernetes/manifests/kube-apiserver.yaml.bak", host.original());
  RunResult r = Kaudit({"node", "apply", "--host-root", host.path(), "--revision-dir", rev_dir_,
                  "--no-health-check"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("kube-apiserver.yaml.bak"), std::string::npos) << r.err;
  EXPECT_TRUE(host.Manifest() == host.original());
}

}  // namespace
}  // namespace kaudit::node
