// get, list, create, update, delete (and the status subresource) for every resource.
#include <random>

#include "support/emulator_impl.h"
#include "support/selectors.h"

namespace kaudit::emulator {
namespace {

std::string ApiVersionOf(const Call& c) {
  return c.info.group.empty() ? c.version : c.info.group + "/" + c.version;
}

// What the client sees: the requested version; built-in list items carry no apiVersion/kind.
Json Present(const Call& c, Json obj) {
  obj["apiVersion"] = ApiVersionOf(c);
  obj["kind"] = c.info.kind;
  return obj;
}

Reply NotFound(const Call& c, const std::string& name) {
  return ErrorReply(404, "NotFound", c.info.resource + (c.info.group.empty() ? "" : "." + c.info.group) +
                                         " \"" + name + "\" not found",
                    {{"name", name}, {"group", c.info.group}, {"kind", c.info.resource}});
}

Reply ConflictModified(const Call& c, const std::string& name) {
  return ErrorReply(409, "Conflict",
                    "Operation cannot be fulfilled on " + c.info.resource +
                        (c.info.group.empty() ? "" : "." + c.info.group) + " \"" + name +
                        "\": the object has been modified; please apply your changes to the "
                        "latest version and try again",
                    {{"name", name}, {"group", c.info.group}, {"kind", c.info.resource}});
}

Reply Invalid(const Call& c, const std::string& name, const std::string& field,
              const std::string& message) {
  return ErrorReply(422, "Invalid",
                    c.info.kind + " \"" + name + "\" is invalid: " + field + ": " + message,
                    {{"name", name}, {"group", c.info.group}, {"kind", c.info.kind},
                     {"causes", {{{"reason", "FieldValueInvalid"}, {"message", message},
                                  {"field", field}}}}});
}

// Everything but metadata (and status when it is a subresource): what bumps generation.
Json SpecOf(const Json& obj, bool has_status) {
  Json s = obj;
  s.erase("metadata");
  s.erase("apiVersion");
  s.erase("kind");
  if (has_status) s.erase("status");
  return s;
}

std::string RandomSuffix() {
  thread_local std::mt19937 rng{std::random_device{}()};
  static constexpr char kChars[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string s;
  for (int i = 0; i < 5; ++i) s += kChars[rng() % (sizeof(kChars) - 1)];
  return s;
}

Reply BadBody(const HttpRequest& req) {
  if (req.Header("content-type").find("protobuf") != std::string::npos) {
    return ErrorReply(415, "UnsupportedMediaType",
                      "the emulator accepts JSON bodies only, not " + req.Header("content-type"));
  }
  return ErrorReply(400, "BadRequest", "the body is not a JSON object");
}

struct Continue {
  uint64_t rv = 0;
  std::string start;
};

std::string EncodeContinue(uint64_t rv, const std::string& after) {
  Json j = {{"rv", rv}, {"start", after + std::string(1, '\0')}};
  std::string raw = j.dump();
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char ch : raw) {
    hex += kHex[ch >> 4];
    hex += kHex[ch & 15];
  }
  return hex;
}

bool DecodeContinue(const std::string& token, Continue* out) {
  if (token.size() % 2) return false;
  std::string raw;
  for (std::size_t i = 0; i < token.size(); i += 2) {
    raw += static_cast<char>(std::stoi(token.substr(i, 2), nullptr, 16));
  }
  Json j = Json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.contains("rv") || !j.contains("start")) return false;
  out->rv = j["rv"].get<uint64_t>();
  out->start = j["start"].get<std::string>();
  return true;
}

// The snapshot a list reads (continue token or resourceVersion rules); an error reply when it
// cannot be served. Store lock held.
std::optional<Reply> ListVersion(const HttpRequest& req, const Store& store, uint64_t* rv,
                                 std::string* start) {
  std::string cont = req.Query("continue");
  if (!cont.empty()) {
    Continue tok;
    if (!DecodeContinue(cont, &tok)) return ErrorReply(400, "BadRequest", "invalid continue token");
    if (tok.rv < store.compacted_rv()) {
      return ErrorReply(410, "Expired",
                        "The provided continue parameter is too old to display a consistent list "
                        "result. You can start a new list without the continue parameter, or use "
                        "the continue token in this response to retrieve the remainder of the "
                        "results.");
    }
    *rv = tok.rv;
    *start = tok.start;
    return std::nullopt;
  }
  std::string want = req.Query("resourceVersion");
  if (want.empty() || want == "0") return std::nullopt;
  uint64_t w = 0;
  try {
    w = std::stoull(want);
  } catch (const std::exception&) {
    return ErrorReply(400, "BadRequest", "resourceVersion: invalid value \"" + want + "\"");
  }
  if (req.Query("resourceVersionMatch") == "Exact" && w != *rv) {
    return ErrorReply(410, "Expired", "too old resource version: " + want + " (" +
                                          std::to_string(store.compacted_rv()) + ")");
  }
  if (w > *rv) return ErrorReply(504, "Timeout", "Too large resource version: " + want);
  return std::nullopt;
}

// RBAC objects as kube-apiserver validates them: names are path segments (system:discovery is
// valid), a binding's roleRef names a Role or ClusterRole (a ClusterRoleBinding only a
// ClusterRole) and cannot change, subjects have a kind and a name.
std::optional<Reply> AdmitRbac(const Call& c, const Json& obj, const Json* old) {
  std::string name = obj["metadata"].value("name", "");
  if (name.empty()) return Invalid(c, name, "metadata.name", "Required value: name or generateName is required");
  if (name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('%') != std::string::npos) {
    return Invalid(c, name, "metadata.name",
                   "Invalid value: \"" + name + "\": may not be '.' or '..' or contain '/' or '%'");
  }
  if (c.info.resource != "rolebindings" && c.info.resource != "clusterrolebindings") return std::nullopt;
  const Json ref = obj.value("roleRef", Json::object());
  std::string kind = ref.value("kind", "");
  bool cluster = c.info.resource == "clusterrolebindings";
  if (kind != "ClusterRole" && (cluster || kind != "Role")) {
    return Invalid(c, name, "roleRef.kind",
                   "Unsupported value: \"" + kind + "\": supported values: " +
                       (cluster ? "\"ClusterRole\"" : "\"Role\", \"ClusterRole\""));
  }
  if (ref.value("name", "").empty()) return Invalid(c, name, "roleRef.name", "Required value");
  if (ref.value("apiGroup", "") != "rbac.authorization.k8s.io") {
    return Invalid(c, name, "roleRef.apiGroup",
                   "Unsupported value: \"" + ref.value("apiGroup", "") +
                       "\": supported values: \"rbac.authorization.k8s.io\"");
  }
  if (old && old->value("roleRef", Json::object()) != ref) {
    return Invalid(c, name, "roleRef", "Invalid value: cannot change roleRef");
  }
  for (const auto& s : obj.value("subjects", Json::array())) {
    if (s.value("name", "").empty()) return Invalid(c, name, "subjects[].name", "Required value");
    std::string k = s.value("kind", "");
    if (k != "User" && k != "Group" && k != "ServiceAccount") {
      return Invalid(c, name, "subjects[].kind",
                     "Unsupported value: \"" + k + "\": supported values: \"Group\", \"ServiceAccount\", \"User\"");
    }
  }
  return std::nullopt;
}

}  // namespace

