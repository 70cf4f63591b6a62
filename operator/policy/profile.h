// AuditProfile (kaudit.io/v1alpha1, cluster-scoped): what a cluster admin declares, decoded
// from YAML/JSON and checked. docs/auditprofile.md is the reference for users; the CRD schema in
// crds/ declares the same fields, defaults and bounds.
//
// Decoding follows what the API server does with a custom resource, not what Go's decoder does
// with a struct: every problem is reported (not just the first), with its field path and, for
// files, its line ("profiles.yaml:12: spec.rules[2].level: Unsupported value: ..."). Unknown
// fields are pruned by the API server without a word; here they are warnings (errors with
// strict), because in a file on disk they are almost always typos that widen a rule.
// The rules inside spec.rules are audit.k8s.io/v1 PolicyRules and are refused exactly when
// kube-apiserver would refuse them (policy::ValidatePolicy); the backend settings are refused
// whenever kube-apiserver would refuse the --audit-* flag they become, plus the few extra limits
// documented next to each field below.
//
// Thread safety: plain data and pure functions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "kyaml/value.h"
#include "policy/duration.h"
#include "policy/policy.h"
#include "policy/presets.h"
#include "policy/validate.h"

namespace kaudit::policy {

inline constexpr std::string_view kProfileApiVersion = "kaudit.io/v1alpha1";
inline constexpr std::string_view kProfileKind = "AuditProfile";

// Bounds (the CRD declares the same ones, so CEL cost stays within budget).
inline constexpr std::size_t kMaxProfileRules = 1024;
inline constexpr std::size_t kMaxListItems = 256;     // any list inside a rule
inline constexpr std::size_t kMaxStringBytes = 1024;  // any string in a rule, and log paths

// Defaults for what a profile leaves out.
inline constexpr std::string_view kDefaultLogPath = "/var/log/kubernetes/audit/audit.log";
inline constexpr std::string_view kDefaultAllowedLogRoot = "/var/log/kubernetes";
inline constexpr int64_t kDefaultMaxAgeDays = 30;  // CIS 1.2.17 asks for >= 30
inline constexpr int64_t kDefaultMaxBackups = 10;  // CIS 1.2.18 asks for >= 10
inline constexpr int64_t kDefaultMaxSizeMB = 100;  // CIS 1.2.19 asks for >= 100
inline constexpr std::string_view kDefaultWebhookSecretKey = "kubeconfig";
inline constexpr Duration kDefaultHealthTimeout = std::chrono::minutes(5);
inline constexpr Duration kMinHealthTimeout = std::chrono::seconds(30);
inline constexpr Duration kMaxHealthTimeout = std::chrono::hours(1);

// --audit-{log,webhook}-batch-* ; unset fields take kube-apiserver's default for that backend.
struct BatchSpec {
  std::optional<int64_t> buffer_size;  // > 0
  std::optional<int64_t> max_size;     // > 0
  std::optional<Duration> max_wait;    // >= 0
  std::optional<bool> throttle_enable;
  std::optional<double> throttle_qps;     // > 0 when throttling (float32 range)
  std::optional<int64_t> throttle_burst;  // > 0 when throttling
  bool operator==(const BatchSpec&) const = default;
};

// --audit-{log,webhook}-truncate-*.
struct TruncateSpec {
  std::optional<bool> enabled;
  std::optional<int64_t> max_batch_size;  // >= max_event_size (checked even when disabled)
  std::optional<int64_t> max_event_size;  // > 0
  bool operator==(const TruncateSpec&) const = default;
};

// spec.backends.log: the --audit-log-* flags.
struct LogBackendSpec {
  std::optional<std::string> path;      // absolute, under the allowed log root, no ".." segments
  std::optional<int64_t> max_age_days;  // >= 0 (0 = keep by age forever)
  std::optional<int64_t> max_backups;   // >= 0 (0 = keep every rotated file)
  std::optional<int64_t> max_size_mb;   // >= 1 (0 means 100 MB before 1.36, no rotation after)
  std::optional<bool> compress;
  std::optional<std::string> format;  // json | legacy
  std::optional<std::string> mode;    // batch | blocking | blocking-strict
  BatchSpec batch;
  TruncateSpec truncate;
  bool operator==(const LogBackendSpec&) const = default;
};

// spec.backends.webhook: the --audit-webhook-* flags. The kubeconfig comes from a Secret in the
// namespace kaudit runs in; there is deliberately no namespace field, so writing an AuditProfile
// never lets anyone make kaudit copy an arbitrary Secret onto the control-plane nodes.
struct WebhookBackendSpec {
  std::string secret_name;  // kubeconfigSecretRef.name (required, DNS subdomain)
  std::string secret_key = std::string(kDefaultWebhookSecretKey);  // kubeconfigSecretRef.key
  std::optional<std::string> mode;          // batch | blocking | blocking-strict
  std::optional<Duration> initial_backoff;  // > 0
  BatchSpec batch;
  TruncateSpec truncate;
  bool operator==(const WebhookBackendSpec&) const = default;
};

struct RolloutSpec {
  std::optional<Duration> health_timeout;  // [30s, 1h], default 5m
  std::optional<bool> paused;
  bool operator==(const RolloutSpec&) const = default;
};

// One entry of spec.rules: a PolicyRule plus kaudit's one extension.
struct ProfileRule {
  PolicyRule rule;
  std::optional<SystemTime> expires_at;  // the rule leaves the policy once this has passed
  kyaml::Mark mark;                      // where the rule starts in its file (line 0 when unknown)
};

struct AuditProfile {
  std::string name;  // metadata.name
  std::optional<Preset> preset;
  int64_t priority = 0;  // int32 range; higher first
  std::vector<ProfileRule> rules;
  std::vector<std::string> omit_stages;  // applied to this profile's rules only
  std::optional<bool> omit_managed_fields;
  std::optional<LogBackendSpec> log;
  std::optional<WebhookBackendSpec> webhook;
  RolloutSpec rollout;
  // Where the document came from, for messages: "profiles.yaml:3" (or just a name).
  std::string origin;
};

// Backend settings with every default filled in: exactly what becomes flags.
struct ResolvedBatch {
  int64_t buffer_size = 0;
  int64_t max_size = 0;
  Duration max_wait{0};
  bool throttle_enable = false;
  double throttle_qps = 0;
  int64_t throttle_burst = 0;
  bool operator==(const ResolvedBatch&) const = default;
};
struct ResolvedTruncate {
  bool enabled = false;
  int64_t max_batch_size = 0;
  int64_t max_event_size = 0;
  bool operator==(const ResolvedTruncate&) const = default;
};
struct ResolvedLog {
  std::string path;
  int64_t max_age_days = 0;
  int64_t max_backups = 0;
  int64_t max_size_mb = 0;
  bool compress = false;
  std::string format;
  std::string mode;
  ResolvedBatch batch;
  ResolvedTruncate truncate;
  bool operator==(const ResolvedLog&) const = default;
};
struct ResolvedWebhook {
  std::string secret_name;
  std::string secret_key;
  std::string mode;
  Duration initial_backoff{0};
  ResolvedBatch batch;
  ResolvedTruncate truncate;
  bool operator==(const ResolvedWebhook&) const = default;
};

// The log backend is always on; a profile without spec.backends.log gets every default.
ResolvedLog ResolveLog(const std::optional<LogBackendSpec>& spec);
ResolvedWebhook ResolveWebhook(const WebhookBackendSpec& spec);

struct ProfileOptions {
  // Unknown and duplicate fields become errors instead of warnings.
  bool strict = false;
  // spec.backends.log.path must lie below this directory (the agent's --allowed-log-root).
  std::string allowed_log_root = std::string(kDefaultAllowedLogRoot);
};

// Every problem with an already-decoded profile: the --audit-* flag limits, the log root, rule
// validation (paths "spec.rules[2].level", "metadata.name", ...). Empty when valid.
std::vector<FieldError> ValidateProfile(const AuditProfile& profile, const ProfileOptions& opts);

// What decoding a text (or an object) produced. Messages are complete lines:
//   errors    "profiles.yaml:12: spec.rules[2].level: Unsupported value: \"All\": ..."
//   warnings  "profiles.yaml:7: spec.rules[0].verb: unknown field (did you mean \"verbs\"?) ..."
//   notes     "profiles.yaml:20: document 2 (v1 ConfigMap \"x\") is not an AuditProfile: skipped"
struct ProfileParseResult {
  std::vector<AuditProfile> profiles;  // only valid profiles
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::vector<std::string> notes;
  bool ok() const { return errors.empty(); }
};

// Every document of a YAML stream (or one JSON document); `kind: List` / AuditProfileList items
// are read too. Other kinds are skipped with a note; an AuditProfile with a wrong apiVersion, a
// document without kind, and two profiles with the same name are errors. source_name prefixes
// every message. A text without any AuditProfile is not an error here (callers decide).
ProfileParseResult ParseProfiles(std::string_view data, std::string_view source_name,
                                 const ProfileOptions& opts = {});

// One AuditProfile object already parsed (e.g. an item the controller listed from the API).
ProfileParseResult DecodeProfile(const kyaml::Value& object, std::string_view source_name,
                                 const ProfileOptions& opts = {});

}  // namespace kaudit::policy
