// Go's time.ParseDuration, which is what CEL's duration(string) uses inside kube-apiserver
// (cel-go converts strings to durations with it). Written from Go's documented grammar, apart
// from kaudit's own parser (operator/policy/duration.h), so that the CRD test compares two
// independent readings of the same grammar.
//
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kaudit::schema {

// Nanoseconds, or nullopt where Go returns an error ("time: invalid duration", "missing unit",
// "unknown unit", overflow beyond int64 nanoseconds).
std::optional<int64_t> ParseGoDuration(std::string_view text);

}  // namespace kaudit::schema
