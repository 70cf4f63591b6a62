// Label and field selectors with kube-apiserver's syntax:
//   labels: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a   (comma = AND)
//   fields: a.b=c, a.b==c, a.b!=c (any field path; metadata.name, metadata.namespace,
//           spec.nodeName, status.phase, ... are what kaudit uses)
// Thread safety: immutable after Parse.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace kaudit::emulator {

class LabelSelector {
 public:
  static StatusOr<LabelSelector> Parse(const std::string& text);
  bool Matches(const nlohmann::json& obj) const;  // reads obj.metadata.labels
  bool empty() const { return reqs_.empty(); }

 private:
  struct Req {
    std::string key;
    std::string op;  // "=", "!=", "in", "notin", "exists", "!exists"
    std::vector<std::string> values;
  };
  std::vector<Req> reqs_;
};

class FieldSelector {
 public:
  static StatusOr<FieldSelector> Parse(const std::string& text);
  bool Matches(const nlohmann::json& obj) const;
  bool empty() const { return reqs_.empty(); }

 private:
  struct Req {
    std::string path;
    bool negate = false;
    std::string value;
  };
  std::vector<Req> reqs_;
};

}  // namespace kaudit::emulator
