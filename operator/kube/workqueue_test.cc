#include "kube/workqueue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kaudit::kube {
namespace {

TEST(WorkQueueTest, DuplicatesCollapse) {
  WorkQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
}

TEST(WorkQueueTest, KeyInProcessingIsRequeuedOnlyAfterDone) {
  WorkQueue q;
  q.Add("a");
  ASSERT_EQ(q.Get(), "a");
  q.Add("a");  // while processing
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u);  // not handed to another worker
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.Get(), "a");
  q.Done("a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, NeverTwoWorkersOnOneKey) {
  WorkQueue q;
  std::atomic<int> in_flight{0}, max_in_flight{0}, processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto k = q.Get()) {
        int n = ++in_flight;
        int m = max_in_flight;
        while (n > m && !max_in_flight.compare_exchange_weak(m, n)) {
        }
        std::this_thread::yield();
        --in_flight;
        ++processed;
        q.Done(*k);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) q.Add("same");
  q.ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_EQ(max_in_flight, 1);
  EXPECT_GE(processed, 1);
}

TEST(WorkQueueTest, PerKeyExponentialBackoffAndForget) {
  WorkQueueOptions o;
  o.base_delay = std::chrono::milliseconds(5);
  o.max_delay = std::chrono::milliseconds(100);
  o.qps = 0;  // bucket off: per-key delays only
  WorkQueue q(o);
  EXPECT_EQ(q.When("k").count(), 5);
  EXPECT_EQ(q.When("k").count(), 10);
  EXPECT_EQ(q.When("k").count(), 20);
  EXPECT_EQ(q.When("other").count(), 5);  // per key
  EXPECT_EQ(q.NumRequeues("k"), 3);
  for (int i = 0; i < 10; ++i) (void)q.When("k");
  EXPECT_EQ(q.When("k").count(), 100);  // capped
  q.Forget("k");
  EXPECT_EQ(q.NumRequeues("k"), 0);
  EXPECT_EQ(q.When("k").count(), 5);
}

TEST(WorkQueueTest, OverallBucketLimitsBursts) {
  WorkQueueOptions o;
  o.base_delay = std::chrono::milliseconds(1);
  o.qps = 10;
  o.burst = 2;
  WorkQueue q(o);
  EXPECT_EQ(q.When("a").count(), 1);
  EXPECT_EQ(q.When("b").count(), 1);
  EXPECT_GE(q.When("c").count(), 90);  // third token is ~100 ms away at 10 qps
}

TEST(WorkQueueTest, AddAfterBecomesReadyLaterAndEarliestWins) {
  WorkQueue q;
  auto start = std::chrono::steady_clock::now();
  q.AddAfter("late", std::chrono::milliseconds(5000));
  q.AddAfter("late", std::chrono::milliseconds(30));  // earlier time wins
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.Get(), "late");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));
}

TEST(WorkQueueTest, ShutDownHandsOutWhatIsQueuedThenStops) {
  WorkQueue q;
  q.Add("x");
  q.ShutDown();
  EXPECT_EQ(q.Get(), "x");
  EXPECT_EQ(q.Get(), std::nullopt);
  q.Add("y");  // ignored after shutdown
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, ShutDownWakesABlockedGet) {
  WorkQueue q;
  std::thread blocked([&] { EXPECT_EQ(q.Get(), std::nullopt); });
  q.ShutDown();
  blocked.join();
}

}  // namespace
}  // namespace kaudit::kube
