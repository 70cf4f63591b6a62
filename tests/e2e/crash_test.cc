// Scenario 4 of issue 6: an agent SIGKILLed mid-apply, the leading controller SIGKILLed
// mid-rollout (the standby takes over), the emulator restarted and watches dropped during the
// rollout: everything converges and no manifest is lost.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "e2e/e2e_util.h"

namespace kaudit::e2e {
namespace {

std::string Leader(Cluster& c) {
  auto l = c.client()->Get(kube::resources::Leases(), "kaudit-system", "kaudit-controller");
  return l.ok() ? (*l)["spec"].value("holderIdentity", "") : "";
}

TEST(E2eCrash, KilledAgentKilledLeaderAndRestartedEmulatorStillConverge) {
  Cluster c({});
  ASSERT_TRUE(c.Start()) << c.error();
  // Every apiserver takes 2 s to become ready: room to strike while a node waits for health.
  for (int i = 0; i < 3; ++i) std::ofstream(c.faults_file(i)) << R"({"mode": "ready-after", "readyAfterSeconds": 2})";
  std::string last;
  ASSERT_TRUE(c.WaitFor([&] { return !Leader(c).empty(); }, std::chrono::seconds(30),
                        [&] { return c.Describe(); }, &last)) << last;
  ASSERT_TRUE(c.ApplyProfile(Profile("audit", "Metadata")).ok());

  // 1. cp1's agent dies in the middle of its health wait, and comes back.
  ASSERT_TRUE(c.WaitFor([&] { return Phase(c.NodeState(0)) == "WaitingHealthy"; }, std::chrono::seconds(60),
                        [&] { return c.Describe(); }, &last)) << last;
  c.Kill("agent-cp1", SIGKILL);
  ASSERT_TRUE(c.StartProcess("agent-cp1"));

  // 2. The leader dies while cp2 is being updated; the standby takes over.
  ASSERT_TRUE(c.WaitFor([&] { std::string p = Phase(c.NodeState(1)); return p == "Applying" || p == "WaitingHealthy"; },
                        std::chrono::seconds(60), [&] { return c.Describe(); }, &last)) << last;
  std::string leader = Leader(c);
  ASSERT_FALSE(leader.empty());
  c.Kill(leader, SIGKILL);

  // 3. While cp3 is being updated: the emulator restarts and every watch drops.
  ASSERT_TRUE(c.WaitFor([&] { std::string p = Phase(c.NodeState(2)); return p == "Applying" || p == "WaitingHealthy"; },
                        std::chrono::seconds(60), [&] { return c.Describe(); }, &last)) << last;
  ASSERT_TRUE(c.EmulatorControl("drop-watches").ok());
  ASSERT_TRUE(c.EmulatorControl("restart").ok());
  ASSERT_TRUE(c.StartProcess(leader));  // back as a standby

  std::string rev;
  ASSERT_TRUE(c.WaitFor([&] { rev = ReadyRevision(c, "audit", 3); return !rev.empty() && AllHealthyOn(c, 3, rev); },
                        std::chrono::seconds(120), [&] { return c.Describe(); }, &last)) << last;
  EXPECT_NE(Leader(c), "");
  for (int i = 0; i < 3; ++i) {
    std::string m = ReadFile(c.manifest(i));
    EXPECT_NE(m.find("kind: Pod"), std::string::npos) << c.node(i) << ": manifest lost";
    EXPECT_TRUE(HasRevision(m, rev)) << c.node(i);
    EXPECT_FALSE(std::filesystem::exists(c.host(i) + "/var/lib/kaudit/pending.json")) << c.node(i);
  }
}

}  // namespace
}  // namespace kaudit::e2e
