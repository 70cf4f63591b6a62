// Scenarios 1 and 6 of issue 6: the first rollout of the Recommended preset across three nodes,
// one node at a time; then every profile deleted, every node reverted.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "e2e/e2e_util.h"

namespace kaudit::e2e {
namespace {

TEST(E2eRollout, RecommendedRollsOutOneNodeAtATimeThenDeletingRevertsEveryNode) {
  Cluster c({});
  ASSERT_TRUE(c.Start()) << c.error();
  std::vector<std::string> originals;
  for (int i = 0; i < 3; ++i) originals.push_back(ReadFile(c.manifest(i)));

  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.ApplyProfile(Profile("recommended", "Recommended")).ok());
  int max_active = 0;
  std::string rev, last;
  bool done = c.WaitFor(
      [&] {
        int active = 0;
        for (int i = 0; i < 3; ++i) {
          std::string p = Phase(c.NodeState(i));
          active += p == "Applying" || p == "WaitingHealthy";
        }
        max_active = std::max(max_active, active);
        rev = ReadyRevision(c, "recommended", 3);
        return !rev.empty() && AllHealthyOn(c, 3, rev);
      },
      std::chrono::seconds(90), [&] { return c.Describe(); }, &last);
  ASSERT_TRUE(done) << last;
  double took = Seconds(std::chrono::steady_clock::now() - t0);
  std::cout << "[measure] scenario 1: apply to 3/3 nodes Healthy in " << took << " s\n";
  EXPECT_LE(max_active, 1) << "two nodes were applying at once";

  // One at a time, from the files: each node's apply began (its backup) after the previous
  // node's revision was confirmed healthy (its last-known-good.json).
  std::vector<std::pair<long long, int>> starts;
  for (int i = 0; i < 3; ++i) starts.push_back({NewestBackupNs(c.host(i)), i});
  std::sort(starts.begin(), starts.end());
  for (int k = 1; k < 3; ++k) {
    int prev = starts[k - 1].second;
    EXPECT_LE(MtimeNs(c.host(prev) + "/var/lib/kaudit/last-known-good.json"), starts[k].first)
        << c.node(starts[k].second) << " started before " << c.node(prev) << " was healthy";
  }
  for (int i = 0; i < 3; ++i) {
    std::string m = ReadFile(c.manifest(i));
    EXPECT_TRUE(HasRevision(m, rev)) << m;
    EXPECT_NE(m.find("--audit-policy-file=/etc/kubernetes/kaudit/policies/" + rev + ".yaml"),
              std::string::npos) << m;
    EXPECT_NE(m.find("--audit-log-path=/var/log/kubernetes/audit/audit.log"), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(c.host(i) + "/etc/kubernetes/kaudit/policies/" + rev + ".yaml"));
    std::string log = c.host(i) + "/var/log/kubernetes/audit/audit.log";
    int before = CountEvents(log);
    EXPECT_GT(before, 0) << c.node(i) << ": no audit events";
    ASSERT_TRUE(c.WaitFor([&] { return CountEvents(log) > before; }, std::chrono::seconds(10),
                          [&] { return c.Describe(); }, &last))
        << c.node(i) << ": the audit log stopped growing\n" << last;
  }

  std::cout << "[measure] agent idle RSS after the rollout: " << c.RssKb("agent-cp1") << " kB\n";

  // Scenario 6: all profiles deleted -> every node back to its manifest without kaudit's parts.
  ASSERT_TRUE(c.DeleteProfile("recommended").ok());
  done = c.WaitFor(
      [&] {
        for (int i = 0; i < 3; ++i) {
          Json s = c.NodeState(i);
          if (Phase(s) != "Healthy" || !Rev(s).empty()) return false;
          if (ReadFile(c.manifest(i)) != originals[i]) return false;
        }
        return true;
      },
      std::chrono::seconds(90), [&] { return c.Describe(); }, &last);
  ASSERT_TRUE(done) << last;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(std::filesystem::exists(c.host(i) + "/etc/kubernetes/kaudit")) << c.node(i);
    EXPECT_EQ(c.RolloutTargets()[c.node(i)], "none");
  }
}

}  // namespace
}  // namespace kaudit::e2e
