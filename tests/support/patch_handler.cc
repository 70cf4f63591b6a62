// PATCH: JSON merge patch, JSON patch, strategic merge patch and server-side apply.
#include "support/emulator_impl.h"
#include "support/patch.h"

namespace kaudit::emulator {
namespace {

std::string MediaType(const std::string& ct) {
  std::string t = ct.substr(0, ct.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

std::string GroupVersionOf(const Call& c) {
  return c.info.group.empty() ? c.version : c.info.group + "/" + c.version;
}

// Keeps only what a write through c's endpoint may change.
Json Scope(const Call& c, const Json& patched, const Json& old) {
  Json next;
  if (c.sub == "status") {
    next = old;
    if (patched.contains("status")) next["status"] = patched["status"];
    else next.erase("status");
  } else {
    next = patched;
    if (c.info.has_status) {
      if (old.contains("status")) next["status"] = old["status"];
      else next.erase("status");
    }
  }
  return next;
}

}  // namespace

Reply Emulator::Impl::Patch(const Call& c) {
  std::string type = MediaType(c.req->Header("content-type"));
  bool ok = false;
  Json patch = ParseBody(c.req->body, type, &ok);
  if (!ok) return ErrorReply(400, "BadRequest", "the patch body is not valid " + type);
  if (type != "application/apply-patch+yaml" && type != "application/merge-patch+json" &&
      type != "application/json-patch+json" && type != "application/strategic-merge-patch+json") {
    return ErrorReply(415, "UnsupportedMediaType", "the body of the request was in an unknown "
                                                   "format - accepted media types include: "
                                                   "application/json-patch+json, "
                                                   "application/merge-patch+json, "
                                                   "application/apply-patch+yaml");
  }
  if (type == "application/strategic-merge-patch+json" && c.info.crd) {
    return ErrorReply(415, "UnsupportedMediaType",
                      "strategic merge patch is not supported for custom resources");
  }
  auto lock = store_.Lock();
  const Json* found = store_.GetLocked(c.info.GR(), KeyOf(c.ns, c.name));
  Json old = found ? *found : Json();
  if (type == "application/apply-patch+yaml") {
    if (!found && rbac_mode()) {
      // As kube-apiserver's patch handler: an apply that creates the object needs create on it
      // too, with its name; a denial carries only the authorizer's reason.
      rbac::Attributes a = rbac::CreateOnApply(
          rbac::RequestAttributes(c.req->method, c.req->path, c.req->query));
      rbac::Decision d = AuthorizeLocked(a, c);
      if (!d.allowed) {
        std::string qualified = c.info.group.empty() ? c.info.resource : c.info.resource + "." + c.info.group;
        Json details = {{"name", c.name}, {"kind", c.info.resource}};
        if (!c.info.group.empty()) details["group"] = c.info.group;
        return ErrorReply(403, "Forbidden", qualified + " \"" + c.name + "\" is forbidden: " + d.reason,
                          details);
      }
    }
    return ApplyLocked(c, patch, found ? &old : nullptr);
  }
  if (!found) {
    return ErrorReply(404, "NotFound", c.info.resource + (c.info.group.empty() ? "" : "." + c.info.group) +
                                           " \"" + c.name + "\" not found",
                      {{"name", c.name}, {"group", c.info.group}, {"kind", c.info.resource}});
  }
  Json patched;
  try {
    if (type == "application/json-patch+json") {
      patched = old.patch(patch);
    } else if (type == "application/merge-patch+json") {
      patched = old;
      patched.merge_patch(patch);
    } else {
      patched = StrategicMergePatch(old, patch);
    }
  } catch (const std::exception& e) {
    return ErrorReply(422, "Invalid", std::string("the patch cannot be applied: ") + e.what());
  }
  if (!patched.is_object() || !patched["metadata"].is_object()) {
    return ErrorReply(422, "Invalid", "the patched object is not an object");
  }
  if (patched["metadata"].value("resourceVersion", "") != old["metadata"].value("resourceVersion", "")) {
    return ErrorReply(409, "Conflict",
                      "Operation cannot be fulfilled on " + c.info.resource + " \"" + c.name +
                          "\": the object has been modified; please apply your changes to the "
                          "latest version and try again",
                      {{"name", c.name}, {"group", c.info.group}, {"kind", c.info.resource}});
  }
  patched["metadata"]["name"] = c.name;
  patched["apiVersion"] = GroupVersionOf(c);
  patched["kind"] = c.info.kind;
  Json next = Scope(c, patched, old);
  if (auto bad = Admit(c, &next, &old)) return *bad;
  return Commit(c, std::move(next), &old, 200);
}

Reply Emulator::Impl::ApplyLocked(const Call& c, const Json& patch, const Json* old) {
  std::string gv = GroupVersionOf(c);
  std::string manager = c.req->Query("fieldManager");
  if (manager.empty()) {
    return ErrorReply(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: "
                                      "Required value: is required for apply patch");
  }
  if (!patch.is_object() || patch.value("apiVersion", "") != gv ||
      patch.value("kind", "") != c.info.kind) {
    return ErrorReply(400, "BadRequest", "apply: apiVersion and kind must be " + gv + ", " +
                                             c.info.kind);
  }
  if (!patch.contains("metadata") || patch["metadata"].value("name", "") != c.name) {
    return ErrorReply(400, "BadRequest", "apply: metadata.name must be \"" + c.name + "\"");
  }
  bool status_only = c.sub == "status";
  if (!old && status_only) {
    return ErrorReply(404, "NotFound", c.info.resource + " \"" + c.name + "\" not found");
  }
  auto outcome = ServerSideApply(old, patch, manager, c.req->Query("force") == "true",
                                 status_only, c.info.has_status, NowRfc3339());
  if (!outcome.conflicts.empty()) {
    std::string msg = "Apply failed with " + std::to_string(outcome.conflicts.size()) +
                      " conflict" + (outcome.conflicts.size() > 1 ? "s" : "") + ": ";
    Json causes = Json::array();
    for (std::size_t i = 0; i < outcome.conflicts.size(); ++i) {
      msg += (i ? "\n" : "") + outcome.conflicts[i];
      causes.push_back({{"reason", "FieldManagerConflict"}, {"message", outcome.conflicts[i]}});
    }
    return ErrorReply(409, "Conflict", msg,
                      {{"name", c.name}, {"group", c.info.group}, {"kind", c.info.resource},
                       {"causes", causes}});
  }
  Json next = std::move(outcome.object);
  next["apiVersion"] = gv;
  next["kind"] = c.info.kind;
  next["metadata"]["name"] = c.name;
  if (!old) {
    if (c.info.has_status) next.erase("status");
    if (auto bad = Admit(c, &next, nullptr)) return *bad;
    return Commit(c, std::move(next), nullptr, 201);
  }
  if (auto bad = Admit(c, &next, old)) return *bad;
  return Commit(c, std::move(next), old, 200);
}

}  // namespace kaudit::emulator
