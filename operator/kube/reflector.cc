#include "kube/reflector.h"

#include <spdlog/spdlog.h>

#include "kube/errors.h"
#include "kube/util.h"

namespace kaudit::kube {

Reflector::Reflector(Client* client, ResourceType type, std::string ns, ReflectorOptions opts,
                     ReflectorSink* sink)
    : client_(client), type_(std::move(type)), ns_(std::move(ns)), opts_(std::move(opts)),
      sink_(sink) {}

std::string Reflector::last_resource_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

void Reflector::SetRv(const std::string& rv) {
  if (rv.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  rv_ = rv;
}

bool Reflector::ListOnce(bool expired_before, Canceller* stop) {
  ListOptions o;
  o.label_selector = opts_.label_selector;
  o.field_selector = opts_.field_selector;
  o.limit = opts_.page_size;
  // client-go's relistResourceVersion: "0" at first (any cached state will do), the last seen
  // version later, and "" (a fresh quorum read) when that version has expired.
  std::string last = last_resource_version();
  o.resource_version = expired_before ? "" : (last.empty() ? "0" : last);
  auto list = client_->List(type_, ns_, o);
  if (!list.ok()) {
    if (!stop->cancelled()) {
      spdlog::warn("reflector {}: list failed: {}", type_.resource, list.status().ToString());
    }
    return false;
  }
  std::vector<Json> items;
  for (auto& item : (*list)["items"]) {
    item["apiVersion"] = type_.ApiVersion();
    item["kind"] = type_.kind;
    items.push_back(std::move(item));
  }
  std::string rv = (*list)["metadata"].value("resourceVersion", "");
  sink_->Replace(std::move(items), rv);
  SetRv(rv);
  ++lists_;
  return true;
}

Status Reflector::WatchOnce(Canceller* stop) {
  WatchOptions w;
  w.label_selector = opts_.label_selector;
  w.field_selector = opts_.field_selector;
  w.resource_version = last_resource_version();
  w.allow_bookmarks = true;
  w.timeout = RandomSeconds(opts_.min_watch_timeout, opts_.max_watch_timeout);
  ++watches_;
  Status event_error;
  Status st = client_->Watch(
      type_, ns_, w,
      [&](const WatchEvent& ev) {
        const Json& obj = ev.object;
        if (ev.type == "ERROR") {
          int code = obj.value("code", 0);
          event_error = ToStatus(ParseApiError(code, obj.dump(), ""));
          return false;
        }
        std::string rv = obj.is_object() && obj.contains("metadata")
                             ? obj["metadata"].value("resourceVersion", "") : "";
        if (ev.type == "ADDED") sink_->Added(obj);
        else if (ev.type == "MODIFIED") sink_->Modified(obj);
        else if (ev.type == "DELETED") sink_->Deleted(obj);
        else if (ev.type != "BOOKMARK") return true;  // unknown types are ignored
        SetRv(rv);
        return true;
      },
      stop);
  return st.ok() ? event_error : st;
}

void Reflector::Run(Canceller* stop) {
  bool need_list = true;
  bool expired = false;
  auto backoff = opts_.initial_backoff;
  auto last_failure = std::chrono::steady_clock::now();
  auto fail = [&](const std::string& what, const Status& st) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_failure > opts_.backoff_reset) backoff = opts_.initial_backoff;
    last_failure = now;
    spdlog::debug("reflector {}: {}: {}; retrying in ~{} ms", type_.resource, what, st.ToString(),
                  backoff.count());
    stop->WaitFor(Jitter(backoff, 1.0) / 2 + backoff / 2);
    backoff = std::min(backoff * 2, opts_.max_backoff);
  };
  while (!stop->cancelled()) {
    if (need_list) {
      if (!ListOnce(expired, stop)) {
        fail("list", Status::Unavailable("list failed"));
        continue;
      }
      need_list = false;
      expired = false;
    }
    Status st = WatchOnce(stop);
    if (stop->cancelled()) break;
    if (IsExpired(st)) {
      spdlog::info("reflector {}: resourceVersion {} expired; listing again", type_.resource,
                   last_resource_version());
      need_list = true;
      expired = true;
      continue;
    }
    if (!st.ok()) fail("watch", st);  // resume the watch from the last version seen
  }
}

}  // namespace kaudit::kube
