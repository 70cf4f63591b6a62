// WorkQueue: client-go's rate-limited work queue semantics for controllers.
//  - A key is never handed to two workers at once: a key added while being processed is
//    queued again only after Done().
//  - Duplicates collapse: a key waiting in the queue is there once.
//  - AddRateLimited waits max(per-key exponential backoff base*2^n up to max_delay,
//    an overall token bucket of qps/burst); Forget resets the per-key count.
//  - AddAfter(d): the key becomes ready after d (the earliest of several pending times wins).
//
// Thread safety: safe for concurrent use. Get() blocks until a key is ready or ShutDown().
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "kube/rate_limiter.h"

namespace kaudit::kube {

struct WorkQueueOptions {
  std::chrono::milliseconds base_delay{5};        // client-go: 5 ms
  std::chrono::milliseconds max_delay{1000000};   // client-go: 1000 s
  double qps = 10;                                // overall bucket, client-go: 10 qps
  int burst = 100;                                // and burst 100
};

class WorkQueue {
 public:
  explicit WorkQueue(WorkQueueOptions opts = {});

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;
  // The delay AddRateLimited would use now (advances the per-key count and the bucket).
  std::chrono::milliseconds When(const std::string& key);

  // The next key, marked as processing; nullopt once shut down and nothing is ready.
  std::optional<std::string> Get();
  void Done(const std::string& key);

  void ShutDown();
  bool shutting_down() const;
  std::size_t Len() const;  // keys ready to be handed out

 private:
  void AddLocked(const std::string& key);
  void PromoteReadyLocked(std::chrono::steady_clock::time_point now);

  const WorkQueueOptions opts_;
  TokenBucket bucket_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;                                      // guarded by mu_
  std::set<std::string> dirty_;                                        // guarded by mu_
  std::set<std::string> processing_;                                   // guarded by mu_
  std::map<std::string, std::chrono::steady_clock::time_point> waiting_;  // guarded by mu_
  std::map<std::string, int> failures_;                                // guarded by mu_
  bool shutting_down_ = false;                                         // guarded by mu_
};

}  // namespace kaudit::kube
