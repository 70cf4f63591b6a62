// Scenario 2 of issue 6: a profile that renders fine but whose apiserver never becomes ready on
// the first node (a simulator fault): that node rolls back byte for byte, the rollout halts with
// the other nodes untouched, the profile is Degraded with the reason; the fix rolls out.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "e2e/e2e_util.h"

namespace kaudit::e2e {
namespace {

Json WithMaxAge(int days) {
  Json p = Profile("audit", "Metadata", "30s");
  p["spec"]["backends"] = {{"log", {{"maxAgeDays", days}}}};
  return p;
}

TEST(E2eRollback, NeverReadyNodeRollsBackHaltsAndTheFixRollsOut) {
  Cluster c({});
  ASSERT_TRUE(c.Start()) << c.error();
  std::vector<std::string> originals;
  for (int i = 0; i < 3; ++i) originals.push_back(ReadFile(c.manifest(i)));
  // cp1 goes first (by name); its apiserver never becomes ready with --audit-log-maxage=13.
  std::ofstream(c.faults_file(0)) << R"({"mode": "never-ready", "match": "--audit-log-maxage=13"})";

  ASSERT_TRUE(c.ApplyProfile(WithMaxAge(13)).ok());
  std::string last, reason, message;
  bool halted = c.WaitFor(
      [&] {
        auto p = c.GetProfile("audit");
        return p.ok() && Condition(*p, "Degraded", &reason, &message) == "True" &&
               Phase(c.NodeState(0)) != "Applying" && Phase(c.NodeState(0)) != "WaitingHealthy";
      },
      std::chrono::seconds(75), [&] { return c.Describe(); }, &last);
  ASSERT_TRUE(halted) << last;
  EXPECT_EQ(reason, "RolledBack");
  EXPECT_NE(message.find("cp1"), std::string::npos) << message;
  EXPECT_EQ(ReadFile(c.manifest(0)), originals[0]) << "cp1 was not rolled back byte for byte";
  std::string bad_rev = c.GetProfile("audit")->at("status").value("revision", "");
  ASSERT_FALSE(bad_rev.empty());
  // The halt holds: for a few seconds (several agent and controller passes) nobody else moves.
  for (int k = 0; k < 30; ++k) {
    for (int i = 1; i < 3; ++i) {
      ASSERT_NE(c.RolloutTargets()[c.node(i)], bad_rev) << c.node(i) << " got the bad revision";
      ASSERT_EQ(ReadFile(c.manifest(i)), originals[i]) << c.node(i) << " was touched";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  ASSERT_TRUE(c.ApplyProfile(WithMaxAge(14)).ok());
  std::string rev;
  bool fixed = c.WaitFor(
      [&] {
        rev = ReadyRevision(c, "audit", 3);
        return !rev.empty() && rev != bad_rev && AllHealthyOn(c, 3, rev);
      },
      std::chrono::seconds(90), [&] { return c.Describe(); }, &last);
  ASSERT_TRUE(fixed) << last;
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(ReadFile(c.manifest(i)).find("--audit-log-maxage=14"), std::string::npos) << c.node(i);
  }
  auto p = c.GetProfile("audit");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Condition(*p, "Degraded"), "False");
}

}  // namespace
}  // namespace kaudit::e2e
