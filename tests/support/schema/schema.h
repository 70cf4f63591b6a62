// kaudit_schema: what kube-apiserver does with a custom resource and its CRD's structural
// OpenAPI v3 schema, for tests that have no apiserver. Test infrastructure, not product code.
//
//   Validate / ValidateObject  the write path of a custom resource: nulls the schema does not
//                              allow are dropped, defaults applied, unknown fields pruned
//                              (reported separately, as `kubectl --validate=strict` would
//                              refuse them), then the OpenAPI value validations and the
//                              x-kubernetes-validations CEL rules (a subset of CEL: see cel.h)
//   ValidateMetadataName       the ObjectMeta name check every custom resource gets
//   CheckStructural            a schema is structural and uses only what this checker implements
//   CheckCelRules              every CEL rule parses, names only fields that exist, stays within
//                              the apiserver's estimated cost budget, and every list, string and
//                              map its `self` can reach is bounded
//   CheckCrd                   all of the above for a whole CustomResourceDefinition object
//
// Messages imitate kube-apiserver's field errors, e.g.
//   spec.rules[0].level: Unsupported value: "x": supported values: "None", "Metadata", ...
//   spec.rules: Too many: 1025: must have at most 1024 items
//   spec.rules[0].nonResourceURLs: Invalid value: "object": rules cannot apply to both ...
// Anything this checker cannot evaluate faithfully is an error, never a silent pass.
//
// Thread safety: pure functions (compiled patterns are cached behind a mutex).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kaudit::schema {

struct Result {
  std::vector<std::string> errors;  // what the apiserver would refuse the write with
  std::vector<std::string> pruned;  // unknown fields dropped on write: "spec.rules[0].verb"
  nlohmann::json object;            // the object as it would be stored (pruned, defaulted)
};

// schema is a version's openAPIV3Schema; object a whole custom resource (apiVersion, kind,
// metadata are kept as they are; metadata is ObjectMeta's business, see ValidateMetadataName).
Result ValidateObject(const nlohmann::json& schema, const nlohmann::json& object);

// ValidateObject(...).errors.
std::vector<std::string> Validate(const nlohmann::json& crd_version_schema,
                                  const nlohmann::json& object);

// metadata.name of a custom resource: required, a lowercase RFC 1123 subdomain (<= 253).
std::vector<std::string> ValidateMetadataName(const nlohmann::json& object);

// Problems that make a schema non-structural, or that this checker cannot evaluate
// faithfully (unsupported keywords or formats, patterns in RE2-only syntax); also list-map
// keys that are not required, `required` names without a property, and messages with line
// breaks. Empty when the schema is fine.
std::vector<std::string> CheckStructural(const nlohmann::json& schema);

struct RuleCost {
  std::string path;  // where the rule sits: "spec.rules[*].resources[*]"
  std::string rule;
  uint64_t expression_cost;  // estimated cost of one evaluation
  uint64_t cardinality;      // how many times it can run per object (product of maxItems)
  uint64_t total() const {
    if (cardinality != 0 && expression_cost > UINT64_MAX / cardinality) return UINT64_MAX;
    return expression_cost * cardinality;
  }
};
struct CelReport {
  std::vector<RuleCost> rules;
  uint64_t total_cost = 0;
  std::vector<std::string> errors;  // parse errors, unknown fields, unbounded data, over budget
};

// kube-apiserver's limits (apiextensions-apiserver validation): per rule and per CRD version.
inline constexpr uint64_t kPerRuleCostLimit = 10'000'000;
inline constexpr uint64_t kPerCrdCostLimit = 100'000'000;

CelReport CheckCelRules(const nlohmann::json& schema);

// Names, scope, versions (exactly one storage version), subresources, printer columns, and
// CheckStructural + CheckCelRules for every version's schema.
std::vector<std::string> CheckCrd(const nlohmann::json& crd);

// "a.b" / "a[3]" path helpers shared by the implementation files.
inline std::string ChildPath(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}
inline std::string IndexPath(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

}  // namespace kaudit::schema
