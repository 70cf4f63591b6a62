// ValidateProfile and the backend defaults (see profile.h). The limits are kube-apiserver's own
// for the flag each field becomes (pkg/server/options/audit.go), plus the documented extras.
#include <cfloat>
#include <string>

#include "policy/profile.h"

namespace kaudit::policy {
namespace {

using Type = FieldError::Type;
using Errors = std::vector<FieldError>;

constexpr ResolvedBatch kLogBatchDefaults{10000, 1, Duration{0}, false, 0, 0};
constexpr ResolvedBatch kWebhookBatchDefaults{10000, 400, std::chrono::seconds(30), true, 10, 15};
constexpr ResolvedTruncate kTruncateDefaults{false, 10485760, 102400};
constexpr Duration kDefaultInitialBackoff = std::chrono::seconds(10);

bool IsDns1123Subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool edge = i == 0 || i + 1 == s.size() || s[i - 1] == '.' || s[i + 1] == '.';
    if (alnum(c)) continue;
    if ((c == '-' || c == '.') && !edge) continue;
    return false;
  }
  return true;
}

std::string Num(int64_t v) { return std::to_string(v); }

void Positive(const std::optional<int64_t>& v, const std::string& field, Errors* errs) {
  if (v && *v <= 0) errs->push_back({Type::kInvalid, field, Num(*v), "must be greater than 0"});
}

void NonNegative(const std::optional<int64_t>& v, const std::string& field, Errors* errs) {
  if (v && *v < 0) {
    errs->push_back({Type::kInvalid, field, Num(*v), "must be greater than or equal to 0"});
  }
}

void OneOf(const std::optional<std::string>& v, std::initializer_list<const char*> allowed,
           const std::string& field, Errors* errs) {
  if (!v) return;
  std::string list;
  for (const char* a : allowed) {
    if (*v == a) return;
    list += (list.empty() ? "" : ", ") + GoQuote(a);
  }
  errs->push_back({Type::kNotSupported, field, GoQuote(*v), "supported values: " + list});
}

// kube-apiserver checks batch settings only in batch mode; kaudit refuses a bad value wherever it
// is written, and the throttle pair whenever throttling is on in batch mode.
void CheckBatch(const BatchSpec& b, const ResolvedBatch& resolved, bool batch_mode,
                const std::string& path, Errors* errs) {
  Positive(b.buffer_size, path + ".bufferSize", errs);
  Positive(b.max_size, path + ".maxSize", errs);
  if (b.throttle_qps && !(*b.throttle_qps > 0 && *b.throttle_qps <= FLT_MAX)) {
    errs->push_back({Type::kInvalid, path + ".throttleQPS", std::to_string(*b.throttle_qps),
                     "must be greater than 0 (and fit a float32)"});
  }
  Positive(b.throttle_burst, path + ".throttleBurst", errs);
  if (batch_mode && resolved.throttle_enable) {
    if (!b.throttle_qps && resolved.throttle_qps <= 0) {
      errs->push_back({Type::kRequired, path + ".throttleQPS", "",
                       "must be greater than 0 when throttleEnable is true"});
    }
    if (!b.throttle_burst && resolved.throttle_burst <= 0) {
      errs->push_back({Type::kRequired, path + ".throttleBurst", "",
                       "must be greater than 0 when throttleEnable is true"});
    }
  }
}

void CheckTruncate(const TruncateSpec& t, const ResolvedTruncate& resolved, const std::string& path,
                   Errors* errs) {
  Positive(t.max_event_size, path + ".maxEventSize", errs);
  Positive(t.max_batch_size, path + ".maxBatchSize", errs);
  if (resolved.max_event_size > 0 && resolved.max_batch_size < resolved.max_event_size) {
    errs->push_back(
        {Type::kInvalid, path + ".maxBatchSize", Num(resolved.max_batch_size),
         "must be greater than or equal to maxEventSize (" + Num(resolved.max_event_size) + ")"});
  }
}

