// Internal: builds kyaml::Values from libyaml events with go-yaml v2 + sigs.k8s.io/yaml
// semantics. Used by parse.cc. Not thread-safe: one reader per parse.
#pragma once

#include <yaml.h>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kyaml/parse.h"
#include "kyaml/value.h"

namespace kaudit::kyaml::internal {

class YamlReader {
 public:
  YamlReader(std::string_view data, const ParseOptions& opts);
  ~YamlReader();
  YamlReader(const YamlReader&) = delete;
  YamlReader& operator=(const YamlReader&) = delete;

  // Reads the next document. *end is set at the end of the stream (doc untouched).
  Status NextDocument(Document* doc, bool* end);
  // Where the last syntax error was found (1-based), or line 0.
  Mark error_mark() const { return error_mark_; }

 private:
  // A node as built, before JSON conversion of keys: scalars keep their text and resolution
  // so they can serve as keys.
  struct Built {
    Value value;
    bool is_scalar = false;
    bool is_merge_key = false;
    std::string key;  // JSON key form when the scalar is usable as a key
    Status key_error;
    Status value_error;  // e.g. .inf: fine as a key, fatal as a JSON value
    std::size_t nodes = 1;
  };

  Status Next(yaml_event_t* ev);
  Status ParseNode(yaml_event_t& ev, int depth, Built* out);
  Status ParseScalar(const yaml_event_t& ev, Built* out);
  Status ParseSequence(const yaml_event_t& start, int depth, Built* out);
  Status ParseMapping(const yaml_event_t& start, int depth, Built* out);
  Status AddMember(Built&& key, Built&& value, std::vector<Value::Entry>* members,
                   std::vector<std::string>* seen);
  Status Merge(const Value& v, Mark m, std::vector<Value::Entry>* members);
  Status CountNodes(std::size_t n);
  void Remember(const yaml_event_t& ev, const Built& b);
  Status SyntaxError();

  yaml_parser_t parser_{};
  ParseOptions opts_;
  std::size_t nodes_ = 0;
  std::map<std::string, Built> anchors_;
  std::vector<std::string> strict_errors_;
  bool stream_started_ = false;
  Mark error_mark_;
};

}  // namespace kaudit::kyaml::internal
