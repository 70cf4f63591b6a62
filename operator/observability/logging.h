// Process-wide logging setup for the long-running commands (controller, agent): spdlog to
// stderr, as text ("2026-11-27T12:00:00.123Z info reconciled ...") or, with format "json", one
// JSON object per line {"ts","level","logger","msg"} for log collectors.
//
// Thread safety: call once from main before other threads log.
#pragma once

#include <string>

#include "common/status.h"

namespace kaudit::observability {

// format: "text" | "json"; level: trace|debug|info|warn|error. kInvalidArgument otherwise.
Status SetupLogging(const std::string& format, const std::string& level = "info");

// A string as a JSON string literal (quotes included).
std::string JsonQuote(const std::string& s);

}  // namespace kaudit::observability
