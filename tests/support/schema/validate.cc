// The write path of a custom resource (see schema.h): null pruning, defaulting, pruning of
// unknown fields, then OpenAPI value validation as k8s.io/kube-openapi/pkg/validation does it.
// CEL rules are applied in validate_cel.cc.
#include <cmath>
#include <set>

#include "support/schema/formats.h"
#include "support/schema/schema.h"
#include "support/schema/validate_internal.h"

namespace kaudit::schema {
namespace {

using json = nlohmann::json;

const json* Member(const json& s, const char* key) {
  if (!s.is_object()) return nullptr;
  auto it = s.find(key);
  return it == s.end() ? nullptr : &*it;
}

bool Flag(const json& s, const char* key) {
  const json* v = Member(s, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

// The schema for member `key` of an object described by s, or nullptr when s does not know it.
const json* PropertySchema(const json& s, const std::string& key) {
  if (const json* props = Member(s, "properties"); props && props->contains(key)) {
    return &(*props)[key];
  }
  if (const json* add = Member(s, "additionalProperties"); add && add->is_object()) return add;
  return nullptr;
}

class Pruner {
 public:
  explicit Pruner(std::vector<std::string>* pruned) : pruned_(pruned) {}

  // Drops non-nullable nulls without a default, applies defaults, prunes unknown fields.
  void Run(json* v, const json& s, const std::string& path, bool root) {
    if (v->is_array()) {
      if (const json* items = Member(s, "items")) {
        for (std::size_t i = 0; i < v->size(); ++i)
          Run(&(*v)[i], *items, IndexPath(path, i), false);
      }
      return;
    }
    if (!v->is_object()) return;
    bool preserve = Flag(s, "x-kubernetes-preserve-unknown-fields");
    for (auto it = v->begin(); it != v->end();) {
      const std::string key = it.key();
      if (root && (key == "apiVersion" || key == "kind" || key == "metadata")) {
        ++it;
        continue;
      }
      const json* sub = PropertySchema(s, key);
      bool drop_null = it->is_null() && sub != nullptr && !Flag(*sub, "nullable") &&
                       Member(*sub, "default") == nullptr;
      if (drop_null || (sub == nullptr && !preserve)) {
        if (!drop_null) pruned_->push_back(ChildPath(path, key));
        it = v->erase(it);
        continue;
      }
      if (sub != nullptr) Run(&*it, *sub, ChildPath(path, key), false);
      ++it;
    }
    if (const json* props = Member(s, "properties")) {
      for (auto& [key, sub] : props->items()) {
        const json* def = Member(sub, "default");
        if (def != nullptr && (!v->contains(key) || (*v)[key].is_null())) (*v)[key] = *def;
      }
    }
  }

 private:
  std::vector<std::string>* pruned_;
};

std::string JsonTypeOf(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    case json::value_t::number_float:
      return "number";
    default:
      return "integer";
  }
}

// swag.IsFloat64AJSONInteger: an integral float within +-(2^53 - 1).
bool IsJsonInteger(const json& v) {
  if (v.is_number_integer()) {
    return !v.is_number_unsigned() || v.get<uint64_t>() <= (uint64_t{1} << 63) - 1;
  }
  if (!v.is_number_float()) return false;
  double f = v.get<double>();
  return std::isfinite(f) && std::fabs(f) <= 9007199254740991.0 && std::trunc(f) == f;
}

bool TypeMatches(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "number") return v.is_number();
  if (type == "integer") return IsJsonInteger(v);
  return false;
}

std::string Shown(const json& v) {
  if (v.is_string()) return Quote(v.get<std::string>());
  if (v.is_object() || v.is_array()) return Quote(JsonTypeOf(v));
  return v.dump();
}

double AsDouble(const json& v) {
  if (v.is_number_unsigned()) return static_cast<double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<double>(v.get<int64_t>());
  return v.get<double>();
}

}  // namespace

void ValueValidator::Fail(const std::string& path, const std::string& message) {
  errors_->push_back(path + ": " + message);
}

void ValueValidator::Check(const json& v, const json& s, const std::string& path) {
  const json* type = Member(s, "type");
  if (Flag(s, "x-kubernetes-int-or-string")) {
    if (!IsJsonInteger(v) && !v.is_string()) {
      TypeError(v, path, "integer,string");
      return;
    }
  } else if (v.is_null()) {
    if (type != nullptr && !Flag(s, "nullable")) TypeError(v, path, type->get<std::string>());
    return;
  } else if (type != nullptr && type->is_string() && !TypeMatches(v, type->get<std::string>())) {
    TypeError(v, path, type->get<std::string>());
    return;
  }
  CheckEnum(v, s, path);
  if (v.is_string()) CheckString(v.get<std::string>(), s, path);
  if (v.is_number()) CheckNumber(v, s, path);
  if (v.is_array()) CheckArray(v, s, path);
  if (v.is_object()) CheckObject(v, s, path);
}

void ValueValidator::TypeError(const json& v, const std::string& path, const std::string& want) {
  *type_error_ = true;
  std::string got = JsonTypeOf(v);
  Fail(path, "Invalid value: " + Quote(got) + ": " + path + " in body must be of type " + want +
                 ": " + Quote(got));
}

void ValueValidator::CheckEnum(const json& v, const json& s, const std::string& path) {
  const json* en = Member(s, "enum");
  if (en == nullptr || !en->is_array()) return;
  std::string supported;
  for (const json& e : *en) {
    if (e == v) return;
    supported += (supported.empty() ? "" : ", ") + Shown(e);
  }
  Fail(path, "Unsupported value: " + Shown(v) + ": supported values: " + supported);
}

void ValueValidator::CheckString(const std::string& v, const json& s, const std::string& path) {
  std::size_t runes = RuneCount(v);
  if (const json* max = Member(s, "maxLength"); max && runes > max->get<std::size_t>()) {
    Fail(path,
         "Too long: may not be more than " + std::to_string(max->get<std::size_t>()) + " bytes");
  }
  if (const json* min = Member(s, "minLength"); min && runes < min->get<std::size_t>()) {
    Fail(path, "Invalid value: " + Quote(v) + ": " + path + " in body should be at least " +
                   std::to_string(min->get<std::size_t>()) + " chars long");
  }
  if (const json* pattern = Member(s, "pattern"); pattern && pattern->is_string()) {
    std::string error;
    const std::regex* re = CompiledPattern(pattern->get<std::string>(), &error);
    if (re == nullptr) {
      Fail(path, "pattern not checked: " + error);
    } else if (!std::regex_search(v, *re)) {
      Fail(path, "Invalid value: " + Quote(v) + ": " + path + " in body should match '" +
                     pattern->get<std::string>() + "'");
    }
  }
  const json* format = Member(s, "format");
  if (format != nullptr && format->is_string() && *format == "date-time" && !IsDateTime(v)) {
    Fail(path, "Invalid value: " + Quote(v) + ": " + path +
                   " in body must be of type date-time: " + Quote(v));
  }
}

void ValueValidator::CheckNumber(const json& v, const json& s, const std::string& path) {
  double x = AsDouble(v);
  bool both_int = v.is_number_integer();
  auto below = [&](const json& bound, bool exclusive) {
    if (both_int && bound.is_number_integer() && !v.is_number_unsigned() &&
        !bound.is_number_unsigned()) {
      return exclusive ? v.get<int64_t>() <= bound.get<int64_t>()
                       : v.get<int64_t>() < bound.get<int64_t>();
    }
    return exclusive ? x <= AsDouble(bound) : x < AsDouble(bound);
  };
  auto above = [&](const json& bound, bool exclusive) {
    if (both_int && bound.is_number_integer() && !v.is_number_unsigned() &&
        !bound.is_number_unsigned()) {
      return exclusive ? v.get<int64_t>() >= bound.get<int64_t>()
                       : v.get<int64_t>() > bound.get<int64_t>();
    }
    return exclusive ? x >= AsDouble(bound) : x > AsDouble(bound);
  };
  if (const json* min = Member(s, "minimum"); min && min->is_number()) {
    bool ex = Flag(s, "exclusiveMinimum");
    if (below(*min, ex)) {
      Fail(path, "Invalid value: " + v.dump() + ": " + path + " in body should be greater than " +
                     (ex ? "" : "or equal to ") + min->dump());
    }
  }
  if (const json* max = Member(s, "maximum"); max && max->is_number()) {
    bool ex = Flag(s, "exclusiveMaximum");
    if (above(*max, ex)) {
      Fail(path, "Invalid value: " + v.dump() + ": " + path + " in body should be less than " +
                     (ex ? "" : "or equal to ") + max->dump());
    }
  }
}

void ValueValidator::CheckArray(const json& v, const json& s, const std::string& path) {
  if (const json* max = Member(s, "maxItems"); max && v.size() > max->get<std::size_t>()) {
    Fail(path, "Too many: " + std::to_string(v.size()) + ": must have at most " +
                   std::to_string(max->get<std::size_t>()) + " items");
  }
  if (const json* min = Member(s, "minItems"); min && v.size() < min->get<std::size_t>()) {
    Fail(path, "Invalid value: " + std::to_string(v.size()) + ": " + path +
                   " in body should have at least " + std::to_string(min->get<std::size_t>()) +
                   " items");
  }
  CheckListType(v, s, path);
  if (const json* items = Member(s, "items")) {
    for (std::size_t i = 0; i < v.size(); ++i) Check(v[i], *items, IndexPath(path, i));
  }
}

// x-kubernetes-list-type set (unique items) and map (unique key tuples).
void ValueValidator::CheckListType(const json& v, const json& s, const std::string& path) {
  const json* lt = Member(s, "x-kubernetes-list-type");
  if (lt == nullptr || !lt->is_string() || *lt == "atomic") return;
  std::set<std::string> seen;
  const json* keys = Member(s, "x-kubernetes-list-map-keys");
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string id = v[i].dump();
    if (*lt == "map" && keys != nullptr && v[i].is_object()) {
      json tuple = json::array();
      for (const json& k : *keys) {
        tuple.push_back(v[i].value(k.get<std::string>(), json()));
      }
      id = tuple.dump();
    }
    if (!seen.insert(id).second) Fail(IndexPath(path, i), "Duplicate value: " + id);
  }
}