Reply Emulator::Impl::Get(const Call& c) {
  auto lock = store_.Lock();
  const Json* obj = store_.GetLocked(c.info.GR(), KeyOf(c.ns, c.name));
  if (!obj) return NotFound(c, c.name);
  Json out = Present(c, *obj);
  if (WantsTable(*c.req)) return Reply{200, ToTable(c.info, {out}, *c.req, true), {}};
  return Reply{200, out, {}};
}

Reply Emulator::Impl::List(const Call& c) {
  const HttpRequest& req = *c.req;
  auto labels = LabelSelector::Parse(req.Query("labelSelector"));
  if (!labels.ok()) return ErrorReply(400, "BadRequest", labels.status().message());
  auto fields = FieldSelector::Parse(req.Query("fieldSelector"));
  if (!fields.ok()) return ErrorReply(400, "BadRequest", fields.status().message());
  long long limit = 0;
  try {
    if (!req.Query("limit").empty()) limit = std::stoll(req.Query("limit"));
  } catch (const std::exception&) {
    return ErrorReply(400, "BadRequest", "limit: not a number");
  }
  auto lock = store_.Lock();
  uint64_t rv = store_.rv();
  std::string start;
  if (auto bad = ListVersion(req, store_, &rv, &start)) return *bad;
  std::vector<Json> items;
  std::string last_key;
  long long remaining = 0;
  for (const Json* obj : store_.ListLocked(c.info.GR(), c.ns)) {
    std::string key = KeyOf((*obj)["metadata"].value("namespace", ""),
                            (*obj)["metadata"].value("name", ""));
    if (!start.empty() && key < start) continue;
    if (!labels->Matches(*obj) || !fields->Matches(*obj)) continue;
    if (limit > 0 && static_cast<long long>(items.size()) >= limit) {
      ++remaining;
      continue;
    }
    items.push_back(*obj);
    last_key = key;
  }
  lock.unlock();
  Json md = {{"resourceVersion", std::to_string(rv)}};
  if (remaining > 0) {
    md["continue"] = EncodeContinue(rv, last_key);
    md["remainingItemCount"] = remaining;
  }
  if (WantsTable(req)) {
    std::vector<Json> shown;
    for (auto& i : items) shown.push_back(Present(c, i));
    Json t = ToTable(c.info, shown, req, true);
    t["metadata"] = md;
    return Reply{200, t, {}};
  }
  Json arr = Json::array();
  for (auto& i : items) {
    if (c.info.crd) {
      arr.push_back(Present(c, std::move(i)));
    } else {
      i.erase("apiVersion");
      i.erase("kind");
      arr.push_back(std::move(i));
    }
  }
  return Reply{200, {{"kind", c.info.list_kind}, {"apiVersion", ApiVersionOf(c)},
                     {"metadata", md}, {"items", arr}}, {}};
}

