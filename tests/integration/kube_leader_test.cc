// Leader election with two contenders against the emulator, with short leases.
#include <atomic>
#include <thread>

#include "kube/leader.h"
#include "kube_fixture.h"

namespace kaudit::kube::testing {
namespace {

struct Contender {
  std::unique_ptr<Client> client;
  std::unique_ptr<LeaderElector> elector;
  Canceller stop;
  std::atomic<bool> acting{false};  // true while on_started_leading runs
  std::atomic<bool> stopped_leading{false};
  Status result;
  std::thread thread;

  void Start(LeaderElectionConfig cfg) {
    cfg.on_started_leading = [this](Canceller* lost) {
      acting = true;
      lost->WaitFor(std::chrono::hours(1));  // "work" until leadership is lost
      acting = false;
    };
    cfg.on_stopped_leading = [this] { stopped_leading = true; };
    elector = std::make_unique<LeaderElector>(client.get(), cfg);
    thread = std::thread([this] { result = elector->Run(&stop); });
  }
  void Join() {
    stop.Cancel();
    if (thread.joinable()) thread.join();
  }
  ~Contender() { Join(); }
};

class KubeLeaderTest : public KubeFixture {
 protected:
  LeaderElectionConfig Config(const std::string& id, bool release) {
    LeaderElectionConfig c;
    c.lease_namespace = "kube-system";
    c.lease_name = "kaudit-controller";
    c.identity = id;
    c.lease_duration = std::chrono::milliseconds(2000);
    c.renew_deadline = std::chrono::milliseconds(1000);
    c.retry_period = std::chrono::milliseconds(200);
    c.release_on_cancel = release;
    return c;
  }
  std::unique_ptr<Contender> NewContender(const std::string& user) {
    emu_->AddToken(user + "-token", user);
    auto c = std::make_unique<Contender>();
    c->client = ClientForToken(user + "-token");
    return c;
  }
  std::string Holder() {
    auto lease = admin_->Get(resources::Leases(), "kube-system", "kaudit-controller");
    return lease.ok() ? (*lease)["spec"].value("holderIdentity", "") : "";
  }
};

TEST(LeaderConfigTest, ClientGoChecks) {
  LeaderElectionConfig c;
  c.lease_namespace = "ns";
  c.lease_name = "l";
  c.identity = "me";
  EXPECT_TRUE(ValidateLeaderElectionConfig(c).ok());  // 15s / 10s / 2s
  c.renew_deadline = std::chrono::seconds(15);
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
  c.renew_deadline = std::chrono::milliseconds(2400);  // not > 1.2 * 2s
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
  c.renew_deadline = std::chrono::seconds(10);
  c.identity.clear();
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
}

TEST_F(KubeLeaderTest, OneLeaderAndTakeoverWithinTheLeaseDuration) {
  auto a = NewContender("a");
  auto b = NewContender("b");
  a->Start(Config("a-1", /*release=*/false));
  ASSERT_TRUE(WaitUntil([&] { return a->acting.load(); })) << "a never became leader";
  b->Start(Config("b-1", false));
  // b keeps trying for a while; there is never more than one leader.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_FALSE(a->acting && b->acting) << "two leaders at once";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(a->acting);
  EXPECT_EQ(Holder(), "a-1");
  // a stops without releasing (a crash): b may take over only once the lease has expired by
  // its own observation, and must do so within the lease duration (plus a retry period).
  auto stopped = std::chrono::steady_clock::now();
  a->Join();
  EXPECT_TRUE(a->stopped_leading);
  ASSERT_TRUE(WaitUntil([&] { return b->acting.load(); }, std::chrono::seconds(6)))
      << "b never took over";
  auto took = std::chrono::steady_clock::now() - stopped;
  EXPECT_LE(took, std::chrono::milliseconds(2000 + 200 * 2 + 500));
  EXPECT_EQ(Holder(), "b-1");
  auto lease = admin_->Get(resources::Leases(), "kube-system", "kaudit-controller");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 2);
}

TEST_F(KubeLeaderTest, ReleaseOnCancelHandsOverAtOnce) {
  auto a = NewContender("a");
  auto b = NewContender("b");
  a->Start(Config("a-1", /*release=*/true));
  ASSERT_TRUE(WaitUntil([&] { return a->acting.load(); }));
  b->Start(Config("b-1", true));
  ASSERT_TRUE(WaitUntil([&] { return b->elector && !b->elector->leader().empty(); }));
  a->Join();
  EXPECT_TRUE(a->result.ok());
  // A released lease has no holder; b takes it on its next retry, well before expiry.
  ASSERT_TRUE(WaitUntil([&] { return b->acting.load(); }, std::chrono::milliseconds(1500)));
}

TEST_F(KubeLeaderTest, LeaderCutOffFromTheServerStopsActing) {
  auto a = NewContender("a");
  auto b = NewContender("b");
  a->Start(Config("a-1", false));
  ASSERT_TRUE(WaitUntil([&] { return a->acting.load(); }));
  b->Start(Config("b-1", false));
  emulator::FaultRule cut;  // every request from a is dropped: a network partition
  cut.user = "a";
  cut.drop = true;
  cut.count = -1;
  emu_->AddFault(cut);
  auto cut_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return !a->acting.load(); }, std::chrono::seconds(5)))
      << "a kept acting without renewing";
  // It must stop within the renew deadline of its last renewal (plus slack for scheduling).
  EXPECT_LE(std::chrono::steady_clock::now() - cut_at, std::chrono::milliseconds(1000 + 700));
  EXPECT_FALSE(a->elector->IsLeader());
  ASSERT_TRUE(WaitUntil([&] { return b->acting.load(); }, std::chrono::seconds(6)));
  a->Join();
  EXPECT_EQ(a->result.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(a->stopped_leading);
  EXPECT_EQ(Holder(), "b-1");
}

}  // namespace
}  // namespace kaudit::kube::testing
