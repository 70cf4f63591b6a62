#include "kube/events.h"

#include <spdlog/spdlog.h>

#include "common/time.h"
#include "kube/errors.h"
#include "kube/util.h"

namespace kaudit::kube {
namespace {

std::string Md(const Json& obj, const char* field) {
  return obj.contains("metadata") ? obj["metadata"].value(field, "") : "";
}

}  // namespace

EventRecorder::EventRecorder(Client* client, EventRecorderOptions opts)
    : client_(client), opts_(std::move(opts)), thread_([this] { Loop(); }) {}

EventRecorder::~EventRecorder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventRecorder::Record(const Json& regarding, const std::string& type,
                           const std::string& reason, const std::string& action,
                           const std::string& note) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || queue_.size() >= opts_.queue_size) {
    ++dropped_;
    return;
  }
  queue_.push_back(Pending{regarding, type, reason, action, note.substr(0, 1024),
                           std::chrono::system_clock::now()});
  cv_.notify_all();
}

bool EventRecorder::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

int EventRecorder::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void EventRecorder::Loop() {
  for (;;) {
    Pending p;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, all sent
      p = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    Send(p);
    {
      std::lock_guard<std::mutex> lock(mu_);
      busy_ = false;
    }
    cv_.notify_all();
  }
}

void EventRecorder::Send(const Pending& p) {
  const Json& r = p.regarding;
  std::string ns = Md(r, "namespace").empty() ? "default" : Md(r, "namespace");
  std::string key = Md(r, "uid") + "|" + r.value("kind", "") + "|" + ns + "|" + Md(r, "name") +
                    "|" + p.type + "|" + p.reason + "|" + p.action + "|" + p.note;
  auto now = std::chrono::steady_clock::now();
  std::string when = FormatRfc3339Micro(p.when);
  if (sent_.size() > 4096) {  // forget series older than the window, so memory stays bounded
    for (auto s = sent_.begin(); s != sent_.end();) {
      s = now - s->second.at >= opts_.dedup_window ? sent_.erase(s) : std::next(s);
    }
  }
  auto it = sent_.find(key);
  bool series = it != sent_.end() && now - it->second.at < opts_.dedup_window;
  for (int attempt = 0; attempt < opts_.max_tries; ++attempt) {
    Status st;
    if (series) {
      Json patch = {{"series", {{"count", it->second.count + 1}, {"lastObservedTime", when}}}};
      auto res = client_->Patch(resources::Events(), it->second.ns, it->second.name,
                                PatchType::kMerge, patch);
      st = res.ok() ? Status::Ok() : res.status();
      if (st.ok()) {
        it->second.count++;
        it->second.at = now;
        return;
      }
      if (IsNotFound(st)) series = false;  // the event was deleted (TTL): start a new one
    } else {
      auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
          p.when.time_since_epoch()).count();
      std::string name = Md(r, "name") + "." + [&] {
        char buf[32];
        snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(nanos));
        return std::string(buf);
      }();
      Json regarding = {{"apiVersion", r.value("apiVersion", "")}, {"kind", r.value("kind", "")},
                        {"name", Md(r, "name")}, {"uid", Md(r, "uid")},
                        {"resourceVersion", Md(r, "resourceVersion")}};
      if (!Md(r, "namespace").empty()) regarding["namespace"] = Md(r, "namespace");
      Json ev = {{"apiVersion", "events.k8s.io/v1"}, {"kind", "Event"},
                 {"metadata", {{"name", name}, {"namespace", ns}}},
                 {"eventTime", when}, {"reportingController", opts_.reporting_controller},
                 {"reportingInstance", opts_.reporting_instance}, {"action", p.action},
                 {"reason", p.reason}, {"regarding", regarding}, {"note", p.note},
                 {"type", p.type}};
      auto res = client_->Create(resources::Events(), ns, ev);
      st = res.ok() ? Status::Ok() : res.status();
      if (st.ok()) {
        sent_[key] = Sent{ns, name, 1, now};
        return;
      }
      if (IsAlreadyExists(st)) return;
    }
    if (RetryClassOf(st) == RetryClass::kNever) break;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, opts_.retry_backoff * (attempt + 1), [this] { return stopping_; })) {
        break;
      }
    }
  }
  spdlog::debug("events: dropped {} event for {}", p.reason, Md(r, "name"));
  std::lock_guard<std::mutex> lock(mu_);
  ++dropped_;
}

}  // namespace kaudit::kube
