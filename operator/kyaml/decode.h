// Typed decoding of kyaml::Values with the semantics of sigs.k8s.io/json (what the apiserver
// uses): case-sensitive field names, the last duplicate wins, null leaves the zero value, a type
// mismatch is an error worded like Go's ("json: cannot unmarshal number into Go struct field
// PolicyRule.rules.omitStages of type v1.Stage"), and in strict mode unknown and duplicate fields
// are reported separately so callers can warn and carry on, as kube-apiserver does.
//
// Thread safety: a Decoder is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kyaml/value.h"

namespace kaudit::kyaml {

class Decoder {
 public:
  // The first type error (Go reports the first and keeps going), or empty.
  const std::string& type_error() const { return type_error_; }
  // Unknown and duplicate fields, as strict decoding words them:
  //   unknown field "rules[0].verb"        duplicate field "rules[0].level"
  const std::vector<std::string>& strict_errors() const { return strict_errors_; }
  // Where each strict problem sits in the source, parallel to strict_errors().
  const std::vector<Mark>& strict_marks() const { return strict_marks_; }

  // Field handlers for one JSON object. The decoder walks v's members in order; for each known
  // key it calls the handler with the member's value and path, in source order (so a later
  // duplicate overwrites, as in Go). Unknown and duplicate keys become strict errors.
  // parent_struct and go_type_of_v name v for a type error when v is not an object:
  // "... into Go struct field <parent_struct>.<path> of type <go_type_of_v>", or at the top
  // (parent_struct empty) "... into Go value of type <go_type_of_v>".
  // path is the JSON path of v with indices ("rules[0]"), "" at the top.
  struct Field {
    std::string_view name;
    std::function<void(const Value&, const std::string& path)> decode;
  };
  // Returns false when v is neither an object nor null (a type error is recorded).
  bool DecodeObject(const Value& v, std::string_view parent_struct, const std::string& path,
                    std::string_view go_type_of_v, const std::vector<Field>& fields);

  // Scalars and lists. go_struct and field_path (JSON names joined by '.', no indices, e.g.
  // "rules.omitStages") feed the type-error message; go_type names the Go type
  // ("string", "v1.Level", "bool", "int32", "[]string", "[]v1.Stage").
  void String(const Value& v, std::string_view go_struct, const std::string& field_path,
              std::string_view go_type, std::string* out);
  void Bool(const Value& v, std::string_view go_struct, const std::string& field_path,
            bool* out);
  void OptionalBool(const Value& v, std::string_view go_struct, const std::string& field_path,
                    std::optional<bool>* out);
  void Int64(const Value& v, std::string_view go_struct, const std::string& field_path,
             std::string_view go_type, int64_t min, int64_t max, std::optional<int64_t>* out);
  void StringList(const Value& v, std::string_view go_struct, const std::string& field_path,
                  std::string_view elem_go_type, std::vector<std::string>* out);
  // A list of objects; decode_item is called for each element with its path "field[i]".
  // Null elements decode to a default-constructed element, as in Go.
  void List(const Value& v, std::string_view go_struct, const std::string& field_path,
            std::string_view go_type, const std::function<void(const Value&, std::size_t,
                                                             const std::string&)>& decode_item);

  // Records "json: cannot unmarshal <json type> into Go struct field <S>.<path> of type <T>".
  void TypeError(const Value& v, std::string_view go_struct, const std::string& field_path,
                 std::string_view go_type);

 private:
  std::string type_error_;
  std::vector<std::string> strict_errors_;
  std::vector<Mark> strict_marks_;
};

}  // namespace kaudit::kyaml
