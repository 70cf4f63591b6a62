#include "policy/lint.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "policy/lint_checks.h"

namespace kaudit::policy {
namespace lint_internal {

std::string RuleRef(int index) { return "rules[" + std::to_string(index) + "]"; }

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

std::string GroupDesc(std::string_view group) {
  return group.empty() ? "the core group (\"\")" : "group " + Quote(group);
}

std::string RuleList(const std::vector<RuleView>& rules, const std::vector<int>& indexes) {
  std::string out;
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    if (i > 0) out += ", ";
    const RuleView& r = rules[static_cast<std::size_t>(indexes[i])];
    out += RuleRef(r.index) + " (" + r.rule->level + ")";
  }
  return out;
}

}  // namespace lint_internal

namespace {

using lint_internal::RuleRef;
using lint_internal::RuleView;
using lint_internal::Selector;

std::vector<RuleView> MakeViews(const Policy& policy) {
  std::vector<RuleView> views;
  std::map<std::string, int> effect_ids;
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const PolicyRule& rule = policy.rules[i];
    std::set<std::string> stages(rule.omit_stages.begin(), rule.omit_stages.end());
    stages.insert(policy.omit_stages.begin(), policy.omit_stages.end());
    std::string key = rule.level + "\n" +
                      (rule.omit_managed_fields.value_or(policy.omit_managed_fields) ? "1" : "0");
    for (const std::string& s : stages) key += "\n" + s;
    auto [it, inserted] = effect_ids.emplace(key, static_cast<int>(effect_ids.size()));
    views.push_back({.index = static_cast<int>(i),
                     .rule = &rule,
                     .selector = lint_internal::ToSelector(rule),
                     .level = ParseLevel(rule.level),
                     .effect = it->second});
  }
  return views;
}

bool IsCatchAll(const PolicyRule& r) {
  return r.users.empty() && r.user_groups.empty() && r.verbs.empty() && r.resources.empty() &&
         r.namespaces.empty() && r.non_resource_urls.empty();
}

void CheckCatchAll(const Policy& policy, std::vector<Finding>* out) {
  if (std::any_of(policy.rules.begin(), policy.rules.end(), IsCatchAll)) return;
  out->push_back({Severity::kWarning, std::string(kCodeNoCatchAll), -1,
                  "no rule matches every request: a request that matches no rule is not audited "
                  "at all (level None)",
                  "append a last rule \"- level: Metadata\" (or \"- level: None\" to make the "
                  "choice explicit)"});
}

void CheckRequestReceived(const Policy& policy, const std::vector<RuleView>& rules,
                          std::vector<Finding>* out) {
  constexpr std::string_view kStage = "RequestReceived";
  auto has = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), kStage) != v.end();
  };
  if (has(policy.omit_stages)) return;
  std::vector<int> emitting;
  for (const RuleView& r : rules) {
    if (r.level && *r.level != Level::kNone && !has(r.rule->omit_stages)) {
      emitting.push_back(r.index);
    }
  }
  if (emitting.empty()) return;
  std::string which;
  for (std::size_t i = 0; i < emitting.size() && i < 5; ++i) {
    which += (i > 0 ? ", " : "") + RuleRef(emitting[i]);
  }
  if (emitting.size() > 5) which += " and " + std::to_string(emitting.size() - 5) + " more";
  out->push_back(
      {Severity::kWarning, std::string(kCodeRequestReceived), -1,
       "the RequestReceived stage is logged (by " + which +
           "): every request is "
           "written twice, once before it runs and once when it completes, with the same "
           "content",
       "add \"omitStages: [RequestReceived]\" at the top level of the policy"});
}

// Request and RequestResponse add bodies, which these requests do not have in the log:
// non-resource requests carry no objects, watches have no request body and their streamed
// response is never recorded (audit-semantics.md §1 Levels).
void CheckLevelNoEffect(const std::vector<RuleView>& rules, std::vector<Finding>* out) {
  for (const RuleView& r : rules) {
    if (!r.level || *r.level < Level::kRequest) continue;
    const std::vector<std::string>& verbs = r.rule->verbs;
    bool watch_only =
        !verbs.empty() &&
        std::all_of(verbs.begin(), verbs.end(), [](const std::string& v) { return v == "watch"; });
    std::string why;
    if (r.selector.kind == Selector::Kind::kNonResource) {
      why = "non-resource requests carry no objects";
    } else if (watch_only) {
      why = "watch requests have no body and their streamed responses are not logged";
    } else {
      continue;
    }
    out->push_back({Severity::kInfo, std::string(kCodeLevelNoEffect), r.index,
                    "level " + r.rule->level + " logs the same as Metadata here: " + why,
                    "set " + RuleRef(r.index) + ".level to Metadata"});
  }
}

int CodeRank(const std::string& code) {
  static constexpr std::array<std::string_view, 17> kOrder = {
      kCodeNoCatchAll,         kCodeRequestReceived,
      kCodeShadowedRule,       kCodePartiallyShadowed,
      kCodeSensitiveBody,      kCodeLevelNoEffect,
      kCodeUnknownVerb,        kCodeVerbNeverMatches,
      kCodeNotAWildcard,       kCodeUnknownGroup,
      kCodeWrongGroup,         kCodeUnknownResource,
      kCodeUnknownSubresource, kCodeClusterScopedNamespace,
      kCodeNamesNeverMatch,    kCodeUrlIsResourcePath,
      kCodeMatchesNothing};
  auto it = std::find(kOrder.begin(), kOrder.end(), code);
  return static_cast<int>(it - kOrder.begin());
}

}  // namespace

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "?";
}

std::optional<Severity> ParseSeverity(std::string_view s) {
  for (Severity v : {Severity::kInfo, Severity::kWarning, Severity::kError}) {
    if (SeverityName(v) == s) return v;
  }
  return std::nullopt;
}

std::vector<Finding> Lint(const Policy& policy, const LintOptions& options) {
  std::vector<RuleView> views = MakeViews(policy);
  std::vector<Finding> out;
  CheckCatchAll(policy, &out);
  CheckRequestReceived(policy, views, &out);
  lint_internal::CheckShadowing(views, options, &out);
  lint_internal::CheckSensitive(views, options, &out);
  CheckLevelNoEffect(views, &out);
  lint_internal::CheckSelectors(views, &out);
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (a.rule_index != b.rule_index) return a.rule_index < b.rule_index;
    return CodeRank(a.code) < CodeRank(b.code);
  });
  return out;
}

std::optional<Severity> MaxSeverity(const std::vector<Finding>& findings) {
  std::optional<Severity> max;
  for (const Finding& f : findings) {
    if (!max || f.severity > *max) max = f.severity;
  }
  return max;
}

}  // namespace kaudit::policy
