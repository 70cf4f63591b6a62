#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hostfs/fault_env.h"
#include "hostfs/host.h"
#include "hostfs/state.h"

namespace kaudit::hostfs {
namespace {

namespace fs = std::filesystem;

class TempRoot {
 public:
  TempRoot() {
    std::string tmpl = (fs::temp_directory_path() / "kaudit-hostfs-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempRoot() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  void Write(const std::string& rel, const std::string& data) const {
    fs::create_directories(fs::path(path_ + rel).parent_path());
    std::ofstream(path_ + rel, std::ios::binary) << data;
  }
  std::string ReadBack(const std::string& rel) const {
    std::ifstream in(path_ + rel, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  bool Exists(const std::string& rel) const { return fs::exists(fs::symlink_status(path_ + rel)); }

 private:
  std::string path_;
};

constexpr const char* kManifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";
constexpr const char* kTemp = "/etc/kubernetes/manifests/.kube-apiserver.yaml.kaudit-tmp";

TEST(HostFs, ResolveMapsUnderRootAndRefusesDotDot) {
  TempRoot root;
  HostFs h(PosixEnv(), root.path() + "/");
  auto p = h.Resolve("/etc/kubernetes/x.yaml");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, root.path() + "/etc/kubernetes/x.yaml");
  auto bad = h.Resolve("/etc/../../etc/shadow");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'..'"), std::string::npos);
  EXPECT_FALSE(h.Resolve("etc/kubernetes").ok());
}

TEST(HostFs, AbsoluteSymlinkIsAHostPathUnderTheRoot) {
  TempRoot root;
  fs::create_directories(root.path() + "/data/logs");
  fs::create_directories(root.path() + "/var/log");
  fs::create_symlink("/data/logs", root.path() + "/var/log/kubernetes");
  HostFs h(PosixEnv(), root.path());
  EXPECT_EQ(*h.Resolve("/var/log/kubernetes/audit/audit.log"),
            root.path() + "/data/logs/audit/audit.log");
  EXPECT_EQ(*h.Canonical("/var/log/kubernetes/audit"), "/data/logs/audit");
}

TEST(HostFs, RelativeSymlinkClimbingOutOfTheRootIsRefused) {
  TempRoot root;
  fs::create_directories(root.path() + "/var/log");
  fs::create_symlink("../../../../../../../../tmp", root.path() + "/var/log/kubernetes");
  HostFs h(PosixEnv(), root.path());
  auto p = h.Resolve("/var/log/kubernetes/audit.log");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("outside the host root"), std::string::npos);
  EXPECT_FALSE(h.MkdirAll("/var/log/kubernetes/audit", 0700).ok());
}

TEST(HostFs, AtomicWriteReplacesContentAndMode) {
  TempRoot root;
  root.Write(kManifest, "old\n");
  HostFs h(PosixEnv(), root.path());
  ASSERT_TRUE(h.AtomicWrite(kManifest, "new\n", 0600).ok());
  EXPECT_EQ(root.ReadBack(kManifest), "new\n");
  EXPECT_FALSE(root.Exists(kTemp));
  struct stat st {};
  ASSERT_EQ(::stat((root.path() + kManifest).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(HostFs, WriteErrorsLeaveTheFileUntouched) {
  for (int err : {ENOSPC, EROFS, EACCES}) {
    for (int at = 1; at <= 3; ++at) {
      TempRoot root;
      root.Write(kManifest, "old\n");
      FaultEnv env(PosixEnv());
      env.FailAt(at, err);
      HostFs h(&env, root.path());
      Status s = h.AtomicWrite(kManifest, "new\n", 0600);
      if (at <= 2) {  // the temp write or the rename failed
        EXPECT_FALSE(s.ok()) << "errno " << err << " at " << at;
        EXPECT_EQ(root.ReadBack(kManifest), "old\n");
      } else {  // the directory fsync failed after the rename: new content, error reported
        EXPECT_FALSE(s.ok());
        EXPECT_EQ(root.ReadBack(kManifest), "new\n");
      }
      EXPECT_FALSE(root.Exists(kTemp)) << "temp file left behind, errno " << err;
    }
  }
  TempRoot root;
  root.Write(kManifest, "old\n");
  FaultEnv env(PosixEnv());
  env.FailAt(1, ENOSPC);
  HostFs h(&env, root.path());
  EXPECT_EQ(h.AtomicWrite(kManifest, "new\n", 0600).code(), StatusCode::kResourceExhausted);
}

// In the agent pod /etc/kubernetes/kaudit is a hostPath mount, and rmdir of a mount point fails
// with EBUSY: the tree is emptied and that counts as removed. Other failures still fail.
TEST(HostFs, RemoveTreeOfAMountPointEmptiesIt) {
  TempRoot root;
  root.Write("/etc/kubernetes/kaudit/policies/abc.yaml", "p\n");
  {
    FaultEnv env(PosixEnv());
    env.FailAt(3, EBUSY);  // remove abc.yaml, rmdir policies, rmdir kaudit (the mount point)
    HostFs h(&env, root.path());
    EXPECT_TRUE(h.RemoveTree("/etc/kubernetes/kaudit").ok());
    EXPECT_FALSE(root.Exists("/etc/kubernetes/kaudit/policies"));
    EXPECT_TRUE(root.Exists("/etc/kubernetes/kaudit"));
  }
  root.Write("/etc/kubernetes/kaudit/policies/abc.yaml", "p\n");
  FaultEnv env(PosixEnv());
  env.FailAt(1, EBUSY);  // a file that cannot go: the tree is not empty, the error stands
  HostFs h(&env, root.path());
  EXPECT_FALSE(h.RemoveTree("/etc/kubernetes/kaudit").ok());
}

TEST(HostFs, CrashAtEveryStepLeavesOldOrNewNeverPartial) {
  for (int at = 1; at <= 4; ++at) {
    TempRoot root;
    std::string old_data(5000, 'o'), new_data(7000, 'n');
    root.Write(kManifest, old_data);
    FaultEnv env(PosixEnv());
    env.CrashAt(at);
    HostFs h(&env, root.path());
    (void)h.AtomicWrite(kManifest, new_data, 0600);
    std::string got = root.ReadBack(kManifest);
    EXPECT_TRUE(got == old_data || got == new_data) << "partial manifest after crash at " << at;
  }
}

TEST(HostFs, RecreateAndRecoverTemp) {
  TempRoot root;
  root.Write(kManifest, "bad\n");
  HostFs h(PosixEnv(), root.path());
  ASSERT_TRUE(h.Recreate(kManifest, "good\n", 0600).ok());
  EXPECT_EQ(root.ReadBack(kManifest), "good\n");
  // A crash after the remove, before the rename: the temp file holds the content.
  for (int at = 1; at <= 5; ++at) {
    TempRoot r;
    r.Write(kManifest, "bad\n");
    FaultEnv env(PosixEnv());
    env.CrashAt(at);
    HostFs hc(&env, r.path());
    (void)hc.Recreate(kManifest, "good\n", 0600);
    HostFs again(PosixEnv(), r.path());
    auto restored = again.RecoverTemp(kManifest, "good\n");
    ASSERT_TRUE(restored.ok());
    std::string got = r.ReadBack(kManifest);
    EXPECT_TRUE(got == "bad\n" || got == "good\n") << "crash at " << at << ": '" << got << "'";
    EXPECT_FALSE(r.Exists(kTemp));
  }
}

TEST(NodeState, LockIsExclusive) {
  TempRoot root;
  HostFs h(PosixEnv(), root.path());
  NodeState st(&h, 3);
  auto first = st.Lock();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = st.Lock();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  first->reset();
  EXPECT_TRUE(st.Lock().ok());
}

TEST(NodeState, BackupsLiveOutsideTheManifestsFolderAndArePruned) {
  TempRoot root;
  HostFs h(PosixEnv(), root.path());
  NodeState st(&h, 3);
  SystemTime t0 = std::chrono::system_clock::from_time_t(1700000000);
  std::string first;
  for (int i = 0; i < 5; ++i) {
    auto p = st.Backup("v" + std::to_string(i), t0 + std::chrono::seconds(i));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->rfind("/var/lib/kaudit/backups/kube-apiserver.yaml.", 0), 0u) << *p;
    if (i == 0) first = *p;
    ASSERT_TRUE(st.Prune(first).ok());
  }
  auto all = st.Backups();
  ASSERT_TRUE(all.ok());
  // The newest three, plus the protected first one.
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].host_path, first);
  EXPECT_EQ(root.ReadBack((*all)[3].host_path), "v4");
  EXPECT_FALSE(root.Exists("/etc/kubernetes/manifests"));
}

TEST(NodeState, OriginalIsKeptOnce) {
  TempRoot root;
  HostFs h(PosixEnv(), root.path());
  NodeState st(&h, 3);
  ASSERT_TRUE(st.KeepOriginal("first").ok());
  ASSERT_TRUE(st.KeepOriginal("second").ok());
  EXPECT_EQ(**st.Original(), "first");
  ASSERT_TRUE(st.Forget().ok());
  EXPECT_FALSE(st.Original()->has_value());
}

TEST(NodeState, RecordsRoundTrip) {
  TempRoot root;
  HostFs h(PosixEnv(), root.path());
  NodeState st(&h, 3);
  ASSERT_TRUE(st.Put("pending", {{"revision", "abc"}}).ok());
  auto got = st.Get("pending");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((**got)["revision"], "abc");
  ASSERT_TRUE(st.Drop("pending").ok());
  EXPECT_FALSE(st.Get("pending")->has_value());
  root.Write("/var/lib/kaudit/last-result.json", "not json");
  EXPECT_FALSE(st.Get("last-result").ok());
}

}  // namespace
}  // namespace kaudit::hostfs
