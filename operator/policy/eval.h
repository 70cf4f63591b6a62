// Evaluating a policy for one request, as k8s.io/apiserver pkg/audit/policy/checker.go does:
// the first matching rule wins; no match gives None with the policy's omitStages.
// Matching subtleties (all upstream's): users/groups/verbs first; a rule with resources or
// namespaces is a resource rule and never matches non-resource requests; "pods/*" also matches
// plain "pods"; "pods" does not match "pods/log"; a GroupResources without group means core
// only; resourceNames match a nameless request only through an "" entry; all-namespace lists
// have namespace ""; nonResourceURLs "*" matches all, "prefix*" matches by prefix.
//
// Thread safety: a CompiledPolicy is immutable after Compile; Evaluate may be called from many
// threads at once and allocates nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"

namespace kaudit::policy {

// What the evaluator needs to know about a request. Views point into caller-owned memory.
struct RequestAttributes {
  bool has_user = false;  // false for requests that failed authentication
  std::string_view user;  // the authenticated user (not the impersonated one)
  std::span<const std::string_view> groups;
  std::string_view verb;
  bool is_resource_request = false;
  // Resource requests.
  std::string_view api_group;  // "" = core
  std::string_view namespace_;
  std::string_view resource;
  std::string_view subresource;
  std::string_view name;
  // Non-resource requests: the percent-decoded path without the query.
  std::string_view path;
};

struct Decision {
  Level level = Level::kNone;
  uint8_t omit_stages = 0;  // bit i set = kStageNames[i] is omitted
  bool omit_managed_fields = false;
  int rule_index = -1;  // 0-based index of the matching rule, -1 when none matched
  bool Omits(Stage s) const { return (omit_stages >> static_cast<int>(s)) & 1U; }
};

class CompiledPolicy {
 public:
  // policy must have passed ValidatePolicy; an unknown level or stage is kInvalidArgument.
  static StatusOr<CompiledPolicy> Compile(const Policy& policy);

  Decision Evaluate(const RequestAttributes& request) const;
  std::size_t rule_count() const;

  CompiledPolicy(CompiledPolicy&&) noexcept;
  CompiledPolicy& operator=(CompiledPolicy&&) noexcept;
  ~CompiledPolicy();

 private:
  struct Impl;
  explicit CompiledPolicy(std::unique_ptr<const Impl> impl);
  std::unique_ptr<const Impl> impl_;
};

}  // namespace kaudit::policy
