// Go time.Duration text, as kube-apiserver's duration flags and metav1.Duration fields read and
// write it ("90s", "1m30s", "1h0m0s", "500ms"). AuditProfile durations are parsed with Go's
// grammar so that what `kubectl apply` accepts and what kaudit accepts agree, and are printed in
// Go's canonical form so that equal durations always render to the same flag value.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kaudit::policy {

using Duration = std::chrono::nanoseconds;

// time.ParseDuration: a sequence of decimal numbers with optional fraction and a unit (ns, us,
// µs, ms, s, m, h), e.g. "1h30m", "1.5s"; "0" alone needs no unit. nullopt on a syntax error or
// overflow. A leading '-' is accepted here (the caller decides whether negatives are allowed).
std::optional<Duration> ParseGoDuration(std::string_view text);

// time.Duration.String(): "0s", "1.5s", "1m30s", "1h0m0s", "250ms", "1µs", "-2s".
std::string FormatGoDuration(Duration d);

}  // namespace kaudit::policy
