// RFC 3339 timestamps as Kubernetes writes them (metav1.Time, metav1.MicroTime).
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kaudit {

using SystemTime = std::chrono::system_clock::time_point;

// Parses "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123456Z", "2024-05-01T12:00:00+02:00".
// Accepts what Go's time.RFC3339 parser accepts for these shapes (a 'T' separator, 'Z' or a
// numeric offset, optional fraction of up to 9 digits); nullopt otherwise.
std::optional<SystemTime> ParseRfc3339(std::string_view text);

// "2024-05-01T10:00:00Z" (seconds precision, UTC), as metav1.Time serialises.
std::string FormatRfc3339(SystemTime t);

// "2024-05-01T10:00:00.123456Z" (microseconds, UTC), as metav1.MicroTime serialises.
std::string FormatRfc3339Micro(SystemTime t);

}  // namespace kaudit