std::optional<Reply> Emulator::Impl::Admit(const Call& c, Json* obj, const Json* old) {
  Json& md = (*obj)["metadata"];
  std::string name = md.value("name", "");
  std::string why;
  if (c.info.group == "rbac.authorization.k8s.io") {
    if (auto bad = AdmitRbac(c, *obj, old)) return bad;
  } else if (!ValidName(name, &why)) {
    return Invalid(c, name, "metadata.name", "Invalid value: \"" + name + "\": " + why);
  }
  if (c.info.resource == "configmaps" && obj->contains("data")) {
    if (!(*obj)["data"].is_object()) return Invalid(c, name, "data", "must be a map of strings");
    for (auto& [k, v] : (*obj)["data"].items()) {
      if (!v.is_string()) return Invalid(c, name, "data[" + k + "]", "must be a string");
    }
  }
  if (c.info.resource == "customresourcedefinitions") {
    if (auto bad = ValidateCrd(*obj)) return bad;
    CompleteCrd(obj);
  }
  if (c.info.namespaced && c.info.resource != "namespaces") {
    if (!store_.GetLocked("/namespaces", c.ns)) {
      return ErrorReply(404, "NotFound", "namespaces \"" + c.ns + "\" not found",
                        {{"name", c.ns}, {"kind", "namespaces"}});
    }
  }
  if (old) {
    md["uid"] = (*old)["metadata"]["uid"];
    md["creationTimestamp"] = (*old)["metadata"]["creationTimestamp"];
    for (const char* k : {"deletionTimestamp", "deletionGracePeriodSeconds"}) {
      if ((*old)["metadata"].contains(k)) md[k] = (*old)["metadata"][k];
    }
    if (!md.contains("managedFields") && (*old)["metadata"].contains("managedFields")) {
      md["managedFields"] = (*old)["metadata"]["managedFields"];
    }
    if (c.info.generation) {
      int64_t gen = (*old)["metadata"].value("generation", int64_t{1});
      md["generation"] = SpecOf(*obj, c.info.has_status) == SpecOf(*old, c.info.has_status)
                             ? gen : gen + 1;
    }
  } else {
    md["uid"] = RandomUid();
    md["creationTimestamp"] = NowRfc3339();
    if (c.info.generation) md["generation"] = 1;
    md.erase("deletionTimestamp");
  }
  if (c.info.namespaced) md["namespace"] = c.ns;
  return std::nullopt;
}

