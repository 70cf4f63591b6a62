#include "policy/render.h"

#include <algorithm>
#include <map>

#include "policy/emit.h"
#include "policy/render_flags.h"
#include "policy/validate.h"

namespace kaudit::policy {
namespace {

constexpr std::string_view kHeader =
    "Audit policy rendered by kaudit from AuditProfiles (kaudit.io/v1alpha1).\n"
    "Edit the AuditProfiles, not this file: kaudit replaces it.";

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

std::string Describe(const AuditProfile& p) {
  return "profile " + Quoted(p.name) + " (priority " + std::to_string(p.priority) + ")";
}

Status CheckInputs(const std::vector<AuditProfile>& profiles, const RenderOptions& opts) {
  if (profiles.empty()) return Status::InvalidArgument("no AuditProfile to render");
  std::vector<std::string> problems;
  std::map<std::string, const AuditProfile*> seen;
  ProfileOptions popts;
  popts.allowed_log_root = opts.allowed_log_root;
  for (const AuditProfile& p : profiles) {
    auto [it, inserted] = seen.emplace(p.name, &p);
    if (!inserted) {
      problems.push_back("two AuditProfiles are named " + Quoted(p.name) + ": " +
                         it->second->origin + " and " + p.origin);
    }
    for (const FieldError& fe : ValidateProfile(p, popts)) {
      problems.push_back("profile " + Quoted(p.name) +
                         (p.origin.empty() ? "" : " (" + p.origin + ")") + ": " + fe.ToString());
    }
  }
  if (problems.empty()) return Status::Ok();
  std::string msg;
  for (const std::string& line : problems) msg += (msg.empty() ? "" : "\n") + line;
  return Status::InvalidArgument(msg);
}

// Priority high first, then name: the one order every composition decision uses.
std::vector<const AuditProfile*> Ordered(const std::vector<AuditProfile>& profiles) {
  std::vector<const AuditProfile*> out;
  for (const AuditProfile& p : profiles) out.push_back(&p);
  std::sort(out.begin(), out.end(), [](const AuditProfile* a, const AuditProfile* b) {
    return a->priority != b->priority ? a->priority > b->priority : a->name < b->name;
  });
  return out;
}

// A profile's omitStages and omitManagedFields, applied to one of its rules.
PolicyRule WithProfileDefaults(PolicyRule rule, const AuditProfile& p) {
  if (!p.omit_stages.empty()) {
    std::vector<std::string> merged;
    for (std::string_view stage : kStageNames) {
      auto has = [&](const std::vector<std::string>& v) {
        return std::find(v.begin(), v.end(), stage) != v.end();
      };
      if (has(rule.omit_stages) || has(p.omit_stages)) merged.emplace_back(stage);
    }
    rule.omit_stages = std::move(merged);
  }
  if (p.omit_managed_fields.value_or(false) && !rule.omit_managed_fields) {
    rule.omit_managed_fields = true;
  }
  return rule;
}

void AddRule(PolicyRule rule, RuleOrigin origin, RenderedConfig* out) {
  out->policy.rules.push_back(std::move(rule));
  out->origins.push_back(std::move(origin));
}

void AddProfileRules(const AuditProfile& p, SystemTime now, RenderedConfig* out) {
  for (std::size_t i = 0; i < p.rules.size(); ++i) {
    const ProfileRule& r = p.rules[i];
    std::string where = "profile " + Quoted(p.name) + " spec.rules[" + std::to_string(i) + "]";
    if (r.expires_at && *r.expires_at <= now) {
      out->notes.push_back(where + " expired at " + FormatRfc3339(*r.expires_at) + ": dropped");
      continue;
    }
    RuleOrigin o{RuleOrigin::Kind::kProfile, p.name, static_cast<int>(i), where, r.expires_at};
    // The expiry stays out of the comment: extending a debug rule must not change the revision
    // (and restart every apiserver) when the policy itself does not change.
    if (r.expires_at && (!out->next_expiry || *r.expires_at < *out->next_expiry)) {
      out->next_expiry = r.expires_at;
    }
    AddRule(WithProfileDefaults(r.rule, p), std::move(o), out);
  }
}

// The first profile (in order) that sets the setting wins; every later one that sets a
// different value is a conflict.
template <typename T, typename Get>
const AuditProfile* PickSetting(const std::vector<const AuditProfile*>& ordered,
                                const std::string& field, Get get, RenderedConfig* out) {
  const AuditProfile* winner = nullptr;
  std::optional<T> chosen;
  for (const AuditProfile* p : ordered) {
    std::optional<T> v = get(*p);
    if (!v) continue;
    if (winner == nullptr) {
      winner = p;
      chosen = std::move(v);
    } else if (!(*v == *chosen)) {
      out->conflicts.push_back({field, p->name, winner->name,
                                Describe(*p) + " sets " + field + " differently from " +
                                    Describe(*winner) + ", whose setting is used"});
    }
  }
  return winner;
}

// Settings written in a winning backend that its mode makes kube-apiserver ignore.
void NoteIgnored(const AuditProfile& p, const std::string& path, const std::string& mode,
                 const BatchSpec& b, const TruncateSpec& t, bool truncate_on, RenderedConfig* out) {
  if (mode != "batch" && !(b == BatchSpec{})) {
    out->notes.push_back(Describe(p) + ": " + path + ".batch is ignored: mode is " + mode);
  }
  if (!truncate_on && (t.max_batch_size || t.max_event_size)) {
    out->notes.push_back(Describe(p) + ": " + path + ".truncate sizes are ignored: truncation " +
                         "is off");
  }
}

void ComposeSettings(const std::vector<const AuditProfile*>& ordered, RenderedConfig* out) {
  auto log_of = [](const AuditProfile& p) {
    return p.log ? std::optional<ResolvedLog>(ResolveLog(p.log)) : std::nullopt;
  };
  auto webhook_of = [](const AuditProfile& p) {
    return p.webhook ? std::optional<ResolvedWebhook>(ResolveWebhook(*p.webhook)) : std::nullopt;
  };
  const AuditProfile* log = PickSetting<ResolvedLog>(ordered, "spec.backends.log", log_of, out);
  out->log = ResolveLog(log ? log->log : std::nullopt);
  if (log) {
    NoteIgnored(*log, "spec.backends.log", out->log.mode, log->log->batch, log->log->truncate,
                out->log.truncate.enabled, out);
  }
  if (const AuditProfile* w =
          PickSetting<ResolvedWebhook>(ordered, "spec.backends.webhook", webhook_of, out)) {
    out->webhook = ResolveWebhook(*w->webhook);
    NoteIgnored(*w, "spec.backends.webhook", out->webhook->mode, w->webhook->batch,
                w->webhook->truncate, out->webhook->truncate.enabled, out);
  }
  auto timeout_of = [](const AuditProfile& p) { return p.rollout.health_timeout; };
  if (const AuditProfile* t =
          PickSetting<Duration>(ordered, "spec.rollout.healthTimeout", timeout_of, out)) {
    out->health_timeout = *t->rollout.health_timeout;
  }
  for (const AuditProfile* p : ordered)
    out->paused = out->paused || p->rollout.paused.value_or(false);
}

// Presets repeat the preamble's Secrets rule so that they are safe without it. Behind a
// preamble rule that matches exactly the same requests, the copy is never reached (first match
// wins, whatever its level or stages), and lint would call it redundant.
bool StatedByPreamble(const PolicyRule& rule, const RenderedConfig& out) {
  auto same_requests = [](const PolicyRule& a, const PolicyRule& b) {
    return a.users == b.users && a.user_groups == b.user_groups && a.verbs == b.verbs &&
           a.resources == b.resources && a.namespaces == b.namespaces &&
           a.non_resource_urls == b.non_resource_urls;
  };
  for (std::size_t i = 0; i < out.origins.size(); ++i) {
    if (out.origins[i].kind == RuleOrigin::Kind::kPreamble &&
        same_requests(out.policy.rules[i], rule)) {
      return true;
    }
  }
  return false;
}

void AddPreset(const std::vector<const AuditProfile*>& ordered, RenderedConfig* out) {
  auto preset_of = [](const AuditProfile& p) { return p.preset; };
  const AuditProfile* p = PickSetting<Preset>(ordered, "spec.preset", preset_of, out);
  if (p == nullptr) {
    out->notes.push_back(
        "no profile names a preset: requests that no rule matches are not "
        "audited");
    return;
  }
  out->preset = p->preset;
  out->preset_profile = p->name;
  const std::vector<CuratedRule>& rules = PresetRules(*p->preset);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    PolicyRule rule = WithProfileDefaults(rules[i].rule, *p);
    if (StatedByPreamble(rule, *out)) continue;
    RuleOrigin o{RuleOrigin::Kind::kPreset, p->name, static_cast<int>(i),
                 "preset " + std::string(PresetName(*p->preset)) + ": " + rules[i].purpose,
                 std::nullopt};
    AddRule(std::move(rule), std::move(o), out);
  }
}

Status AttachWebhookKubeconfig(const RenderOptions& opts, RenderedConfig* out) {
  if (!out->webhook) {
    if (opts.webhook_kubeconfig) {
      out->notes.push_back(
          "a webhook kubeconfig was given but no profile sets "
          "spec.backends.webhook: ignored");
    }
    return Status::Ok();
  }
  if (!opts.webhook_kubeconfig) {
    std::string what = "the webhook backend needs the kubeconfig from Secret " +
                       Quoted(out->webhook->secret_name) + " key " +
                       Quoted(out->webhook->secret_key);
    if (!opts.allow_missing_webhook_kubeconfig) return Status::InvalidArgument(what);
    out->notes.push_back(what + ": webhook left out of this render");
    out->webhook.reset();
    return Status::Ok();
  }
  KAUDIT_RETURN_IF_ERROR(CheckWebhookKubeconfig(*opts.webhook_kubeconfig));
  out->webhook_kubeconfig = opts.webhook_kubeconfig;
  return Status::Ok();
}

Status Finish(RenderedConfig* out) {
  if (out->policy.rules.empty()) {
    return Status::InvalidArgument(
        "the effective policy has no rules, and kube-apiserver refuses a policy with 0 rules: "
        "set spec.preset or add spec.rules");
  }
  std::vector<FieldError> errs = ValidatePolicy(out->policy);
  if (!errs.empty()) {
    return Status::Internal("rendered policy does not validate: " + errs.front().ToString());
  }
  std::vector<std::string> comments;
  for (const RuleOrigin& o : out->origins) comments.push_back(o.comment);
  out->policy_yaml = EmitPolicyYaml(out->policy, comments, kHeader);
  FlagList backend = BackendFlags(out->log, out->webhook);
  out->revision = RevisionOf(out->policy_yaml, backend, out->webhook_kubeconfig);
  out->flags.clear();
  out->flags.emplace_back("audit-policy-file", NodePolicyPath(out->revision));
  if (out->webhook) {
    out->flags.emplace_back("audit-webhook-config-file", NodeWebhookConfigPath(out->revision));
  }
  out->flags.insert(out->flags.end(), backend.begin(), backend.end());
  out->flags_json = FlagsJson(out->flags);
  return Status::Ok();
}

}  // namespace

