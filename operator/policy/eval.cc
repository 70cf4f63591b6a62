#include "policy/eval.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace kaudit::policy {
namespace {

// Verbs kube-apiserver produces (authorizer verbs for resource requests, lowercased HTTP methods
// for the others) get one bit each, so a rule's verb list is a mask test. Anything else (a typo
// such as "GET", or a custom verb) is matched by exact string against the rule's other_verbs.
constexpr std::array<std::string_view, 16> kKnownVerbs = {
    "get",  "list", "watch", "create",  "update", "patch",   "delete", "deletecollection",
    "post", "put",  "head",  "options", "proxy",  "connect", "trace",  "impersonate"};
constexpr uint32_t kUnknownVerb = 0;

uint32_t VerbBit(std::string_view verb) {
  for (std::size_t i = 0; i < kKnownVerbs.size(); ++i) {
    if (kKnownVerbs[i] == verb) return 1U << i;
  }
  return kUnknownVerb;
}

// An immutable set of strings, searched without allocating: short lists are scanned (that is
// faster than any tree for the handful of entries policies usually carry), longer ones are sorted
// and binary-searched.
class StringSet {
 public:
  void Add(std::string_view s) { items_.emplace_back(s); }
  void Finish() {
    std::sort(items_.begin(), items_.end());
    items_.erase(std::unique(items_.begin(), items_.end()), items_.end());
  }
  bool empty() const { return items_.empty(); }
  bool Contains(std::string_view s) const {
    if (items_.size() <= kLinearMax) {
      for (const std::string& item : items_) {
        if (item == s) return true;
      }
      return false;
    }
    auto it = std::lower_bound(items_.begin(), items_.end(), s,
                               [](const std::string& a, std::string_view b) { return a < b; });
    return it != items_.end() && *it == s;
  }

 private:
  static constexpr std::size_t kLinearMax = 8;
  std::vector<std::string> items_;
};

// One GroupResources entry, with its resource strings sorted by the way upstream can match them.
// An entry can land in several buckets ("*/*" is an exact string, a "*/x" and an "x/*" pattern),
// exactly as upstream tries every comparison on every entry.
struct CompiledGroupResources {
  std::string group;
  bool all_resources = false;  // no resources listed: the whole group, names not checked
  bool any_name = true;
  StringSet names;
  bool star = false;                // "*"
  std::vector<std::string> exact;   // compared with resource or resource/subresource
  StringSet subresource_wildcards;  // "*/x" stored as x
  StringSet resource_wildcards;     // "x/*" stored as x (so "pods/*" also matches plain pods)
};

enum class RuleKind { kAny, kResource, kNonResource };

struct CompiledRule {
  Level level = Level::kNone;
  uint8_t omit_stages = 0;  // already unioned with the policy's
  bool omit_managed_fields = false;

  bool any_user = true;
  StringSet users;
  bool any_group = true;
  StringSet groups;
  bool any_verb = true;
  uint32_t verb_mask = 0;
  StringSet other_verbs;

  RuleKind kind = RuleKind::kAny;
  bool any_namespace = true;
  StringSet namespaces;
  std::vector<CompiledGroupResources> resources;  // empty: every resource

