// Patch semantics of kube-apiserver for the emulator: strategic merge patch (the subset kubectl
// produces: maps merge, lists of objects merge by their key, $patch/$retainKeys/
// $setElementOrder/$deleteFromPrimitiveList directives) and server-side apply with field
// ownership per manager (recorded in metadata.managedFields as FieldsV1), conflicts and force.
//
// Simplifications (documented in docs/development.md): lists are atomic for apply, and only
// Apply operations record ownership (Update managers are not tracked).
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kaudit::emulator {

using Json = nlohmann::json;

Json StrategicMergePatch(Json target, const Json& patch);

struct ApplyOutcome {
  Json object;
  std::vector<std::string> conflicts;  // e.g. `conflict with "mgr": .data.key`
};

// Applies `applied` (the manager's full intent) to *current (nullptr: the object is new).
// status_only: the status subresource (only .status counts); strip_status: the main resource
// of a type with a status subresource (.status is ignored).
ApplyOutcome ServerSideApply(const Json* current, const Json& applied, const std::string& manager,
                             bool force, bool status_only, bool strip_status,
                             const std::string& now);

}  // namespace kaudit::emulator
