#include "support/rbac.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace kaudit::emulator::rbac {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  std::size_t b = path.find_first_not_of('/');
  std::size_t e = path.find_last_not_of('/');
  if (b == std::string::npos) return out;
  std::string trimmed = path.substr(b, e - b + 1);
  std::stringstream ss(trimmed);
  for (std::string part; std::getline(ss, part, '/');) out.push_back(part);
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// fields.ParseSelector(...).RequiresExactMatch("metadata.name"): terms separated by unescaped
// commas, each key=value, key==value or key!=value; backslash escapes. False when the selector
// does not parse or has no equality term on metadata.name.
bool ExactName(const std::string& selector, std::string* name) {
  std::vector<std::string> terms(1);
  for (std::size_t i = 0; i < selector.size(); ++i) {
    char ch = selector[i];
    if (ch == '\\' && i + 1 < selector.size()) {
      terms.back() += selector.substr(i, 2);
      ++i;
    } else if (ch == ',') {
      terms.emplace_back();
    } else {
      terms.back() += ch;
    }
  }
  bool found = false;
  for (const auto& t : terms) {
    if (t.empty()) continue;
    std::size_t op = std::string::npos, oplen = 0;
    bool neq = false;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '\\') {
        ++i;
        continue;
      }
      if (t.compare(i, 2, "!=") == 0) {
        op = i, oplen = 2, neq = true;
        break;
      }
      if (t.compare(i, 2, "==") == 0) {
        op = i, oplen = 2;
        break;
      }
      if (t[i] == '=') {
        op = i, oplen = 1;
        break;
      }
    }
    if (op == std::string::npos) return false;  // not a valid selector
    std::string key = t.substr(0, op);
    std::string raw = t.substr(op + oplen), value;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
      value += raw[i];
    }
    key.erase(0, key.find_first_not_of(' '));
    key.erase(key.find_last_not_of(' ') + 1);
    if (key == "metadata.name" && !neq && !found) {
      *name = value;
      found = true;
    }
  }
  return found;
}

// path.IsValidPathSegmentName
bool ValidPathSegment(const std::string& name) {
  if (name == "." || name == "..") return false;
  return name.find('/') == std::string::npos && name.find('%') == std::string::npos;
}

bool Contains(const Json& arr, const std::string& v) {
  if (!arr.is_array()) return false;
  for (const auto& e : arr) {
    if (e.is_string() && e.get<std::string>() == v) return true;
  }
  return false;
}

bool HasGroup(const UserInfo& u, const std::string& g) {
  return std::find(u.groups.begin(), u.groups.end(), g) != u.groups.end();
}

std::string Str(const Json& o, const char* key) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_string()) return "";
  return o[key].get<std::string>();
}

Json Rules(const Json* role) {
  if (!role || !role->is_object() || !role->contains("rules") || !(*role)["rules"].is_array()) {
    return Json::array();
  }
  return (*role)["rules"];
}

Json Role(const std::string& name, Json rules) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRole"},
          {"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}}},
          {"rules", std::move(rules)}};
}

Json Binding(const std::string& name, const std::string& role, const std::vector<std::string>& groups) {
  Json subjects = Json::array();
  for (const auto& g : groups) {
    subjects.push_back({{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", g}});
  }
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRoleBinding"},
          {"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}}},
          {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}}},
          {"subjects", subjects}};
}

}  // namespace

Attributes RequestAttributes(const std::string& method, const std::string& path,
                             const std::multimap<std::string, std::string>& query) {
  Attributes a;
  a.path = path;
  a.verb = Lower(method);
  auto parts = SplitPath(path);
  if (parts.size() < 3) return a;
  std::size_t i = 0;
  if (parts[0] == "api") {
    i = 1;
  } else if (parts[0] == "apis") {
    if (parts.size() < 4) return a;
    a.api_group = parts[1];
    i = 2;
  } else {
    return a;
  }
  a.resource_request = true;
  a.api_version = parts[i++];
  std::vector<std::string> cur(parts.begin() + static_cast<long>(i), parts.end());
  if (cur.front() == "proxy" || cur.front() == "watch") {
    if (cur.size() < 2) return a;  // upstream: an error; nothing matches it
    a.verb = cur.front();
    cur.erase(cur.begin());
  } else if (method == "POST") {
    a.verb = "create";
  } else if (method == "GET" || method == "HEAD") {
    a.verb = "get";
  } else if (method == "PUT") {
    a.verb = "update";
  } else if (method == "PATCH") {
    a.verb = "patch";
  } else if (method == "DELETE") {
    a.verb = "delete";
  } else {
    a.verb = "";
  }
  if (cur.front() == "namespaces") {
    if (cur.size() > 1) {
      a.ns = cur[1];
      if (cur.size() > 2 && cur[2] != "status" && cur[2] != "finalize") {
        cur.erase(cur.begin(), cur.begin() + 2);
      }
    }
  }
  if (cur.size() >= 3 && a.verb != "proxy") a.subresource = cur[2];
  if (cur.size() >= 2) a.name = cur[1];
  if (!cur.empty()) a.resource = cur[0];

  if (a.name.empty() && a.verb == "get") {
    auto w = query.find("watch");
    bool watch = false;
    if (w != query.end()) {
      std::string v = Lower(w->second);
      watch = !(v == "false" || v == "0");
    }
    a.verb = watch ? "watch" : "list";
    auto fs = query.find("fieldSelector");
    std::string name;
    if (fs != query.end() && ExactName(fs->second, &name) && ValidPathSegment(name)) {
      a.name = name;
    }
  }
  if (a.name.empty() && a.verb == "delete") a.verb = "deletecollection";
  return a;
}

