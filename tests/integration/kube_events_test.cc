// The events.k8s.io/v1 recorder against the emulator.
#include "kube/events.h"
#include "kube_fixture.h"

namespace kaudit::kube::testing {
namespace {

class KubeEventsTest : public KubeFixture {};

TEST_F(KubeEventsTest, RecordsAndDeduplicatesBursts) {
  auto cm = admin_->Create(resources::ConfigMaps(), "default", ConfigMap("default", "subject"));
  ASSERT_TRUE(cm.ok());
  EventRecorderOptions o;
  o.reporting_controller = "kaudit.io/controller";
  o.reporting_instance = "pod-1";
  EventRecorder rec(admin_.get(), o);
  for (int i = 0; i < 5; ++i) rec.Record(*cm, "Normal", "RolloutStarted", "Rollout", "rev abc");
  rec.Record(*cm, "Warning", "RolledBack", "Rollout", "node n1 rolled back");
  ASSERT_TRUE(rec.Flush(std::chrono::seconds(10)));
  auto events = admin_->List(resources::Events(), "default", {});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ((*events)["items"].size(), 2u);
  for (const auto& ev : (*events)["items"]) {
    EXPECT_EQ(ev["regarding"]["name"], "subject");
    EXPECT_EQ(ev["regarding"]["uid"], (*cm)["metadata"]["uid"]);
    EXPECT_EQ(ev["reportingController"], "kaudit.io/controller");
    EXPECT_EQ(ev["reportingInstance"], "pod-1");
    if (ev["reason"] == "RolloutStarted") {
      EXPECT_EQ(ev["series"]["count"], 5);
      EXPECT_EQ(ev["type"], "Normal");
    } else {
      EXPECT_EQ(ev["type"], "Warning");
      EXPECT_FALSE(ev.contains("series"));
    }
  }
  EXPECT_EQ(rec.dropped(), 0);
}

TEST_F(KubeEventsTest, FailuresNeverBlockTheCaller) {
  emu_->AddToken("ev-token", "ev");
  emu_->Deny("ev", "create", "events");
  auto client = ClientForToken("ev-token");
  EventRecorderOptions o;
  o.retry_backoff = std::chrono::milliseconds(1);
  EventRecorder rec(client.get(), o);
  Json subject = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}}}};
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) rec.Record(subject, "Normal", "R" + std::to_string(i), "A", "x");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  ASSERT_TRUE(rec.Flush(std::chrono::seconds(20)));
  EXPECT_EQ(rec.dropped(), 50);  // Forbidden is not retried; each event is dropped
}

}  // namespace
}  // namespace kaudit::kube::testing
