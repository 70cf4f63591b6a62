// `kaudit uninstall` end to end: a profile rolled out by the real controller and agents on three
// nodesim nodes, then the command run as a real process (as the Helm pre-delete hook runs it):
// every node's kube-apiserver.yaml must be back to the original fixture, with the apiserver
// Ready, and stay so when the controller and agents are then deleted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "e2e/e2e_util.h"

extern char** environ;

namespace kaudit::e2e {
namespace {

struct RunResult {
  int exit_code = -1;
  double seconds = 0;
  std::string output;
};

// Runs `kaudit uninstall ...` to completion (killed after `limit`).
RunResult RunUninstall(Cluster& c, const std::string& out, std::chrono::seconds limit) {
  const char* k = std::getenv("KAUDIT_BIN");
  std::vector<std::string> args = {k ? k : "build/kaudit",
                                   "uninstall",
                                   "--kubeconfig",
                                   c.controller_kubeconfig(),
                                   "--namespace",
                                   "kaudit-system",
                                   "--timeout",
                                   "3m",
                                   "--poll",
                                   "500ms"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  RunResult r;
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return r;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() - t0 > limit) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.seconds = Seconds(std::chrono::steady_clock::now() - t0);
  r.output = ReadFile(out);
  return r;
}

// The node's apiserver as nodesim plays it: running, Ready, and its mirror pod Ready.
std::string ApiserverProblem(Cluster& c, int i) {
  Json st = Json::parse(ReadFile(c.dir() + "/nodes/" + c.node(i) + ".status.json"), nullptr, false);
  if (!st.is_object() || !st.value("running", false) || !st.value("ready", false)) {
    return c.node(i) + ": nodesim apiserver not running and Ready: " + st.dump();
  }
  auto pod = c.client()->Get(kube::resources::Pods(), "kube-system", "kube-apiserver-" + c.node(i));
  if (!pod.ok()) return c.node(i) + ": mirror pod: " + pod.status().ToString();
  for (const Json& cond : (*pod)["status"].value("conditions", Json::array())) {
    if (cond.value("type", "") == "Ready" && cond.value("status", "") == "True") return "";
  }
  return c.node(i) + ": mirror pod not Ready";
}

// Problems with node i's manifest against its original fixture ("" when none).
std::string ManifestProblem(Cluster& c, int i, const std::string& original) {
  std::string m = ReadFile(c.manifest(i));
  if (m.find("--audit-") != std::string::npos) return c.node(i) + ": an --audit- flag is left";
  if (m.find("kaudit") != std::string::npos)
    return c.node(i) + ": a kaudit volume or annotation is left";
  if (m != original) return c.node(i) + ": manifest differs from the original fixture";
  return "";
}

TEST(E2eUninstall, UninstallRevertsEveryNodeToTheOriginalManifestWithTheApiserverReady) {
  Cluster c({});
  ASSERT_TRUE(c.Start()) << c.error();
  std::vector<std::string> originals;
  for (int i = 0; i < 3; ++i) {
    originals.push_back(ReadFile(c.manifest(i)));
    ASSERT_EQ(originals[i].find("--audit-"), std::string::npos) << "the fixture already audits";
  }
  ASSERT_TRUE(c.ApplyProfile(Profile("audit", "Metadata")).ok());
  std::string rev, last;
  ASSERT_TRUE(c.WaitFor(
      [&] {
        rev = ReadyRevision(c, "audit", 3);
        return !rev.empty() && AllHealthyOn(c, 3, rev);
      },
      std::chrono::seconds(90), [&] { return c.Describe(); }, &last))
      << last;
  for (int i = 0; i < 3; ++i) {
    ASSERT_NE(ReadFile(c.manifest(i)).find("--audit-policy-file"), std::string::npos) << c.node(i);
  }

  RunResult r = RunUninstall(c, c.dir() + "/logs/uninstall-1.out", std::chrono::seconds(200));
  std::cout << "[measure] kaudit uninstall on 3 nodes: " << r.seconds << " s\n";
  ASSERT_EQ(r.exit_code, 0) << r.output << "\n" << c.Describe();
  EXPECT_NE(r.output.find("uninstall complete: 3/3 control-plane node(s) without kaudit auditing"),
            std::string::npos)
      << r.output;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ManifestProblem(c, i, originals[i]), "");
    Json s = c.NodeState(i);
    EXPECT_EQ(Rev(s), "") << s.dump();
    EXPECT_EQ(Phase(s), "Healthy") << s.dump();
    EXPECT_FALSE(std::filesystem::exists(c.host(i) + "/etc/kubernetes/kaudit")) << c.node(i);
  }
  // The apiserver came back on the original manifest (nodesim may still be publishing it).
  ASSERT_TRUE(c.WaitFor(
      [&] {
        for (int i = 0; i < 3; ++i) {
          if (!ApiserverProblem(c, i).empty()) return false;
        }
        return true;
      },
      std::chrono::seconds(20),
      [&] { return ApiserverProblem(c, 0) + ApiserverProblem(c, 1) + ApiserverProblem(c, 2); },
      &last))
      << last;
  auto p = c.GetProfile("audit");
  ASSERT_TRUE(p.ok());
  std::string reason;
  Condition(*p, "Ready", &reason);
  EXPECT_EQ(reason, "Uninstalling");

  RunResult again = RunUninstall(c, c.dir() + "/logs/uninstall-2.out", std::chrono::seconds(30));
  std::cout << "[measure] second kaudit uninstall: " << again.seconds << " s\n";
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_LT(again.seconds, 5.0) << again.output;

  // What Helm does next: the controller and the agents go away. Nothing may change on the nodes
  // in between (the controller keeps honouring the request until it is gone).
  for (const char* name : {"controller-1", "controller-2"}) c.Kill(name, SIGTERM);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  for (int i = 0; i < 3; ++i) c.Kill("agent-" + c.node(i), SIGTERM);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ManifestProblem(c, i, originals[i]), "");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ApiserverProblem(c, i), "");
}

}  // namespace
}  // namespace kaudit::e2e
