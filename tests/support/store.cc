#include "support/store.h"

namespace kaudit::emulator {

std::string KeyOf(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

const Json* Store::GetLocked(const std::string& gr, const std::string& key) const {
  auto g = objects_.find(gr);
  if (g == objects_.end()) return nullptr;
  auto o = g->second.find(key);
  return o == g->second.end() ? nullptr : &o->second;
}

std::vector<const Json*> Store::ListLocked(const std::string& gr, const std::string& ns) const {
  std::vector<const Json*> out;
  auto g = objects_.find(gr);
  if (g == objects_.end()) return out;
  if (ns.empty()) {
    for (const auto& [k, v] : g->second) out.push_back(&v);
    return out;
  }
  std::string prefix = ns + "/";
  for (auto it = g->second.lower_bound(prefix);
       it != g->second.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(&it->second);
  }
  return out;
}

Json Store::PutLocked(const std::string& gr, const std::string& key, Json obj) {
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  auto& slot = objects_[gr][key];
  Event e;
  e.type = slot.is_null() ? "ADDED" : "MODIFIED";
  e.old_object = std::move(slot);
  slot = obj;
  e.rv = rv_;
  e.gr = gr;
  e.ns = obj["metadata"].value("namespace", "");
  e.object = obj;
  Record(std::move(e));
  return obj;
}

Json Store::RemoveLocked(const std::string& gr, const std::string& key) {
  auto g = objects_.find(gr);
  if (g == objects_.end()) return Json();
  auto o = g->second.find(key);
  if (o == g->second.end()) return Json();
  Json obj = std::move(o->second);
  g->second.erase(o);
  Event e;
  e.old_object = obj;
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  e.type = "DELETED";
  e.rv = rv_;
  e.gr = gr;
  e.ns = obj["metadata"].value("namespace", "");
  e.object = obj;
  Record(std::move(e));
  return obj;
}

void Store::RemoveAllLocked(const std::string& gr) {
  auto g = objects_.find(gr);
  if (g == objects_.end()) return;
  std::vector<std::string> keys;
  for (const auto& [k, v] : g->second) keys.push_back(k);
  for (const auto& k : keys) RemoveLocked(gr, k);
}

void Store::Record(Event e) {
  history_.push_back(std::move(e));
  while (history_.size() > max_history_) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  cv_.notify_all();
}

void Store::ExpireHistoryLocked() {
  history_.clear();
  compacted_rv_ = ++rv_;  // past every position a watcher holds, so each resume gets 410
  ++epoch_;  // running watches end (their position is now too old to resume from)
  cv_.notify_all();
}

void Store::DropWatchesLocked() {
  ++epoch_;
  cv_.notify_all();
}

void Store::SetStoppingLocked(bool stopping) {
  stopping_ = stopping;
  ++epoch_;
  cv_.notify_all();
}

}  // namespace kaudit::emulator
