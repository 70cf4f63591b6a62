// sensitive-body: a rule that can log credentials with their request or response bodies.
//
// Which resources count (docs/lint.md "sensitive-body"):
//   error  secrets                                the values, in create/update/patch bodies and
//                                                 in every response that returns the object
//   error  serviceaccounts/token                  TokenRequest: the response holds a new token
//   error  tokenreviews (authentication.k8s.io)   TokenReview: the create body holds the token
//   info   configmaps                             meant for non-confidential data, yet often
//                                                 used for credentials; Recommended and GKE keep
//                                                 them at Metadata, the body presets do not
// At RequestResponse every verb but watch counts (a watch's streamed response is not logged).
// At Request only the request body is added, and only create, update and patch carry the object
// in it (get/list/watch have none, delete and deletecollection carry DeleteOptions), so a
// Request rule whose verbs are all others is safe.
// A rule is reported when it can match such a request that no earlier rule certainly matches
// first (any earlier match caps the level, whatever it is). Where a rule's resource string is
// opaque the overlap is assumed, so a leak is never missed.
#include <algorithm>
#include <span>
#include <utility>

#include "policy/lint_checks.h"

namespace kaudit::policy::lint_internal {
namespace {

struct Sensitive {
  const char* group;
  const char* resource;
  const char* what;
  Severity severity;
  bool in_request_body;  // the credential can be in a create/update/patch body
};

// Exact resource strings: none of these has further subresources (lint_known_apis.cc), so a
// request for "secrets/x" is refused before any body is read.
constexpr Sensitive kSensitive[] = {
    {"", "secrets", "Secrets", Severity::kError, true},
    {"", "serviceaccounts/token", "service account tokens (serviceaccounts/token)",
     Severity::kError, false},
    {"authentication.k8s.io", "tokenreviews", "TokenReviews", Severity::kError, true},
    {"", "configmaps", "ConfigMaps", Severity::kInfo, true},
};

// {level: Metadata, resources: [...]} for the given entries, grouped by API group.
std::string CappingRule(const std::vector<const Sensitive*>& hits) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const Sensitive* s : hits) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == s->group; });
    if (it == groups.end()) {
      groups.push_back({s->group, {}});
      it = groups.end() - 1;
    }
    it->second.push_back(s->resource);
  }
  std::string out = "{level: Metadata, resources: [";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) out += ", ";
    out += "{group: " + Quote(groups[g].first) + ", resources: [";
    for (std::size_t r = 0; r < groups[g].second.size(); ++r) {
      out += (r > 0 ? ", " : "") + Quote(groups[g].second[r]);
    }
    out += "]}";
  }
  return out + "]}";
}

std::string JoinWhat(const std::vector<const Sensitive*>& hits) {
  std::string out;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (i > 0) out += i + 1 == hits.size() ? " and " : ", ";
    out += hits[i]->what;
  }
  return out;
}

Finding MakeFinding(const RuleView& r, Severity sev, const std::vector<const Sensitive*>& hits) {
  Finding f;
  f.severity = sev;
  f.code = kCodeSensitiveBody;
  f.rule_index = r.index;
  std::string capping = CappingRule(hits);
  if (sev == Severity::kError) {
    f.message = "logs " + JoinWhat(hits) + " at " + r.rule->level +
                ": their request or response bodies carry credentials, which would be written "
                "to the audit log";
    f.fix = "insert " + capping + " before " + RuleRef(r.index) +
            " (kaudit's locked preamble does this for rendered profiles)";
  } else {
    f.message = "logs the bodies of " + JoinWhat(hits) + " at " + r.rule->level +
                ": they are meant for non-confidential data but often hold credentials";
    f.fix = "if they may hold credentials here, insert " + capping + " before " + RuleRef(r.index);
  }
  return f;
}

// At Request level only create, update and patch bodies hold the object; at RequestResponse
// every response is logged but a watch's stream.
bool LogsBody(const RuleView& r, const Sensitive& s) {
  const std::vector<std::string>& verbs = r.rule->verbs;
  if (verbs.empty()) return *r.level == Level::kRequestResponse || s.in_request_body;
  if (*r.level == Level::kRequestResponse) {
    return std::any_of(verbs.begin(), verbs.end(),
                       [](const std::string& v) { return v != "watch"; });
  }
  return s.in_request_body && std::any_of(verbs.begin(), verbs.end(), [](const std::string& v) {
           return v == "create" || v == "update" || v == "patch";
         });
}

}  // namespace

void CheckSensitive(const std::vector<RuleView>& rules, const LintOptions& options,
                    std::vector<Finding>* out) {
  std::vector<Selector> selectors;
  for (const RuleView& r : rules) selectors.push_back(r.selector);
  std::span<const Selector> all(selectors);
  for (std::size_t k = 0; k < rules.size(); ++k) {
    const RuleView& r = rules[k];
    if (!r.level || *r.level < Level::kRequest) continue;
    std::vector<const Sensitive*> errors;
    std::vector<const Sensitive*> infos;
    for (const Sensitive& s : kSensitive) {
      if (!LogsBody(r, s)) continue;
      auto reach = RestrictToResource(r.selector, s.group, ClassifyResource(s.resource));
      if (!reach) continue;
      if (AnalyzeCoverage(*reach, all.first(k), options.max_combinations).all_covered) continue;
      (s.severity == Severity::kError ? errors : infos).push_back(&s);
    }
    if (!errors.empty()) out->push_back(MakeFinding(r, Severity::kError, errors));
    if (!infos.empty()) out->push_back(MakeFinding(r, Severity::kInfo, infos));
  }
}

}  // namespace kaudit::policy::lint_internal
