// Request routing: faults, authentication, the control API, discovery, then resources.
#include <cctype>
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
    // As kube-apiserver: any watch value but "false" and "0" means watch.
    if (req.query.find("watch") == req.query.end()) return "list";
    std::string w = req.Query("watch");
    for (auto& ch : w) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return (w == "false" || w == "0") ? "list" : "watch";
  }
  if (m == "POST") return has_name ? "" : "create";
  if (m == "PUT") return has_name ? "update" : "";
  if (m == "PATCH") return has_name ? "patch" : "";
  if (m == "DELETE") return has_name ? "delete" : "deletecollection";
  return "";
}

}  // namespace

// Fills call from a resource path: /api/v1/... or /apis/<group>/<version>/..., with an
// optional namespaces/<ns>/ prefix, then resource[/name[/subresource]].
static bool ParseResourcePath(const std::string& path, Call* call, std::string* group,
                              std::string* version, std::string* resource) {
  auto seg = Split(path);
  std::size_t i = 0;
  if (seg.size() >= 3 && seg[0] == "api") {
    *version = seg[1];
    i = 2;
  } else if (seg.size() >= 4 && seg[0] == "apis") {
    *group = seg[1];
    *version = seg[2];
    i = 3;
  } else {
    return false;
  }
  std::vector<std::string> rest(seg.begin() + static_cast<long>(i), seg.end());
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    call->ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  } else if (rest.size() == 2 && rest[0] == "namespaces") {
    call->name = rest[1];  // the namespace object itself
    rest.resize(1);
  }
  if (rest.empty() || rest.size() > 3) return false;
  *resource = rest[0];
  if (rest.size() >= 2) call->name = rest[1];
  if (rest.size() >= 3) call->sub = rest[2];
  return true;
}

// A Deny() rule's answer, shaped as kube-apiserver's 403.
static Reply ForbiddenReply(const Call& c) {
  rbac::Attributes a;
  a.resource_request = true;
  a.path = c.req->path;
  a.verb = c.verb;
  a.api_group = c.info.group;
  a.api_version = c.version;
  a.ns = c.ns;
  a.resource = c.info.resource;
  a.subresource = c.sub;
  a.name = c.name;
  return Reply{403, rbac::ForbiddenStatus(a, rbac::UserInfo{c.user, c.groups}, ""), {}};
}

Reply Emulator::Impl::Dispatch(Call& call) {
  const HttpRequest& req = *call.req;
  std::string group, version, resource;
  if (!ParseResourcePath(req.path, &call, &group, &version, &resource) ||
      !Lookup(group, version, resource, &call.info) ||
      (!call.sub.empty() && !(call.sub == "status" && call.info.has_status))) {
    return ErrorReply(404, "NotFound", "the server could not find the requested resource");
  }
  call.version = version;
  if (!call.info.namespaced) call.ns.clear();
  call.verb = VerbOf(req, !call.name.empty());
  if (call.verb.empty()) {
    return ErrorReply(405, "MethodNotAllowed",
                      "the server does not allow this method on the requested resource");
  }
  if (!Allowed(call)) return ForbiddenReply(call);
  if (call.verb == "watch") return Reply{200, Json(), {}};  // streamed by the caller
  if (call.verb == "get") return Get(call);
  if (call.verb == "list") return List(call);
  if (call.verb == "create") return Create(call);
  if (call.verb == "update") return Update(call);
  if (call.verb == "patch") return Patch(call);
  if (call.verb == "delete") return Delete(call);
  return DeleteCollection(call);
}

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
    Record(req, "", 401, false);
    SendReply(w, ErrorReply(401, "Unauthorized", "Unauthorized"));
    return;
  }
  Reply reply;
  if (!Authorized(req, call, &reply)) {
    Record(req, call.user, reply.code, false);
    SendReply(w, reply);
    return;
  }
  if (control) {
    reply = Control(req);
  } else if (!Discovery(req, &reply)) {
    reply = Dispatch(call);
    if (call.verb == "watch" && reply.code == 200) {
      Record(req, call.user, 200, true);
      Watch(call, w);
      return;
    }
  }
  Record(req, call.user, reply.code, false);  // before the reply: a client that saw it finds it
  SendReply(w, reply);
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
      std::vector<std::string> groups = rbac::ServiceAccountGroups(req.Query("user"));
      for (const auto& [k, v] : req.query) {
        if (k == "group") groups.push_back(v);
      }
      groups.push_back("system:authenticated");
      tokens_[req.Query("token")] = User{req.Query("user"), groups};
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