// Absolute, normalised, plain characters, strictly below root: the agent mounts the log's
// directory read-write into the apiserver, so this is what keeps a profile from pointing the
// apiserver (and the agent's mkdir) at /etc or /root.
void CheckLogPath(const std::string& path, const std::string& root_in, const std::string& field,
                  Errors* errs) {
  auto bad = [&](const std::string& why) {
    errs->push_back({Type::kInvalid, field, GoQuote(path), why});
  };
  if (path.empty() || path[0] != '/') return bad("must be an absolute path");
  for (char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '.' || c == '_' || c == '-';
    if (!plain) return bad("may contain only letters, digits, '/', '.', '_' and '-'");
  }
  if (path.back() == '/') return bad("must name a file, not a directory");
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string seg = path.substr(start, slash == std::string::npos ? slash : slash - start);
    if (seg.empty() || seg == "." || seg == "..") {
      return bad("must be normalised: no empty, \".\" or \"..\" segments");
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string root = root_in;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::string prefix = root == "/" ? "/" : root + "/";
  if (path.compare(0, prefix.size(), prefix) != 0) {
    bad("must lie under " + root + " (the agent's allowed log root)");
  }
}

void CheckLog(const LogBackendSpec& l, const ProfileOptions& opts, Errors* errs) {
  const std::string p = "spec.backends.log";
  ResolvedLog r = ResolveLog(l);
  CheckLogPath(r.path, opts.allowed_log_root, p + ".path", errs);
  NonNegative(l.max_age_days, p + ".maxAgeDays", errs);
  NonNegative(l.max_backups, p + ".maxBackups", errs);
  if (l.max_size_mb && *l.max_size_mb <= 0) {
    errs->push_back({Type::kInvalid, p + ".maxSizeMB", Num(*l.max_size_mb),
                     "must be at least 1 (0 means 100 MB before Kubernetes 1.36 and no rotation "
                     "from 1.36 on: give the size you want)"});
  }
  OneOf(l.format, {"json", "legacy"}, p + ".format", errs);
  OneOf(l.mode, {"batch", "blocking", "blocking-strict"}, p + ".mode", errs);
  CheckBatch(l.batch, r.batch, r.mode == "batch", p + ".batch", errs);
  CheckTruncate(l.truncate, r.truncate, p + ".truncate", errs);
}

void CheckWebhook(const WebhookBackendSpec& w, Errors* errs) {
  const std::string p = "spec.backends.webhook";
  const std::string ref = p + ".kubeconfigSecretRef";
  if (w.secret_name.empty()) {
    errs->push_back({Type::kRequired, ref + ".name", "", ""});
  } else if (!IsDns1123Subdomain(w.secret_name)) {
    errs->push_back({Type::kInvalid, ref + ".name", GoQuote(w.secret_name),
                     "must be a lowercase RFC 1123 subdomain (a Secret name)"});
  }
  bool key_ok = !w.secret_key.empty() && w.secret_key.size() <= 253;
  for (char c : w.secret_key) {
    key_ok = key_ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
  }
  if (!key_ok) {
    errs->push_back({Type::kInvalid, ref + ".key", GoQuote(w.secret_key),
                     "must be a Secret data key: letters, digits, '-', '_' and '.'"});
  }
  OneOf(w.mode, {"batch", "blocking", "blocking-strict"}, p + ".mode", errs);
  if (w.initial_backoff && w.initial_backoff->count() <= 0) {
    errs->push_back({Type::kInvalid, p + ".initialBackoff",
                     GoQuote(FormatGoDuration(*w.initial_backoff)), "must be greater than 0"});
  }
  ResolvedWebhook r = ResolveWebhook(w);
  CheckBatch(w.batch, r.batch, r.mode == "batch", p + ".batch", errs);
  CheckTruncate(w.truncate, r.truncate, p + ".truncate", errs);
}

void CheckRules(const AuditProfile& profile, Errors* errs) {
  if (profile.rules.size() > kMaxProfileRules) {
    errs->push_back({Type::kTooLong, "spec.rules", "",
                     "must have at most " + std::to_string(kMaxProfileRules) + " items"});
  }
  Policy policy;
  policy.omit_stages = profile.omit_stages;
  policy.rules.reserve(profile.rules.size());
  for (const ProfileRule& r : profile.rules) policy.rules.push_back(r.rule);
  for (FieldError fe : ValidatePolicy(policy)) {
    fe.field = "spec." + fe.field;
    errs->push_back(std::move(fe));
  }
}

ResolvedBatch ResolveBatch(const BatchSpec& b, ResolvedBatch r) {
  if (b.buffer_size) r.buffer_size = *b.buffer_size;
  if (b.max_size) r.max_size = *b.max_size;
  if (b.max_wait) r.max_wait = *b.max_wait;
  if (b.throttle_enable) r.throttle_enable = *b.throttle_enable;
  if (b.throttle_qps) r.throttle_qps = *b.throttle_qps;
  if (b.throttle_burst) r.throttle_burst = *b.throttle_burst;
  return r;
}

ResolvedTruncate ResolveTruncate(const TruncateSpec& t) {
  ResolvedTruncate r = kTruncateDefaults;
  if (t.enabled) r.enabled = *t.enabled;
  if (t.max_batch_size) r.max_batch_size = *t.max_batch_size;
  if (t.max_event_size) r.max_event_size = *t.max_event_size;
  return r;
}

}  // namespace

