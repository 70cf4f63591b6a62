#include "simulate/classify.h"

#include <array>

namespace kaudit::simulate {
namespace {

struct Parts {
  std::string_view resource, group, subresource;
};

Parts Split(std::string_view key) {
  Parts p;
  std::string_view main = key;
  if (std::size_t slash = key.find('/'); slash != std::string_view::npos) {
    main = key.substr(0, slash);
    p.subresource = key.substr(slash + 1);
  }
  p.resource = main;
  if (std::size_t dot = main.find('.'); dot != std::string_view::npos) {
    p.resource = main.substr(0, dot);
    p.group = main.substr(dot + 1);
  }
  return p;
}

template <std::size_t N>
bool OneOf(std::string_view s, const std::array<std::string_view, N>& set) {
  for (std::string_view x : set) {
    if (s == x) return true;
  }
  return false;
}

std::string_view CoreCategory(const Parts& p) {
  if (p.resource == "secrets" && p.subresource.empty()) return "secrets";
  if (p.resource == "serviceaccounts" && p.subresource == "token") return "tokens";
  static constexpr std::array<std::string_view, 4> kPodProxies = {"exec", "attach", "portforward",
                                                                  "proxy"};
  if (p.resource == "pods" && OneOf(p.subresource, kPodProxies)) return "exec";
  if ((p.resource == "services" || p.resource == "nodes") && p.subresource == "proxy") {
    return "exec";
  }
  return "";
}

}  // namespace

void ResourceKey(bool is_resource_request, std::string_view api_group, std::string_view resource,
                 std::string_view subresource, std::string_view path, std::string* out) {
  out->clear();
  if (!is_resource_request) {
    out->append(path);
    return;
  }
  out->append(resource);
  if (!api_group.empty()) {
    out->push_back('.');
    out->append(api_group);
  }
  if (!subresource.empty()) {
    out->push_back('/');
    out->append(subresource);
  }
}

bool IsWriteVerb(std::string_view verb) {
  static constexpr std::array<std::string_view, 5> kWrites = {"create", "update", "patch", "delete",
                                                              "deletecollection"};
  return OneOf(verb, kWrites);
}

std::string_view SecurityCategory(std::string_view resource_key, std::string_view verb) {
  if (resource_key.empty() || resource_key.front() == '/') return "";
  const Parts p = Split(resource_key);
  const bool write = IsWriteVerb(verb);
  if (p.group.empty()) return CoreCategory(p);
  if (p.group == "rbac.authorization.k8s.io") {
    static constexpr std::array<std::string_view, 4> kRbac = {
        "roles", "clusterroles", "rolebindings", "clusterrolebindings"};
    return write && OneOf(p.resource, kRbac) ? "rbac" : "";
  }
  if (p.group == "authentication.k8s.io") {
    return p.resource == "tokenreviews" || p.resource == "tokenrequests" ? "tokens" : "";
  }
  if (p.group == "certificates.k8s.io") {
    return p.resource == "certificatesigningrequests" && write ? "tokens" : "";
  }
  if (p.group == "admissionregistration.k8s.io") return write ? "admission" : "";
  if (p.group == "apiextensions.k8s.io") {
    return write && p.resource == "customresourcedefinitions" ? "crds" : "";
  }
  if (p.group == "kaudit.io") return write && p.resource == "auditprofiles" ? "audit" : "";
  return "";
}

}  // namespace kaudit::simulate
