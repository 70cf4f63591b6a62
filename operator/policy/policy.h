// The audit.k8s.io/v1 Policy model, exactly as kube-apiserver holds it after decoding.
//
// Values are kept as decoded strings (not enums) so that a policy kube-apiserver would refuse
// can still be represented, reported and linted; validate.h says what is legal, eval.h compiles
// a valid policy for matching. Field meanings: ../shared/reference/audit-semantics.md §1.
//
// Thread safety: plain data.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaudit::policy {

inline constexpr std::string_view kApiVersion = "audit.k8s.io/v1";
inline constexpr std::string_view kKind = "Policy";

// Levels in increasing order of detail.
enum class Level { kNone = 0, kMetadata = 1, kRequest = 2, kRequestResponse = 3 };
inline constexpr std::array<std::string_view, 4> kLevelNames = {"None", "Metadata", "Request",
                                                               "RequestResponse"};
// Stages in the fixed order used for output.
enum class Stage { kRequestReceived = 0, kResponseStarted = 1, kResponseComplete = 2, kPanic = 3 };
inline constexpr std::array<std::string_view, 4> kStageNames = {
    "RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};

// Case-sensitive, as upstream: "metadata" is not a level.
std::optional<Level> ParseLevel(std::string_view s);
std::optional<Stage> ParseStage(std::string_view s);
inline std::string_view LevelName(Level l) { return kLevelNames[static_cast<int>(l)]; }
inline std::string_view StageName(Stage s) { return kStageNames[static_cast<int>(s)]; }

struct GroupResources {
  std::string group;  // "" = the core group
  std::vector<std::string> resources;
  std::vector<std::string> resource_names;
  bool operator==(const GroupResources&) const = default;
};

struct PolicyRule {
  std::string level;
  std::vector<std::string> users;
  std::vector<std::string> user_groups;
  std::vector<std::string> verbs;
  std::vector<GroupResources> resources;
  std::vector<std::string> namespaces;
  std::vector<std::string> non_resource_urls;
  std::vector<std::string> omit_stages;
  std::optional<bool> omit_managed_fields;
  bool operator==(const PolicyRule&) const = default;
};

struct Policy {
  std::vector<PolicyRule> rules;
  std::vector<std::string> omit_stages;
  bool omit_managed_fields = false;
  bool operator==(const Policy&) const = default;
};

}  // namespace kaudit::policy
