// NodeApplier against real files in temporary folders (the design's steps 1-10).
#include "node/node.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "hostfs/fault_env.h"
#include "manifest/patch.h"
#include "node/node_test_util.h"

namespace kaudit::node {
namespace {

using testing::HostRoot;
using testing::kManifestPath;
using testing::MakeRevision;
using testing::ScriptedHealth;

std::string Expected(const std::string& input, const Revision& rev) {
  auto spec = manifest::KauditSpec(rev.flags, rev.id);
  auto p = manifest::Patch(input, *spec);
  return p.ok() ? p->text : "";
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

struct Fixture {
  explicit Fixture(const std::string& manifest = "kubeadm-1.30.yaml", std::deque<bool> script = {})
      : host(manifest), fs(hostfs::PosixEnv(), host.path()), health(std::move(script)),
        applier(&fs, &this->health, NodeOptions{}) {}
  HostRoot host;
  hostfs::HostFs fs;
  ScriptedHealth health;
  NodeApplier applier;
};

TEST(NodeApply, AppliesWritesFilesBacksUpAndRecordsLastKnownGood) {
  Fixture f;
  Revision rev = MakeRevision("4f1c2a9e7b");
  auto out = f.applier.Apply(rev);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->result, Result::kApplied);
  EXPECT_EQ(f.host.Manifest(), Expected(f.host.original(), rev));
  EXPECT_EQ(f.host.Read("/etc/kubernetes/kaudit/policies/4f1c2a9e7b.yaml"), rev.policy_yaml);
  EXPECT_EQ(ModeOf(f.host.path() + "/etc/kubernetes/kaudit/policies/4f1c2a9e7b.yaml"), 0600u);
  EXPECT_EQ(ModeOf(f.host.path() + "/var/log/kubernetes/audit"), 0700u);
  EXPECT_EQ(ModeOf(f.host.path() + kManifestPath), 0644u & ModeOf(f.host.path() + kManifestPath));
  // The backup holds the old manifest and lives outside the manifests folder.
  EXPECT_EQ(f.host.Count("/etc/kubernetes/manifests"), 1u);
  ASSERT_EQ(f.host.Count("/var/lib/kaudit/backups"), 1u);
  EXPECT_EQ(f.host.Read(out->backup), f.host.original());
  EXPECT_EQ(f.host.Read("/var/lib/kaudit/original/kube-apiserver.yaml"), f.host.original());
  EXPECT_NE(f.host.Read("/var/lib/kaudit/last-known-good.json").find("4f1c2a9e7b"),
            std::string::npos);
  EXPECT_FALSE(f.host.Exists("/var/lib/kaudit/pending.json"));
  ASSERT_EQ(f.health.targets.size(), 1u);
  EXPECT_EQ(f.health.targets[0].revision, "4f1c2a9e7b");
}

TEST(NodeApply, ReapplyChangesNothingAndRestartsNothing) {
  Fixture f;
  Revision rev = MakeRevision("4f1c2a9e7b");
  ASSERT_TRUE(f.applier.Apply(rev).ok());
  std::string first = f.host.Manifest();
  auto mtime = std::filesystem::last_write_time(f.host.path() + kManifestPath);
  auto again = f.applier.Apply(rev);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->result, Result::kUnchanged);
  EXPECT_EQ(f.host.Manifest(), first);
  EXPECT_EQ(std::filesystem::last_write_time(f.host.path() + kManifestPath), mtime);
  EXPECT_EQ(f.host.Count("/var/lib/kaudit/backups"), 1u);
  EXPECT_EQ(f.health.targets.size(), 1u) << "an unchanged manifest needs no health wait";
}

TEST(NodeApply, ChangeOfRevisionKeepsThePreviousPolicyForRollbacks) {
  Fixture f;
  ASSERT_TRUE(f.applier.Apply(MakeRevision("4f1c2a9e7b")).ok());
  Revision b = MakeRevision("9d8e7f6a5b", "30");
  auto out = f.applier.Apply(b);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->result, Result::kApplied);
  EXPECT_EQ(f.host.Manifest(), Expected(f.host.original(), b));
  EXPECT_TRUE(f.host.Exists("/etc/kubernetes/kaudit/policies/4f1c2a9e7b.yaml"));
  EXPECT_EQ(f.host.Count("/var/lib/kaudit/backups"), 2u);
  // The first-contact copy is still the untouched original.
  EXPECT_EQ(f.host.Read("/var/lib/kaudit/original/kube-apiserver.yaml"), f.host.original());
}

