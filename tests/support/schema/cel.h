// A small CEL (Common Expression Language) interpreter for CRD validation rules
// (x-kubernetes-validations), enough to check kaudit's own rules without a kube-apiserver.
//
// It reads a SUBSET of CEL and refuses the rest at parse time, so that a rule it does not
// understand fails the test instead of passing silently:
//   literals    integers, doubles, 'strings' / "strings" (simple escapes), true, false, null,
//               lists [a, b]
//   variables   self (oldSelf, transition rules and every other name are refused)
//   operators   ! - * / % + - < <= > >= == != in && || ?:  field selection a.b, index a[i]
//   functions   has(self.f), size(x) / x.size(), s.startsWith(t), s.endsWith(t),
//               s.contains(t), duration(s)
// Refused: comprehension macros (all, exists, exists_one, map, filter), matches(), map
// literals, raw/bytes/triple-quoted strings, unsigned literals, anything else.
//
// Semantics follow cel-go as kube-apiserver configures it: && and || absorb errors when the
// other side decides the result; selecting a missing field is an error ("no such key");
// size() of a string counts code points; int arithmetic overflow is an error; values of
// different types are never equal; duration() parses Go duration text.
//
// Thread safety: an Ast is immutable once parsed and may be evaluated from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace kaudit::schema::cel {

struct Value {
  enum class Type { kError, kNull, kBool, kInt, kDouble, kString, kDuration, kList, kMap };
  Type type = Type::kNull;
  bool b = false;
  int64_t i = 0;  // kInt, and kDuration in nanoseconds
  double d = 0;
  std::string s;                         // kString; the message for kError
  const nlohmann::json* json = nullptr;  // kList/kMap that come from the object
  std::vector<Value> items;              // kList literals

  static Value Error(std::string message);
  static Value Bool(bool v);
  static Value Int(int64_t v);
  static Value String(std::string v);
  // A JSON value from the object: composites are referenced, not copied.
  static Value FromJson(const nlohmann::json& j);
  bool is_error() const { return type == Type::kError; }
};

// "bool", "int", "string", "list", ... as CEL names types in messages.
std::string_view TypeName(Value::Type t);

struct Node {
  enum class Kind {
    kLiteral,
    kIdent,
    kSelect,
    kHas,
    kCall,
    kIndex,
    kUnary,
    kBinary,
    kTernary,
    kList
  };
  Kind kind = Kind::kLiteral;
  Value literal;        // kLiteral
  std::string name;     // kIdent: variable; kSelect/kHas: field; kCall: function; op
  bool method = false;  // kCall: written as target.name(args); args[0] is the target
  std::vector<std::unique_ptr<Node>> args;  // operands in source order
};

struct ParseResult {
  std::unique_ptr<Node> root;  // null when error is set
  std::string error;           // "unsupported function 'matches' at column 12", ...
};

// Parses expr; anything outside the subset above is an error.
ParseResult Parse(std::string_view expr);

// Evaluates root with `self` bound to self_value. The result is a Value of type kError when
// evaluation failed (the apiserver reports that as a failed rule too).
Value Evaluate(const Node& root, const nlohmann::json& self_value);

}  // namespace kaudit::schema::cel
