// Parsing bytes into kyaml::Values, as Kubernetes' decoders do.
//
// - Data whose first non-space byte is '{' is JSON (apimachinery's JSON serializer recognises it
//   and never hands it to YAML): strict JSON syntax, no comments.
// - Anything else is YAML, parsed with libyaml (go-yaml v2 is a Go port of libyaml, so syntax
//   errors and their messages agree) and resolved with go-yaml v2's YAML 1.1 rules, then converted
//   as sigs.k8s.io/yaml does: map keys become strings, timestamps stay strings, .inf/.nan fail.
//
// Bad input never crashes and never uses unbounded memory: the input size, nesting depth and
// the number of nodes produced (alias expansion included) are capped.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kyaml/value.h"

namespace kaudit::kyaml {

struct ParseOptions {
  std::size_t max_bytes = 3 * 1024 * 1024;
  std::size_t max_depth = 256;
  // Values produced, counting every expansion of an alias; stops "billion laughs" documents.
  std::size_t max_nodes = 1'000'000;
};

struct Document {
  Value root;
  bool is_json = false;
  // Problems a strict decoder refuses but a lenient one accepts (duplicate map keys), as
  // upstream words them, e.g. `key "verbs" already set in map`. Empty when none.
  std::vector<std::string> strict_errors;
};

// apimachinery's utilyaml.IsJSONBuffer: the first non-space byte is '{'. Such input is parsed
// as JSON; its syntax errors are Go's ("invalid character 'x' looking for beginning of value").
bool LooksLikeJson(std::string_view data);

// The first document only (what kube-apiserver's policy loader and yaml.Unmarshal read). An
// empty input or an empty first document gives a Null root. Errors are kInvalidArgument with a
// message such as "yaml: line 5: did not find expected key" (YAML) or
// "json: line 1, column 9: ..." (JSON); kResourceExhausted for the size and node caps.
// error_at, when given, receives where a syntax error was found (line 0 when unknown).
StatusOr<Document> ParseFirstDocument(std::string_view data, const ParseOptions& opts = {},
                                      Mark* error_at = nullptr);

// Every document of a `---`-separated YAML stream (as kubectl apply -f reads a file); empty
// documents are dropped. JSON input gives one document.
StatusOr<std::vector<Document>> ParseAllDocuments(std::string_view data,
                                                  const ParseOptions& opts = {},
                                                  Mark* error_at = nullptr);

}  // namespace kaudit::kyaml
