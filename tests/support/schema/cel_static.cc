// CheckCelRules (see schema.h): what kube-apiserver checks about CEL rules when a CRD is
// created, done statically against the schema:
//   - the rule parses (in this checker's subset) and every field it selects exists;
//   - every list, string and map under the rule's node has a declared bound, and every list
//     above it too (the rule's cardinality is the product of their maxItems);
//   - the estimated cost (cel-go's cost model, simplified: 1 per selection, call and
//     comparison; string traversals at 0.1 per byte; strings sized maxLength * 4 bytes) times
//     the cardinality stays within 10,000,000 per rule and 100,000,000 per CRD version.
// The estimate follows cel-go's factors but not its every detail: it is a guard that the
// bounds are real, not a reproduction of the apiserver's number.
#include <cmath>

#include "support/schema/cel.h"
#include "support/schema/formats.h"
#include "support/schema/schema.h"

namespace kaudit::schema {
namespace {

using json = nlohmann::json;
using cel::Node;

// s["properties"], or an empty object; a reference, so that sub-schemas can be pointed at.
const json& Properties(const json& s) {
  static const json* const kEmpty = new json(json::object());
  auto it = s.find("properties");
  return it != s.end() && it->is_object() ? *it : *kEmpty;
}

constexpr uint64_t kUnbounded = UINT64_MAX;

uint64_t SafeMul(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kUnbounded / b ? kUnbounded : a * b;
}
uint64_t SafeAdd(uint64_t a, uint64_t b) { return a > kUnbounded - b ? kUnbounded : a + b; }
uint64_t Tenth(uint64_t bytes) {
  return bytes == kUnbounded ? kUnbounded : static_cast<uint64_t>(std::ceil(bytes * 0.1));
}

// Largest size of a string/list/map value described by s: bytes for strings, items for lists.
uint64_t MaxSize(const json& s) {
  std::string type = s.value("type", "");
  if (type == "string") {
    if (s.contains("maxLength")) return SafeMul(s["maxLength"].get<uint64_t>(), 4);
    if (s.contains("enum")) {
      uint64_t longest = 0;
      for (const json& e : s["enum"])
        longest = std::max<uint64_t>(longest, e.get<std::string>().size());
      return longest;
    }
    return kUnbounded;
  }
  if (type == "array") return s.contains("maxItems") ? s["maxItems"].get<uint64_t>() : kUnbounded;
  if (type == "object" && s.contains("additionalProperties")) {
    return s.contains("maxProperties") ? s["maxProperties"].get<uint64_t>() : kUnbounded;
  }
  return 0;
}

// What the static pass knows about an expression.
struct Info {
  const json* schema = nullptr;  // when the value comes from the object
  uint64_t size = 0;             // string bytes / list items (kUnbounded when unknown)
  uint64_t cost = 0;
};

class Analyzer {
 public:
  Analyzer(const json& self_schema, std::vector<std::string>* errors, const std::string& where)
      : self_(self_schema), errors_(errors), where_(where) {}

  Info Visit(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kLiteral:
        return {nullptr, n.literal.s.size(), 0};
      case Node::Kind::kIdent:
        return {&self_, MaxSize(self_), 1};
      case Node::Kind::kSelect:
      case Node::Kind::kHas:
        return Select(n);
      case Node::Kind::kList: {
        Info out{nullptr, n.args.size(), 10};
        for (const auto& a : n.args) out.cost = SafeAdd(out.cost, Visit(*a).cost);
        return out;
      }
      case Node::Kind::kIndex: {
        Info c = Visit(*n.args[0]);
        Info i = Visit(*n.args[1]);
        const json* items =
            c.schema && c.schema->contains("items") ? &(*c.schema)["items"] : nullptr;
        return {items, items ? MaxSize(*items) : 0, SafeAdd(SafeAdd(c.cost, i.cost), 1)};
      }
      case Node::Kind::kUnary:
        return {nullptr, 0, SafeAdd(Visit(*n.args[0]).cost, 1)};
      case Node::Kind::kBinary:
        return Binary(n);
      case Node::Kind::kTernary: {
        Info c = Visit(*n.args[0]), a = Visit(*n.args[1]), b = Visit(*n.args[2]);
        return {a.schema ? a.schema : b.schema, std::max(a.size, b.size),
                SafeAdd(c.cost, std::max(a.cost, b.cost))};
      }
      case Node::Kind::kCall:
        return Call(n);
    }
    return {};
  }

 private:
  Info Select(const Node& n) {
    Info operand = Visit(*n.args[0]);
    const json* s = operand.schema;
    const json* field = nullptr;
    if (s && s->contains("properties") && (*s)["properties"].contains(n.name)) {
      field = &(*s)["properties"][n.name];
    } else if (s && s->contains("additionalProperties")) {
      field = &(*s)["additionalProperties"];
    }
    if (field == nullptr) errors_->push_back(where_ + ": undefined field '" + n.name + "'");
    uint64_t cost = SafeAdd(operand.cost, 1);
    if (n.kind == Node::Kind::kHas) return {nullptr, 0, cost};
    return {field, field ? MaxSize(*field) : 0, cost};
  }

  Info Binary(const Node& n) {
    Info a = Visit(*n.args[0]);
    Info b = Visit(*n.args[1]);
    uint64_t cost = SafeAdd(a.cost, b.cost);
    if (n.name == "&&" || n.name == "||") return {nullptr, 0, cost};
    cost = SafeAdd(cost, 1);
    bool strings = (a.schema && a.schema->value("type", "") == "string") ||
                   (b.schema && b.schema->value("type", "") == "string");
    if (strings) cost = SafeAdd(cost, Tenth(std::min(a.size, b.size)));
    if (n.name == "in") cost = SafeAdd(cost, b.size);
    if (n.name == "+" && strings) cost = SafeAdd(cost, Tenth(SafeAdd(a.size, b.size)));
    return {nullptr, 0, cost};
  }

