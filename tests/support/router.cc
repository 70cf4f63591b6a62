// Request routing: faults, authentication, the control API, discovery, then resources.
#include <sstream>

#include "support/emulator_impl.h"

namespace kaudit::emulator {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '/');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

std::string VerbOf(const HttpRequest& req, bool has_name) {
  const std::string& m = req.method;
  if (m == "GET" || m == "HEAD") {
    if (has_name) return "get";
    std::string w = req.Query("watch");
    return (w == "true" || w == "1") ? "watch" : "list";
  }
  if (m == "POST") return has_name ? "" : "create";
  if (m == "PUT") return has_name ? "update" : "";
  if (m == "PATCH") return has_name ? "patch" : "";
  if (m == "DELETE") return has_name ? "delete" : "deletecollection";
  return "";
}

}  // namespace

void Emulator::Impl::Handle(const HttpRequest& req, ResponseWriter& w) {
  const std::string& p = req.path;
  if (p == "/healthz" || p == "/readyz" || p == "/livez") {
    w.Send(200, "text/plain; charset=utf-8", "ok");
    return;
  }
  Call call;
  call.req = &req;
  bool authed = Authenticate(req, &call);
  bool control = p.rfind("/_emulator/", 0) == 0;
  if (!control && ApplyFaults(req, call.user, w)) return;
  if (!authed) {
    SendReply(w, ErrorReply(401, "Unauthorized", "Unauthorized"));
    Record(req, "", 401, false);
    return;
  }
  Reply reply;
  if (control) {
    reply = Control(req);
  } else if (!Discovery(req, &reply)) {
    auto seg = Split(p);
    std::string group, version;
    std::size_t i = 0;
    if (seg.size() >= 3 && seg[0] == "api") {
      version = seg[1];
      i = 2;
    } else if (seg.size() >= 4 && seg[0] == "apis") {
      group = seg[1];
      version = seg[2];
      i = 3;
    } else {
      SendReply(w, ErrorReply(404, "NotFound", "the server could not find the requested resource"));
      Record(req, call.user, 404, false);
      return;
    }
    std::vector<std::string> rest(seg.begin() + static_cast<long>(i), seg.end());
    std::string resource;
    if (rest.size() >= 3 && rest[0] == "namespaces") {
      call.ns = rest[1];
      rest.erase(rest.begin(), rest.begin() + 2);
    } else if (rest.size() == 2 && rest[0] == "namespaces") {
      call.name = rest[1];
      rest.resize(1);
    }
    resource = rest.empty() ? "" : rest[0];
    if (rest.size() >= 2) call.name = rest[1];
    if (rest.size() >= 3) call.sub = rest[2];
    if (rest.size() > 3 || !Lookup(group, version, resource, &call.info) ||
        (!call.sub.empty() && !(call.sub == "status" && call.info.has_status))) {
      reply = ErrorReply(404, "NotFound", "the server could not find the requested resource");
    } else {
      call.version = version;
      if (!call.info.namespaced) call.ns.clear();
      call.verb = VerbOf(req, !call.name.empty());
      if (call.verb.empty()) {
        reply = ErrorReply(405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource");
      } else if (!Allowed(call)) {
        std::string res = call.info.resource + (call.sub.empty() ? "" : "/" + call.sub);
        std::string msg = res + (call.name.empty() ? "" : " \"" + call.name + "\"") +
                          " is forbidden: User \"" + call.user + "\" cannot " + call.verb +
                          " resource \"" + res + "\" in API group \"" + call.info.group + "\"" +
                          (call.ns.empty() ? " at the cluster scope"
                                           : " in the namespace \"" + call.ns + "\"");
        reply = ErrorReply(403, "Forbidden", msg,
                           {{"name", call.name}, {"group", call.info.group},
                            {"kind", call.info.resource}});
      } else if (call.verb == "watch") {
        Record(req, call.user, 200, true);
        Watch(call, w);
        return;
      } else if (call.verb == "get") {
        reply = Get(call);
      } else if (call.verb == "list") {
        reply = List(call);
      } else if (call.verb == "create") {
        reply = Create(call);
      } else if (call.verb == "update") {
        reply = Update(call);
      } else if (call.verb == "patch") {
        reply = Patch(call);
      } else if (call.verb == "delete") {
        reply = Delete(call);
      } else {
        reply = DeleteCollection(call);
      }
    }
  }
  SendReply(w, reply);
  Record(req, call.user, reply.code, false);
}

Reply Emulator::Impl::Control(const HttpRequest& req) {
  std::string op = req.path.substr(sizeof("/_emulator/") - 1);
  auto num = [&](const char* name, int def) {
    std::string v = req.Query(name);
    try {
      return v.empty() ? def : std::stoi(v);
    } catch (const std::exception&) {
      return def;
    }
  };
  Reply ok{200, {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Success"}}, {}};
  if (req.method == "GET" && op == "requests") {
    std::lock_guard<std::mutex> lock(mu_);
    Json list = Json::array();
    for (const auto& r : requests_) {
      list.push_back({{"method", r.method}, {"target", r.target}, {"user", r.user},
                      {"code", r.code}, {"watch", r.watch}});
    }
    return Reply{200, list, {}};
  }
  if (req.method != "POST") return ErrorReply(405, "MethodNotAllowed", "control calls are POST");
  if (op == "drop-watches") {
    auto lock = store_.Lock();
    store_.DropWatchesLocked();
  } else if (op == "expire-history") {
    auto lock = store_.Lock();
    store_.ExpireHistoryLocked();
  } else if (op == "fault") {
    FaultRule f;
    f.count = num("count", 1);
    f.code = num("code", 0);
    f.drop = req.Query("drop") == "true";
    f.retry_after_seconds = num("retryAfter", -1);
    f.delay = std::chrono::milliseconds(num("delayMs", 0));
    f.method = req.Query("method");
    f.path_contains = req.Query("path");
    f.user = req.Query("user");
    std::lock_guard<std::mutex> lock(mu_);
    faults_.push_back(f);
  } else if (op == "clear-faults") {
    std::lock_guard<std::mutex> lock(mu_);
    faults_.clear();
    denies_.clear();
  } else if (op == "token") {
    std::lock_guard<std::mutex> lock(mu_);
    if (req.Query("remove") == "true") {
      tokens_.erase(req.Query("token"));
    } else {
      tokens_[req.Query("token")] = User{req.Query("user"), {"system:authenticated"}};
    }
  } else if (op == "deny") {
    std::lock_guard<std::mutex> lock(mu_);
    denies_.push_back({req.Query("user"), req.Query("verb"), req.Query("resource")});
  } else if (op == "restart") {
    // Restarting joins every connection thread, this one included: do it from elsewhere.
    std::thread([this] {
      Stop();
      (void)Start();
    }).detach();
  } else {
    return ErrorReply(404, "NotFound", "no control operation \"" + op + "\"");
  }
  return ok;
}

}  // namespace kaudit::emulator