TEST(NodeApply, LogToStdoutNeedsNoLogVolume) {
  Fixture f;
  Revision rev = MakeRevision("4f1c2a9e7b", "7", "-");
  rev.flags.pop_back();  // maxage is a log-file setting
  ASSERT_TRUE(f.applier.Apply(rev).ok());
  std::string m = f.host.Manifest();
  EXPECT_NE(m.find("- --audit-log-path=-\n"), std::string::npos);
  EXPECT_EQ(m.find("kaudit-audit-log"), std::string::npos);
  EXPECT_FALSE(f.host.Exists("/var/log/kubernetes"));
}

TEST(NodeRollback, HealthNeverComesBackRestoresTheManifestByteForByte) {
  Fixture f("kubeadm-1.30.yaml", {false, true});
  auto out = f.applier.Apply(MakeRevision("4f1c2a9e7b"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->result, Result::kRolledBack);
  EXPECT_NE(out->message.find("did not answer 200"), std::string::npos) << out->message;
  EXPECT_EQ(f.host.Manifest(), f.host.original());
  EXPECT_FALSE(f.host.Exists("/etc/kubernetes/manifests/.kube-apiserver.yaml.kaudit-tmp"));
  EXPECT_FALSE(f.host.Exists("/var/lib/kaudit/pending.json"));
  EXPECT_FALSE(f.host.Exists("/var/lib/kaudit/last-known-good.json"));
  ASSERT_EQ(f.health.targets.size(), 2u) << "health is awaited again after the rollback";
  auto st = f.applier.Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ((*st)["lastResult"]["result"], "RolledBack");
  EXPECT_NE((*st)["lastResult"]["message"].get<std::string>().find("connection refused"),
            std::string::npos);
}

TEST(NodeRollback, RollbackOfASecondRevisionGoesBackToTheFirst) {
  Fixture f("kubeadm-1.30.yaml", {true, false, true});
  ASSERT_TRUE(f.applier.Apply(MakeRevision("4f1c2a9e7b")).ok());
  std::string good = f.host.Manifest();
  auto out = f.applier.Apply(MakeRevision("9d8e7f6a5b", "30"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->result, Result::kRolledBack);
  EXPECT_EQ(f.host.Manifest(), good);
  auto st = f.applier.Status();
  EXPECT_EQ((*st)["lastKnownGood"]["revision"], "4f1c2a9e7b");
  EXPECT_EQ((*st)["revision"], "4f1c2a9e7b");
}

TEST(NodeRevert, RemovesExactlyWhatKauditAdded) {
  Fixture f;
  ASSERT_TRUE(f.applier.Apply(MakeRevision("4f1c2a9e7b")).ok());
  ASSERT_TRUE(f.applier.Apply(MakeRevision("9d8e7f6a5b", "30")).ok());
  auto out = f.applier.Revert();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->result, Result::kReverted);
  EXPECT_EQ(f.host.Manifest(), f.host.original());
  EXPECT_FALSE(f.host.Exists("/etc/kubernetes/kaudit"));
  EXPECT_FALSE(f.host.Exists("/var/lib/kaudit/original"));
  EXPECT_TRUE(f.host.Exists("/var/log/kubernetes/audit")) << "audit logs are evidence: kept";
  auto again = f.applier.Revert();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->result, Result::kNothingToRevert);
}

