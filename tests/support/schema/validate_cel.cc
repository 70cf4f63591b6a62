// x-kubernetes-validations on the write path, as apiextensions-apiserver reports them: a rule
// that evaluates to false fails with its message (or "failed rule: RULE"), at the rule's node
// extended by its fieldPath, with the reason it names; an evaluation error fails it too.
#include <map>
#include <memory>
#include <mutex>

#include "support/schema/cel.h"
#include "support/schema/schema.h"
#include "support/schema/validate_internal.h"

namespace kaudit::schema {
namespace {

using json = nlohmann::json;

// Parsed rules, shared across calls (a rule text always parses the same way).
const cel::ParseResult& Compiled(const std::string& rule) {
  static std::mutex mu;
  static auto* cache = new std::map<std::string, std::unique_ptr<cel::ParseResult>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(rule);
  if (it == cache->end()) {
    it = cache->emplace(rule, std::make_unique<cel::ParseResult>(cel::Parse(rule))).first;
  }
  return *it->second;
}

std::string Trimmed(const std::string& s) {
  std::size_t a = s.find_first_not_of(" \t\n");
  std::size_t b = s.find_last_not_of(" \t\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::string SchemaType(const json& s) {
  auto it = s.find("type");
  return it != s.end() && it->is_string() ? it->get<std::string>() : "object";
}

std::string Prefix(const json& validation, const std::string& type) {
  std::string reason = validation.value("reason", "FieldValueInvalid");
  if (reason == "FieldValueRequired") return "Required value: ";
  if (reason == "FieldValueForbidden") return "Forbidden: ";
  if (reason == "FieldValueDuplicate") return "Duplicate value: ";
  return "Invalid value: \"" + type + "\": ";
}

void ApplyOne(const json& validation, const json& v, const json& s, const std::string& path,
              std::vector<std::string>* errors) {
  std::string rule = Trimmed(validation.value("rule", ""));
  std::string where = path;
  if (std::string fp = validation.value("fieldPath", ""); !fp.empty()) {
    where = path.empty() && fp[0] == '.' ? fp.substr(1) : path + fp;
  }
  std::string prefix = where + ": " + Prefix(validation, SchemaType(s));
  const cel::ParseResult& compiled = Compiled(rule);
  if (!compiled.root) {
    errors->push_back(prefix + "CEL not supported by this checker (" + compiled.error +
                      "): " + rule);
    return;
  }
  cel::Value result = cel::Evaluate(*compiled.root, v);
  if (result.is_error()) {
    errors->push_back(prefix + result.s + " evaluating rule: " + rule);
  } else if (result.type != cel::Value::Type::kBool) {
    errors->push_back(prefix + "validation failed due to incorrect result type: " +
                      std::string(cel::TypeName(result.type)) + " for rule: " + rule);
  } else if (!result.b) {
    std::string message = validation.value("message", "");
    errors->push_back(prefix + (message.empty() ? "failed rule: " + rule : message));
  }
}

}  // namespace

void ApplyCelRules(const json& v, const json& s, const std::string& path,
                   std::vector<std::string>* errors) {
  if (!s.is_object() || v.is_null()) return;
  if (auto rules = s.find("x-kubernetes-validations"); rules != s.end() && rules->is_array()) {
    for (const json& validation : *rules) ApplyOne(validation, v, s, path, errors);
  }
  if (v.is_array()) {
    if (auto items = s.find("items"); items != s.end()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        ApplyCelRules(v[i], *items, IndexPath(path, i), errors);
      }
    }
    return;
  }
  if (!v.is_object()) return;
  auto props = s.find("properties");
  auto add = s.find("additionalProperties");
  for (auto& [key, value] : v.items()) {
    if (path.empty() && key == "metadata") continue;
    if (props != s.end() && props->contains(key)) {
      ApplyCelRules(value, (*props)[key], ChildPath(path, key), errors);
    } else if (add != s.end() && add->is_object()) {
      ApplyCelRules(value, *add, ChildPath(path, key), errors);
    }
  }
}

}  // namespace kaudit::schema
