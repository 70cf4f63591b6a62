// Loading a policy file exactly as kube-apiserver's pkg/audit/policy/reader.go does: decode
// (strict first; unknown or duplicate fields only warn and are dropped, as the lenient fallback
// does), check the group/version/kind, ValidatePolicy, refuse zero rules.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kyaml/value.h"
#include "policy/policy.h"
#include "policy/validate.h"

namespace kaudit::policy {

struct LoadResult {
  bool ok = false;
  Policy policy;  // what kube-apiserver would run with (when ok)
  // Fatal problems, one per line of output: "field: message" for validation errors, the
  // decoder's message otherwise ("failed decoding: yaml: line 5: did not find expected key").
  std::vector<std::string> errors;
  // Where each error sits in the source, parallel to errors (line 0 when unknown).
  std::vector<kyaml::Mark> error_marks;
  // Validation errors in structured form (a subset of errors).
  std::vector<FieldError> field_errors;
  // Strict-decoding findings kube-apiserver only warns about (the field was dropped, which can
  // widen a rule), e.g. `unknown field "rules[0].verb" (line 7): dropped; ...`.
  std::vector<std::string> warnings;
};

struct LoadOptions {
  // Treat strict-decoding findings (unknown/duplicate fields) as errors.
  bool strict = false;
};

LoadResult LoadPolicy(std::string_view data, const LoadOptions& opts = {});

}  // namespace kaudit::policy