TEST(NodeRevert, KeepsChangesMadeSinceAndRestoresAHandMadeSetup) {
  Fixture f("handmade-docs.yaml");
  f.host.Write("/etc/kubernetes/audit-policy.yaml", testing::kPolicy);
  ASSERT_TRUE(f.applier.Apply(MakeRevision("4f1c2a9e7b")).ok());
  // An upgrade of the image in the meantime (kubeadm would also drop kaudit's parts; here only
  // the tag changes, so revert has something to remove).
  std::string m = f.host.Manifest();
  m.replace(m.find("v1.30.4"), 7, "v1.30.5");
  f.host.Write(kManifestPath, m);
  auto out = f.applier.Revert();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::string want = f.host.original();
  want.replace(want.find("v1.30.4"), 7, "v1.30.5");
  EXPECT_EQ(f.host.Manifest(), want);
}

TEST(NodeDrift, ReappliesOnTopOfAKubeadmUpgradeAndKeepsTheNewImage) {
  Fixture f;
  Revision rev = MakeRevision("4f1c2a9e7b");
  ASSERT_TRUE(f.applier.Apply(rev).ok());
  // kubeadm upgrade writes the manifest again from its own configuration: new image tag, its
  // own flag order, and none of kaudit's flags, volumes or annotation.
  std::string upgraded = f.host.original();
  upgraded.replace(upgraded.find("v1.30.4"), 7, "v1.31.0");
  std::string a = "    - --secure-port=6443\n", b = "    - --service-account-issuer=https://kubernetes.default.svc.cluster.local\n";
  upgraded.replace(upgraded.find(a + b), (a + b).size(), b + a);
  f.host.Write(kManifestPath, upgraded);
  auto st = f.applier.Status();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE((*st)["drift"]["drifted"].get<bool>());
  auto out = f.applier.Apply(rev);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->result, Result::kApplied);
  EXPECT_EQ(f.host.Manifest(), Expected(upgraded, rev));
  EXPECT_NE(f.host.Manifest().find("kube-apiserver:v1.31.0"), std::string::npos);
  EXPECT_NE(f.host.Manifest().find(b + a), std::string::npos) << "kubeadm's flag order kept";
  EXPECT_FALSE((*f.applier.Status())["drift"]["drifted"].get<bool>());
}

class Refusal : public ::testing::Test {
 protected:
  // The manifest, backups and state are exactly as before.
  void ExpectNothingChanged(const Fixture& f, const std::string& manifest) {
    EXPECT_EQ(f.host.Manifest(), manifest);
    EXPECT_EQ(f.host.Count("/var/lib/kaudit/backups"), 0u);
    EXPECT_FALSE(f.host.Exists("/var/lib/kaudit/pending.json"));
    EXPECT_TRUE(f.health.targets.empty());
  }
};

