// Timestamps of audit events as microseconds since the Unix epoch, and UTC calendar days.
// The fast path reads kube-apiserver's own shape ("2024-05-01T10:00:00.123456Z") without
// allocating; anything else RFC 3339 allows (offsets, other fractions) goes through
// kaudit::ParseRfc3339.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kaudit::simulate {

inline constexpr int64_t kMicrosPerDay = 86400LL * 1000 * 1000;

std::optional<int64_t> ParseMicros(std::string_view text);

// Days since 1970-01-01 of a time (floor, so times before 1970 work too).
inline int64_t DayOf(int64_t micros) {
  return micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
}

// "2024-05-01".
std::string FormatDay(int64_t day);

// "2024-05-01T10:00:00Z" (seconds precision).
std::string FormatMicros(int64_t micros);

}  // namespace kaudit::simulate