  Info Call(const Node& n) {
    std::vector<Info> args;
    uint64_t cost = 1;
    for (const auto& a : n.args) {
      args.push_back(Visit(*a));
      cost = SafeAdd(cost, args.back().cost);
    }
    if ((n.name == "startsWith" || n.name == "endsWith") && args.size() == 2) {
      cost = SafeAdd(cost, Tenth(args[1].size));
    } else if (n.name == "contains" && args.size() == 2) {
      cost = SafeAdd(cost, SafeMul(Tenth(args[0].size), Tenth(args[1].size)));
    }
    return {nullptr, 0, cost};
  }

  const json& self_;
  std::vector<std::string>* errors_;
  std::string where_;
};

// Every list, string and map in s's subtree has a bound.
void CheckBounded(const json& s, const std::string& path, const std::string& rule_at,
                  std::vector<std::string>* errors) {
  if (s.value("x-kubernetes-preserve-unknown-fields", false)) {
    errors->push_back(rule_at + ": unbounded data under a CEL rule: " + path +
                      " preserves unknown fields");
  }
  if (MaxSize(s) == kUnbounded) {
    errors->push_back(rule_at + ": unbounded data under a CEL rule: " + path +
                      " has no maxLength/maxItems/maxProperties");
  }
  if (s.contains("items")) CheckBounded(s["items"], path + "[*]", rule_at, errors);
  if (s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
    CheckBounded(s["additionalProperties"], path + "[*]", rule_at, errors);
  }
  for (auto& [key, sub] : Properties(s).items()) {
    CheckBounded(sub, ChildPath(path, key), rule_at, errors);
  }
}

bool FieldPathResolves(const json& s, const std::string& fp) {
  const json* cur = &s;
  std::size_t pos = 0;
  while (pos < fp.size()) {
    if (fp[pos] != '.') return false;
    std::size_t end = fp.find_first_of(".[", pos + 1);
    std::string name = fp.substr(pos + 1, end == std::string::npos ? end : end - pos - 1);
    if (!cur->contains("properties") || !(*cur)["properties"].contains(name)) return false;
    cur = &(*cur)["properties"][name];
    pos = end == std::string::npos ? fp.size() : end;
    if (pos < fp.size() && fp[pos] == '[') return true;  // indexes are not resolved further
  }
  return true;
}

class Walker {
 public:
  CelReport report;

  void Walk(const json& s, const std::string& path, uint64_t cardinality) {
    if (!s.is_object()) return;
    for (const json& v : s.value("x-kubernetes-validations", json::array()))
      Rule(v, s, path, cardinality);
    if (s.contains("items")) {
      uint64_t max = s.contains("maxItems") ? s["maxItems"].get<uint64_t>() : kUnbounded;
      Walk(s["items"], path + "[*]", SafeMul(cardinality, max));
    }
    if (s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
      uint64_t max = s.contains("maxProperties") ? s["maxProperties"].get<uint64_t>() : kUnbounded;
      Walk(s["additionalProperties"], path + "[*]", SafeMul(cardinality, max));
    }
    for (auto& [key, sub] : Properties(s).items()) {
      if (path.empty() && key == "metadata") continue;
      Walk(sub, ChildPath(path, key), cardinality);
    }
  }

 private:
  void Rule(const json& v, const json& s, const std::string& path, uint64_t cardinality) {
    std::string rule = v.value("rule", "");
    std::string at = (path.empty() ? "<root>" : path) + " rule " + Quote(rule);
    cel::ParseResult parsed = cel::Parse(rule);
    if (!parsed.root) {
      report.errors.push_back(at + ": CEL not supported by this checker: " + parsed.error);
      return;
    }
    std::string fp = v.value("fieldPath", "");
    if (!fp.empty() && !FieldPathResolves(s, fp)) {
      report.errors.push_back(at + ": fieldPath " + Quote(fp) + " does not name a field");
    }
    if (cardinality == kUnbounded) {
      report.errors.push_back(at + ": a list above this rule has no maxItems");
    }
    CheckBounded(s, path.empty() ? "<root>" : path, at, &report.errors);
    Info info = Analyzer(s, &report.errors, at).Visit(*parsed.root);
    RuleCost rc{path, rule, info.cost, cardinality};
    if (rc.expression_cost == kUnbounded || SafeMul(info.cost, cardinality) > kPerRuleCostLimit) {
      report.errors.push_back(at + ": estimated rule cost " + std::to_string(rc.total()) +
                              " exceeds the per-rule budget " + std::to_string(kPerRuleCostLimit));
    }
    report.total_cost = SafeAdd(report.total_cost, SafeMul(info.cost, cardinality));
    report.rules.push_back(rc);
  }
};

}  // namespace

CelReport CheckCelRules(const json& schema) {
  Walker w;
  try {
    w.Walk(schema, "", 1);
  } catch (const json::exception& e) {
    w.report.errors.push_back(std::string("malformed schema: ") + e.what());
  }
  if (w.report.total_cost > kPerCrdCostLimit) {
    w.report.errors.push_back("estimated total CEL cost " + std::to_string(w.report.total_cost) +
                              " exceeds the per-CRD budget " + std::to_string(kPerCrdCostLimit));
  }
  return w.report;
}

}  // namespace kaudit::schema
