// Scenario 5 of issue 6: a single control-plane node. The agent and the controller reach the API
// through that node's apiserver (the simulator's proxy), so the API vanishes while the apiserver
// restarts; the agent rides it out and reports once the API is back.
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace kaudit::e2e {
namespace {

TEST(E2eSingleNode, ApiVanishesDuringTheRestartAndTheAgentReportsWhenItIsBack) {
  ClusterOptions o;
  o.nodes = 1;
  o.controllers = 1;
  o.single = true;
  o.restart_delay = "2s";
  Cluster c(o);
  ASSERT_TRUE(c.Start()) << c.error();
  ASSERT_TRUE(c.ApplyProfile(Profile("audit", "Metadata", "60s")).ok());
  std::string rev, last;
  ASSERT_TRUE(c.WaitFor([&] { rev = ReadyRevision(c, "audit", 1); return !rev.empty() && AllHealthyOn(c, 1, rev); },
                        std::chrono::seconds(90), [&] { return c.Describe(); }, &last)) << last;
  std::string agent_log = ReadFile(c.dir() + "/logs/agent-cp1.log");
  // The agent did lose the API during the restart, and got it back.
  EXPECT_NE(agent_log.find("(retrying every second)"), std::string::npos) << agent_log;
  EXPECT_NE(agent_log.find("the API is back"), std::string::npos) << agent_log;
  EXPECT_TRUE(HasRevision(ReadFile(c.manifest(0)), rev));
  EXPECT_GT(CountEvents(c.host(0) + "/var/log/kubernetes/audit/audit.log"), 0);
}

}  // namespace
}  // namespace kaudit::e2e
