// Internal to lint: the checks, grouped by file, and what they share. Each check appends its
// findings; Lint() (lint.cc) orders them.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/lint.h"
#include "policy/lint_match.h"
#include "policy/policy.h"

namespace kaudit::policy::lint_internal {

// What every check needs to know about one rule.
struct RuleView {
  int index = 0;
  const PolicyRule* rule = nullptr;
  Selector selector;
  std::optional<Level> level;  // nullopt for a level kube-apiserver refuses
  // Equal ids: the same level, effective omitStages and effective omitManagedFields, so two
  // rules with equal ids treat the requests they match identically.
  int effect = 0;
};

// "rules[3]".
std::string RuleRef(int index);
// "\"x\"" (JSON-style quoting, readable in both text and JSON output).
std::string Quote(std::string_view s);
// "the core group (\"\")" or "group \"apps\"".
std::string GroupDesc(std::string_view group);
// "rules[0] (None), rules[4] (Metadata)".
std::string RuleList(const std::vector<RuleView>& rules, const std::vector<int>& indexes);

// One rule under check, and where its findings go.
struct RuleCheck {
  const RuleView& view;
  std::vector<Finding>* out;

  const PolicyRule& rule() const { return *view.rule; }
  Selector::Kind kind() const { return view.selector.kind; }
  // "rules[3].<path>".
  std::string Field(const std::string& path) const { return RuleRef(view.index) + "." + path; }
  void Add(Severity sev, std::string_view code, std::string message, std::string fix) const {
    out->push_back({sev, std::string(code), view.index, std::move(message), std::move(fix)});
  }
};

// lint_shadow.cc: shadowed-rule, partially-shadowed.
void CheckShadowing(const std::vector<RuleView>& rules, const LintOptions& options,
                    std::vector<Finding>* out);
// lint_sensitive.cc: sensitive-body.
void CheckSensitive(const std::vector<RuleView>& rules, const LintOptions& options,
                    std::vector<Finding>* out);
// lint_selectors.cc: verbs, wildcards, matches-nothing (using the two below).
void CheckSelectors(const std::vector<RuleView>& rules, std::vector<Finding>* out);
// lint_resources.cc: groups, resources, subresources, resourceNames, namespaces (resource
// rules), and resource paths in nonResourceURLs. Each returns true when every alternative it
// checked is dead, so the rule matches nothing.
bool CheckResourceEntries(const RuleCheck& c);
bool CheckUrls(const RuleCheck& c);

}  // namespace kaudit::policy::lint_internal
