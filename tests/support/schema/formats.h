// Small checks the OpenAPI validator needs, each as kube-apiserver performs it
// (k8s.io/kube-openapi/pkg/validation): string formats, lengths in runes, Go-style patterns.
//
// Thread safety: pure functions; the pattern cache is guarded by a mutex.
#pragma once

#include <cstddef>
#include <regex>
#include <string>
#include <string_view>

namespace kaudit::schema {

// kube-openapi's strfmt.IsDateTime: lower-cased, split at 't', a valid calendar date before it
// and hh:mm:ss[.frac](z|+hh:mm) after it, hours <= 23, minutes and seconds <= 59 (as strings).
bool IsDateTime(std::string_view s);

// Go's time.Parse("2006-01-02", s): four-digit year, two-digit month and day, a real date.
bool IsFullDate(std::string_view s);

// Unicode code points in s (OpenAPI's minLength/maxLength count runes, not bytes).
std::size_t RuneCount(std::string_view s);

// Lower-case RFC 1123 subdomain of at most 253 characters (object names, API groups).
bool IsDnsSubdomain(std::string_view s);

// The compiled form of an OpenAPI `pattern` (RE2 syntax, unanchored search as Go's
// MatchString). Patterns that use RE2 features ECMAScript regex reads differently ((?flags),
// \p{..}, \A, \z, \Q) are refused: nullptr, with the reason in *error.
const std::regex* CompiledPattern(const std::string& pattern, std::string* error);

// Go's %q of a string, as kube-apiserver quotes values in messages.
std::string Quote(std::string_view s);

}  // namespace kaudit::schema
