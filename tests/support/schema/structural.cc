// CheckStructural and CheckCrd (see schema.h): the rules apiextensions.k8s.io/v1 sets for a
// structural schema, narrowed to what this checker evaluates faithfully.
#include <set>

#include "support/schema/formats.h"
#include "support/schema/schema.h"

namespace kaudit::schema {
namespace {

using json = nlohmann::json;

const std::set<std::string> kKeywords = {"type",
                                         "format",
                                         "title",
                                         "description",
                                         "default",
                                         "maximum",
                                         "exclusiveMaximum",
                                         "minimum",
                                         "exclusiveMinimum",
                                         "maxLength",
                                         "minLength",
                                         "pattern",
                                         "maxItems",
                                         "minItems",
                                         "uniqueItems",
                                         "enum",
                                         "maxProperties",
                                         "minProperties",
                                         "required",
                                         "items",
                                         "properties",
                                         "additionalProperties",
                                         "nullable",
                                         "example",
                                         "externalDocs",
                                         "x-kubernetes-preserve-unknown-fields",
                                         "x-kubernetes-int-or-string",
                                         "x-kubernetes-list-type",
                                         "x-kubernetes-list-map-keys",
                                         "x-kubernetes-map-type",
                                         "x-kubernetes-validations"};
const std::set<std::string> kTypes = {"object", "array", "string", "integer", "number", "boolean"};
const std::set<std::string> kReasons = {"FieldValueInvalid", "FieldValueRequired",
                                        "FieldValueForbidden", "FieldValueDuplicate"};

// s["properties"], or an empty object; a reference, so that sub-schemas can be pointed at.
const json& Properties(const json& s) {
  static const json* const kEmpty = new json(json::object());
  auto it = s.find("properties");
  return it != s.end() && it->is_object() ? *it : *kEmpty;
}

class Checker {
 public:
  std::vector<std::string> errors;

  void Node(const json& s, const std::string& path, bool root) {
    if (!s.is_object()) return Fail(path, "schema must be an object");
    for (auto& [key, value] : s.items()) {
      if (!kKeywords.count(key)) Fail(path, "unsupported keyword " + Quote(key));
    }
    bool preserve = s.value("x-kubernetes-preserve-unknown-fields", false);
    bool int_or_string = s.value("x-kubernetes-int-or-string", false);
    std::string type = s.value("type", "");
    if (type.empty() && !preserve && !int_or_string) Fail(path, "type: Required value");
    if (!type.empty() && !kTypes.count(type)) Fail(path, "type: unsupported " + Quote(type));
    if (s.value("uniqueItems", false)) Fail(path, "uniqueItems cannot be true");
    if (s.contains("description") && !s["description"].is_string()) {
      Fail(path, "description must be a string");
    }
    Format(s, type, path);
    Pattern(s, path);
    Enum(s, type, path);
    Validations(s, path);
    if (type == "array") Array(s, path);
    if (type == "object") Object(s, path, root);
    if (type != "array" && s.contains("items")) Fail(path, "items is only for type array");
    if (type != "object" && (s.contains("properties") || s.contains("additionalProperties"))) {
      Fail(path, "properties are only for type object");
    }
  }

 private:
  void Fail(const std::string& path, const std::string& what) {
    errors.push_back((path.empty() ? std::string("<root>") : path) + ": " + what);
  }

  void Format(const json& s, const std::string& type, const std::string& path) {
    if (!s.contains("format")) return;
    std::string f = s.value("format", "");
    bool ok = (type == "string" && f == "date-time") ||
              (type == "integer" && (f == "int32" || f == "int64")) ||
              (type == "number" && (f == "float" || f == "double"));
    if (!ok) Fail(path, "format " + Quote(f) + " on type " + type + " is not checked here");
  }

  void Pattern(const json& s, const std::string& path) {
    if (!s.contains("pattern")) return;
    std::string error;
    if (!s["pattern"].is_string() ||
        CompiledPattern(s["pattern"].get<std::string>(), &error) == nullptr) {
      Fail(path, "pattern: " + error);
    }
  }

  void Enum(const json& s, const std::string& type, const std::string& path) {
    if (!s.contains("enum")) return;
    if (!s["enum"].is_array() || s["enum"].empty()) return Fail(path, "enum must be a list");
    for (const json& e : s["enum"]) {
      bool ok = (type == "string" && e.is_string()) ||
                (type == "integer" && e.is_number_integer()) ||
                (type == "number" && e.is_number()) || (type == "boolean" && e.is_boolean());
      if (!ok) Fail(path, "enum value " + e.dump() + " is not of type " + type);
    }
  }

  void Validations(const json& s, const std::string& path) {
    if (!s.contains("x-kubernetes-validations")) return;
    const json& list = s["x-kubernetes-validations"];
    if (!list.is_array()) return Fail(path, "x-kubernetes-validations must be a list");
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string p = ChildPath(path, "x-kubernetes-validations") + "[" + std::to_string(i) + "]";
      const json& v = list[i];
      for (auto& [key, value] : v.items()) {
        if (key != "rule" && key != "message" && key != "reason" && key != "fieldPath") {
          Fail(p, "unsupported " + Quote(key) + " (this checker has no messageExpression)");
        }
      }
      if (!v.contains("rule") || !v["rule"].is_string()) Fail(p, "rule: Required value");
      std::string message = v.value("message", "");
      if (message.find('\n') != std::string::npos) Fail(p, "message must not contain line breaks");
      if (v.contains("message") && message.empty()) Fail(p, "message must not be empty");
      if (v.contains("reason") && !kReasons.count(v.value("reason", ""))) {
        Fail(p, "reason: Unsupported value " + v["reason"].dump());
      }
    }
  }