Reply Emulator::Impl::Commit(const Call& c, Json obj, const Json* old, int code) {
  std::string key = KeyOf(c.ns, obj["metadata"].value("name", ""));
  if (old) {
    Json a = obj, b = *old;
    a["metadata"].erase("resourceVersion");
    b["metadata"].erase("resourceVersion");
    a.erase("apiVersion");
    b.erase("apiVersion");
    if (a == b) return Reply{200, Present(c, *old), {}};  // no-op writes keep the version
  }
  bool finalize = old && obj["metadata"].contains("deletionTimestamp") &&
                  obj["metadata"].value("finalizers", Json::array()).empty();
  Json stored = store_.PutLocked(c.info.GR(), key, std::move(obj));
  if (c.info.resource == "customresourcedefinitions") SyncCrd(stored, false);
  if (finalize) return FinishDelete(c, key);
  return Reply{code, Present(c, stored), {}};
}

Reply Emulator::Impl::Create(const Call& c) {
  bool ok = false;
  Json obj = ParseBody(c.req->body, c.req->Header("content-type"), &ok);
  if (!ok || !obj.is_object()) return BadBody(*c.req);
  if (obj.value("kind", c.info.kind) != c.info.kind) {
    return ErrorReply(400, "BadRequest", "the kind \"" + obj.value("kind", "") +
                                             "\" does not match the resource " + c.info.resource);
  }
  if (obj.contains("apiVersion") && obj["apiVersion"] != ApiVersionOf(c)) {
    return ErrorReply(400, "BadRequest", "the API version in the data (" +
                                             obj.value("apiVersion", "") +
                                             ") does not match the expected API version (" +
                                             ApiVersionOf(c) + ")");
  }
  Json& md = obj["metadata"];
  if (!md.is_object()) md = Json::object();
  if (c.info.namespaced && md.contains("namespace") && md["namespace"] != c.ns &&
      md["namespace"] != "") {
    return ErrorReply(400, "BadRequest", "the namespace of the provided object does not match "
                                         "the namespace sent on the request");
  }
  if (md.value("name", "").empty() && !md.value("generateName", "").empty()) {
    md["name"] = md["generateName"].get<std::string>() + RandomSuffix();
  }
  if (md.value("name", "").empty()) {
    return Invalid(c, "", "metadata.name", "Required value: name or generateName is required");
  }
  md.erase("resourceVersion");
  if (c.info.has_status && c.info.resource != "namespaces") obj.erase("status");
  obj["apiVersion"] = ApiVersionOf(c);
  obj["kind"] = c.info.kind;
  auto lock = store_.Lock();
  std::string name = md["name"];
  if (store_.GetLocked(c.info.GR(), KeyOf(c.ns, name))) {
    return ErrorReply(409, "AlreadyExists",
                      c.info.resource + (c.info.group.empty() ? "" : "." + c.info.group) + " \"" +
                          name + "\" already exists",
                      {{"name", name}, {"group", c.info.group}, {"kind", c.info.resource}});
  }
  if (auto bad = Admit(c, &obj, nullptr)) return *bad;
  return Commit(c, std::move(obj), nullptr, 201);
}

Reply Emulator::Impl::Update(const Call& c) {
  bool ok = false;
  Json obj = ParseBody(c.req->body, c.req->Header("content-type"), &ok);
  if (!ok || !obj.is_object()) return BadBody(*c.req);
  if (!obj["metadata"].is_object()) obj["metadata"] = Json::object();
  if (obj["metadata"].value("name", "") != c.name) {
    return ErrorReply(400, "BadRequest", "the name of the object (" +
                                             obj["metadata"].value("name", "") +
                                             ") does not match the name on the URL (" + c.name + ")");
  }
  auto lock = store_.Lock();
  const Json* old = store_.GetLocked(c.info.GR(), KeyOf(c.ns, c.name));
  if (!old) return NotFound(c, c.name);
  std::string rv = obj["metadata"].value("resourceVersion", "");
  if (rv.empty() && c.info.crd) {
    return Invalid(c, c.name, "metadata.resourceVersion",
                   "Invalid value: 0x0: must be specified for an update");
  }
  if (!rv.empty() && rv != (*old)["metadata"].value("resourceVersion", "")) {
    return ConflictModified(c, c.name);
  }
  Json next;
  if (c.sub == "status") {
    next = *old;
    if (obj.contains("status")) next["status"] = obj["status"];
    else next.erase("status");
  } else {
    next = obj;
    if (c.info.has_status) {
      if (old->contains("status")) next["status"] = (*old)["status"];
      else next.erase("status");
    }
  }
  next["apiVersion"] = ApiVersionOf(c);
  next["kind"] = c.info.kind;
  Json old_copy = *old;
  if (auto bad = Admit(c, &next, &old_copy)) return *bad;
  return Commit(c, std::move(next), &old_copy, 200);
}