void ValueValidator::CheckObject(const json& v, const json& s, const std::string& path) {
  if (const json* max = Member(s, "maxProperties"); max && v.size() > max->get<std::size_t>()) {
    Fail(path, "Too many: " + std::to_string(v.size()) + ": must have at most " +
                   std::to_string(max->get<std::size_t>()) + " items");
  }
  if (const json* req = Member(s, "required"); req && req->is_array()) {
    for (const json& name : *req) {
      std::string n = name.get<std::string>();
      if (!v.contains(n) || v[n].is_null()) Fail(ChildPath(path, n), "Required value");
    }
  }
  for (auto& [key, value] : v.items()) {
    if (path.empty() && key == "metadata") continue;
    if (const json* sub = PropertySchema(s, key)) Check(value, *sub, ChildPath(path, key));
  }
}

Result ValidateObject(const json& schema, const json& object) {
  Result r;
  r.object = object;
  Pruner(&r.pruned).Run(&r.object, schema, "", true);
  bool type_error = false;
  ValueValidator(&r.errors, &type_error).Check(r.object, schema, "");
  if (type_error) {
    r.errors.push_back(
        "<nil>: Invalid value: \"null\": some validation rules were not checked because the "
        "object was invalid; correct the existing errors to complete validation");
  } else {
    ApplyCelRules(r.object, schema, "", &r.errors);
  }
  return r;
}

std::vector<std::string> Validate(const json& crd_version_schema, const json& object) {
  return ValidateObject(crd_version_schema, object).errors;
}

std::vector<std::string> ValidateMetadataName(const json& object) {
  const json* meta = Member(object, "metadata");
  const json* name = meta ? Member(*meta, "name") : nullptr;
  if (name == nullptr || !name->is_string() || name->get<std::string>().empty()) {
    return {"metadata.name: Required value: name or generateName is required"};
  }
  std::string n = name->get<std::string>();
  if (!IsDnsSubdomain(n)) {
    return {"metadata.name: Invalid value: " + Quote(n) +
            ": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character"};
  }
  return {};
}

}  // namespace kaudit::schema
