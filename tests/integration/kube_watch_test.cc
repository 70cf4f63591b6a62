// Reflector and informer against the emulator: list then watch, resume after a dropped
// connection, relist after 410 Expired, bookmarks, selectors.
#include <mutex>
#include <set>

#include "kube/informer.h"
#include "kube_fixture.h"

namespace kaudit::kube::testing {
namespace {

// Records what the handlers saw.
struct Seen {
  std::mutex mu;
  std::set<std::string> added, deleted;
  std::map<std::string, std::string> last_value;  // name -> data.v after add/update
  void Attach(Informer* inf) {
    inf->AddHandlers(EventHandlers{
        [this](const Json& o) {
          std::lock_guard<std::mutex> l(mu);
          added.insert(o["metadata"]["name"]);
          last_value[o["metadata"]["name"]] = o.value("data", Json::object()).value("v", "");
        },
        [this](const Json&, const Json& o) {
          std::lock_guard<std::mutex> l(mu);
          last_value[o["metadata"]["name"]] = o.value("data", Json::object()).value("v", "");
        },
        [this](const Json& o) {
          std::lock_guard<std::mutex> l(mu);
          deleted.insert(o["metadata"]["name"]);
        }});
  }
  bool Added(const std::string& n) {
    std::lock_guard<std::mutex> l(mu);
    return added.count(n) > 0;
  }
  bool Deleted(const std::string& n) {
    std::lock_guard<std::mutex> l(mu);
    return deleted.count(n) > 0;
  }
  std::string Value(const std::string& n) {
    std::lock_guard<std::mutex> l(mu);
    return last_value.count(n) ? last_value[n] : "";
  }
};

class KubeWatchTest : public KubeFixture {
 protected:
  static ReflectorOptions Fast() {
    ReflectorOptions o;
    o.initial_backoff = std::chrono::milliseconds(50);
    o.max_backoff = std::chrono::milliseconds(400);
    o.page_size = 3;
    return o;
  }
  void Put(const std::string& name, const std::string& v) {
    auto cm = resources::ConfigMaps();
    auto got = admin_->Get(cm, "default", name);
    if (got.ok()) {
      Json o = *got;
      o["data"]["v"] = v;
      ASSERT_TRUE(admin_->Update(cm, o).ok());
    } else {
      ASSERT_TRUE(admin_->Create(cm, "default", ConfigMap("default", name, {{"v", v}})).ok());
    }
  }
};

TEST_F(KubeWatchTest, InformerListsThenFollowsChanges) {
  for (int i = 0; i < 7; ++i) Put("pre-" + std::to_string(i), "0");  // 3 pages of 3
  Informer inf(admin_.get(), resources::ConfigMaps(), "default", Fast());
  Seen seen;
  seen.Attach(&inf);
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10))) << "informer never synced";
  EXPECT_EQ(inf.Size(), 7u);
  EXPECT_TRUE(seen.Added("pre-6"));
  Put("new", "1");
  Put("pre-0", "changed");
  ASSERT_TRUE(admin_->Delete(resources::ConfigMaps(), "default", "pre-1").ok());
  ASSERT_TRUE(WaitUntil([&] { return seen.Added("new") && seen.Value("pre-0") == "changed" &&
                                     seen.Deleted("pre-1"); }))
      << "handlers did not see the add, update and delete";
  EXPECT_EQ(inf.Size(), 7u);
  ASSERT_NE(inf.Get("default/pre-0"), nullptr);
  EXPECT_EQ((*inf.Get("default/pre-0"))["data"]["v"], "changed");
  EXPECT_EQ(inf.Get("default/pre-1"), nullptr);
  EXPECT_EQ(inf.reflector().lists(), 1);
}

TEST_F(KubeWatchTest, ResumesFromLastVersionAfterDroppedConnection) {
  Informer inf(admin_.get(), resources::ConfigMaps(), "default", Fast());
  Seen seen;
  seen.Attach(&inf);
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10)));
  ASSERT_TRUE(WaitUntil([&] { return emu_->ActiveWatches() == 1; })) << "no watch established";
  // Writes while the stream is down must arrive once it is back, without a relist.
  emulator::FaultRule refuse;
  refuse.code = 503;
  refuse.count = -1;
  refuse.path_contains = "watch=true";
  emu_->AddFault(refuse);
  emu_->DropWatches();
  Put("while-down", "x");
  ASSERT_TRUE(WaitUntil([&] { return CountRequests("GET", "watch=true") >= 3; }));
  emu_->ClearFaults();
  ASSERT_TRUE(WaitUntil([&] { return seen.Added("while-down"); }))
      << "the change made while the watch was down never arrived";
  EXPECT_EQ(inf.reflector().lists(), 1);  // resumed, not relisted
  EXPECT_GE(inf.reflector().watches(), 2);
}

