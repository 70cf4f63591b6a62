// Lint: findings about an audit Policy that kube-apiserver accepts but that probably does not do
// what its author meant: rules that can never match (shadowed by earlier rules, or naming
// resources, groups or verbs that no request carries), no catch-all, credentials logged with
// their bodies, the RequestReceived stage doubling the log, body levels that add nothing.
//
// Every check is conservative in the direction that matters: "shadowed" is reported only when it
// is certain (every request the rule can match is matched first by earlier rules, under
// upstream's matching semantics, audit-semantics.md §3), and the sensitive-resource check
// reports every rule that could log a Secret's body unless earlier rules certainly cap it.
// docs/lint.md describes each check, why it matters and how to fix it.
//
// Thread safety: pure functions; the tables they read are immutable.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace kaudit::policy {

// Ordered: a --fail-on threshold compares with >=.
enum class Severity { kInfo = 0, kWarning = 1, kError = 2 };

std::string_view SeverityName(Severity s);  // "info", "warning", "error"
std::optional<Severity> ParseSeverity(std::string_view s);

struct Finding {
  Severity severity = Severity::kWarning;
  // Stable identifier of the check, e.g. "shadowed-rule" (docs/lint.md lists them all).
  std::string code;
  // 0-based index of the rule the finding is about; -1 for findings about the whole policy.
  int rule_index = -1;
  std::string message;
  // A concrete change that resolves the finding.
  std::string fix;
  bool operator==(const Finding&) const = default;
};

// The finding codes (stable; scripts may match on them), in the order findings about the same
// rule are listed.
inline constexpr std::string_view kCodeNoCatchAll = "no-catch-all";
inline constexpr std::string_view kCodeRequestReceived = "request-received-not-omitted";
inline constexpr std::string_view kCodeShadowedRule = "shadowed-rule";
inline constexpr std::string_view kCodePartiallyShadowed = "partially-shadowed";
inline constexpr std::string_view kCodeSensitiveBody = "sensitive-body";
inline constexpr std::string_view kCodeLevelNoEffect = "level-no-effect";
inline constexpr std::string_view kCodeUnknownVerb = "unknown-verb";
inline constexpr std::string_view kCodeVerbNeverMatches = "verb-never-matches";
inline constexpr std::string_view kCodeNotAWildcard = "not-a-wildcard";
inline constexpr std::string_view kCodeUnknownGroup = "unknown-group";
inline constexpr std::string_view kCodeWrongGroup = "wrong-group";
inline constexpr std::string_view kCodeUnknownResource = "unknown-resource";
inline constexpr std::string_view kCodeUnknownSubresource = "unknown-subresource";
inline constexpr std::string_view kCodeClusterScopedNamespace = "namespaced-cluster-resource";
inline constexpr std::string_view kCodeNamesNeverMatch = "resource-names-never-match";
inline constexpr std::string_view kCodeUrlIsResourcePath = "url-is-resource-path";
inline constexpr std::string_view kCodeMatchesNothing = "matches-nothing";

struct LintOptions {
  // Above this many (user x group x verb x namespace x resource) combinations in one rule, the
  // shadowing checks compare the rule with each earlier rule as a whole instead of combination
  // by combination: still sound, but it no longer sees a rule shadowed by several earlier rules
  // together, nor partial shadowing. Bounds the work on huge generated policies.
  std::size_t max_combinations = 1024;
};

// All findings, sorted by rule index (policy-wide findings first), then by code in the order
// above, then in the order the check found them, so the output is stable. Works on any Policy,
// including ones ValidatePolicy refuses (an unknown level is skipped by the level-based checks).
std::vector<Finding> Lint(const Policy& policy, const LintOptions& options = {});

// The highest severity in findings, or nullopt when there are none.
std::optional<Severity> MaxSeverity(const std::vector<Finding>& findings);

}  // namespace kaudit::policy
