// Internal to render.cc: the --audit-* flags, flags.json and the revision digest.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "policy/profile.h"

namespace kaudit::policy {

using FlagList = std::vector<std::pair<std::string, std::string>>;

// The backend flags in the documented order (without the two file flags).
FlagList BackendFlags(const ResolvedLog& log, const std::optional<ResolvedWebhook>& webhook);

// [{"name": ..., "value": ...}, ...] one flag per line, ending in a newline.
std::string FlagsJson(const FlagList& flags);

// First 10 hex digits of SHA-256 over the canonical bytes (render.h says what goes in).
std::string RevisionOf(const std::string& policy_yaml, const FlagList& backend_flags,
                       const std::optional<std::string>& webhook_kubeconfig);

}  // namespace kaudit::policy
