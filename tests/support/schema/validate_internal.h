// Internal to kaudit_schema: the pieces validate.cc and validate_cel.cc share.
//
// Thread safety: a ValueValidator is used by one thread for one object.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kaudit::schema {

// OpenAPI value validation of an already pruned object; appends kube-style messages.
class ValueValidator {
 public:
  ValueValidator(std::vector<std::string>* errors, bool* type_error)
      : errors_(errors), type_error_(type_error) {}

  void Check(const nlohmann::json& v, const nlohmann::json& s, const std::string& path);

 private:
  void Fail(const std::string& path, const std::string& message);
  void TypeError(const nlohmann::json& v, const std::string& path, const std::string& want);
  void CheckEnum(const nlohmann::json& v, const nlohmann::json& s, const std::string& path);
  void CheckString(const std::string& v, const nlohmann::json& s, const std::string& path);
  void CheckNumber(const nlohmann::json& v, const nlohmann::json& s, const std::string& path);
  void CheckArray(const nlohmann::json& v, const nlohmann::json& s, const std::string& path);
  void CheckListType(const nlohmann::json& v, const nlohmann::json& s, const std::string& path);
  void CheckObject(const nlohmann::json& v, const nlohmann::json& s, const std::string& path);

  std::vector<std::string>* errors_;
  bool* type_error_;
};

// Evaluates every x-kubernetes-validations rule of s and its sub-schemas wherever the object
// has a value, appending the failures.
void ApplyCelRules(const nlohmann::json& v, const nlohmann::json& s, const std::string& path,
                   std::vector<std::string>* errors);

}  // namespace kaudit::schema
