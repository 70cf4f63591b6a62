// ValidatePolicy as in k8s.io/apiserver pkg/apis/audit/validation (unchanged 1.28-1.35), and the
// field-error type shared by every validator in kaudit.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace kaudit::policy {

// One problem with one field, worded like k8s.io/apimachinery field.Error:
//   "<field>: <type>: <value>: <detail>", e.g.
//   rules[0].level: Unsupported value: "All": supported values: "None", "Metadata", ...
struct FieldError {
  enum class Type { kRequired, kInvalid, kNotSupported, kDuplicate, kForbidden, kTooLong };
  Type type = Type::kInvalid;
  std::string field;      // e.g. "rules[3].nonResourceURLs[0]"
  std::string bad_value;  // already rendered as Go's %#v would ("\"x\"", "[]string{\"a\"}")
  std::string detail;
  std::string ToString() const;
  bool operator==(const FieldError&) const = default;
};

// Go's %#v of a string ("\"a\\tb\"") and of a []string ("[]string{\"a\", \"b\"}").
std::string GoQuote(const std::string& s);
std::string GoStringSlice(const std::vector<std::string>& v);

// Every error ValidatePolicy would return, in upstream's order. An empty policy is valid here;
// only the loader refuses zero rules.
std::vector<FieldError> ValidatePolicy(const Policy& policy);

}  // namespace kaudit::policy