StatusOr<RenderedConfig> Render(const std::vector<AuditProfile>& profiles,
                                const RenderOptions& opts) {
  KAUDIT_RETURN_IF_ERROR(CheckInputs(profiles, opts));
  std::vector<const AuditProfile*> ordered = Ordered(profiles);
  RenderedConfig out;
  // An upper bound (Recommended is the longest preset), so the rules are never copied on growth.
  std::size_t total = LockedPreamble().size() + PresetRules(Preset::kRecommended).size();
  for (const AuditProfile* p : ordered) {
    out.sources.push_back({p->name, p->priority, p->origin});
    total += p->rules.size();
  }
  out.policy.rules.reserve(total);
  out.origins.reserve(total);
  if (opts.locked_preamble) {
    const std::vector<CuratedRule>& preamble = LockedPreamble();
    for (std::size_t i = 0; i < preamble.size(); ++i) {
      AddRule(
          preamble[i].rule,
          {RuleOrigin::Kind::kPreamble, "", static_cast<int>(i), preamble[i].purpose, std::nullopt},
          &out);
    }
  }
  for (const AuditProfile* p : ordered) AddProfileRules(*p, opts.now, &out);
  AddPreset(ordered, &out);
  ComposeSettings(ordered, &out);
  KAUDIT_RETURN_IF_ERROR(AttachWebhookKubeconfig(opts, &out));
  KAUDIT_RETURN_IF_ERROR(Finish(&out));
  return out;
}

}  // namespace kaudit::policy