Attributes CreateOnApply(const Attributes& patch) {
  Attributes c = patch;
  c.verb = "create";
  return c;
}

bool RuleAllows(const Attributes& a, const Json& rule) {
  const Json verbs = rule.value("verbs", Json::array());
  if (!Contains(verbs, "*") && !Contains(verbs, a.verb)) return false;
  if (!a.resource_request) {
    for (const auto& u : rule.value("nonResourceURLs", Json::array())) {
      if (!u.is_string()) continue;
      std::string url = u.get<std::string>();
      if (url == "*" || url == a.path) return true;
      if (!url.empty() && url.back() == '*') {
        std::string prefix = url.substr(0, url.find_last_not_of('*') + 1);
        if (a.path.compare(0, prefix.size(), prefix) == 0) return true;
      }
    }
    return false;
  }
  const Json groups = rule.value("apiGroups", Json::array());
  if (!Contains(groups, "*") && !Contains(groups, a.api_group)) return false;
  std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  bool resource_ok = false;
  for (const auto& r : rule.value("resources", Json::array())) {
    if (!r.is_string()) continue;
    std::string res = r.get<std::string>();
    if (res == "*" || res == combined) {
      resource_ok = true;
      break;
    }
    if (!a.subresource.empty() && res == "*/" + a.subresource) {
      resource_ok = true;
      break;
    }
  }
  if (!resource_ok) return false;
  const Json names = rule.value("resourceNames", Json::array());
  if (!names.is_array() || names.empty()) return true;
  return Contains(names, a.name);
}

std::vector<std::string> ServiceAccountGroups(const std::string& user) {
  static const std::string kPrefix = "system:serviceaccount:";
  if (user.compare(0, kPrefix.size(), kPrefix) != 0) return {};
  std::string rest = user.substr(kPrefix.size());
  auto colon = rest.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find(':', colon + 1) != std::string::npos) {
    return {};
  }
  return {"system:serviceaccounts", "system:serviceaccounts:" + rest.substr(0, colon)};
}

bool SubjectMatches(const Json& subject, const UserInfo& user, const std::string& binding_ns) {
  std::string kind = Str(subject, "kind"), name = Str(subject, "name");
  if (kind == "User") return user.name == name;
  if (kind == "Group") return HasGroup(user, name);
  if (kind == "ServiceAccount") {
    std::string ns = Str(subject, "namespace");
    if (ns.empty()) ns = binding_ns;
    if (ns.empty()) return false;
    return user.name == "system:serviceaccount:" + ns + ":" + name;
  }
  return false;
}

