// Rendering: AuditProfiles in, the effective audit Policy and --audit-* flags out.
//
// Pure and deterministic (design.md "Rendering"): no clock (the time is an input, for expiresAt),
// no I/O, no map-order dependence; the same profiles give byte-identical policy.yaml and flags
// and therefore the same revision, whatever order they are passed in.
//
// Composition (docs/presets.md has the long form):
//   1. the locked preamble (presets.h), unless RenderOptions.locked_preamble is false;
//   2. every profile's spec.rules, profiles ordered by priority (high first) then name; rules
//      whose expiresAt has passed are dropped; a profile's spec.omitStages and
//      spec.omitManagedFields are applied to its own rules only (never to the preamble, so no
//      profile can switch the preamble's stages off);
//   3. the preset of the first profile in that order that names one, with that profile's
//      omitStages/omitManagedFields.
// The preset, the backends and the rollout timeout come from the first profile in that order
// that sets them (spec.preset, spec.backends.log, spec.backends.webhook,
// spec.rollout.healthTimeout, each as a whole, compared after defaults are filled in); a later
// profile that sets a different value is reported in `conflicts` (the controller turns that into
// the profile's Conflicted condition) and is otherwise ignored. spec.rollout.paused is true when
// any profile pauses: a pause is an emergency brake anyone may pull.
//
// policy.yaml carries one comment per rule saying where it comes from ("profile \"x\"
// spec.rules[2]", "preset Recommended: <why>", "locked: <why>"). Comments are part of the
// revision, so renaming a profile gives a new revision; nothing else that leaves the rules
// unchanged does (priorities and file order do not appear in the output).
//
// Revision: the first 10 hex digits of SHA-256 over a canonical byte string made of
// policy.yaml, the flags other than the two file flags (whose values contain the revision), and
// the webhook kubeconfig. The flags then start with
//   audit-policy-file          = /etc/kubernetes/kaudit/policies/<rev>.yaml
//   audit-webhook-config-file  = /etc/kubernetes/kaudit/webhook/<rev>.kubeconfig (webhook only)
// followed by the backend flags in the fixed order documented in docs/auditprofile.md. A flag is
// written whenever its setting is in effect (defaults included, so a reader of the manifest sees
// every setting); batch flags only in batch mode, throttle qps/burst only with throttling on,
// truncate sizes only with truncation on, since kube-apiserver ignores them otherwise. Only flags
// that kube-apiserver 1.28 knows are ever written.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "policy/policy.h"
#include "policy/presets.h"
#include "policy/profile.h"

namespace kaudit::policy {

inline constexpr std::string_view kNodePolicyDir = "/etc/kubernetes/kaudit/policies";
inline constexpr std::string_view kNodeWebhookDir = "/etc/kubernetes/kaudit/webhook";

struct RenderOptions {
  SystemTime now{};  // rules with expiresAt <= now are dropped
  bool locked_preamble = true;
  std::string allowed_log_root = std::string(kDefaultAllowedLogRoot);
  // Content of the kubeconfig the webhook backend's Secret holds (the controller reads the
  // Secret; offline, `kaudit render --webhook-kubeconfig FILE`).
  std::optional<std::string> webhook_kubeconfig;
  // Without the kubeconfig a webhook profile is an error, unless this is set: then the webhook
  // is left out (with a note). For previewing the policy only; never for a node.
  bool allow_missing_webhook_kubeconfig = false;
};

// Where a rule of the effective policy comes from.
struct RuleOrigin {
  enum class Kind { kPreamble, kProfile, kPreset };
  Kind kind = Kind::kProfile;
  std::string profile;  // kProfile, kPreset: the profile's name
  int rule_index = -1;  // kProfile: index in spec.rules; kPreamble/kPreset: index in the list
  std::string comment;  // what policy.yaml shows above the rule
  std::optional<SystemTime> expires_at;
};

// A lower-priority profile's setting that lost to a higher one.
struct Conflict {
  std::string field;    // "spec.backends.log", "spec.backends.webhook", "spec.preset", ...
  std::string profile;  // the profile whose setting is not used
  std::string winner;   // the profile whose setting is used
  std::string message;  // one line for a person
};

struct RenderedConfig {
  struct ProfileSource {
    std::string name;
    int64_t priority = 0;
    std::string origin;
  };

  policy::Policy policy;            // the effective policy
  std::vector<RuleOrigin> origins;  // parallel to policy.rules
  std::string policy_yaml;          // exactly what policy.yaml holds
  // --audit-* flags, names without "--" (kubeadm style), in the documented order.
  std::vector<std::pair<std::string, std::string>> flags;
  std::string flags_json;  // [{"name": "audit-policy-file", "value": "..."}, ...] + "\n"
  std::string revision;    // 10 lowercase hex digits
  std::optional<std::string> webhook_kubeconfig;  // what webhook.kubeconfig holds
  std::optional<SystemTime> next_expiry;  // earliest expiresAt still ahead (controller requeue)
  std::vector<std::string> notes;         // dropped expired rules, ignored settings, ...
  std::vector<Conflict> conflicts;
  std::vector<ProfileSource> sources;  // profiles in composition order
  std::optional<Preset> preset;        // the preset used, if any
  std::string preset_profile;          // the profile it came from
  ResolvedLog log;
  std::optional<ResolvedWebhook> webhook;
  Duration health_timeout = kDefaultHealthTimeout;
  bool paused = false;
};

// Composes and renders. Errors (kInvalidArgument, one problem per line, each naming the profile
// and field): no profiles, two profiles with one name, a profile ValidateProfile refuses (with
// opts.allowed_log_root), an effective policy without rules, a webhook without its kubeconfig
// or with a kubeconfig kube-apiserver could not use.
StatusOr<RenderedConfig> Render(const std::vector<AuditProfile>& profiles,
                                const RenderOptions& opts);

// Checks a webhook kubeconfig the way kube-apiserver will load it at start: YAML or JSON, a
// current-context naming a context whose cluster exists and has a server URL.
Status CheckWebhookKubeconfig(std::string_view content);

// "/etc/kubernetes/kaudit/policies/<rev>.yaml", "/etc/kubernetes/kaudit/webhook/<rev>.kubeconfig"
std::string NodePolicyPath(std::string_view revision);
std::string NodeWebhookConfigPath(std::string_view revision);

}  // namespace kaudit::policy
