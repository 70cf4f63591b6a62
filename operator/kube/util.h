// Small helpers shared by the kube library: base64 (kubeconfig *-data fields, continue tokens),
// URL query escaping, random identifiers and jitter.
// Thread safety: pure functions, except the random ones, which use a thread-local generator.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kaudit::kube {

std::string Base64Encode(std::string_view data);
// Standard alphabet, padding optional, whitespace ignored; nullopt on any other character.
std::optional<std::string> Base64Decode(std::string_view text);

// Percent-encodes everything but RFC 3986 unreserved characters (for query values).
std::string QueryEscape(std::string_view s);

// n lowercase alphanumerics, e.g. the random suffix of a leader identity.
std::string RandomSuffix(std::size_t n);

// d * (1 + factor * U[0,1)), as wait.Jitter in apimachinery.
std::chrono::milliseconds Jitter(std::chrono::milliseconds d, double factor);

// Uniform in [lo, hi].
std::chrono::seconds RandomSeconds(std::chrono::seconds lo, std::chrono::seconds hi);

}  // namespace kaudit::kube
