// The simulator's kubelet and kube-apiserver rules, checked against the reference
// (reference/audit-semantics.md §2, §4, §6, §7), so the end-to-end tests stand on a simulator
// that behaves like the real thing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nodesim/pod_file.h"
#include "nodesim/start_check.h"

namespace kaudit::nodesim {
namespace {
namespace fs = std::filesystem;

std::string Pod(const std::string& image, const std::string& extra_flag = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n"
         "spec:\n  containers:\n  - name: kube-apiserver\n    image: " + image +
         "\n    command:\n    - kube-apiserver\n" + (extra_flag.empty() ? "" : "    - " + extra_flag + "\n");
}

class NodesimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "nodesim-XXXXXX").string();
    dir_ = mkdtemp(t.data());
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(dir_ + "/" + rel).parent_path());
    std::ofstream(dir_ + "/" + rel) << text;
  }
  std::string dir_;
};

TEST_F(NodesimTest, RelistReadsEveryNonDotFileAndTheLastNameWins) {
  Write("m/kube-apiserver.yaml", Pod("img:1"));
  Write("m/kube-apiserver.yaml.bak", Pod("img:old"));  // sorts after: it wins (#55596)
  Write("m/.kube-apiserver.yaml.kaudit-tmp", Pod("img:tmp"));  // dot-file: never read
  PodSource src(dir_ + "/m", "cp1");
  src.Relist();
  auto p = src.Get("kube-system/kube-apiserver");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->path, dir_ + "/m/kube-apiserver.yaml.bak");
  EXPECT_EQ(p->pod["spec"]["containers"][0]["image"], "img:old");
}

TEST_F(NodesimTest, AFileJustWrittenWinsUntilTheNextRelist) {
  Write("m/kube-apiserver.yaml", Pod("img:1"));
  Write("m/kube-apiserver.yaml.bak", Pod("img:old"));
  PodSource src(dir_ + "/m", "cp1");
  src.Relist();
  Write("m/kube-apiserver.yaml", Pod("img:2"));
  src.FileChanged("kube-apiserver.yaml");
  EXPECT_EQ(src.Get("kube-system/kube-apiserver")->pod["spec"]["containers"][0]["image"], "img:2");
  src.Relist();
  EXPECT_EQ(src.Get("kube-system/kube-apiserver")->pod["spec"]["containers"][0]["image"], "img:old");
  fs::remove(dir_ + "/m/kube-apiserver.yaml.bak");
  src.FileChanged("kube-apiserver.yaml.bak");  // removing the file that defined it removes the pod
  EXPECT_FALSE(src.Get("kube-system/kube-apiserver"));
}

TEST_F(NodesimTest, InvalidFilesAreSkipped) {
  Write("m/a.yaml", "kind: Pod\napiVersion: v1\nmetadata:\n  name: x\nspec:\n  containers: []\n");
  Write("m/b.yaml", "not: [valid");
  PodSource src(dir_ + "/m", "cp1");
  src.Relist();
  EXPECT_FALSE(src.Get("default/x"));
  EXPECT_EQ(src.errors().size(), 2u);
}

TEST_F(NodesimTest, ConfigHashFollowsTheDecodedPodAndThePath) {
  auto a = DecodeYaml(Pod("img:1"));
  auto b = DecodeYaml("# a comment\n" + Pod("img:1"));  // comments do not count
  auto c = DecodeYaml(Pod("img:1", "--audit-log-maxage=7"));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(ConfigHash(*a, "cp1", "/m/k.yaml"), ConfigHash(*b, "cp1", "/m/k.yaml"));
  EXPECT_NE(ConfigHash(*a, "cp1", "/m/k.yaml"), ConfigHash(*c, "cp1", "/m/k.yaml"));
  EXPECT_NE(ConfigHash(*a, "cp1", "/m/k.yaml"), ConfigHash(*a, "cp1", "/m/k.yaml.bak"));
  EXPECT_NE(ConfigHash(*a, "cp1", "/m/k.yaml"), ConfigHash(*a, "cp2", "/m/k.yaml"));
  EXPECT_EQ(ConfigHash(*a, "cp1", "/m/k.yaml").size(), 32u);
}

