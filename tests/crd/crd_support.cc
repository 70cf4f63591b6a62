#include "crd/crd_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kyaml/parse.h"
#include "policy/profile.h"
#include "support/schema/schema.h"

namespace kaudit::crdtest {

std::string SourceDir() {
  const char* dir = std::getenv("KAUDIT_SOURCE_DIR");
  return dir != nullptr && *dir != '\0' ? std::string(dir)
                                        : std::filesystem::current_path().string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> YamlFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

std::vector<nlohmann::json> Documents(const std::string& text, std::string* error) {
  std::vector<nlohmann::json> out;
  StatusOr<std::vector<kyaml::Document>> docs = kyaml::ParseAllDocuments(text);
  if (!docs.ok()) {
    *error = docs.status().message();
    return out;
  }
  for (const kyaml::Document& d : *docs) {
    nlohmann::json j = nlohmann::json::parse(d.root.CollapsedAndSorted().ToJson(), nullptr, false);
    if (j.is_discarded()) {
      *error = "kyaml produced JSON that nlohmann cannot read";
      return {};
    }
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json LoadCrd() {
  std::string path = SourceDir() + "/crds/kaudit.io_auditprofiles.yaml";
  std::string error;
  std::vector<nlohmann::json> docs = Documents(ReadFile(path), &error);
  EXPECT_EQ(error, "") << path;
  EXPECT_EQ(docs.size(), 1u) << path << " should hold exactly the CRD";
  return docs.empty() ? nlohmann::json::object() : docs[0];
}

}  // namespace

const nlohmann::json& Crd() {
  static const nlohmann::json* const kCrd = new nlohmann::json(LoadCrd());
  return *kCrd;
}

const nlohmann::json& Schema() {
  static const nlohmann::json* const kSchema = [] {
    const nlohmann::json& crd = Crd();
    auto* s = new nlohmann::json(nlohmann::json::object());
    if (crd.contains("spec") && crd["spec"].contains("versions") &&
        !crd["spec"]["versions"].empty()) {
      *s = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    }
    return s;
  }();
  return *kSchema;
}

std::vector<nlohmann::json> ProfileObjects(const std::string& text, std::string* error) {
  std::vector<nlohmann::json> out;
  for (nlohmann::json& d : Documents(text, error)) {
    if (d.is_object() && d.value("kind", "") == "AuditProfile") out.push_back(std::move(d));
  }
  return out;
}

Verdict Judge(const std::string& text, const std::string& source_name, const JudgeOptions& opts) {
  Verdict v;
  std::string error;
  for (nlohmann::json& obj : ProfileObjects(text, &error)) {
    ++v.profiles;
    obj.erase("status");
    for (std::string& e : schema::ValidateMetadataName(obj)) v.schema_errors.push_back(e);
    schema::Result r = schema::ValidateObject(Schema(), obj);
    for (std::string& e : r.errors) v.schema_errors.push_back(std::move(e));
    for (std::string& p : r.pruned) v.pruned.push_back(std::move(p));
  }
  if (!error.empty()) v.schema_errors.push_back("YAML: " + error);
  policy::ProfileOptions popts;
  popts.strict = opts.strict;
  popts.allowed_log_root = opts.allowed_log_root;
  policy::ProfileParseResult parsed = policy::ParseProfiles(text, source_name, popts);
  v.model_errors = parsed.errors;
  v.model_warnings = parsed.warnings;
  return v;
}

std::string HeaderValue(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  std::string prefix = "# " + key + ": ";
  while (std::getline(in, line) && line.rfind('#', 0) == 0) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

std::string Lines(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += "\n    " + s;
  return out.empty() ? " (none)" : out;
}

}  // namespace kaudit::crdtest
