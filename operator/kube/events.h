// EventRecorder: events.k8s.io/v1 Events about objects, best effort.
//  - Record() never blocks and never fails the caller: events go to a bounded queue that one
//    background thread sends; when full, new events are dropped (and counted).
//  - Bursts deduplicate: an event equal to one sent within the dedup window (same object,
//    type, reason, action, note) increments that Event's series.count with a merge patch
//    instead of creating a new object (client-go's events broadcaster does the same).
//  - A failed write is retried a few times with backoff, then dropped (client-go: 12 tries).
//
// Thread safety: Record() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "kube/client.h"

namespace kaudit::kube {

struct EventRecorderOptions {
  std::string reporting_controller = "kaudit.io/controller";
  std::string reporting_instance;  // e.g. the pod name
  std::size_t queue_size = 1000;
  std::chrono::milliseconds dedup_window{std::chrono::minutes(6)};
  int max_tries = 12;
  std::chrono::milliseconds retry_backoff{500};
};

class EventRecorder {
 public:
  EventRecorder(Client* client, EventRecorderOptions opts);
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // regarding: the object (apiVersion, kind, metadata.name/namespace/uid/resourceVersion are
  // used). type: "Normal" or "Warning". note is cut to 1 kB as the API requires.
  void Record(const Json& regarding, const std::string& type, const std::string& reason,
              const std::string& action, const std::string& note);

  // Waits until everything queued so far was sent or dropped; false on timeout.
  bool Flush(std::chrono::milliseconds timeout);
  int dropped() const;

 private:
  struct Pending {
    Json regarding;
    std::string type, reason, action, note;
    std::chrono::system_clock::time_point when;
  };
  struct Sent {
    std::string ns, name;
    int64_t count = 1;
    std::chrono::steady_clock::time_point at;
  };
  void Loop();
  void Send(const Pending& p);

  Client* const client_;
  const EventRecorderOptions opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;         // guarded by mu_
  bool busy_ = false;                 // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  int dropped_ = 0;                   // guarded by mu_
  std::map<std::string, Sent> sent_;  // by dedup key; used only by the sender thread
  std::thread thread_;
};

}  // namespace kaudit::kube