TEST(PolicyCheck, TheLoaderRules) {
  EXPECT_TRUE(CheckPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n").ok());
  EXPECT_FALSE(CheckPolicy("").ok());
  EXPECT_FALSE(CheckPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\n").ok());  // 0 rules
  EXPECT_FALSE(CheckPolicy("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: Metadata\n").ok());
  EXPECT_FALSE(CheckPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: metadata\n").ok());
  EXPECT_FALSE(CheckPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n"
                           "  nonResourceURLs: [/healthz]\n  namespaces: [a]\n").ok());
  EXPECT_FALSE(CheckPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n"
                           "  nonResourceURLs: ['/logs/*.log']\n").ok());
  EXPECT_TRUE(CheckPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n"
                          "  nonResourceURLs: ['/healthz*', '*']\n").ok());
  EXPECT_FALSE(CheckPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [foo]\nrules:\n- level: None\n").ok());
}

class StartCheckTest : public NodesimTest {
 protected:
  Json Manifest(const std::vector<std::string>& flags, const std::string& policy_type = "DirectoryOrCreate") {
    std::string y = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\nspec:\n  containers:\n"
                    "  - name: kube-apiserver\n    image: i\n    command:\n    - kube-apiserver\n"
                    "    - --tls-cert-file=/pki/tls.crt\n    - --tls-private-key-file=/pki/tls.key\n";
    for (const auto& f : flags) y += "    - " + f + "\n";
    y += "    volumeMounts:\n    - {name: pki, mountPath: /pki, readOnly: true}\n"
         "    - {name: pol, mountPath: /etc/kubernetes/kaudit/policies, readOnly: true}\n"
         "    - {name: log, mountPath: /var/log/kubernetes/audit}\n"
         "  volumes:\n  - {name: pki, hostPath: {path: /pki, type: Directory}}\n"
         "  - {name: pol, hostPath: {path: /etc/kubernetes/kaudit/policies, type: " + policy_type + "}}\n"
         "  - {name: log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n";
    return *DecodeYaml(y);
  }
  void SetUp() override {
    NodesimTest::SetUp();
    Write("pki/tls.crt", "c");
    Write("pki/tls.key", "k");
  }
};

TEST_F(StartCheckTest, StartsWithAValidAuditSetupAndCreatesTheLogDirectory) {
  Write("etc/kubernetes/kaudit/policies/r.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n");
  auto plan = CheckStart(Manifest({"--audit-policy-file=/etc/kubernetes/kaudit/policies/r.yaml",
                                   "--audit-log-path=/var/log/kubernetes/audit/audit.log",
                                   "--audit-log-maxage", "7"}), dir_);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->audit);
  EXPECT_EQ(plan->log_file, dir_ + "/var/log/kubernetes/audit/audit.log");
  EXPECT_TRUE(fs::is_directory(dir_ + "/var/log/kubernetes/audit"));
  EXPECT_EQ(plan->flags["audit-log-maxage"], "7");  // the "--flag value" form
}

TEST_F(StartCheckTest, RefusesWhatARealApiserverWouldNotStartWith) {
  Write("etc/kubernetes/kaudit/policies/r.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n");
  std::string pol = "--audit-policy-file=/etc/kubernetes/kaudit/policies/r.yaml";
  // A policy that is on the host but not inside any mount.
  Write("etc/audit.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n");
  auto unmounted = CheckStart(Manifest({"--audit-policy-file=/etc/audit.yaml"}), dir_);
  ASSERT_FALSE(unmounted.ok());
  EXPECT_NE(unmounted.status().message().find("failed to read file path"), std::string::npos);
  EXPECT_FALSE(CheckStart(Manifest({pol, "--audit-log-maxage=-1", "--audit-log-path=/var/log/kubernetes/audit/a.log"}), dir_).ok());
  EXPECT_FALSE(CheckStart(Manifest({pol, "--audit-log-format=yaml", "--audit-log-path=/var/log/kubernetes/audit/a.log"}), dir_).ok());
  EXPECT_FALSE(CheckStart(Manifest({pol, "--audit-log-mode=batch", "--audit-log-batch-max-size=0",
                                    "--audit-log-path=/var/log/kubernetes/audit/a.log"}), dir_).ok());
  EXPECT_FALSE(CheckStart(Manifest({pol, "--audit-log-pathh=/x"}), dir_).ok());  // unknown flag
  // The log directory inside a read-only mount.
  EXPECT_FALSE(CheckStart(Manifest({pol, "--audit-log-path=/etc/kubernetes/kaudit/policies/a.log"}), dir_).ok());
  // hostPath type File for a folder that is missing: the volume never sets up.
  fs::remove_all(dir_ + "/etc/kubernetes/kaudit/policies");
  auto missing = CheckStart(Manifest({}, "Directory"), dir_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("hostPath type check failed"), std::string::npos);
}

}  // namespace
}  // namespace kaudit::nodesim