  bool all_paths = false;  // "*"
  StringSet exact_paths;
  std::vector<std::string> path_prefixes;  // "prefix*" with every trailing '*' removed
};

// resource/subresource as upstream's combinedResource, compared without building it.
bool CombinedEquals(std::string_view entry, std::string_view resource,
                    std::string_view subresource) {
  if (subresource.empty()) return entry == resource;
  return entry.size() == resource.size() + 1 + subresource.size() &&
         entry.substr(0, resource.size()) == resource && entry[resource.size()] == '/' &&
         entry.substr(resource.size() + 1) == subresource;
}

bool MatchesGroupResources(const CompiledGroupResources& gr, const RequestAttributes& r) {
  if (gr.all_resources) return true;
  // Upstream checks names inside its loop over resources, but the test is the same for every
  // entry, so a miss here means no entry of this GroupResources can match.
  if (!gr.any_name && !gr.names.Contains(r.name)) return false;
  if (gr.star) return true;
  if (!r.subresource.empty() && gr.subresource_wildcards.Contains(r.subresource)) return true;
  if (gr.resource_wildcards.Contains(r.resource)) return true;
  for (const std::string& e : gr.exact) {
    if (CombinedEquals(e, r.resource, r.subresource)) return true;
  }
  return false;
}

bool MatchesResource(const CompiledRule& rule, const RequestAttributes& r) {
  if (!r.is_resource_request) return false;
  if (!rule.any_namespace && !rule.namespaces.Contains(r.namespace_)) return false;
  if (rule.resources.empty()) return true;
  for (const CompiledGroupResources& gr : rule.resources) {
    // Plain equality: "" is the core group only, and "*" is not a wildcard before 1.36.
    if (gr.group == r.api_group && MatchesGroupResources(gr, r)) return true;
  }
  return false;
}

bool MatchesNonResource(const CompiledRule& rule, const RequestAttributes& r) {
  if (r.is_resource_request) return false;
  if (rule.all_paths || rule.exact_paths.Contains(r.path)) return true;
  for (const std::string& prefix : rule.path_prefixes) {
    if (r.path.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

bool MatchesGroups(const CompiledRule& rule, const RequestAttributes& r) {
  for (std::string_view g : r.groups) {
    if (rule.groups.Contains(g)) return true;
  }
  return false;
}

bool Matches(const CompiledRule& rule, const RequestAttributes& r, uint32_t verb_bit) {
  if (!rule.any_user && (!r.has_user || !rule.users.Contains(r.user))) return false;
  if (!rule.any_group && (!r.has_user || !MatchesGroups(rule, r))) return false;
  if (!rule.any_verb) {
    bool ok = verb_bit != kUnknownVerb ? (rule.verb_mask & verb_bit) != 0
                                       : rule.other_verbs.Contains(r.verb);
    if (!ok) return false;
  }
  switch (rule.kind) {
    case RuleKind::kResource:
      return MatchesResource(rule, r);
    case RuleKind::kNonResource:
      return MatchesNonResource(rule, r);
    case RuleKind::kAny:
      break;
  }
  return true;
}

StatusOr<uint8_t> CompileStages(const std::vector<std::string>& stages, const std::string& field) {
  uint8_t mask = 0;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    std::optional<Stage> s = ParseStage(stages[i]);
    if (!s) {
      return Status::InvalidArgument(field + "[" + std::to_string(i) + "]: unknown stage \"" +
                                     stages[i] + "\"");
    }
    mask = static_cast<uint8_t>(mask | (1U << static_cast<int>(*s)));
  }
  return mask;
}

CompiledGroupResources CompileGroupResources(const GroupResources& in) {
  CompiledGroupResources gr;
  gr.group = in.group;
  gr.all_resources = in.resources.empty();
  gr.any_name = in.resource_names.empty();
  for (const std::string& n : in.resource_names) gr.names.Add(n);
  for (const std::string& res : in.resources) {
    std::string_view v = res;
    if (v == "*") gr.star = true;
    gr.exact.push_back(res);
    if (v.starts_with("*/") && v.size() > 2) gr.subresource_wildcards.Add(v.substr(2));
    if (v.ends_with("/*")) gr.resource_wildcards.Add(v.substr(0, v.size() - 2));
  }
  std::sort(gr.exact.begin(), gr.exact.end());
  gr.exact.erase(std::unique(gr.exact.begin(), gr.exact.end()), gr.exact.end());
  gr.names.Finish();
  gr.subresource_wildcards.Finish();
  gr.resource_wildcards.Finish();
  return gr;
}

void CompileSelectors(const PolicyRule& in, CompiledRule* out) {
  out->any_user = in.users.empty();
  for (const std::string& u : in.users) out->users.Add(u);
  out->any_group = in.user_groups.empty();
  for (const std::string& g : in.user_groups) out->groups.Add(g);
  out->any_verb = in.verbs.empty();
  for (const std::string& v : in.verbs) {
    uint32_t bit = VerbBit(v);
    if (bit != kUnknownVerb) {
      out->verb_mask |= bit;
    } else {
      out->other_verbs.Add(v);
    }
  }
  out->users.Finish();
  out->groups.Finish();
  out->other_verbs.Finish();
}

void CompileTarget(const PolicyRule& in, CompiledRule* out) {
  if (!in.namespaces.empty() || !in.resources.empty()) {
    out->kind = RuleKind::kResource;
    out->any_namespace = in.namespaces.empty();
    for (const std::string& ns : in.namespaces) out->namespaces.Add(ns);
    out->namespaces.Finish();
    for (const GroupResources& gr : in.resources) {
      out->resources.push_back(CompileGroupResources(gr));
    }
    return;
  }
  if (in.non_resource_urls.empty()) return;  // RuleKind::kAny
  out->kind = RuleKind::kNonResource;
  for (const std::string& spec : in.non_resource_urls) {
    std::string_view v = spec;
    if (v == "*") out->all_paths = true;
    out->exact_paths.Add(v);
    if (v.ends_with('*')) {
      // strings.TrimRight(spec, "*") in upstream: every trailing '*' goes.
      std::size_t end = v.find_last_not_of('*');
      out->path_prefixes.emplace_back(end == std::string_view::npos ? "" : v.substr(0, end + 1));
    }
  }
  out->exact_paths.Finish();
}

StatusOr<CompiledRule> CompileRule(const PolicyRule& in, std::size_t index, uint8_t policy_stages,
                                   bool policy_omit_managed_fields) {
  const std::string field = "rules[" + std::to_string(index) + "]";
  CompiledRule rule;
  std::optional<Level> level = ParseLevel(in.level);
  if (!level) {
    return Status::InvalidArgument(field + ".level: unknown level \"" + in.level + "\"");
  }
  rule.level = *level;
  StatusOr<uint8_t> stages = CompileStages(in.omit_stages, field + ".omitStages");
  if (!stages.ok()) return stages.status();
  rule.omit_stages = static_cast<uint8_t>(*stages | policy_stages);
  rule.omit_managed_fields = in.omit_managed_fields.value_or(policy_omit_managed_fields);
  CompileSelectors(in, &rule);
  CompileTarget(in, &rule);
  return rule;
}

}  // namespace

struct CompiledPolicy::Impl {
  std::vector<CompiledRule> rules;
  uint8_t omit_stages = 0;
  bool omit_managed_fields = false;
};

CompiledPolicy::CompiledPolicy(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
CompiledPolicy::CompiledPolicy(CompiledPolicy&&) noexcept = default;
CompiledPolicy& CompiledPolicy::operator=(CompiledPolicy&&) noexcept = default;
CompiledPolicy::~CompiledPolicy() = default;

StatusOr<CompiledPolicy> CompiledPolicy::Compile(const Policy& policy) {
  auto impl = std::make_unique<Impl>();
  StatusOr<uint8_t> stages = CompileStages(policy.omit_stages, "omitStages");
  if (!stages.ok()) return stages.status();
  impl->omit_stages = *stages;
  impl->omit_managed_fields = policy.omit_managed_fields;
  impl->rules.reserve(policy.rules.size());
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    StatusOr<CompiledRule> rule =
        CompileRule(policy.rules[i], i, impl->omit_stages, impl->omit_managed_fields);
    if (!rule.ok()) return rule.status();
    impl->rules.push_back(std::move(*rule));
  }
  return CompiledPolicy(std::move(impl));
}

Decision CompiledPolicy::Evaluate(const RequestAttributes& request) const {
  const uint32_t verb_bit = VerbBit(request.verb);
  const std::vector<CompiledRule>& rules = impl_->rules;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const CompiledRule& rule = rules[i];
    if (!Matches(rule, request, verb_bit)) continue;
    return Decision{rule.level, rule.omit_stages, rule.omit_managed_fields, static_cast<int>(i)};
  }
  return Decision{Level::kNone, impl_->omit_stages, impl_->omit_managed_fields, -1};
}

std::size_t CompiledPolicy::rule_count() const { return impl_->rules.size(); }

}  // namespace kaudit::policy