ResolvedLog ResolveLog(const std::optional<LogBackendSpec>& spec) {
  LogBackendSpec l = spec.value_or(LogBackendSpec{});
  ResolvedLog r;
  r.path = l.path.value_or(std::string(kDefaultLogPath));
  r.max_age_days = l.max_age_days.value_or(kDefaultMaxAgeDays);
  r.max_backups = l.max_backups.value_or(kDefaultMaxBackups);
  r.max_size_mb = l.max_size_mb.value_or(kDefaultMaxSizeMB);
  r.compress = l.compress.value_or(false);
  r.format = l.format.value_or("json");
  r.mode = l.mode.value_or("blocking");
  r.batch = ResolveBatch(l.batch, kLogBatchDefaults);
  r.truncate = ResolveTruncate(l.truncate);
  return r;
}

ResolvedWebhook ResolveWebhook(const WebhookBackendSpec& w) {
  ResolvedWebhook r;
  r.secret_name = w.secret_name;
  r.secret_key = w.secret_key;
  r.mode = w.mode.value_or("batch");
  r.initial_backoff = w.initial_backoff.value_or(kDefaultInitialBackoff);
  r.batch = ResolveBatch(w.batch, kWebhookBatchDefaults);
  r.truncate = ResolveTruncate(w.truncate);
  return r;
}

std::vector<FieldError> ValidateProfile(const AuditProfile& profile, const ProfileOptions& opts) {
  Errors errs;
  if (profile.name.empty()) {
    errs.push_back({Type::kRequired, "metadata.name", "", ""});
  } else if (!IsDns1123Subdomain(profile.name)) {
    errs.push_back({Type::kInvalid, "metadata.name", GoQuote(profile.name),
                    "must be a lowercase RFC 1123 subdomain: [a-z0-9] with '-' and '.' inside, "
                    "at most 253 characters"});
  }
  CheckRules(profile, &errs);
  if (profile.log) CheckLog(*profile.log, opts, &errs);
  if (profile.webhook) CheckWebhook(*profile.webhook, &errs);
  if (const auto& t = profile.rollout.health_timeout;
      t && (*t < kMinHealthTimeout || *t > kMaxHealthTimeout)) {
    errs.push_back({Type::kInvalid, "spec.rollout.healthTimeout", GoQuote(FormatGoDuration(*t)),
                    "must be between 30s and 1h0m0s"});
  }
  return errs;
}

}  // namespace kaudit::policy
