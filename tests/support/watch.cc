// Watch: a chunked stream of {"type","object"} lines read from the store's history, with
// bookmarks, selector transitions, timeouts and 410 Expired as an ERROR event.
#include <algorithm>

#include "support/emulator_impl.h"
#include "support/selectors.h"

namespace kaudit::emulator {
namespace {

struct ActiveWatch {
  explicit ActiveWatch(std::atomic<int>* n) : n_(n) { ++*n_; }
  ~ActiveWatch() { --*n_; }
  std::atomic<int>* n_;
};

// One watch request, from its parameters to the end of its stream.
class WatchSession {
 public:
  WatchSession(Emulator::Impl* impl, const Call& c, ResponseWriter& w, LabelSelector labels,
               FieldSelector fields)
      : impl_(impl), c_(c), w_(w), labels_(std::move(labels)), fields_(std::move(fields)) {
    const HttpRequest& req = *c.req;
    bookmarks_ = req.Query("allowWatchBookmarks") == "true";
    table_ = impl->WantsTable(req);
    long long timeout = impl->opts_.max_watch_timeout.count();
    try {
      if (!req.Query("timeoutSeconds").empty()) {
        timeout = std::min(timeout, std::stoll(req.Query("timeoutSeconds")));
      }
    } catch (const std::exception&) {
    }
    auto now = std::chrono::steady_clock::now();
    deadline_ = now + std::chrono::seconds(timeout);
    next_bookmark_ = now + impl->opts_.bookmark_interval;
    gv_ = c.info.group.empty() ? c.version : c.info.group + "/" + c.version;
  }

  void Run();

 private:
  std::string Line(const std::string& type, Json obj) {
    obj["apiVersion"] = gv_;
    obj["kind"] = c_.info.kind;
    if (table_) {
      obj = impl_->ToTable(c_.info, {obj}, *c_.req, first_table_);
      first_table_ = false;
    }
    return Json{{"type", type}, {"object", obj}}.dump() + "\n";
  }
  bool Matches(const Json& o) const {
    return !o.is_null() && labels_.Matches(o) && fields_.Matches(o);
  }
  void SendExpired(uint64_t from, uint64_t compacted) {
    Json st = ErrorReply(410, "Expired", "too old resource version: " + std::to_string(from) +
                                             " (" + std::to_string(compacted) + ")").body;
    w_.WriteChunk(Json{{"type", "ERROR"}, {"object", st}}.dump() + "\n");
    w_.EndStream();
  }
  // Appends the events after pos_ that this watch should see (store lock held).
  void CollectLocked();
  std::string Bookmark() const {
    return Json{{"type", "BOOKMARK"},
                {"object", {{"kind", c_.info.kind}, {"apiVersion", gv_},
                            {"metadata", {{"resourceVersion", std::to_string(pos_)}}}}}}
               .dump() + "\n";
  }

  Emulator::Impl* impl_;
  const Call& c_;
  ResponseWriter& w_;
  LabelSelector labels_;
  FieldSelector fields_;
  bool bookmarks_ = false;
  bool table_ = false;
  bool first_table_ = true;
  std::string gv_;
  std::chrono::steady_clock::time_point deadline_, next_bookmark_;
  uint64_t pos_ = 0;
  std::string out_;
};

void WatchSession::CollectLocked() {
  const auto& h = impl_->store_.history();
  auto it = std::upper_bound(h.begin(), h.end(), pos_,
                             [](uint64_t v, const Event& e) { return v < e.rv; });
  for (; it != h.end(); ++it) {
    if (it->gr != c_.info.GR() || (!c_.ns.empty() && it->ns != c_.ns)) continue;
    bool now_in = Matches(it->object), was_in = Matches(it->old_object);
    if (it->type == "DELETED") {
      if (was_in) out_ += Line("DELETED", it->object);
    } else if (now_in) {
      out_ += Line(was_in ? "MODIFIED" : "ADDED", it->object);
    } else if (was_in) {
      out_ += Line("DELETED", it->object);  // left the selector
    }
  }
  pos_ = impl_->store_.rv();
}

void WatchSession::Run() {
  Store& store = impl_->store_;
  auto lock = store.Lock();
  uint64_t epoch = store.epoch();
  std::string rv_param = c_.req->Query("resourceVersion");
  if (rv_param.empty() || rv_param == "0") {
    pos_ = store.rv();  // start with the current state as ADDED events
    for (const Json* o : store.ListLocked(c_.info.GR(), c_.ns)) {
      if (Matches(*o)) out_ += Line("ADDED", *o);
    }
  } else {
    try {
      pos_ = std::stoull(rv_param);
    } catch (const std::exception&) {
      lock.unlock();
      SendReply(w_, ErrorReply(400, "BadRequest", "resourceVersion: invalid \"" + rv_param + "\""));
      return;
    }
  }
  lock.unlock();
  if (!w_.BeginStream(200, "application/json")) return;
  lock.lock();
  for (;;) {
    if (store.stopping() || store.epoch() != epoch) {
      lock.unlock();
      w_.Abort();  // a dropped connection, as a restarting apiserver or a broken proxy gives
      return;
    }
    if (pos_ < store.compacted_rv()) {
      uint64_t compacted = store.compacted_rv();
      lock.unlock();
      SendExpired(pos_, compacted);
      return;
    }
    CollectLocked();
    auto t = std::chrono::steady_clock::now();
    bool bookmark_due = bookmarks_ && t >= next_bookmark_;
    if (out_.empty() && t < deadline_ && !bookmark_due) {
      store.cv().wait_until(lock, bookmarks_ ? std::min(deadline_, next_bookmark_) : deadline_);
      continue;
    }
    lock.unlock();
    if (bookmark_due) {
      out_ += Bookmark();
      next_bookmark_ = t + impl_->opts_.bookmark_interval;
    }
    if (!out_.empty() && !w_.WriteChunk(out_)) return;
    out_.clear();
    if (t >= deadline_) {
      w_.EndStream();
      return;
    }
    lock.lock();
  }
}

}  // namespace

void Emulator::Impl::Watch(const Call& c, ResponseWriter& w) {
  auto labels = LabelSelector::Parse(c.req->Query("labelSelector"));
  auto fields = FieldSelector::Parse(c.req->Query("fieldSelector"));
  if (!labels.ok() || !fields.ok()) {
    SendReply(w, ErrorReply(400, "BadRequest", labels.ok() ? fields.status().message()
                                                           : labels.status().message()));
    return;
  }
  ActiveWatch active(&active_watches_);
  WatchSession(this, c, w, std::move(*labels), std::move(*fields)).Run();
}

}  // namespace kaudit::emulator
