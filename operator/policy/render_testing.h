// Helpers shared by the profile, preset and render tests (header-only, test code only).
// Thread safety: none needed (tests).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "policy/eval.h"
#include "policy/profile.h"

namespace kaudit::policy::testing {

// A file of the source tree, e.g. "examples/none.yaml" (tests run from the source tree).
inline std::string ReadSourceFile(const std::string& relative) {
  const char* root = std::getenv("KAUDIT_SOURCE_DIR");
  std::string path = std::string(root ? root : ".") + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A file under tests/fixtures/render/.
inline std::string ReadFixture(const std::string& name) {
  return ReadSourceFile("tests/fixtures/render/" + name);
}

inline AuditProfile Profile(std::string name, std::optional<Preset> preset = std::nullopt,
                            int64_t priority = 0) {
  AuditProfile p;
  p.name = std::move(name);
  p.preset = preset;
  p.priority = priority;
  return p;
}

inline ProfileRule Custom(std::string level, std::vector<std::string> users = {}) {
  ProfileRule r;
  r.rule.level = std::move(level);
  r.rule.users = std::move(users);
  return r;
}

// One request, described the way the audit checker sees it.
struct Request {
  bool has_user = true;
  std::string user = "alice";
  std::vector<std::string> groups = {"system:authenticated"};
  std::string verb = "get";
  bool resource_request = true;
  std::string api_group;
  std::string resource;
  std::string subresource;
  std::string ns;
  std::string name;
  std::string path;  // non-resource requests
};

inline Request Res(std::string verb, std::string group, std::string resource,
                   std::string subresource = "") {
  Request r;
  r.verb = std::move(verb);
  r.api_group = std::move(group);
  r.resource = std::move(resource);
  r.subresource = std::move(subresource);
  return r;
}

inline Request Url(std::string verb, std::string path) {
  Request r;
  r.verb = std::move(verb);
  r.resource_request = false;
  r.path = std::move(path);
  return r;
}

inline Request As(Request r, std::string user, std::vector<std::string> groups) {
  r.user = std::move(user);
  r.groups = std::move(groups);
  return r;
}

inline Decision Decide(const Policy& policy, const Request& req) {
  StatusOr<CompiledPolicy> c = CompiledPolicy::Compile(policy);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return {};
  std::vector<std::string_view> groups(req.groups.begin(), req.groups.end());
  RequestAttributes a;
  a.has_user = req.has_user;
  a.user = req.user;
  a.groups = groups;
  a.verb = req.verb;
  a.is_resource_request = req.resource_request;
  a.api_group = req.api_group;
  a.namespace_ = req.ns;
  a.resource = req.resource;
  a.subresource = req.subresource;
  a.name = req.name;
  a.path = req.path;
  return c->Evaluate(a);
}

inline Level LevelOf(const Policy& policy, const Request& req) { return Decide(policy, req).level; }

}  // namespace kaudit::policy::testing
