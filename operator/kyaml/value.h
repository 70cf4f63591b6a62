// kyaml: YAML and JSON documents decoded the way Kubernetes decodes them.
//
// kube-apiserver (and kubectl) never look at YAML directly: sigs.k8s.io/yaml turns it into JSON
// first, using go-yaml v2, whose scalar resolution is YAML 1.1 (`no`, `on`, `y` are booleans,
// `0x1F` and `1_000` are integers, `.inf` is a float that JSON cannot hold). A kyaml::Value is
// that JSON value: objects keep every member in source order (duplicates included, so strict
// checks can see them), and each value remembers where it came from for error messages.
//
// Thread safety: Values are plain data; const access from several threads is safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kaudit::kyaml {

// 1-based position in the source text; line 0 means "unknown".
struct Mark {
  int line = 0;
  int column = 0;
};

class Value {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  struct Entry;  // object member: key and value

  Value() = default;
  static Value Null(Mark m = {});
  static Value Bool(bool b, Mark m = {});
  // text is the JSON spelling of the number (e.g. "42", "-1.5", "1e+06").
  static Value Number(std::string text, Mark m = {});
  static Value String(std::string s, Mark m = {});
  static Value Array(std::vector<Value> items, Mark m = {});
  static Value Object(std::vector<Entry> members, Mark m = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_array() const { return type_ == Type::kArray; }
  Mark mark() const { return mark_; }

  bool bool_value() const { return bool_; }
  // String content for kString, the JSON spelling for kNumber.
  const std::string& text() const { return text_; }
  const std::vector<Value>& items() const { return items_; }
  const std::vector<Entry>& members() const { return members_; }

  // For kNumber: true and *out set when the number is an integer that fits int64.
  bool AsInt64(int64_t* out) const;
  // For kNumber: the value as a double.
  double AsDouble() const;

  // The last member named key (JSON decoding keeps the last duplicate), or nullptr.
  const Value* Find(std::string_view key) const;

  // Go's encoding/json name for this type in error messages: "string", "number", "bool",
  // "array", "object" (null has no type error in Go: null decodes to the zero value).
  std::string_view JsonTypeName() const;

  // Where the value at a field path ("rules[3].nonResourceURLs[0]", "spec.rules[0].level")
  // came from: the deepest part of the path that exists (so a missing field points at its
  // parent). Line 0 when nothing matched.
  Mark MarkOf(std::string_view path) const;

  // The object as sigs.k8s.io/yaml's YAML-to-JSON conversion leaves it (a Go map marshalled
  // by encoding/json): duplicate keys collapse to the last one, keys sorted byte-wise; applied
  // recursively. Decoders of Kubernetes objects read YAML input through this.
  Value CollapsedAndSorted() const;

  // Compact JSON (member order kept, duplicates kept). Used in messages and tests.
  std::string ToJson() const;

 private:
  Type type_ = Type::kNull;
  Mark mark_;
  bool bool_ = false;
  std::string text_;
  std::vector<Value> items_;
  std::vector<Entry> members_;
};

struct Value::Entry {
  std::string key;
  Mark key_mark;
  Value value;
};

}  // namespace kaudit::kyaml
