// Informer: a Reflector feeding a thread-safe cache of objects (by "ns/name" key) and event
// handlers, as client-go's SharedInformer without the sharing.
//
// Handlers run on the informer's own thread, one event at a time, outside the cache lock, and
// see the cache already updated. After a relist, objects that changed get OnUpdate, new ones
// OnAdd and vanished ones OnDelete; objects whose resourceVersion did not change get nothing.
//
// Thread safety: Get/List/Size/HasSynced from any thread; AddHandlers before Start; Start and
// Stop from one controlling thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "kube/reflector.h"

namespace kaudit::kube {

struct EventHandlers {
  std::function<void(const Json& obj)> on_add;
  std::function<void(const Json& old_obj, const Json& new_obj)> on_update;
  std::function<void(const Json& obj)> on_delete;
};

class Informer : private ReflectorSink {
 public:
  Informer(Client* client, ResourceType type, std::string ns, ReflectorOptions opts = {});
  ~Informer() override;
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void AddHandlers(EventHandlers h);
  void Start();
  void Stop();

  bool HasSynced() const;
  // Bounded wait for the first complete list; false on timeout.
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  std::shared_ptr<const Json> Get(const std::string& key) const;
  std::vector<std::shared_ptr<const Json>> List() const;
  std::size_t Size() const;
  const Reflector& reflector() const { return reflector_; }

 private:
  void Replace(std::vector<Json> items, const std::string& resource_version) override;
  void Added(const Json& obj) override;
  void Modified(const Json& obj) override;
  void Deleted(const Json& obj) override;
  void Upsert(const Json& obj);

  Reflector reflector_;
  std::vector<EventHandlers> handlers_;
  Canceller stop_;
  std::thread thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable synced_cv_;
  bool synced_ = false;                                          // guarded by mu_
  std::map<std::string, std::shared_ptr<const Json>> cache_;  // guarded by mu_
};

}  // namespace kaudit::kube
