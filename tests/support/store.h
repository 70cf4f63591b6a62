// The emulator's object store: every object of every resource, one global resourceVersion
// counter (as etcd's revision), and a bounded history of changes that watches read from.
// A watch or continue token older than the retained history gets 410 Expired.
//
// Thread safety: callers hold Lock() around every *Locked call; cv() is signalled on every
// change (and on DropWatches/shutdown) for watchers waiting under that lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kaudit::emulator {

using Json = nlohmann::json;

struct Event {
  uint64_t rv = 0;
  std::string type;  // ADDED, MODIFIED, DELETED
  std::string gr;    // "group/resource" ("/configmaps" for the core group)
  std::string ns;
  Json object;
  Json old_object;  // the previous state for MODIFIED/DELETED (selector transitions)
};

class Store {
 public:
  explicit Store(std::size_t max_history) : max_history_(max_history) {}

  std::unique_lock<std::mutex> Lock() { return std::unique_lock<std::mutex>(mu_); }
  std::condition_variable& cv() { return cv_; }

  uint64_t rv() const { return rv_; }
  uint64_t compacted_rv() const { return compacted_rv_; }
  uint64_t epoch() const { return epoch_; }
  bool stopping() const { return stopping_; }
  const std::deque<Event>& history() const { return history_; }

  const Json* GetLocked(const std::string& gr, const std::string& key) const;
  // Objects of gr in namespace ns ("" = all), ordered by key ("ns/name").
  std::vector<const Json*> ListLocked(const std::string& gr, const std::string& ns) const;
  // Stores obj under a new resourceVersion (written into obj) and records the change.
  Json PutLocked(const std::string& gr, const std::string& key, Json obj);
  // Removes the object, recording a DELETED event whose object carries a new resourceVersion.
  Json RemoveLocked(const std::string& gr, const std::string& key);
  // Removes every object of gr (a CRD went away).
  void RemoveAllLocked(const std::string& gr);

  // Fault injection: forget all history (every older watch/continue gets 410), end watches.
  void ExpireHistoryLocked();
  void DropWatchesLocked();
  void SetStoppingLocked(bool stopping);

 private:
  void Record(Event e);

  const std::size_t max_history_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t rv_ = 1000;
  uint64_t compacted_rv_ = 1000;
  uint64_t epoch_ = 0;
  bool stopping_ = false;
  std::map<std::string, std::map<std::string, Json>> objects_;
  std::deque<Event> history_;
};

// "ns/name" or "name".
std::string KeyOf(const std::string& ns, const std::string& name);

}  // namespace kaudit::emulator
