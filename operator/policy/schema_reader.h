// SchemaReader: walks a kyaml::Value the way the API server checks a custom resource against a
// structural schema, collecting every problem with its field path and source line instead of
// stopping at the first. Used by profile.cc; internal to the policy library.
//
// - null anywhere in an object means "not set" (the API server prunes it);
// - a member that appears twice: the last one wins, the earlier ones are reported;
// - a member the schema does not know: reported (warning, or error when strict);
// - a value of the wrong JSON type: an error naming the expected type.
//
// Thread safety: one reader per decode, used by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kyaml/value.h"
#include "policy/duration.h"

namespace kaudit::policy {

class SchemaReader {
 public:
  // root is the object being decoded; it must outlive the reader (messages resolve their
  // field paths against it to find the line).
  SchemaReader(std::string source_name, const kyaml::Value& root, bool strict)
      : source_(std::move(source_name)), root_(&root), strict_(strict) {}

  using Handler = std::function<void(const kyaml::Value&, const std::string& path)>;
  struct Field {
    std::string_view name;
    Handler handle;
  };

  // Calls the handler of each known, non-null member (the last of duplicates). Returns false
  // and records an error when v is neither an object nor null.
  bool Object(const kyaml::Value& v, const std::string& path, const std::vector<Field>& fields);

  // Scalars: false (with an error recorded) on a type mismatch or a bound violation.
  bool String(const kyaml::Value& v, const std::string& path, std::size_t max_bytes,
              std::string* out);
  bool Int(const kyaml::Value& v, const std::string& path, int64_t min, int64_t max, int64_t* out);
  bool Bool(const kyaml::Value& v, const std::string& path, bool* out);
  bool Number(const kyaml::Value& v, const std::string& path, double* out);
  // A Go duration string ("90s", "1h30m"); negative durations are refused.
  bool GoDuration(const kyaml::Value& v, const std::string& path, Duration* out);
  bool StringList(const kyaml::Value& v, const std::string& path, std::vector<std::string>* out);
  // A list of objects; calls item for each element with its path "path[i]".
  void List(const kyaml::Value& v, const std::string& path, std::size_t max_items,
            const std::function<void(const kyaml::Value&, const std::string&)>& item);

  // at, when known, is where the problem is (e.g. the first of two duplicate keys); otherwise
  // the line is found from path.
  void Error(const std::string& path, const std::string& message, kyaml::Mark at = {});
  // A message that already names its field (e.g. FieldError::ToString()), placed at path. Not
  // counted by ErrorNear: one field may fail several validation checks.
  void ErrorLine(const std::string& path, const std::string& line);
  void Warn(const std::string& path, const std::string& message, kyaml::Mark at = {});
  // "source:line" of the value at path ("spec.rules[2].level"), or of its nearest parent that
  // exists in the document; just "source" when the document has no line numbers (JSON).
  std::string Where(const std::string& path) const;

  // True when an error was recorded at path, inside it, or at one of its parents: a later check
  // of the same field would only repeat it.
  bool ErrorNear(const std::string& path) const;

  std::vector<std::string> TakeErrors() { return std::move(errors_); }
  std::vector<std::string> TakeWarnings() { return std::move(warnings_); }
  bool has_errors() const { return !errors_.empty(); }

 private:
  void TypeError(const kyaml::Value& v, const std::string& path, std::string_view want);

  std::string source_;
  const kyaml::Value* root_;
  bool strict_;
  std::vector<std::string> errors_;
  std::vector<std::string> error_paths_;
  std::vector<std::string> warnings_;
};

// "a.b" / "a[3]" path building.
inline std::string Child(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}
inline std::string Index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

}  // namespace kaudit::policy
