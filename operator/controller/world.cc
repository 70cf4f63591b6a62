#include "controller/world.h"

#include <algorithm>

#include "kube/util.h"

namespace kaudit::controller {
namespace {

std::string StringAt(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

const Json& Member(const Json& obj, const char* key) {
  static const Json kEmpty = Json::object();
  if (!obj.is_object()) return kEmpty;
  auto it = obj.find(key);
  return it == obj.end() ? kEmpty : *it;
}

SystemTime CreationTime(const Json& obj) {
  std::optional<SystemTime> t =
      ParseRfc3339(StringAt(Member(obj, "metadata"), "creationTimestamp"));
  return t.value_or(SystemTime{});
}

}  // namespace

std::string RevisionConfigMapName(std::string_view rev) {
  return std::string(kRevisionPrefix) + std::string(rev);
}
std::string RevisionSecretName(std::string_view rev) {
  return RevisionConfigMapName(rev) + std::string(kWebhookSuffix);
}
std::string NodeStateName(std::string_view node) {
  return std::string(kNodeStatePrefix) + std::string(node);
}

std::string ProfileObject::name() const { return StringAt(Member(object, "metadata"), "name"); }

int64_t ProfileObject::generation() const {
  const Json& g = Member(Member(object, "metadata"), "generation");
  return g.is_number_integer() ? g.get<int64_t>() : 0;
}

std::string ProfileObject::retry() const {
  return StringAt(Member(Member(object, "metadata"), "annotations"),
                  std::string(kAnnotationRetry).c_str());
}

const Json& ProfileObject::status() const { return Member(object, "status"); }

std::string EncodeHaltRecord(const HaltRecord& h) {
  Json j = {{"revision", h.revision}, {"node", h.node},         {"phase", h.phase},
            {"message", h.message},   {"fallback", h.fallback}, {"retry", h.retry}};
  return j.dump();
}

std::optional<HaltRecord> DecodeHaltRecord(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  HaltRecord h;
  h.revision = StringAt(j, "revision");
  h.node = StringAt(j, "node");
  h.phase = StringAt(j, "phase");
  h.message = StringAt(j, "message");
  h.fallback = StringAt(j, "fallback");
  for (const auto& [k, v] : Member(j, "retry").items()) {
    if (v.is_string()) h.retry[k] = v.get<std::string>();
  }
  if (h.revision.empty() || h.node.empty()) return std::nullopt;
  return h;
}

StatusOr<NodeState> NodeStateFromConfigMap(const Json& cm) {
  std::string name = StringAt(Member(cm, "metadata"), "name");
  std::string text = StringAt(Member(cm, "data"), "state.json");
  if (text.empty()) return Status::InvalidArgument(name + ": no data key state.json");
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::InvalidArgument(name + ": state.json is not a JSON object");
  NodeState s;
  s.node = StringAt(j, "node");
  if (s.node.empty()) return Status::InvalidArgument(name + ": state.json has no \"node\"");
  s.revision = StringAt(j, "revision");
  s.last_known_good = StringAt(j, "lastKnownGood");
  s.target = StringAt(j, "target");
  s.phase = StringAt(j, "phase");
  s.message = StringAt(j, "message");
  s.heartbeat = ParseRfc3339(StringAt(j, "heartbeat"));
  const Json& bytes = Member(j, "auditLogBytes");
  if (bytes.is_number_integer()) s.audit_log_bytes = bytes.get<int64_t>();
  s.audit_log_last_write = StringAt(j, "auditLogLastWrite");
  s.agent_version = StringAt(j, "agentVersion");
  return s;
}

RolloutState RolloutFromConfigMap(const Json& cm) {
  RolloutState r;
  r.exists = true;
  for (const auto& [k, v] : Member(cm, "data").items()) {
    if (v.is_string()) r.targets[k] = v.get<std::string>();
  }
  std::string halt =
      StringAt(Member(Member(cm, "metadata"), "annotations"), std::string(kAnnotationHalted).c_str());
  if (!halt.empty()) r.halt = DecodeHaltRecord(halt);
  r.uninstall = StringAt(Member(Member(cm, "metadata"), "annotations"),
                         std::string(kAnnotationUninstall).c_str());
  return r;
}

UninstallRequest UninstallFromConfigMap(const Json& cm) {
  const Json& md = Member(cm, "metadata");
  UninstallRequest u;
  u.uid = StringAt(md, "uid");
  u.renewed = StringAt(Member(md, "annotations"), std::string(kAnnotationUninstallRenewed).c_str());
  u.requested_by = StringAt(Member(cm, "data"), "requestedBy");
  u.requested_at = StringAt(Member(cm, "data"), "requestedAt");
  return u;
}

void AddStoredRevision(const Json& obj, bool is_secret, std::vector<StoredRevision>* revs) {
  std::string name = StringAt(Member(obj, "metadata"), "name");
  if (name.rfind(kRevisionPrefix, 0) != 0) return;
  std::string id = name.substr(kRevisionPrefix.size());
  if (is_secret) {
    if (id.size() <= kWebhookSuffix.size() ||
        id.compare(id.size() - kWebhookSuffix.size(), kWebhookSuffix.size(), kWebhookSuffix) != 0) {
      return;
    }
    id.resize(id.size() - kWebhookSuffix.size());
  }
  auto it = std::find_if(revs->begin(), revs->end(),
                         [&](const StoredRevision& r) { return r.id == id; });
  if (it == revs->end()) {
    revs->push_back(StoredRevision{id, CreationTime(obj), false, false});
    it = revs->end() - 1;
  }
  if (is_secret) {
    it->has_secret = true;
  } else {
    it->has_configmap = true;
    it->created = CreationTime(obj);
  }
}

std::map<std::string, std::string> SecretData(const Json& secret) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : Member(secret, "data").items()) {
    if (!v.is_string()) continue;
    std::optional<std::string> d = kube::Base64Decode(v.get<std::string>());
    if (d) out[k] = std::move(*d);
  }
  // stringData is write-only on a real server, but an emulator or a test may keep it.
  for (const auto& [k, v] : Member(secret, "stringData").items()) {
    if (v.is_string() && !out.count(k)) out[k] = v.get<std::string>();
  }
  return out;
}

bool IsControlPlane(const Json& node) {
  const Json& labels = Member(Member(node, "metadata"), "labels");
  return labels.is_object() && labels.contains(std::string(kControlPlaneLabel));
}

std::optional<bool> PodReady(const Json& pod) {
  const Json& conds = Member(Member(pod, "status"), "conditions");
  if (!conds.is_array()) return std::nullopt;
  for (const Json& c : conds) {
    if (StringAt(c, "type") == "Ready") return StringAt(c, "status") == "True";
  }
  return std::nullopt;
}

}  // namespace kaudit::controller
