// The curated rule lists kaudit ships: the five presets an AuditProfile may name
// (spec.preset) and the locked preamble that starts every rendered policy.
//
// Each rule carries the reason it exists; render.h writes it as a comment above the rule and
// docs/presets.md explains the same list for people. The lists are data, not logic: changing a
// rule changes every revision that uses it, so golden files in tests/fixtures/render/ pin them.
//
// The locked preamble and "cannot be overridden": audit rules are first-match-wins, so a rule
// can only fix a level for the requests it matches, never cap it. The preamble therefore comes
// before every profile rule and fixes the level outright: writes to AuditProfiles (and to their
// CRD) are always RequestResponse, and the sensitive resources below are always exactly
// Metadata: never more (no Secret values or tokens in the log) and never less (a profile cannot
// make reading a Secret invisible either). Only RenderOptions.locked_preamble=false turns it off.
//
// Thread safety: the returned lists are immutable statics, safe to read from any thread.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace kaudit::policy {

enum class Preset { kNone, kMetadata, kWriteRequestBodies, kAllRequestBodies, kRecommended };
inline constexpr std::array<std::string_view, 5> kPresetNames = {
    "None", "Metadata", "WriteRequestBodies", "AllRequestBodies", "Recommended"};

// Case-sensitive, like every enum in the Kubernetes API.
std::optional<Preset> ParsePreset(std::string_view name);
inline std::string_view PresetName(Preset p) { return kPresetNames[static_cast<int>(p)]; }

// A rule kaudit ships, with why it is there (one line, no newline; shown as a YAML comment).
struct CuratedRule {
  std::string purpose;
  PolicyRule rule;
};

// The preset's rules in order; every preset ends with its catch-all rule.
const std::vector<CuratedRule>& PresetRules(Preset preset);

// The locked preamble (see the file comment).
const std::vector<CuratedRule>& LockedPreamble();

// The API groups kube-apiserver 1.28-1.31 serves itself; Recommended logs bodies only for these
// (custom resources may hold anything, so they stay at Metadata).
const std::vector<std::string>& BuiltinApiGroups();

}  // namespace kaudit::policy
