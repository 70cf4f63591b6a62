// shadowed-rule and partially-shadowed: parts of a rule that earlier rules certainly match
// first (lint_match.h explains the model and why the answer is sound).
#include <span>

#include "policy/lint_checks.h"

namespace kaudit::policy::lint_internal {
namespace {

using Dim = Element::Dim;

std::string ListField(Dim dim) {
  switch (dim) {
    case Dim::kUsers:
      return "users";
    case Dim::kGroups:
      return "userGroups";
    case Dim::kVerbs:
      return "verbs";
    case Dim::kNamespaces:
      return "namespaces";
    case Dim::kResources:
      return "resources";
    case Dim::kUrls:
      return "nonResourceURLs";
  }
  return "";
}

const std::string& ListValue(const PolicyRule& rule, const Element& e) {
  auto k = static_cast<std::size_t>(e.index);
  switch (e.dim) {
    case Dim::kUsers:
      return rule.users[k];
    case Dim::kGroups:
      return rule.user_groups[k];
    case Dim::kVerbs:
      return rule.verbs[k];
    case Dim::kNamespaces:
      return rule.namespaces[k];
    case Dim::kUrls:
      return rule.non_resource_urls[k];
    case Dim::kResources:
      break;
  }
  return rule.resources[k].resources[static_cast<std::size_t>(e.pattern)];
}

std::string Describe(const PolicyRule& rule, const Element& e) {
  switch (e.dim) {
    case Dim::kUsers:
      return "user " + Quote(ListValue(rule, e));
    case Dim::kGroups:
      return "userGroups entry " + Quote(ListValue(rule, e));
    case Dim::kVerbs:
      return "verb " + Quote(ListValue(rule, e));
    case Dim::kNamespaces:
      return "namespace " + Quote(ListValue(rule, e));
    case Dim::kUrls:
      return "nonResourceURL " + Quote(ListValue(rule, e));
    case Dim::kResources:
      break;
  }
  const GroupResources& gr = rule.resources[static_cast<std::size_t>(e.index)];
  if (e.pattern < 0) return GroupDesc(gr.group) + " (all of its resources)";
  return "resource " + Quote(ListValue(rule, e)) + " of " + GroupDesc(gr.group);
}

// The edit that removes exactly the shadowed part. A list is never emptied by it (an emptied
// list would mean "any"): a part is only reported when other parts of the rule still match.
std::string RemovalFix(int j, const PolicyRule& rule, const Element& e) {
  std::string field = RuleRef(j) + "." + ListField(e.dim);
  if (e.dim != Dim::kResources) return "remove " + Quote(ListValue(rule, e)) + " from " + field;
  std::string entry = field + "[" + std::to_string(e.index) + "]";
  const GroupResources& gr = rule.resources[static_cast<std::size_t>(e.index)];
  if (e.pattern >= 0 && gr.resources.size() > 1) {
    return "remove " + Quote(ListValue(rule, e)) + " from " + entry + ".resources";
  }
  return "remove " + entry;
}

void ReportWhole(const std::vector<RuleView>& rules, int j, const Coverage& c,
                 std::vector<Finding>* out) {
  const RuleView& r = rules[static_cast<std::size_t>(j)];
  std::string msg =
      "can never match: every request it matches is matched first by " + RuleList(rules, c.by);
  Finding f;
  f.code = kCodeShadowedRule;
  f.rule_index = j;
  if (c.differs) {
    f.severity = Severity::kWarning;
    f.message = msg + ", so its level " + r.rule->level + " never applies";
    f.fix = "remove " + RuleRef(j) + ", or move it above " + RuleRef(c.by.front()) +
            " if it should win";
  } else {
    f.severity = Severity::kInfo;
    f.message = msg + ", which treat those requests the same way: the rule is redundant";
    f.fix = "remove " + RuleRef(j);
  }
  out->push_back(std::move(f));
}

void ReportPart(const std::vector<RuleView>& rules, int j, const Coverage::Part& p,
                std::vector<Finding>* out) {
  const PolicyRule& rule = *rules[static_cast<std::size_t>(j)].rule;
  Finding f;
  f.code = kCodePartiallyShadowed;
  f.rule_index = j;
  f.message = Describe(rule, p.element) + " can never take effect: " + RuleList(rules, p.by) +
              " match all of those requests first";
  f.fix = RemovalFix(j, rule, p.element);
  if (p.differs) {
    f.severity = Severity::kWarning;
    f.fix += ", or move " + RuleRef(j) + " above " + RuleRef(p.by.front()) + " if it should win";
  } else {
    f.severity = Severity::kInfo;
    f.message += " with the same level and stages (redundant)";
  }
  out->push_back(std::move(f));
}

}  // namespace

void CheckShadowing(const std::vector<RuleView>& rules, const LintOptions& options,
                    std::vector<Finding>* out) {
  std::vector<Selector> selectors;
  std::vector<int> effects;
  for (const RuleView& r : rules) {
    selectors.push_back(r.selector);
    effects.push_back(r.effect);
  }
  std::span<const Selector> all(selectors);
  std::span<const int> all_effects(effects);
  for (std::size_t j = 1; j < rules.size(); ++j) {
    Coverage c = AnalyzeCoverage(selectors[j], all.first(j), options.max_combinations,
                                 all_effects.first(j), effects[j]);
    int jj = static_cast<int>(j);
    if (c.all_covered) {
      ReportWhole(rules, jj, c, out);
      continue;
    }
    for (const Coverage::Part& p : c.covered_parts) ReportPart(rules, jj, p, out);
  }
}

}  // namespace kaudit::policy::lint_internal
