// Reflector: keeps a local view of one resource type in step with the server, the way
// client-go's Reflector does: LIST (paginated), then WATCH from the list's resourceVersion
// with bookmarks and a random timeout; after a dropped or ended watch it resumes from the last
// resourceVersion seen (events and bookmarks both advance it); after 410 Gone / an Expired
// ERROR event it lists again; failures back off exponentially with jitter.
//
// Thread safety: Run() blocks one thread until stop is cancelled; the sink is called only from
// that thread. The counters may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "kube/cancel.h"
#include "kube/client.h"

namespace kaudit::kube {

struct ReflectorOptions {
  std::string label_selector;
  std::string field_selector;
  // Each watch asks the server to end it after a random time in [min, max] (client-go: 5-10
  // minutes), so connections are refreshed and load spreads.
  std::chrono::seconds min_watch_timeout{300};
  std::chrono::seconds max_watch_timeout{600};
  // Backoff after failures: initial doubling to max, jittered; reset after a healthy period.
  std::chrono::milliseconds initial_backoff{800};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds backoff_reset{120000};
  int64_t page_size = 500;
};

class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // The complete state after a LIST.
  virtual void Replace(std::vector<Json> items, const std::string& resource_version) = 0;
  virtual void Added(const Json& obj) = 0;
  virtual void Modified(const Json& obj) = 0;
  virtual void Deleted(const Json& obj) = 0;
};

class Reflector {
 public:
  Reflector(Client* client, ResourceType type, std::string ns, ReflectorOptions opts,
            ReflectorSink* sink);

  void Run(Canceller* stop);

  std::string last_resource_version() const;
  int lists() const { return lists_; }      // LISTs that succeeded
  int watches() const { return watches_; }  // WATCH requests started

 private:
  // Lists into the sink; false when it failed (after logging the reason).
  bool ListOnce(bool expired_before, Canceller* stop);
  // Watches until the stream ends. Returns the reason: OK (ended normally), an Expired status,
  // or another failure.
  Status WatchOnce(Canceller* stop);
  void SetRv(const std::string& rv);

  Client* const client_;
  const ResourceType type_;
  const std::string ns_;
  const ReflectorOptions opts_;
  ReflectorSink* const sink_;
  mutable std::mutex mu_;
  std::string rv_;  // guarded by mu_
  std::atomic<int> lists_{0};
  std::atomic<int> watches_{0};
};

}  // namespace kaudit::kube
