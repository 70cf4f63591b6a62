// CustomResourceDefinitions: validation of the parts the emulator relies on, the status the
// apiextensions server writes, and serving (or no longer serving) the custom resource.
#include <cctype>

#include "support/emulator_impl.h"

namespace kaudit::emulator {
namespace {

std::string Lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

Reply CrdInvalid(const std::string& name, const std::string& field, const std::string& msg) {
  return ErrorReply(422, "Invalid",
                    "CustomResourceDefinition.apiextensions.k8s.io \"" + name + "\" is invalid: " +
                        field + ": " + msg,
                    {{"name", name}, {"group", "apiextensions.k8s.io"},
                     {"kind", "CustomResourceDefinition"},
                     {"causes", {{{"reason", "FieldValueInvalid"}, {"message", msg},
                                  {"field", field}}}}});
}

}  // namespace

std::optional<Reply> Emulator::Impl::ValidateCrd(const Json& crd) {
  std::string name = crd["metadata"].value("name", "");
  const Json& spec = crd.contains("spec") ? crd["spec"] : Json::object();
  std::string group = spec.value("group", "");
  const Json& names = spec.contains("names") ? spec["names"] : Json::object();
  std::string plural = names.value("plural", "");
  if (group.empty() || group.find('.') == std::string::npos) {
    return CrdInvalid(name, "spec.group", "Invalid value: \"" + group +
                                              "\": should be a domain with at least one dot");
  }
  if (plural.empty()) return CrdInvalid(name, "spec.names.plural", "Required value");
  if (names.value("kind", "").empty()) return CrdInvalid(name, "spec.names.kind", "Required value");
  if (name != plural + "." + group) {
    return CrdInvalid(name, "metadata.name", "Invalid value: \"" + name +
                                                 "\": must be spec.names.plural+\".\"+spec.group");
  }
  std::string scope = spec.value("scope", "");
  if (scope != "Namespaced" && scope != "Cluster") {
    return CrdInvalid(name, "spec.scope", "Unsupported value: \"" + scope +
                                              "\": supported values: \"Cluster\", \"Namespaced\"");
  }
  if (!spec.contains("versions") || !spec["versions"].is_array() || spec["versions"].empty()) {
    return CrdInvalid(name, "spec.versions", "Invalid value: must have exactly one version "
                                             "marked as storage version");
  }
  int storage = 0;
  for (std::size_t i = 0; i < spec["versions"].size(); ++i) {
    const Json& v = spec["versions"][i];
    std::string at = "spec.versions[" + std::to_string(i) + "]";
    if (v.value("name", "").empty()) return CrdInvalid(name, at + ".name", "Required value");
    if (v.value("storage", false)) ++storage;
    if (!v.contains("schema") || !v["schema"].contains("openAPIV3Schema")) {
      return CrdInvalid(name, at + ".schema.openAPIV3Schema",
                        "Required value: schemas are required");
    }
  }
  if (storage != 1) {
    return CrdInvalid(name, "spec.versions", "Invalid value: must have exactly one version "
                                             "marked as storage version");
  }
  return std::nullopt;
}

void Emulator::Impl::CompleteCrd(Json* crd) {
  Json names = (*crd)["spec"]["names"];
  if (!names.contains("singular")) names["singular"] = Lower(names.value("kind", ""));
  if (!names.contains("listKind")) names["listKind"] = names.value("kind", "") + "List";
  std::string storage;
  for (const auto& v : (*crd)["spec"]["versions"]) {
    if (v.value("storage", false)) storage = v.value("name", "");
  }
  std::string now = NowRfc3339();
  (*crd)["status"] = {
      {"acceptedNames", names},
      {"storedVersions", {storage}},
      {"conditions",
       {{{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"},
         {"message", "no conflicts found"}, {"lastTransitionTime", now}},
        {{"type", "Established"}, {"status", "True"}, {"reason", "InitialNamesAccepted"},
         {"message", "the initial names have been accepted"}, {"lastTransitionTime", now}}}}};
}

void Emulator::Impl::SyncCrd(const Json& crd, bool removed) {
  const Json& spec = crd["spec"];
  ResourceInfo info;
  info.group = spec.value("group", "");
  const Json& names = crd["status"]["acceptedNames"];
  info.resource = names.value("plural", "");
  info.singular = names.value("singular", "");
  info.kind = names.value("kind", "");
  info.list_kind = names.value("listKind", info.kind + "List");
  if (names.contains("shortNames")) info.short_names = names["shortNames"].get<std::vector<std::string>>();
  if (names.contains("categories")) info.categories = names["categories"].get<std::vector<std::string>>();
  info.namespaced = spec.value("scope", "") == "Namespaced";
  info.crd = true;
  info.generation = true;
  for (const auto& v : spec["versions"]) {
    if (!v.value("served", false)) continue;
    info.versions.push_back(v.value("name", ""));
    if (info.versions.size() == 1) {
      info.has_status = v.contains("subresources") && v["subresources"].contains("status");
      if (v.contains("additionalPrinterColumns")) {
        info.printer_columns = v["additionalPrinterColumns"];
      }
    }
  }
  if (removed) store_.RemoveAllLocked(info.GR());
  std::lock_guard<std::mutex> lock(mu_);
  if (removed || info.versions.empty()) {
    registry_.erase(info.GR());
  } else {
    registry_[info.GR()] = info;
  }
}

}  // namespace kaudit::emulator
