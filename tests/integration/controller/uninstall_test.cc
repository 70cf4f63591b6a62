// `kaudit uninstall` as a real process against the real controller and the emulator; the test
// plays the agents (harness.h). The e2e test (tests/e2e/uninstall_test.cc) runs real agents.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "integration/controller/harness.h"

extern char** environ;

namespace kaudit::controller_it {
namespace {

using namespace std::chrono_literals;

const Json kMetadata = {{"preset", "Metadata"}};

// A running `kaudit uninstall`.
struct UninstallRun {
  pid_t pid = -1;
  std::string out_path;
  std::chrono::steady_clock::time_point started;
  int exit_code = -1;
  double seconds = 0;
};

class UninstallIT : public ControllerCluster {
 protected:
  UninstallRun Start(const std::vector<std::string>& extra = {}) {
    const char* bin = std::getenv("KAUDIT_BIN");
    UninstallRun r;
    r.out_path = dir_ + "/uninstall-" + std::to_string(++runs_) + ".out";
    std::vector<std::string> args = {bin ? bin : "kaudit", "uninstall", "--kubeconfig", kubeconfig_,
                                     "--namespace",        kNs,         "--poll",       "200ms"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, r.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    r.started = std::chrono::steady_clock::now();
    EXPECT_EQ(posix_spawn(&r.pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return r;
  }

  // True once the process has exited (exit_code and seconds filled).
  bool Exited(UninstallRun& r) {
    if (r.pid <= 0) return true;
    int status = 0;
    if (::waitpid(r.pid, &status, WNOHANG) != r.pid) return false;
    r.pid = -1;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
    return true;
  }

  std::string Output(const UninstallRun& r) {
    std::ifstream in(r.out_path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Waits for the command to exit while `each` (the agents' part) runs every 50 ms.
  void Finish(UninstallRun& r, std::chrono::seconds timeout,
              const std::function<void()>& each = {}) {
    Await(
        "kaudit uninstall to exit",
        [&] {
          if (each) each();
          return Exited(r);
        },
        timeout);
    if (r.pid > 0) {
      ::kill(r.pid, SIGKILL);
      ::waitpid(r.pid, nullptr, 0);
    }
  }

  // Every node Healthy on the profile's revision, through the controller.
  std::string RollOut() {
    for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
    StartController();
    CreateProfile("base", kMetadata);
    Await(
        "3/3 on the profile's revision",
        [&] {
          AgentsFollow();
          return ConditionField("base", "Ready", "status") == "True";
        },
        30s);
    return StatusString("base", "revision");
  }

  std::string MarkerUid() {
    auto m = client_->Get(kube::resources::ConfigMaps(), kNs, "kaudit-uninstall");
    return m.ok() ? (*m)["metadata"].value("uid", "") : "";
  }

  int runs_ = 0;
};

TEST_F(UninstallIT, CompletesWhenEveryAgentReportsRevertedAndASecondRunIsQuick) {
  std::string rev = RollOut();
  ASSERT_FALSE(rev.empty());
  UninstallRun r = Start();
  AWAIT("status Uninstalling",
        [&] { return ConditionField("base", "Ready", "reason") == "Uninstalling"; });
  EXPECT_NE(ConditionField("base", "Ready", "message").find("kaudit is being uninstalled"),
            std::string::npos);
  ASSERT_NO_FATAL_FAILURE(Finish(r, 30s, [&] { AgentsFollow(); }));
  std::string out = Output(r);
  EXPECT_EQ(r.exit_code, 0) << out;
  EXPECT_NE(out.find("uninstall complete: 3/3 control-plane node(s) without kaudit auditing"),
            std::string::npos)
      << out;
  EXPECT_EQ(Rollout(), (std::map<std::string, std::string>{
                           {"cp1", "none"}, {"cp2", "none"}, {"cp3", "none"}}));
  EXPECT_EQ(RolloutObject()["metadata"]["annotations"].value("kaudit.io/uninstall", ""),
            MarkerUid());
  // The profile stays; nothing of it is applied, and the marker stays for the controller.
  EXPECT_TRUE(Profile("base").is_object());
  EXPECT_FALSE(MarkerUid().empty());

  UninstallRun again = Start();
  ASSERT_NO_FATAL_FAILURE(Finish(again, 10s));
  EXPECT_EQ(again.exit_code, 0) << Output(again);
  EXPECT_LT(again.seconds, 3.0) << Output(again);
  std::cout << "[measure] uninstall: first run " << r.seconds << " s, second run " << again.seconds
            << " s\n";
}

TEST_F(UninstallIT, TimesOutNamingTheNodeThatNeverReverts) {
  std::string rev = RollOut();
  UninstallRun r = Start({"--timeout", "6s"});
  ASSERT_NO_FATAL_FAILURE(Finish(r, 20s, [&] {
    for (const auto& [n, t] : Rollout()) {
      if (n == "cp3") continue;  // cp3's agent never takes up its target
      if (t == "none") AgentReport(n, "", t, "Healthy", "kaudit manages no auditing on this node");
    }
    AgentReport("cp3", rev, rev, "Healthy", "revision " + rev + " is applied");
  }));
  std::string out = Output(r);
  EXPECT_EQ(r.exit_code, 1) << out;
  EXPECT_NE(out.find("error: kaudit uninstall timed out after 6s: 2/3 control-plane node(s)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("node cp3: phase Healthy, revision on disk " + rev), std::string::npos) << out;
  EXPECT_NE(out.find("its agent has not yet seen its new target"), std::string::npos) << out;
  EXPECT_NE(out.find("docs/install.md"), std::string::npos) << out;
  // The report (after the progress lines, which name every node on the way) names only cp3.
  std::string report = out.substr(std::min(out.find("error:"), out.size()));
  EXPECT_EQ(report.find("node cp1"), std::string::npos) << out;
  EXPECT_NE(report.find("node cp3"), std::string::npos) << out;
}

TEST_F(UninstallIT, RollbackOfTheRevertHaltsAndFails) {
  std::string rev = RollOut();
  UninstallRun r = Start({"--timeout", "30s"});
  ASSERT_NO_FATAL_FAILURE(Finish(r, 30s, [&] {
    auto t = Rollout();
    if (t["cp1"] == "none") {
      AgentReport("cp1", rev, "none", "RolledBack", "revert: kube-apiserver not Ready within 5s");
    }
  }));
  std::string out = Output(r);
  EXPECT_EQ(r.exit_code, 1) << out;
  EXPECT_NE(out.find("the controller halted the uninstall: node cp1 RolledBack the revert: "
                     "revert: kube-apiserver not Ready within 5s"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("node cp1: phase RolledBack"), std::string::npos) << out;
  EXPECT_EQ(ConditionField("base", "Degraded", "reason"), "RolledBack");
  EXPECT_EQ(Rollout()["cp2"], rev);  // nobody else was touched
}

TEST_F(UninstallIT, ControllerNotRunningTimesOutSayingSo) {
  for (const std::string& n : nodes_) AgentReport(n, "0123456789", "0123456789", "Healthy");
  UninstallRun r = Start({"--timeout", "3s"});
  ASSERT_NO_FATAL_FAILURE(Finish(r, 15s));
  std::string out = Output(r);
  EXPECT_EQ(r.exit_code, 1) << out;
  EXPECT_NE(out.find("the kaudit controller is not running (Lease kaudit-system/kaudit-controller "
                     "not found"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("the controller has not yet taken up the request"), std::string::npos) << out;
}

TEST_F(UninstallIT, NoAgentsExitsAtOnce) {
  UninstallRun r = Start();
  ASSERT_NO_FATAL_FAILURE(Finish(r, 10s));
  std::string out = Output(r);
  EXPECT_EQ(r.exit_code, 0) << out;
  EXPECT_LT(r.seconds, 3.0);
  EXPECT_NE(out.find("no kaudit agent has ever reported on any of the 3 control-plane node(s)"),
            std::string::npos)
      << out;
  UninstallRun bad = Start({"--timeout", "soon"});
  ASSERT_NO_FATAL_FAILURE(Finish(bad, 10s));
  EXPECT_EQ(bad.exit_code, 2) << Output(bad);
  UninstallRun extra = Start({"stray-argument"});
  ASSERT_NO_FATAL_FAILURE(Finish(extra, 10s));
  EXPECT_EQ(extra.exit_code, 2) << Output(extra);
}

// A marker left behind (a namespace Helm does not own outlives the release) must not keep a new
// installation disabled: the controller deletes it once its grace period passes unrenewed.
TEST_F(UninstallIT, LeftoverMarkerIsDeletedAndTheProfilesRollOut) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  Json marker = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata",
                  {{"name", "kaudit-uninstall"},
                   {"namespace", kNs},
                   {"annotations", {{"kaudit.io/uninstall-renewed", "2026-01-01T00:00:00Z"}}}}},
                 {"data", {{"requestedAt", "2026-01-01T00:00:00Z"}, {"requestedBy", "old-job"}}}};
  ASSERT_TRUE(client_->Create(kube::resources::ConfigMaps(), kNs, marker).ok());
  StartController({"--uninstall-grace", "5s"});
  CreateProfile("base", kMetadata);
  AWAIT("status: frozen, waiting for a renewal", [&] {
    return ConditionField("base", "Progressing", "message").find("rollout is frozen") !=
           std::string::npos;
  });
  EXPECT_TRUE(Rollout().empty());
  AWAIT(
      "the leftover deleted", [&] { return MarkerUid().empty(); }, 15s);
  AWAIT("the profile rolls out", [&] { return Rollout().count("cp1") == 1; });
  EXPECT_NE(Rollout()["cp1"], "none");
  AWAIT("a StaleUninstallRemoved event", [&] { return !Events("StaleUninstallRemoved").empty(); });
}

// A controller restarted during an uninstall trusts the marker again once the waiting command
// renews it, and finishes the job.
TEST_F(UninstallIT, ControllerRestartMidUninstallContinuesOnceRenewed) {
  std::string rev = RollOut();
  UninstallRun r = Start({"--timeout", "60s"});
  AWAIT("cp1 told none", [&] { return Rollout()["cp1"] == "none"; });
  ControllerProcess& first = *procs_.front();
  Kill(first, SIGKILL);
  WaitExit(first, 5s);
  StartController({"--uninstall-grace", "30s"});
  ASSERT_NO_FATAL_FAILURE(Finish(r, 60s, [&] { AgentsFollow(); }));
  EXPECT_EQ(r.exit_code, 0) << Output(r);
  EXPECT_EQ(Rollout(), (std::map<std::string, std::string>{
                           {"cp1", "none"}, {"cp2", "none"}, {"cp3", "none"}}));
  EXPECT_FALSE(MarkerUid().empty());
}

}  // namespace
}  // namespace kaudit::controller_it
