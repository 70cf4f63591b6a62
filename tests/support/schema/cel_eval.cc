// Evaluation of the CEL subset (see cel.h).
#include <cmath>
#include <limits>

#include "support/schema/cel.h"
#include "support/schema/formats.h"
#include "support/schema/go_duration.h"

namespace kaudit::schema::cel {

Value Value::Error(std::string message) {
  Value v;
  v.type = Type::kError;
  v.s = std::move(message);
  return v;
}
Value Value::Bool(bool b) {
  Value v;
  v.type = Type::kBool;
  v.b = b;
  return v;
}
Value Value::Int(int64_t i) {
  Value v;
  v.type = Type::kInt;
  v.i = i;
  return v;
}
Value Value::String(std::string s) {
  Value v;
  v.type = Type::kString;
  v.s = std::move(s);
  return v;
}

Value Value::FromJson(const nlohmann::json& j) {
  Value v;
  switch (j.type()) {
    case nlohmann::json::value_t::boolean:
      return Bool(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Int(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Error("integer out of range");
      }
      return Int(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float:
      v.type = Type::kDouble;
      v.d = j.get<double>();
      return v;
    case nlohmann::json::value_t::string:
      return String(j.get<std::string>());
    case nlohmann::json::value_t::array:
      v.type = Type::kList;
      v.json = &j;
      return v;
    case nlohmann::json::value_t::object:
      v.type = Type::kMap;
      v.json = &j;
      return v;
    default:
      return v;
  }
}

std::string_view TypeName(Value::Type t) {
  switch (t) {
    case Value::Type::kError:
      return "error";
    case Value::Type::kNull:
      return "null_type";
    case Value::Type::kBool:
      return "bool";
    case Value::Type::kInt:
      return "int";
    case Value::Type::kDouble:
      return "double";
    case Value::Type::kString:
      return "string";
    case Value::Type::kDuration:
      return "google.protobuf.Duration";
    case Value::Type::kList:
      return "list";
    case Value::Type::kMap:
      return "map";
  }
  return "unknown";
}

namespace {

using T = Value::Type;

Value NoOverload(std::string_view fn, const Value& a, const Value* b = nullptr) {
  std::string sig = std::string(TypeName(a.type));
  if (b) sig += ", " + std::string(TypeName(b->type));
  return Value::Error("no such overload: " + std::string(fn) + "(" + sig + ")");
}

std::size_t ListSize(const Value& v) { return v.json ? v.json->size() : v.items.size(); }

Value ListItem(const Value& v, std::size_t i) {
  return v.json ? Value::FromJson((*v.json)[i]) : v.items[i];
}

bool Equal(const Value& a, const Value& b);

bool ListEqual(const Value& a, const Value& b) {
  if (ListSize(a) != ListSize(b)) return false;
  for (std::size_t i = 0; i < ListSize(a); ++i) {
    if (!Equal(ListItem(a, i), ListItem(b, i))) return false;
  }
  return true;
}

bool Equal(const Value& a, const Value& b) {
  if (a.type == T::kInt && b.type == T::kDouble) return static_cast<double>(a.i) == b.d;
  if (a.type == T::kDouble && b.type == T::kInt) return a.d == static_cast<double>(b.i);
  if (a.type != b.type) return false;
  switch (a.type) {
    case T::kNull:
      return true;
    case T::kBool:
      return a.b == b.b;
    case T::kInt:
    case T::kDuration:
      return a.i == b.i;
    case T::kDouble:
      return a.d == b.d;
    case T::kString:
      return a.s == b.s;
    case T::kList:
      return ListEqual(a, b);
    case T::kMap:
      return a.json && b.json && *a.json == *b.json;
    case T::kError:
      return false;
  }
  return false;
}

// -1, 0, 1; or an error Value in *err.
int Compare(const Value& a, const Value& b, std::string_view op, Value* err) {
  auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (a.type == T::kInt && b.type == T::kInt) return sign(a.i, b.i);
  if (a.type == T::kDuration && b.type == T::kDuration) return sign(a.i, b.i);
  if (a.type == T::kString && b.type == T::kString) return sign(a.s, b.s);
  if (a.type == T::kBool && b.type == T::kBool) return sign(a.b, b.b);
  bool num_a = a.type == T::kInt || a.type == T::kDouble;
  bool num_b = b.type == T::kInt || b.type == T::kDouble;
  if (num_a && num_b) {
    double x = a.type == T::kInt ? static_cast<double>(a.i) : a.d;
    double y = b.type == T::kInt ? static_cast<double>(b.i) : b.d;
    return sign(x, y);
  }
  *err = NoOverload(op, a, &b);
  return 0;
}

Value Arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (op == "+" && a.type == T::kString && b.type == T::kString) return Value::String(a.s + b.s);
  if (a.type != T::kInt || b.type != T::kInt) return NoOverload(op, a, &b);
  int64_t r = 0;
  bool overflow = false;
  if (op == "+") overflow = __builtin_add_overflow(a.i, b.i, &r);
  if (op == "-") overflow = __builtin_sub_overflow(a.i, b.i, &r);
  if (op == "*") overflow = __builtin_mul_overflow(a.i, b.i, &r);
  if (op == "/" || op == "%") {
    if (b.i == 0) return Value::Error(op == "/" ? "division by zero" : "modulus by zero");
    if (a.i == std::numeric_limits<int64_t>::min() && b.i == -1) return Value::Error("overflow");
    r = op == "/" ? a.i / b.i : a.i % b.i;
  }
  if (overflow) return Value::Error("integer overflow");
  return Value::Int(r);
}

Value Contains(const Value& list, const Value& x) {
  if (list.type == T::kList) {
    for (std::size_t i = 0; i < ListSize(list); ++i) {
      if (Equal(ListItem(list, i), x)) return Value::Bool(true);
    }
    return Value::Bool(false);
  }
  if (list.type == T::kMap && x.type == T::kString && list.json) {
    return Value::Bool(list.json->contains(x.s));
  }
  return NoOverload("@in", x, &list);
}

class Evaluator {
 public:
  explicit Evaluator(const nlohmann::json& self) : self_(self) {}

  Value Eval(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kLiteral:
        return n.literal;
      case Node::Kind::kIdent:
        return Value::FromJson(self_);
      case Node::Kind::kSelect:
        return Select(n, false);
      case Node::Kind::kHas:
        return Select(n, true);
      case Node::Kind::kList: {
        Value v;
        v.type = T::kList;
        for (const auto& a : n.args) {
          v.items.push_back(Eval(*a));
          if (v.items.back().is_error()) return v.items.back();
        }
        return v;
      }
      case Node::Kind::kIndex:
        return Index(Eval(*n.args[0]), Eval(*n.args[1]));
      case Node::Kind::kUnary:
        return Unary(n.name, Eval(*n.args[0]));
      case Node::Kind::kBinary:
        return Binary(n);
      case Node::Kind::kTernary: {
        Value c = Eval(*n.args[0]);
        if (c.is_error()) return c;
        if (c.type != T::kBool) return NoOverload("_?_:_", c);
        return Eval(*n.args[c.b ? 1 : 2]);
      }
      case Node::Kind::kCall:
        return Call(n);
    }
    return Value::Error("unknown node");
  }

 private:
  Value Select(const Node& n, bool presence) {
    Value operand = Eval(*n.args[0]);
    if (operand.is_error()) return operand;
    if (operand.type != T::kMap || operand.json == nullptr) {
      return Value::Error("no such overload: field selection on " +
                          std::string(TypeName(operand.type)));
    }
    auto it = operand.json->find(n.name);
    if (presence) return Value::Bool(it != operand.json->end() && !it->is_null());
    if (it == operand.json->end()) return Value::Error("no such key: " + n.name);
    return Value::FromJson(*it);
  }

  static Value Index(const Value& c, const Value& i) {
    if (c.is_error()) return c;
    if (i.is_error()) return i;
    if (c.type == T::kList && i.type == T::kInt) {
      if (i.i < 0 || static_cast<std::size_t>(i.i) >= ListSize(c)) {
        return Value::Error("index out of bounds: " + std::to_string(i.i));
      }
      return ListItem(c, static_cast<std::size_t>(i.i));
    }
    if (c.type == T::kMap && i.type == T::kString && c.json) {
      auto it = c.json->find(i.s);
      if (it == c.json->end()) return Value::Error("no such key: " + i.s);
      return Value::FromJson(*it);
    }
    return NoOverload("_[_]", c, &i);
  }

  static Value Unary(const std::string& op, const Value& v) {
    if (v.is_error()) return v;
    if (op == "!") return v.type == T::kBool ? Value::Bool(!v.b) : NoOverload("!_", v);
    if (v.type == T::kInt) {
      if (v.i == std::numeric_limits<int64_t>::min()) return Value::Error("integer overflow");
      return Value::Int(-v.i);
    }
    if (v.type == T::kDouble) {
      Value r = v;
      r.d = -v.d;
      return r;
    }
    return NoOverload("-_", v);
  }

  // && and || are commutative over errors: a decisive side wins even if the other failed.
  Value Logical(const Node& n) {
    bool is_and = n.name == "&&";
    Value a = Eval(*n.args[0]);
    if (a.type == T::kBool && a.b != is_and) return a;
    Value b = Eval(*n.args[1]);
    if (b.type == T::kBool && b.b != is_and) return b;
    if (a.is_error()) return a;
    if (b.is_error()) return b;
    if (a.type != T::kBool || b.type != T::kBool) return NoOverload(n.name, a, &b);
    return Value::Bool(is_and);
  }

  Value Binary(const Node& n) {
    if (n.name == "&&" || n.name == "||") return Logical(n);
    Value a = Eval(*n.args[0]);
    if (a.is_error()) return a;
    Value b = Eval(*n.args[1]);
    if (b.is_error()) return b;
    if (n.name == "==") return Value::Bool(Equal(a, b));
    if (n.name == "!=") return Value::Bool(!Equal(a, b));
    if (n.name == "in") return Contains(b, a);
    if (n.name == "<" || n.name == "<=" || n.name == ">" || n.name == ">=") {
      Value err;
      int c = Compare(a, b, n.name, &err);
      if (err.is_error()) return err;
      if (n.name == "<") return Value::Bool(c < 0);
      if (n.name == "<=") return Value::Bool(c <= 0);
      if (n.name == ">") return Value::Bool(c > 0);
      return Value::Bool(c >= 0);
    }
    return Arithmetic(n.name, a, b);
  }

  Value Call(const Node& n) {
    std::vector<Value> args;
    for (const auto& a : n.args) {
      args.push_back(Eval(*a));
      if (args.back().is_error()) return args.back();
    }
    const std::string& fn = n.name;
    if (fn == "size" && args.size() == 1) return Size(args[0]);
    if (fn == "duration" && args.size() == 1 && !n.method) {
      if (args[0].type != T::kString) return NoOverload(fn, args[0]);
      std::optional<int64_t> ns = ParseGoDuration(args[0].s);
      if (!ns) return Value::Error("invalid duration " + Quote(args[0].s));
      Value v;
      v.type = T::kDuration;
      v.i = *ns;
      return v;
    }
    if (n.method && args.size() == 2 &&
        (fn == "startsWith" || fn == "endsWith" || fn == "contains")) {
      if (args[0].type != T::kString || args[1].type != T::kString) {
        return NoOverload(fn, args[0], &args[1]);
      }
      const std::string& s = args[0].s;
      const std::string& t = args[1].s;
      if (fn == "startsWith") return Value::Bool(s.compare(0, t.size(), t) == 0);
      if (fn == "endsWith") {
        return Value::Bool(s.size() >= t.size() &&
                           s.compare(s.size() - t.size(), t.size(), t) == 0);
      }
      return Value::Bool(s.find(t) != std::string::npos);
    }
    return Value::Error("no such overload: " + fn + " with " + std::to_string(args.size()) +
                        " argument(s)");
  }

  static Value Size(const Value& v) {
    if (v.type == T::kString) return Value::Int(static_cast<int64_t>(RuneCount(v.s)));
    if (v.type == T::kList) return Value::Int(static_cast<int64_t>(ListSize(v)));
    if (v.type == T::kMap && v.json) return Value::Int(static_cast<int64_t>(v.json->size()));
    return NoOverload("size", v);
  }

  const nlohmann::json& self_;
};

}  // namespace

Value Evaluate(const Node& root, const nlohmann::json& self_value) {
  return Evaluator(self_value).Eval(root);
}

}  // namespace kaudit::schema::cel