  void Array(const json& s, const std::string& path) {
    if (!s.contains("items")) return Fail(path, "items: Required value (type array)");
    std::string lt = s.value("x-kubernetes-list-type", "atomic");
    const json& items = s["items"];
    if (lt == "map") {
      if (!s.contains("x-kubernetes-list-map-keys")) Fail(path, "list-map-keys: Required value");
      std::set<std::string> required;
      for (const json& r : items.value("required", json::array()))
        required.insert(r.get<std::string>());
      for (const json& k : s.value("x-kubernetes-list-map-keys", json::array())) {
        std::string key = k.get<std::string>();
        if (!required.count(key)) Fail(path, "list-map key " + Quote(key) + " must be required");
      }
    } else if (lt != "atomic" && lt != "set") {
      Fail(path, "x-kubernetes-list-type: Unsupported value " + Quote(lt));
    }
    Node(items, path + "[*]", false);
  }

  void Object(const json& s, const std::string& path, bool root) {
    if (s.contains("properties") && s.contains("additionalProperties")) {
      Fail(path, "properties and additionalProperties are mutually exclusive");
    }
    if (s.contains("additionalProperties")) {
      if (!s["additionalProperties"].is_object())
        return Fail(path, "additionalProperties must be a schema");
      Node(s["additionalProperties"], path + "[*]", false);
    }
    const json props = s.value("properties", json::object());
    for (const json& r : s.value("required", json::array())) {
      if (!props.contains(r.get<std::string>()))
        Fail(path, "required " + r.dump() + " has no property");
    }
    for (auto& [key, sub] : props.items()) {
      std::string p = ChildPath(path, key);
      if (root && key == "metadata") {
        Metadata(sub, p);
        continue;
      }
      Node(sub, p, false);
    }
  }

  void Metadata(const json& s, const std::string& path) {
    for (auto& [key, value] : s.items()) {
      if (key != "type" && key != "properties") Fail(path, "metadata may only set type");
    }
    if (s.value("type", "") != "object") Fail(path, "metadata must be type object");
    for (auto& [key, value] : Properties(s).items()) {
      if (key != "name" && key != "generateName")
        Fail(path, "only name and generateName may be restricted");
    }
  }
};

void CheckNames(const json& crd, std::vector<std::string>* errs) {
  const json spec = crd.value("spec", json::object());
  const json names = spec.value("names", json::object());
  std::string group = spec.value("group", "");
  std::string plural = names.value("plural", "");
  if (crd.value("apiVersion", "") != "apiextensions.k8s.io/v1")
    errs->push_back("apiVersion must be apiextensions.k8s.io/v1");
  if (crd.value("kind", "") != "CustomResourceDefinition")
    errs->push_back("kind must be CustomResourceDefinition");
  std::string name = crd.value("metadata", json::object()).value("name", "");
  if (name != plural + "." + group)
    errs->push_back("metadata.name must be <plural>.<group>: " + name);
  if (!IsDnsSubdomain(group)) errs->push_back("spec.group must be a DNS subdomain: " + group);
  for (const char* key : {"plural", "singular", "kind", "listKind"}) {
    if (names.value(key, "").empty())
      errs->push_back(std::string("spec.names.") + key + ": Required value");
  }
  std::string scope = spec.value("scope", "");
  if (scope != "Cluster" && scope != "Namespaced")
    errs->push_back("spec.scope: Unsupported value " + Quote(scope));
}

void CheckVersion(const json& v, const std::string& path, std::vector<std::string>* errs) {
  const json schema = v.value("schema", json::object()).value("openAPIV3Schema", json());
  if (!schema.is_object()) return errs->push_back(path + ".schema.openAPIV3Schema: Required value");
  Checker c;
  c.Node(schema, "", true);
  for (const std::string& e : c.errors) errs->push_back(path + ": " + e);
  for (const std::string& e : CheckCelRules(schema).errors) errs->push_back(path + ": " + e);
  for (const json& col : v.value("additionalPrinterColumns", json::array())) {
    std::string jp = col.value("jsonPath", "");
    std::string type = col.value("type", "");
    static const std::set<std::string> kColTypes = {"integer", "number", "string", "boolean",
                                                    "date"};
    if (col.value("name", "").empty() || jp.empty() || jp[0] != '.' || !kColTypes.count(type)) {
      errs->push_back(path + ".additionalPrinterColumns: invalid column " + col.dump());
    }
  }
}

void CheckAll(const json& crd, std::vector<std::string>* out);

}  // namespace

std::vector<std::string> CheckStructural(const json& schema) {
  Checker c;
  try {
    c.Node(schema, "", true);
  } catch (const json::exception& e) {
    c.errors.push_back(std::string("malformed schema: ") + e.what());
  }
  return c.errors;
}

std::vector<std::string> CheckCrd(const json& crd) {
  std::vector<std::string> errs;
  try {
    CheckAll(crd, &errs);
  } catch (const json::exception& e) {
    errs.push_back(std::string("malformed CRD: ") + e.what());
  }
  return errs;
}

namespace {
void CheckAll(const json& crd, std::vector<std::string>* out) {
  std::vector<std::string>& errs = *out;
  CheckNames(crd, &errs);
  const json versions = crd.value("spec", json::object()).value("versions", json::array());
  int storage = 0;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    std::string path = "spec.versions[" + std::to_string(i) + "]";
    if (versions[i].value("storage", false)) ++storage;
    CheckVersion(versions[i], path, &errs);
  }
  if (versions.empty() || storage != 1) {
    errs.push_back("spec.versions: exactly one must be the storage version");
  }
}
}  // namespace

}  // namespace kaudit::schema
