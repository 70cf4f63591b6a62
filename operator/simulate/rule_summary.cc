#include <string>

#include "simulate/report.h"

namespace kaudit::simulate {
namespace {

void AppendList(std::string* out, std::string_view name, const std::vector<std::string>& items) {
  if (items.empty()) return;
  if (out->back() != ' ') out->append("; ");
  out->append(name);
  out->push_back('=');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(items[i].empty() ? "\"\"" : items[i]);
  }
}

std::string GroupResourcesText(const policy::GroupResources& gr) {
  std::string suffix = gr.group.empty() ? "" : "." + gr.group;
  std::string names;
  for (const std::string& n : gr.resource_names) names += (names.empty() ? "" : ",") + n;
  if (!names.empty()) names = "(" + names + ")";
  if (gr.resources.empty()) return "*" + (gr.group.empty() ? std::string(" (core)") : suffix);
  std::string out;
  for (const std::string& r : gr.resources) {
    if (!out.empty()) out.push_back(',');
    // kubectl spelling: "deployments.apps/scale".
    std::size_t slash = r.find('/');
    out += slash == std::string::npos ? r + suffix : r.substr(0, slash) + suffix + r.substr(slash);
    out += names;
  }
  return out;
}

}  // namespace

std::string RuleSummary(const policy::PolicyRule& rule) {
  std::string out = rule.level + ": ";
  AppendList(&out, "users", rule.users);
  AppendList(&out, "groups", rule.user_groups);
  AppendList(&out, "verbs", rule.verbs);
  std::vector<std::string> resources;
  for (const policy::GroupResources& gr : rule.resources) {
    resources.push_back(GroupResourcesText(gr));
  }
  AppendList(&out, "resources", resources);
  AppendList(&out, "namespaces", rule.namespaces);
  AppendList(&out, "nonResourceURLs", rule.non_resource_urls);
  bool selects =
      !(rule.users.empty() && rule.user_groups.empty() && rule.verbs.empty() &&
        rule.resources.empty() && rule.namespaces.empty() && rule.non_resource_urls.empty());
  if (!selects) out.append("all requests");
  AppendList(&out, "omitStages", rule.omit_stages);
  if (rule.omit_managed_fields) {
    out.append(*rule.omit_managed_fields ? "; omitManagedFields" : "; keepManagedFields");
  }
  return out;
}

}  // namespace kaudit::simulate
