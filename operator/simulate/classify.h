// Names and categories for kinds of requests in the report.
//
// ResourceKey spells a resource the way kubectl does ("pods", "pods/log", "deployments.apps",
// "deployments.apps/scale"); a non-resource request is keyed by its path.
//
// SecurityCategory says which kinds of requests a security team must not lose sight of; the
// report lists them first among requests that stop being logged. The list (docs/simulate.md):
//   rbac        writes to roles, clusterroles, rolebindings, clusterrolebindings
//   secrets     any request on secrets
//   tokens      serviceaccounts/token, tokenreviews, tokenrequests, certificatesigningrequests
//               (and their approval/status)
//   exec        pods/exec, pods/attach, pods/portforward, pods/proxy, services/proxy,
//               nodes/proxy
//   admission   writes to (validating|mutating)webhookconfigurations and validating admission
//               policies and bindings
//   crds        writes to customresourcedefinitions
//   audit       writes to kaudit's own auditprofiles
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace kaudit::simulate {

// Appends the key to *out (cleared first); reuses its capacity.
void ResourceKey(bool is_resource_request, std::string_view api_group, std::string_view resource,
                 std::string_view subresource, std::string_view path, std::string* out);

bool IsWriteVerb(std::string_view verb);

// "" when the kind is not security-relevant. resource_key as ResourceKey builds it.
std::string_view SecurityCategory(std::string_view resource_key, std::string_view verb);

}  // namespace kaudit::simulate
