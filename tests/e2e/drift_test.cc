// Scenarios 3 and 7 of issue 6: `kubeadm upgrade` simulated on a node (the manifest rewritten
// without kaudit's parts, with a new image tag) is repaired within 30 s and keeps the new tag;
// a foreign kube-apiserver.yaml.bak in a node's manifests folder makes that node refuse and
// report it, and the rollout halts there.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "e2e/e2e_util.h"

namespace kaudit::e2e {
namespace {

void WriteAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path.substr(0, path.rfind('/') + 1) + ".kubeadm-tmp";
  std::ofstream(tmp) << text;
  std::rename(tmp.c_str(), path.c_str());
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

TEST(E2eDrift, KubeadmUpgradeIsRepairedAndForeignBackupHaltsTheRollout) {
  Cluster c({});
  ASSERT_TRUE(c.Start()) << c.error();
  std::string original = ReadFile(c.manifest(1));
  ASSERT_TRUE(c.ApplyProfile(Profile("audit", "Metadata")).ok());
  std::string rev, last;
  ASSERT_TRUE(c.WaitFor([&] { rev = ReadyRevision(c, "audit", 3); return !rev.empty() && AllHealthyOn(c, 3, rev); },
                        std::chrono::seconds(90), [&] { return c.Describe(); }, &last)) << last;

  // kubeadm upgrade on cp2: its own manifest again, new image, none of kaudit's parts.
  auto healthy_lines = [&] {
    std::string log = ReadFile(c.dir() + "/logs/agent-cp2.log");
    int n = 0;
    for (auto p = log.find("phase Healthy"); p != std::string::npos; p = log.find("phase Healthy", p + 1)) ++n;
    return n;
  };
  const int healthy_before = healthy_lines();
  auto t0 = std::chrono::steady_clock::now();
  WriteAtomically(c.manifest(1), Replace(original, "kube-apiserver:v1.30.4", "kube-apiserver:v1.30.5"));
  bool repaired = c.WaitFor(
      [&] {
        std::string m = ReadFile(c.manifest(1));
        return HasRevision(m, rev) &&
               m.find("kube-apiserver:v1.30.5") != std::string::npos &&
               healthy_lines() > healthy_before && Phase(c.NodeState(1)) == "Healthy";
      },
      std::chrono::seconds(30), [&] { return c.Describe(); }, &last);
  ASSERT_TRUE(repaired) << "not repaired within 30 s\n" << last;
  std::cout << "[measure] scenario 3: repaired in " << Seconds(std::chrono::steady_clock::now() - t0) << " s\n";
  EXPECT_NE(ReadFile(c.dir() + "/logs/agent-cp2.log").find("phase Drifted"), std::string::npos);

  // A foreign backup in cp2's manifests folder, then a new revision.
  std::ofstream(c.host(1) + "/etc/kubernetes/manifests/kube-apiserver.yaml.bak") << original;
  std::string before_cp3 = ReadFile(c.manifest(2));
  ASSERT_TRUE(c.ApplyProfile(Profile("audit", "WriteRequestBodies")).ok());
  std::string message;
  bool refused = c.WaitFor(
      [&] {
        Json s = c.NodeState(1);
        message = s.is_object() ? s.value("message", "") : "";
        return Phase(s) == "Failed" && s.value("target", "") != rev;
      },
      std::chrono::seconds(60), [&] { return c.Describe(); }, &last);
  ASSERT_TRUE(refused) << last;
  EXPECT_NE(message.find("kube-apiserver.yaml.bak"), std::string::npos) << message;
  std::string new_rev = c.NodeState(1).value("target", "");
  EXPECT_EQ(Rev(c.NodeState(0)), new_rev) << "cp1 should have moved first";
  std::string reason;
  ASSERT_TRUE(c.WaitFor([&] { auto p = c.GetProfile("audit"); return p.ok() && Condition(*p, "Degraded", &reason) == "True"; },
                        std::chrono::seconds(30), [&] { return c.Describe(); }, &last)) << last;
  for (int k = 0; k < 30; ++k) {
    ASSERT_NE(c.RolloutTargets()["cp3"], new_rev) << "the rollout went past the refusing node";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(ReadFile(c.manifest(2)), before_cp3);
}

}  // namespace
}  // namespace kaudit::e2e
