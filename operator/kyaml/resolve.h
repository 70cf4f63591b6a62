// Scalar resolution of go-yaml v2 (YAML 1.1), and the key conversion of sigs.k8s.io/yaml.
// Internal to kyaml; exposed for tests. Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "kyaml/value.h"

namespace kaudit::kyaml::internal {

// What a plain (unquoted, untagged) scalar resolves to.
struct Resolved {
  enum class Kind { kNull, kBool, kInt, kUint, kFloat, kString, kMerge } kind = Kind::kString;
  bool b = false;
  long long i = 0;
  unsigned long long u = 0;
  double f = 0;
};
Resolved ResolvePlain(std::string_view s);

// The JSON value of a resolved scalar in value position. Fails like json.Marshal for +Inf, -Inf
// and NaN ("json: unsupported value: +Inf").
StatusOr<Value> ToJsonValue(const Resolved& r, std::string_view text, Mark m);

// The JSON object key of a resolved scalar in key position (sigs.k8s.io/yaml rules: ints in
// decimal, floats with 32-bit %g, bools as true/false; null and uint64 keys are errors).
StatusOr<std::string> ToJsonKey(const Resolved& r, std::string_view text);

// Go's strconv.FormatFloat(f, 'g' or 'f'/'e' as encoding/json picks, -1, 64).
std::string FormatJsonFloat(double f);

}  // namespace kaudit::kyaml::internal
