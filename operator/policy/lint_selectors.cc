// Checks of one rule's selectors against what requests can carry: verbs and literal "*" here,
// resources and URLs in lint_resources.cc; and matches-nothing when every alternative of a
// selector is dead. "Dead" means: only requests that kube-apiserver refuses as not found (or
// that no client sends) could match it.
#include <algorithm>
#include <cctype>

#include "policy/lint_checks.h"
#include "policy/lint_known_apis.h"

namespace kaudit::policy::lint_internal {
namespace {

using Kind = Selector::Kind;

bool Has(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// The verb a non-resource spelling stands for on resource requests and back.
std::string_view ResourceVerbFor(std::string_view http) {
  if (http == "post") return "create";
  if (http == "put") return "update";
  if (http == "head") return "get";
  return "";
}
std::string_view HttpVerbFor(std::string_view verb) {
  if (verb == "create") return "post";
  if (verb == "update") return "put";
  if (verb == "list" || verb == "watch") return "get";
  if (verb == "deletecollection") return "delete";
  return "";
}

std::string UnknownVerbFix(const RuleCheck& c, const std::string& verb, std::size_t i) {
  std::string lower = verb;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "read") return "use the verbs get, list and watch";
  if (lower == "write") return "use the verbs create, update, patch, delete and deletecollection";
  std::vector<std::string_view> known;
  if (c.kind() != Kind::kNonResource) {
    known = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
  }
  if (c.kind() == Kind::kNonResource || c.kind() == Kind::kAny) {
    for (std::string_view v : {"get", "post", "put", "patch", "delete", "head", "options"}) {
      if (std::find(known.begin(), known.end(), v) == known.end()) known.push_back(v);
    }
  }
  std::string field = c.Field("verbs[" + std::to_string(i) + "]");
  std::string best = Suggest(verb, known);
  if (!best.empty()) return "replace " + field + " with " + Quote(best);
  return "remove " + field + " (see docs/lint.md for the verbs requests carry)";
}

// Returns true when the verb can never be the verb of a request this rule can match.
bool CheckVerb(const RuleCheck& c, std::size_t i) {
  const std::string& v = c.rule().verbs[i];
  std::string field = c.Field("verbs[" + std::to_string(i) + "]");
  if (v == "*") {
    c.Add(Severity::kWarning, kCodeNotAWildcard,
          "verb \"*\" is compared literally; audit policies have no verb wildcard (RBAC does)",
          "remove " + c.Field("verbs") + " to match every verb");
    return true;
  }
  bool resource_ok = IsResourceVerb(v);
  bool http_ok = IsNonResourceVerb(v);
  if (c.kind() == Kind::kResource && !resource_ok && http_ok) {
    std::string_view meant = ResourceVerbFor(v);
    c.Add(Severity::kWarning, kCodeVerbNeverMatches,
          "verb " + Quote(v) +
              " never occurs on resource requests: they carry Kubernetes verbs "
              "(POST is create, PUT is update, HEAD is get)",
          meant.empty() ? "remove " + field : "replace " + field + " with " + Quote(meant));
    return true;
  }
  if (c.kind() == Kind::kNonResource && resource_ok && !http_ok) {
    std::string_view meant = HttpVerbFor(v);
    c.Add(Severity::kWarning, kCodeVerbNeverMatches,
          "verb " + Quote(v) +
              " never occurs on non-resource requests: they carry the "
              "lowercase HTTP method (get, post, put, patch, delete, head, options)",
          meant.empty() ? "remove " + field : "replace " + field + " with " + Quote(meant));
    return true;
  }
  if (resource_ok || http_ok) return false;
  std::string why = IsRbacOnlyVerb(v)
                        ? " is an RBAC verb: authorizers check it, but no request carries it"
                        : " is not a verb any request carries (verbs are compared exactly, "
                          "in lower case)";
  c.Add(Severity::kWarning, kCodeUnknownVerb, "verb " + Quote(v) + why, UnknownVerbFix(c, v, i));
  return true;
}

// Returns true when every listed verb is dead (so the rule matches nothing).
bool CheckVerbs(const RuleCheck& c) {
  bool all_dead = !c.rule().verbs.empty();
  for (std::size_t i = 0; i < c.rule().verbs.size(); ++i) {
    all_dead = CheckVerb(c, i) && all_dead;
  }
  return all_dead;
}

void CheckWildcardList(const RuleCheck& c, const std::vector<std::string>& list,
                       const std::string& field, const std::string& what, const std::string& fix) {
  if (!Has(list, "*")) return;
  c.Add(Severity::kWarning, kCodeNotAWildcard,
        field + " are compared literally: \"*\" matches only " + what +
            " named \"*\", it is "
            "not a wildcard",
        fix);
}

void CheckWildcards(const RuleCheck& c) {
  CheckWildcardList(c, c.rule().users, "users", "a user",
                    "remove \"*\" from " + c.Field("users") + "; an absent list matches everyone");
  CheckWildcardList(
      c, c.rule().user_groups, "userGroups", "a group",
      "remove \"*\" from " + c.Field("userGroups") + "; an absent list matches every user");
  CheckWildcardList(
      c, c.rule().namespaces, "namespaces", "a namespace",
      "remove \"*\" from " + c.Field("namespaces") + "; an absent list matches every namespace");
  for (std::size_t e = 0; e < c.rule().resources.size(); ++e) {
    std::string field = c.Field("resources[" + std::to_string(e) + "].resourceNames");
    CheckWildcardList(c, c.rule().resources[e].resource_names, "resourceNames", "an object",
                      "remove \"*\" from " + field + "; an absent list matches every name");
  }
}

}  // namespace

void CheckSelectors(const std::vector<RuleView>& rules, std::vector<Finding>* out) {
  for (const RuleView& view : rules) {
    RuleCheck c{view, out};
    bool dead = CheckVerbs(c);
    CheckWildcards(c);
    if (c.kind() == Kind::kResource && CheckResourceEntries(c)) dead = true;
    if (c.kind() == Kind::kNonResource && CheckUrls(c)) dead = true;
    if (!dead) continue;
    c.Add(Severity::kWarning, kCodeMatchesNothing,
          "matches no request kube-apiserver serves (see the other findings for this rule), so "
          "its level " +
              view.rule->level + " never applies",
          "fix the selectors reported for " + RuleRef(view.index) + ", or remove the rule");
  }
}

}  // namespace kaudit::policy::lint_internal