Reply Emulator::Impl::FinishDelete(const Call& c, const std::string& key) {
  if (c.info.resource == "namespaces") {
    std::string ns = key;
    std::vector<std::string> grs;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [gr, info] : registry_) {
        if (info.namespaced) grs.push_back(gr);
      }
    }
    for (const auto& gr : grs) {
      std::vector<std::string> keys;
      for (const Json* o : store_.ListLocked(gr, ns)) keys.push_back(KeyOf(ns, (*o)["metadata"]["name"]));
      for (const auto& k : keys) store_.RemoveLocked(gr, k);
    }
  }
  Json gone = store_.RemoveLocked(c.info.GR(), key);
  if (c.info.resource == "customresourcedefinitions") SyncCrd(gone, true);
  return Reply{200, Present(c, gone), {}};
}

Reply Emulator::Impl::Delete(const Call& c) {
  Json opts = Json::object();
  if (!c.req->body.empty()) {
    bool ok = false;
    opts = ParseBody(c.req->body, "application/json", &ok);
    if (!ok) return ErrorReply(400, "BadRequest", "the body is not DeleteOptions JSON");
  }
  auto lock = store_.Lock();
  std::string key = KeyOf(c.ns, c.name);
  const Json* old = store_.GetLocked(c.info.GR(), key);
  if (!old) return NotFound(c, c.name);
  const Json& pre = opts.contains("preconditions") ? opts["preconditions"] : Json::object();
  std::string uid = (*old)["metadata"].value("uid", "");
  std::string rv = (*old)["metadata"].value("resourceVersion", "");
  if (pre.contains("uid") && pre["uid"].is_string() && pre["uid"] != uid) {
    return ErrorReply(409, "Conflict", "Operation cannot be fulfilled on " + c.info.resource +
                                           " \"" + c.name + "\": Precondition failed: UID in "
                                           "precondition: " + pre["uid"].get<std::string>() +
                                           ", UID in object meta: " + uid);
  }
  if (pre.contains("resourceVersion") && pre["resourceVersion"].is_string() &&
      pre["resourceVersion"] != rv) {
    return ErrorReply(409, "Conflict", "Operation cannot be fulfilled on " + c.info.resource +
                                           " \"" + c.name + "\": Precondition failed: "
                                           "ResourceVersion in precondition: " +
                                           pre["resourceVersion"].get<std::string>() +
                                           ", ResourceVersion in object meta: " + rv);
  }
  if (!(*old)["metadata"].value("finalizers", Json::array()).empty()) {
    if ((*old)["metadata"].contains("deletionTimestamp")) return Reply{200, Present(c, *old), {}};
    Json next = *old;
    next["metadata"]["deletionTimestamp"] = NowRfc3339();
    next["metadata"]["deletionGracePeriodSeconds"] = 0;
    Json stored = store_.PutLocked(c.info.GR(), key, std::move(next));
    return Reply{200, Present(c, stored), {}};
  }
  return FinishDelete(c, key);
}

Reply Emulator::Impl::DeleteCollection(const Call& c) {
  auto labels = LabelSelector::Parse(c.req->Query("labelSelector"));
  if (!labels.ok()) return ErrorReply(400, "BadRequest", labels.status().message());
  auto fields = FieldSelector::Parse(c.req->Query("fieldSelector"));
  if (!fields.ok()) return ErrorReply(400, "BadRequest", fields.status().message());
  auto lock = store_.Lock();
  std::vector<std::string> names;
  for (const Json* o : store_.ListLocked(c.info.GR(), c.ns)) {
    if (labels->Matches(*o) && fields->Matches(*o)) names.push_back((*o)["metadata"]["name"]);
  }
  Json items = Json::array();
  for (const auto& n : names) {
    Call one = c;
    one.name = n;
    items.push_back(FinishDelete(one, KeyOf(c.ns, n)).body);
  }
  return Reply{200, {{"kind", c.info.list_kind}, {"apiVersion", ApiVersionOf(c)},
                     {"metadata", {{"resourceVersion", std::to_string(store_.rv())}}},
                     {"items", items}}, {}};
}

}  // namespace kaudit::emulator
