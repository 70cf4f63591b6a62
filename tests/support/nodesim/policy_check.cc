// The audit policy loader as the simulator reads it (reference/audit-semantics.md §2).
#include <set>

#include "nodesim/start_check.h"

namespace kaudit::nodesim {
namespace {

Status CheckStages(const Json& stages, const std::string& where) {
  static const std::set<std::string> kStages = {"RequestReceived", "ResponseStarted",
                                                "ResponseComplete", "Panic"};
  if (stages.is_null()) return Status::Ok();
  if (!stages.is_array()) return Status::InvalidArgument(where + ": want a list");
  for (const auto& s : stages) {
    if (!s.is_string() || !kStages.count(s.get<std::string>())) {
      return Status::InvalidArgument(where + ": Invalid value: allowed stages are RequestReceived, "
                                     "ResponseStarted, ResponseComplete, Panic");
    }
  }
  return Status::Ok();
}

bool GroupOk(const std::string& g) {
  if (g.empty()) return true;
  for (char c : g) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return g.front() != '.' && g.back() != '.' && g.front() != '-';
}

Status CheckRule(const Json& r, const std::string& w) {
  static const std::set<std::string> kLevels = {"None", "Metadata", "Request", "RequestResponse"};
  if (!r.is_object()) return Status::InvalidArgument(w + ": want a mapping");
  std::string level = r.value("level", "");
  if (level.empty()) return Status::InvalidArgument(w + ".level: Required value");
  if (!kLevels.count(level)) return Status::InvalidArgument(w + ".level: Unsupported value: " + level);
  bool urls = r.contains("nonResourceURLs") && !r["nonResourceURLs"].empty();
  bool res = r.contains("resources") && !r["resources"].empty();
  bool ns = r.contains("namespaces") && !r["namespaces"].empty();
  if (urls && (res || ns)) {
    return Status::InvalidArgument(w + ": rules cannot apply to both regular resources and "
                                   "non-resource URLs");
  }
  for (const auto& u : r.value("nonResourceURLs", Json::array())) {
    std::string s = u.is_string() ? u.get<std::string>() : "";
    if (s == "*") continue;
    if (s.empty() || s[0] != '/') return Status::InvalidArgument(w + ".nonResourceURLs: must begin with a '/' character");
    auto star = s.find('*');
    if (star != std::string::npos && star != s.size() - 1) {
      return Status::InvalidArgument(w + ".nonResourceURLs: '*' only at the end");
    }
  }
  for (const auto& g : r.value("resources", Json::array())) {
    if (!GroupOk(g.value("group", ""))) return Status::InvalidArgument(w + ".resources.group: invalid");
    bool has_res = g.contains("resources") && !g["resources"].empty();
    if (!has_res && g.contains("resourceNames") && !g["resourceNames"].empty()) {
      return Status::InvalidArgument(w + ".resources.resourceNames: using resourceNames "
                                     "requires at least one resource");
    }
  }
  return CheckStages(r.contains("omitStages") ? r["omitStages"] : Json(), w + ".omitStages");
}

}  // namespace

Status CheckPolicy(const std::string& text) {
  if (text.empty()) return Status::InvalidArgument("loaded illegal policy with 0 rules");
  auto doc = DecodeYaml(text);
  if (!doc.ok()) return doc.status();
  const Json& p = *doc;
  if (!p.is_object() || !p.contains("apiVersion") || !p.contains("kind")) {
    return Status::InvalidArgument("unknown group version field");
  }
  if (p.value("apiVersion", "") != "audit.k8s.io/v1" || p.value("kind", "") != "Policy") {
    return Status::InvalidArgument("no kind \"" + p.value("kind", "") + "\" is registered for "
                                   "version \"" + p.value("apiVersion", "") + "\"");
  }
  KAUDIT_RETURN_IF_ERROR(CheckStages(p.contains("omitStages") ? p["omitStages"] : Json(), "omitStages"));
  const Json rules = p.contains("rules") ? p["rules"] : Json::array();
  if (!rules.is_array() || rules.empty()) return Status::InvalidArgument("loaded illegal policy with 0 rules");
  for (std::size_t i = 0; i < rules.size(); ++i) {
    KAUDIT_RETURN_IF_ERROR(CheckRule(rules[i], "rules[" + std::to_string(i) + "]"));
  }
  return Status::Ok();
}

}  // namespace kaudit::nodesim
