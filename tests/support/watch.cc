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

}  // namespace

void Emulator::Impl::Watch(const Call& c, ResponseWriter& w) {
  const HttpRequest& req = *c.req;
  auto labels = LabelSelector::Parse(req.Query("labelSelector"));
  auto fields = FieldSelector::Parse(req.Query("fieldSelector"));
  if (!labels.ok() || !fields.ok()) {
    SendReply(w, ErrorReply(400, "BadRequest", labels.ok() ? fields.status().message()
                                                           : labels.status().message()));
    return;
  }
  ActiveWatch active(&active_watches_);
  bool bookmarks = req.Query("allowWatchBookmarks") == "true";
  bool table = WantsTable(req);
  long long timeout = opts_.max_watch_timeout.count();
  try {
    if (!req.Query("timeoutSeconds").empty()) {
      timeout = std::min(timeout, std::stoll(req.Query("timeoutSeconds")));
    }
  } catch (const std::exception&) {
  }
  auto now = std::chrono::steady_clock::now();
  auto deadline = now + std::chrono::seconds(timeout);
  auto next_bookmark = now + opts_.bookmark_interval;
  std::string gv = c.info.group.empty() ? c.version : c.info.group + "/" + c.version;
  bool first_table = true;
  auto line = [&](const std::string& type, Json obj) {
    obj["apiVersion"] = gv;
    obj["kind"] = c.info.kind;
    if (table && type != "ERROR" && type != "BOOKMARK") {
      obj = ToTable(c.info, {obj}, req, first_table);
      first_table = false;
    }
    return Json{{"type", type}, {"object", obj}}.dump() + "\n";
  };
  auto matches = [&](const Json& o) {
    return !o.is_null() && labels->Matches(o) && fields->Matches(o);
  };
  auto expired = [&](uint64_t from, uint64_t compacted) {
    Json st = ErrorReply(410, "Expired", "too old resource version: " + std::to_string(from) +
                                             " (" + std::to_string(compacted) + ")").body;
    w.WriteChunk(Json{{"type", "ERROR"}, {"object", st}}.dump() + "\n");
    w.EndStream();
  };
  auto lock = store_.Lock();
  uint64_t epoch = store_.epoch();
  std::string rv_param = req.Query("resourceVersion");
  uint64_t pos = 0;
  std::string out;
  if (rv_param.empty() || rv_param == "0") {
    pos = store_.rv();
    for (const Json* o : store_.ListLocked(c.info.GR(), c.ns)) {
      if (matches(*o)) out += line("ADDED", *o);
    }
  } else {
    try {
      pos = std::stoull(rv_param);
    } catch (const std::exception&) {
      lock.unlock();
      SendReply(w, ErrorReply(400, "BadRequest", "resourceVersion: invalid \"" + rv_param + "\""));
      return;
    }
  }
  lock.unlock();
  if (!w.BeginStream(200, "application/json")) return;
  lock.lock();
  for (;;) {
    if (store_.stopping() || store_.epoch() != epoch) {
      lock.unlock();
      w.Abort();  // a dropped connection, as a restarting apiserver or a broken proxy gives
      return;
    }
    if (pos < store_.compacted_rv()) {
      uint64_t compacted = store_.compacted_rv();
      lock.unlock();
      expired(pos, compacted);
      return;
    }
    const auto& h = store_.history();
    auto it = std::upper_bound(h.begin(), h.end(), pos,
                               [](uint64_t v, const Event& e) { return v < e.rv; });
    for (; it != h.end(); ++it) {
      if (it->gr != c.info.GR() || (!c.ns.empty() && it->ns != c.ns)) continue;
      bool now_in = matches(it->object), was_in = matches(it->old_object);
      if (it->type == "DELETED") {
        if (was_in) out += line("DELETED", it->object);
      } else if (now_in && was_in) {
        out += line("MODIFIED", it->object);
      } else if (now_in) {
        out += line("ADDED", it->object);
      } else if (was_in) {
        out += line("DELETED", it->object);
      }
    }
    pos = store_.rv();
    auto t = std::chrono::steady_clock::now();
    if (out.empty() && t < deadline && !(bookmarks && t >= next_bookmark)) {
      store_.cv().wait_until(lock, bookmarks ? std::min(deadline, next_bookmark) : deadline);
      continue;
    }
    lock.unlock();
    if (bookmarks && t >= next_bookmark) {
      out += Json{{"type", "BOOKMARK"},
                  {"object", {{"kind", c.info.kind}, {"apiVersion", gv},
                              {"metadata", {{"resourceVersion", std::to_string(pos)}}}}}}
                 .dump() + "\n";
      next_bookmark = t + opts_.bookmark_interval;
    }
    if (!out.empty() && !w.WriteChunk(out)) return;
    out.clear();
    if (t >= deadline) {
      w.EndStream();
      return;
    }
    lock.lock();
  }
}

}  // namespace kaudit::emulator