Decision Authorize(const Attributes& a, const UserInfo& user, const PolicySource& policy) {
  if (HasGroup(user, "system:masters")) return {true, ""};
  std::vector<std::string> errors;
  auto applies = [&](const Json* binding, const std::string& ns) {
    if (!binding || !binding->contains("subjects") || !(*binding)["subjects"].is_array()) {
      return false;
    }
    for (const auto& s : (*binding)["subjects"]) {
      if (SubjectMatches(s, user, ns)) return true;
    }
    return false;
  };
  // GetRoleReferenceRules: a binding's rules, or an error when its role is missing.
  auto rules_of = [&](const Json* binding, const std::string& ns, Json* rules) {
    Json ref = binding->value("roleRef", Json::object());
    std::string kind = Str(ref, "kind"), name = Str(ref, "name");
    if (kind == "ClusterRole") {
      const Json* r = policy.cluster_role(name);
      if (!r) {
        errors.push_back("clusterrole.rbac.authorization.k8s.io \"" + name + "\" not found");
        return false;
      }
      *rules = Rules(r);
      return true;
    }
    if (kind == "Role") {
      const Json* r = policy.role(ns, name);
      if (!r) {
        errors.push_back("role.rbac.authorization.k8s.io \"" + name + "\" not found");
        return false;
      }
      *rules = Rules(r);
      return true;
    }
    errors.push_back("unsupported role reference kind: \"" + kind + "\"");
    return false;
  };
  auto any_allows = [&](const Json& rules) {
    for (const auto& r : rules) {
      if (r.is_object() && RuleAllows(a, r)) return true;
    }
    return false;
  };
  for (const Json* b : policy.cluster_role_bindings()) {
    Json rules;
    if (applies(b, "") && rules_of(b, "", &rules) && any_allows(rules)) return {true, ""};
  }
  if (!a.ns.empty()) {
    for (const Json* b : policy.role_bindings(a.ns)) {
      Json rules;
      if (applies(b, a.ns) && rules_of(b, a.ns, &rules) && any_allows(rules)) return {true, ""};
    }
  }
  Decision d;
  if (!errors.empty()) {
    // utilerrors.NewAggregate(...).Error(): one message as is, several deduplicated in [a, b].
    std::vector<std::string> seen;
    for (const auto& e : errors) {
      if (std::find(seen.begin(), seen.end(), e) == seen.end()) seen.push_back(e);
    }
    std::string joined;
    for (std::size_t i = 0; i < seen.size(); ++i) joined += (i ? ", " : "") + seen[i];
    d.reason = "RBAC: " + (seen.size() == 1 ? joined : "[" + joined + "]");
  }
  return d;
}

std::string ForbiddenMessage(const Attributes& a, const UserInfo& user, const std::string& reason) {
  std::string inner;
  if (!a.resource_request) {
    inner = "User \"" + user.name + "\" cannot " + a.verb + " path \"" + a.path + "\"";
  } else {
    std::string res = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
    inner = "User \"" + user.name + "\" cannot " + a.verb + " resource \"" + res +
            "\" in API group \"" + a.api_group + "\"" +
            (a.ns.empty() ? " at the cluster scope" : " in the namespace \"" + a.ns + "\"");
  }
  if (!reason.empty()) inner += ": " + reason;
  if (!a.resource_request) return "forbidden: " + inner;
  std::string qualified = a.api_group.empty() ? a.resource : a.resource + "." + a.api_group;
  return qualified + (a.name.empty() ? "" : " \"" + a.name + "\"") + " is forbidden: " + inner;
}

Json ForbiddenStatus(const Attributes& a, const UserInfo& user, const std::string& reason) {
  Json details = Json::object();
  if (a.resource_request) {
    if (!a.name.empty()) details["name"] = a.name;
    if (!a.api_group.empty()) details["group"] = a.api_group;
    if (!a.resource.empty()) details["kind"] = a.resource;
  }
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", Json::object()},
          {"status", "Failure"},
          {"message", ForbiddenMessage(a, user, reason)},
          {"reason", "Forbidden"},
          {"details", details},
          {"code", 403}};
}

std::vector<std::pair<std::string, Json>> BootstrapPolicy() {
  std::vector<std::pair<std::string, Json>> out;
  auto url_rule = [](std::vector<std::string> urls) {
    return Json{{"verbs", {"get"}}, {"nonResourceURLs", urls}};
  };
  out.emplace_back("clusterroles",
                   Role("cluster-admin",
                        {{{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}},
                         {{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}}}));
  out.emplace_back("clusterroles",
                   Role("system:discovery",
                        {url_rule({"/livez", "/readyz", "/healthz", "/version", "/version/",
                                   "/openapi", "/openapi/*", "/api", "/api/*", "/apis",
                                   "/apis/*"})}));
  out.emplace_back("clusterroles",
                   Role("system:public-info-viewer",
                        {url_rule({"/livez", "/readyz", "/healthz", "/version", "/version/"})}));
  out.emplace_back(
      "clusterroles",
      Role("system:basic-user",
           {{{"verbs", {"create"}},
             {"apiGroups", {"authorization.k8s.io"}},
             {"resources", {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}}},
            {{"verbs", {"create"}},
             {"apiGroups", {"authentication.k8s.io"}},
             {"resources", {"selfsubjectreviews"}}}}));
  out.emplace_back("clusterrolebindings", Binding("cluster-admin", "cluster-admin", {"system:masters"}));
  out.emplace_back("clusterrolebindings",
                   Binding("system:discovery", "system:discovery", {"system:authenticated"}));
  out.emplace_back("clusterrolebindings",
                   Binding("system:public-info-viewer", "system:public-info-viewer",
                           {"system:authenticated", "system:unauthenticated"}));
  out.emplace_back("clusterrolebindings",
                   Binding("system:basic-user", "system:basic-user", {"system:authenticated"}));
  return out;
}

}  // namespace kaudit::emulator::rbac
