// Helpers for the lint tests: policies from YAML, findings by code.
// Thread safety: test-only free functions.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "policy/lint.h"
#include "policy/loader.h"

namespace kaudit::policy::lint_testing {

// A policy from the YAML of its rules; RequestReceived is omitted and a catch-all appended
// unless the case is about those, so other checks stay quiet.
inline Policy Rules(const std::string& rules_yaml, bool omit_rr = true, bool catch_all = true) {
  std::string doc = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
  if (omit_rr) doc += "omitStages: [RequestReceived]\n";
  doc += "rules:\n" + rules_yaml;
  if (catch_all) doc += "- level: Metadata\n";
  LoadResult r = LoadPolicy(doc);
  EXPECT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0]) << "\n" << doc;
  return r.policy;
}

inline std::vector<Finding> Only(const std::vector<Finding>& all, std::string_view code) {
  std::vector<Finding> out;
  for (const Finding& f : all) {
    if (f.code == code) out.push_back(f);
  }
  return out;
}

inline std::vector<Finding> LintCode(const Policy& p, std::string_view code) {
  return Only(Lint(p), code);
}

}  // namespace kaudit::policy::lint_testing