TEST_F(Refusal, MissingManifest) {
  Fixture f;
  std::filesystem::remove(f.host.path() + kManifestPath);
  auto out = f.applier.Apply(MakeRevision("4f1c2a9e7b"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("does not exist"), std::string::npos);
  EXPECT_FALSE(f.host.Exists(kManifestPath));
}

TEST_F(Refusal, NotAPodAndNoApiserverContainer) {
  Fixture f;
  std::string not_pod = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
  f.host.Write(kManifestPath, not_pod);
  auto out = f.applier.Apply(MakeRevision("4f1c2a9e7b"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("not a Pod"), std::string::npos) << out.status().message();
  ExpectNothingChanged(f, not_pod);

  std::string other = f.host.original();
  other.replace(other.find("    name: kube-apiserver\n"), 25, "    name: apiserver\n");
  f.host.Write(kManifestPath, other);
  out = f.applier.Apply(MakeRevision("4f1c2a9e7b"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("no container named kube-apiserver"), std::string::npos);
  ExpectNothingChanged(f, other);
}

TEST_F(Refusal, ForeignFileDefiningTheSamePod) {
  Fixture f;
  f.host.Write("/etc/kubernetes/manifests/kube-apiserver.yaml.bak", f.host.original());
  auto out = f.applier.Apply(MakeRevision("4f1c2a9e7b"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("kube-apiserver.yaml.bak"), std::string::npos);
  EXPECT_NE(out.status().message().find("kube-system/kube-apiserver"), std::string::npos);
  ExpectNothingChanged(f, f.host.original());
  // Dot-files (kubelet skips them) and other pods are fine.
  std::filesystem::rename(f.host.path() + "/etc/kubernetes/manifests/kube-apiserver.yaml.bak",
                          f.host.path() + "/etc/kubernetes/manifests/.kube-apiserver.yaml.bak");
  f.host.Write("/etc/kubernetes/manifests/etcd.yaml",
               "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n  namespace: kube-system\n");
  EXPECT_TRUE(f.applier.Apply(MakeRevision("4f1c2a9e7b")).ok());
}

TEST_F(Refusal, LogPathsOutsideTheAllowedRoot) {
  Fixture f;
  for (const char* bad : {"/tmp/audit.log", "/var/log/kubernetes/../../../etc/audit.log",
                                 "/var/log/kubernetes-evil/audit.log"}) {
    auto out = f.applier.Apply(MakeRevision("4f1c2a9e7b", "7", bad));
    ASSERT_FALSE(out.ok()) << bad;
    ExpectNothingChanged(f, f.host.original());
  }
  // A symlink below the allowed root that leads out of it.
  std::filesystem::create_directories(f.host.path() + "/var/log/kubernetes");
  std::filesystem::create_symlink("/etc", f.host.path() + "/var/log/kubernetes/audit");
  auto out = f.applier.Apply(MakeRevision("4f1c2a9e7b"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("symlink leads out"), std::string::npos)
      << out.status().message();
  ExpectNothingChanged(f, f.host.original());
}

TEST_F(Refusal, InvalidPolicyOrFlags) {
  Fixture f;
  Revision rev = MakeRevision("4f1c2a9e7b");
  rev.policy_yaml = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n";
  EXPECT_FALSE(f.applier.Apply(rev).ok());
  rev = MakeRevision("4f1c2a9e7b", "-3");
  auto out = f.applier.Apply(rev);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("audit-log-maxage"), std::string::npos);
  rev = MakeRevision("4f1c2a9e7b");
  rev.flags[0].second = "/etc/kubernetes/kaudit/policies/0000000000.yaml";
  EXPECT_FALSE(f.applier.Apply(rev).ok());
  ExpectNothingChanged(f, f.host.original());
}

TEST_F(Refusal, WriteErrorsLeaveTheManifestUntouched) {
  for (int err : {ENOSPC, EROFS, EACCES}) {
    for (const char* where : {"manifests/", "kaudit/policies", "var/lib/kaudit/backups"}) {
      Fixture f;
      hostfs::FaultEnv env(hostfs::PosixEnv());
      env.FailPath(where, err);
      hostfs::HostFs fs(&env, f.host.path());
      ScriptedHealth health;
      NodeApplier applier(&fs, &health, NodeOptions{});
      auto out = applier.Apply(MakeRevision("4f1c2a9e7b"));
      ASSERT_FALSE(out.ok()) << where << " errno " << err;
      EXPECT_EQ(f.host.Manifest(), f.host.original()) << where;
      EXPECT_FALSE(f.host.Exists("/etc/kubernetes/manifests/.kube-apiserver.yaml.kaudit-tmp"));
      EXPECT_FALSE(f.host.Exists("/var/lib/kaudit/pending.json"));
      EXPECT_TRUE(health.targets.empty());
    }
  }
}

TEST_F(Refusal, AnotherKauditHoldsTheLock) {
  Fixture f;
  hostfs::NodeState other(&f.fs, 10);
  auto held = other.Lock();
  ASSERT_TRUE(held.ok());
  auto out = f.applier.Apply(MakeRevision("4f1c2a9e7b"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(f.host.Manifest(), f.host.original());
}

// A crash at every file-system step of an apply: the manifest is the old or the new one, never
// a partial one, and the next run completes (healthy) or rolls back (unhealthy).
TEST(NodeCrash, EveryStepLeavesOldOrNewAndTheNextRunFinishes) {
  Revision rev = MakeRevision("4f1c2a9e7b");
  for (bool healthy_after : {true, false}) {
    for (int at = 1;; ++at) {
      Fixture f;
      std::string want_new = Expected(f.host.original(), rev);
      hostfs::FaultEnv env(hostfs::PosixEnv());
      env.CrashAt(at);
      hostfs::HostFs fs(&env, f.host.path());
      ScriptedHealth health;
      NodeApplier crashing(&fs, &health, NodeOptions{});
      (void)crashing.Apply(rev);
      bool crashed = env.crashed();
      std::string after = f.host.Manifest();
      ASSERT_TRUE(after == f.host.original() || after == want_new)
          << "partial manifest after a crash at step " << at;
      // Done before the crash: the new manifest is in place and its health was confirmed.
      bool complete = after == want_new && !f.host.Exists("/var/lib/kaudit/pending.json");
      ScriptedHealth next_health(healthy_after ? std::deque<bool>{true}
                                               : std::deque<bool>{false, true});
      NodeApplier next(&f.fs, &next_health, NodeOptions{});
      auto out = next.Apply(rev);
      ASSERT_TRUE(out.ok()) << "step " << at << ": " << out.status().ToString();
      if (complete) {
        EXPECT_EQ(out->result, Result::kUnchanged) << "step " << at;
        EXPECT_TRUE(f.host.Manifest() == want_new) << "step " << at;
      } else if (healthy_after) {
        EXPECT_TRUE(f.host.Manifest() == want_new) << "step " << at;
        EXPECT_NE(f.host.Read("/var/lib/kaudit/last-known-good.json").find(rev.id),
                  std::string::npos)
            << "step " << at;
      } else {
        EXPECT_TRUE(f.host.Manifest() == f.host.original()) << "step " << at;
        EXPECT_EQ(out->result, Result::kRolledBack) << "step " << at;
      }
      EXPECT_FALSE(f.host.Exists("/var/lib/kaudit/pending.json")) << "step " << at;
      EXPECT_FALSE(f.host.Exists("/etc/kubernetes/manifests/.kube-apiserver.yaml.kaudit-tmp"));
      if (!crashed) {  // the apply ran to the end: every step has been tried
        EXPECT_GT(at, 20) << "fewer steps than expected";
        break;
      }
    }
  }
}

// A crash at every step of an apply that rolls back (the rollback's own steps included): the
// manifest is never partial, and the next run ends on the old manifest.
TEST(NodeCrash, InterruptedRollbackIsFinishedByTheNextRun) {
  Revision rev = MakeRevision("4f1c2a9e7b");
  bool saw_missing = false;  // a crash between the rollback's remove and its rename
  int at = 1;
  for (;; ++at) {
    Fixture f;
    hostfs::FaultEnv env(hostfs::PosixEnv());
    env.CrashAt(at);
    hostfs::HostFs fs(&env, f.host.path());
    ScriptedHealth unhealthy({false, false});
    (void)NodeApplier(&fs, &unhealthy, NodeOptions{}).Apply(rev);
    if (!f.host.Exists(kManifestPath)) {
      saw_missing = true;
      EXPECT_TRUE(f.host.Read("/etc/kubernetes/manifests/.kube-apiserver.yaml.kaudit-tmp") ==
                  f.host.original())
          << "step " << at << ": the rollback's temp file must hold the whole backup";
    } else {
      std::string after = f.host.Manifest();
      ASSERT_TRUE(after == f.host.original() || after == Expected(f.host.original(), rev))
          << "partial manifest after a crash at step " << at;
    }
    ScriptedHealth next_health({false, true});
    auto out = NodeApplier(&f.fs, &next_health, NodeOptions{}).Apply(rev);
    ASSERT_TRUE(out.ok()) << "step " << at << ": " << out.status().ToString();
    EXPECT_TRUE(f.host.Manifest() == f.host.original()) << "step " << at;
    EXPECT_FALSE(f.host.Exists("/var/lib/kaudit/pending.json")) << "step " << at;
    if (!env.crashed()) break;
  }
  EXPECT_TRUE(saw_missing);
  EXPECT_GT(at, 20) << "fewer steps than expected: is the crash injection reaching the env?";
}

}  // namespace
}  // namespace kaudit::node