TEST_F(KubeWatchTest, RelistsAfterExpiredAndReconcilesTheCache) {
  Put("keep", "1");
  Put("doomed", "1");
  Informer inf(admin_.get(), resources::ConfigMaps(), "default", Fast());
  Seen seen;
  seen.Attach(&inf);
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10)));
  emulator::FaultRule refuse;  // keep the watch down while the world changes
  refuse.code = 503;
  refuse.count = -1;
  refuse.path_contains = "watch=true";
  emu_->AddFault(refuse);
  emu_->DropWatches();
  Put("born", "1");
  ASSERT_TRUE(admin_->Delete(resources::ConfigMaps(), "default", "doomed").ok());
  emu_->ExpireHistory();  // the reflector's version is now too old: 410 on resume
  emu_->ClearFaults();
  ASSERT_TRUE(WaitUntil([&] { return seen.Added("born") && seen.Deleted("doomed"); }))
      << "the relist did not bring the cache up to date";
  EXPECT_EQ(inf.reflector().lists(), 2);
  EXPECT_EQ(inf.Size(), 2u);
  EXPECT_TRUE(WaitUntil([&] { return emu_->ActiveWatches() == 1; }));
}

TEST_F(KubeWatchTest, BookmarksAdvanceTheResourceVersion) {
  Informer inf(admin_.get(), resources::ConfigMaps(), "default", Fast());
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10)));
  std::string before = inf.reflector().last_resource_version();
  // A write elsewhere moves the global version; only a bookmark can tell this informer.
  ASSERT_TRUE(admin_->Create(resources::Secrets(), "kube-system",
                             {{"metadata", {{"name", "s"}}}, {"type", "Opaque"}}).ok());
  auto list = admin_->ListPage(resources::Secrets(), "kube-system", {});
  std::string now = (*list)["metadata"]["resourceVersion"];
  ASSERT_NE(before, now);
  EXPECT_TRUE(WaitUntil([&] { return inf.reflector().last_resource_version() == now; }))
      << "no bookmark brought the version to " << now;
}

TEST_F(KubeWatchTest, ServerSideWatchTimeoutResumesWithoutRelist) {
  ReflectorOptions o = Fast();
  o.min_watch_timeout = o.max_watch_timeout = std::chrono::seconds(1);
  Informer inf(admin_.get(), resources::ConfigMaps(), "default", o);
  Seen seen;
  seen.Attach(&inf);
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10)));
  ASSERT_TRUE(WaitUntil([&] { return inf.reflector().watches() >= 3; }))
      << "watches did not end and restart";
  Put("late", "1");
  ASSERT_TRUE(WaitUntil([&] { return seen.Added("late"); }));
  EXPECT_EQ(inf.reflector().lists(), 1);
}

TEST_F(KubeWatchTest, LabelSelectorTransitionsAreAddsAndDeletes) {
  ReflectorOptions o = Fast();
  o.label_selector = "team=audit";
  Informer inf(admin_.get(), resources::ConfigMaps(), "", o);  // all namespaces
  Seen seen;
  seen.Attach(&inf);
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10)));
  auto cm = resources::ConfigMaps();
  ASSERT_TRUE(admin_->Create(cm, "kube-system", ConfigMap("kube-system", "other")).ok());
  auto mine = admin_->Create(cm, "default", ConfigMap("default", "mine", {{"v", "1"}},
                                                      {{"team", "audit"}}));
  ASSERT_TRUE(mine.ok());
  ASSERT_TRUE(WaitUntil([&] { return seen.Added("mine"); }));
  Json moved = *mine;
  moved["metadata"]["labels"]["team"] = "web";
  ASSERT_TRUE(admin_->Update(cm, moved).ok());
  ASSERT_TRUE(WaitUntil([&] { return seen.Deleted("mine"); }))
      << "leaving the selector must look like a delete";
  EXPECT_FALSE(seen.Added("other"));
  EXPECT_EQ(inf.Size(), 0u);
}

TEST_F(KubeWatchTest, EmulatorRestartKeepsObjectsAndWatchesResume) {
  Informer inf(admin_.get(), resources::ConfigMaps(), "default", Fast());
  Seen seen;
  seen.Attach(&inf);
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10)));
  Put("before-restart", "1");
  ASSERT_TRUE(WaitUntil([&] { return seen.Added("before-restart"); }));
  ASSERT_TRUE(emu_->Restart().ok());
  Put("after-restart", "1");
  ASSERT_TRUE(WaitUntil([&] { return seen.Added("after-restart"); }));
  EXPECT_TRUE(admin_->Get(resources::ConfigMaps(), "default", "before-restart").ok());
  EXPECT_EQ(inf.reflector().lists(), 1);
}

}  // namespace
}  // namespace kaudit::kube::testing
