#include "kube/informer.h"

namespace kaudit::kube {
namespace {

std::string Rv(const Json& obj) {
  return obj.contains("metadata") ? obj["metadata"].value("resourceVersion", "") : "";
}

}  // namespace

Informer::Informer(Client* client, ResourceType type, std::string ns, ReflectorOptions opts)
    : reflector_(client, std::move(type), std::move(ns), std::move(opts), this) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(EventHandlers h) { handlers_.push_back(std::move(h)); }

void Informer::Start() {
  thread_ = std::thread([this] { reflector_.Run(&stop_); });
}

void Informer::Stop() {
  stop_.Cancel();
  if (thread_.joinable()) thread_.join();
}

bool Informer::HasSynced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return synced_;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return synced_cv_.wait_for(lock, timeout, [this] { return synced_; });
}

std::shared_ptr<const Json> Informer::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const Json>> Informer::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<const Json>> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(v);
  return out;
}

std::size_t Informer::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.size();
}

void Informer::Replace(std::vector<Json> items, const std::string&) {
  std::map<std::string, std::shared_ptr<const Json>> next;
  for (auto& item : items) {
    std::string key = ObjectKey(item);
    next[key] = std::make_shared<const Json>(std::move(item));
  }
  std::vector<std::shared_ptr<const Json>> added, deleted;
  std::vector<std::pair<std::shared_ptr<const Json>, std::shared_ptr<const Json>>> updated;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [k, v] : next) {
      auto it = cache_.find(k);
      if (it == cache_.end()) added.push_back(v);
      else if (Rv(*it->second) != Rv(*v)) updated.emplace_back(it->second, v);
    }
    for (const auto& [k, v] : cache_) {
      if (!next.count(k)) deleted.push_back(v);
    }
    cache_ = std::move(next);
  }
  for (const auto& h : handlers_) {
    for (const auto& o : added) if (h.on_add) h.on_add(*o);
    for (const auto& [o, n] : updated) if (h.on_update) h.on_update(*o, *n);
    for (const auto& o : deleted) if (h.on_delete) h.on_delete(*o);
  }
  // Synced means the first list reached the handlers too (client-go's HasSynced).
  {
    std::lock_guard<std::mutex> lock(mu_);
    synced_ = true;
  }
  synced_cv_.notify_all();
}

void Informer::Upsert(const Json& obj) {
  auto fresh = std::make_shared<const Json>(obj);
  std::shared_ptr<const Json> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = cache_[ObjectKey(obj)];
    old = slot;
    slot = fresh;
  }
  for (const auto& h : handlers_) {
    if (old) {
      if (h.on_update) h.on_update(*old, *fresh);
    } else if (h.on_add) {
      h.on_add(*fresh);
    }
  }
}

void Informer::Added(const Json& obj) { Upsert(obj); }
void Informer::Modified(const Json& obj) { Upsert(obj); }

void Informer::Deleted(const Json& obj) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cache_.erase(ObjectKey(obj));
  }
  for (const auto& h : handlers_) {
    if (h.on_delete) h.on_delete(obj);
  }
}

}  // namespace kaudit::kube
