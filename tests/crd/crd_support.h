// Shared by the tests in tests/crd/: the AuditProfile CRD as kube-apiserver would read it, and
// a verdict on one document from both sides — the CRD schema (through kaudit_schema, playing
// kube-apiserver's write path) and kaudit's C++ profile decoder (policy::ParseProfiles).
//
// Thread safety: the loaded CRD is a function-local static; tests run on one thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kaudit::crdtest {

// KAUDIT_SOURCE_DIR, or the working directory (kaudit_test runs tests from the source tree).
std::string SourceDir();
std::string ReadFile(const std::string& path);
// *.yaml files directly in dir, sorted; empty when dir does not exist.
std::vector<std::string> YamlFiles(const std::string& dir);

// crds/kaudit.io_auditprofiles.yaml decoded the way kubectl/kube-apiserver decode YAML
// (kyaml: go-yaml v2 resolution, then JSON). Fails the calling test if it cannot be read.
const nlohmann::json& Crd();
// The served version's openAPIV3Schema.
const nlohmann::json& Schema();

// Every AuditProfile object of a YAML/JSON stream, as JSON; other kinds are skipped.
std::vector<nlohmann::json> ProfileObjects(const std::string& text, std::string* error);

struct Verdict {
  std::vector<std::string> schema_errors;  // metadata.name + OpenAPI + CEL
  std::vector<std::string> pruned;         // unknown fields the API server would drop
  std::vector<std::string> model_errors;   // policy::ParseProfiles errors
  std::vector<std::string> model_warnings;
  int profiles = 0;  // AuditProfile documents found
  bool schema_ok() const { return schema_errors.empty(); }
  bool model_ok() const { return model_errors.empty(); }
};

struct JudgeOptions {
  bool strict = false;  // C++: unknown fields are errors
  // C++: the agent's allowed log root. "/" leaves out the one check the CRD cannot make (the
  // root is an agent flag), so that the two sides judge the same rules.
  std::string allowed_log_root = "/";
};

// Both verdicts on a document. `status` is dropped before the schema sees it, as a write to the
// main resource of a CRD with the status subresource does.
Verdict Judge(const std::string& text, const std::string& source_name,
              const JudgeOptions& opts = {});

// "# <key>: value" from a fixture's leading comment lines, or "".
std::string HeaderValue(const std::string& text, const std::string& key);

// Every message joined with newlines, for failure output.
std::string Lines(const std::vector<std::string>& v);

}  // namespace kaudit::crdtest
