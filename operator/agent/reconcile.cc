// Agent::Impl::Reconcile: what the agent decides on each pass, and the node work it does.
#include <spdlog/spdlog.h>

#include "agent/agent_impl.h"

namespace kaudit::agent {
namespace {

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

StatusOr<std::vector<std::pair<std::string, std::string>>> ParseFlags(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return Status::InvalidArgument("flags.json: not a JSON array");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : j) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("value") ||
        !f["value"].is_string()) {
      return Status::InvalidArgument("flags.json: want {\"name\": string, \"value\": string}");
    }
    out.emplace_back(f["name"].get<std::string>(), f["value"].get<std::string>());
  }
  return out;
}

std::string Base64Decode(const std::string& in) {
  static const std::string kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    auto pos = kChars.find(c);
    if (pos == std::string::npos) continue;
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> Agent::Impl::Target() const {
  auto cm = rollout.Get(opts.namespace_name + "/kaudit-rollout");
  if (!cm) return std::nullopt;
  const auto& data = cm->value("data", nlohmann::json::object());
  auto it = data.find(opts.node_name);
  if (it == data.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

node::NodeOptions Agent::Impl::NodeOpts(std::chrono::milliseconds timeout) const {
  node::NodeOptions n;
  n.manifest = opts.manifest;
  n.allowed_log_root = opts.allowed_log_root;
  n.health_timeout = timeout;
  n.keep_backups = opts.keep_backups;
  return n;
}

StatusOr<node::Revision> Agent::Impl::FetchRevision(const std::string& id,
                                                    std::chrono::milliseconds* timeout) {
  auto cm = client->Get(kube::resources::ConfigMaps(), opts.namespace_name, "kaudit-rev-" + id);
  if (!cm.ok()) return cm.status().WithContext("reading ConfigMap kaudit-rev-" + id);
  const auto& data = cm->value("data", nlohmann::json::object());
  node::Revision rev;
  rev.id = Str(data, "revision");
  while (!rev.id.empty() && (rev.id.back() == '\n' || rev.id.back() == '\r')) rev.id.pop_back();
  if (rev.id != id) {
    return Status::InvalidArgument("ConfigMap kaudit-rev-" + id + ": data.revision is \"" +
                                   rev.id + "\", want \"" + id + "\"");
  }
  rev.policy_yaml = Str(data, "policy.yaml");
  auto flags = ParseFlags(Str(data, "flags.json"));
  if (!flags.ok()) return flags.status().WithContext("ConfigMap kaudit-rev-" + id);
  rev.flags = std::move(*flags);
  for (const auto& [n, v] : rev.flags) {
    if (n != "audit-webhook-config-file") continue;
    auto sec = client->Get(kube::resources::Secrets(), opts.namespace_name,
                           "kaudit-rev-" + id + "-webhook");
    if (!sec.ok()) return sec.status().WithContext("reading Secret kaudit-rev-" + id + "-webhook");
    rev.webhook_kubeconfig =
        Base64Decode(Str(sec->value("data", nlohmann::json::object()), "webhook.kubeconfig"));
  }
  std::string secs = Str(cm->value("metadata", nlohmann::json::object())
                             .value("annotations", nlohmann::json::object()),
                         "kaudit.io/health-timeout-seconds");
  *timeout = opts.health_timeout;
  if (!secs.empty() && secs.find_first_not_of("0123456789") == std::string::npos &&
      secs.size() < 9) {
    *timeout = std::chrono::seconds(std::stoll(secs));
  }
  return rev;
}

void Agent::Impl::Reconcile() {
  std::optional<std::string> target = Target();
  publisher->Update([&](NodeReport* r) { r->target = target.value_or(""); });
  node::NodeApplier reader(&fs, nullptr, NodeOpts(opts.health_timeout));
  auto status = reader.Status();
  if (!status.ok()) {
    SetPhase("Failed", "reading the node: " + status.status().message());
    return;
  }
  std::string on_disk = Str(*status, "revision");
  std::string lkg = (*status)["lastKnownGood"].is_object()
                        ? Str((*status)["lastKnownGood"], "revision") : "";
  publisher->Update([&](NodeReport* r) {
    r->revision = on_disk;
    r->last_known_good = lkg;
  });
  bool pending = (*status)["pending"].is_object();
  if (!target) {
    if (!pending) SetPhase("Idle", "no target for this node in kaudit-rollout");
    if (!pending) return;
    target = Str((*status)["pending"], "revision");  // finish what a crash interrupted
    if (target->empty()) target = "none";
  }
  if (*target == "none") {
    if (on_disk.empty() && !pending) {
      SetPhase("Healthy", "kaudit manages no auditing on this node");
      return;
    }
    RevertNode();
    return;
  }
  const nlohmann::json& last = (*status)["lastResult"];
  if (last.is_object() && Str(last, "result") == "RolledBack" && Str(last, "revision") == *target &&
      on_disk != *target && !pending) {
    SetPhase("RolledBack", Str(last, "message"));  // not again until the target changes
    return;
  }
  bool drifted = (*status)["drift"].value("drifted", false);
  if (on_disk == *target && !drifted && !pending) {
    if (phase != "Healthy") SetPhase("Healthy", "revision " + *target + " is applied");
    return;
  }
  // Drift is the loss of a revision this node already ran; anything else is a plain apply.
  ApplyTarget(*target, *status, lkg == *target && (drifted || on_disk != *target));
}

void Agent::Impl::ApplyTarget(const std::string& target, const nlohmann::json& status,
                              bool drifted) {
  std::chrono::milliseconds timeout{};
  auto rev = FetchRevision(target, &timeout);
  if (!rev.ok()) {
    SetPhase("Failed", rev.status().message());
    return;
  }
  if (drifted) {
    Count("kaudit_agent_drift_repairs_total", "Manifests repaired after they lost kaudit's changes");
    (void)status;
    SetPhase("Drifted", "the manifest no longer carries revision " + target +
                            " (rewritten, e.g. by kubeadm upgrade); re-applying it on top");
  }
  SetPhase("Applying", "applying revision " + target);
  // Resuming an interrupted apply: the new pod may already be running, so its hash is no
  // baseline; the revision annotation still tells the new pod from the old one.
  auto base = status["pending"].is_object() ? StatusOr<std::string>(std::string()) : health.CurrentHash();
  health.SetBaseline(base.ok() ? *base : "");
  node::NodeApplier applier(&fs, &health, NodeOpts(timeout));
  auto out = applier.Apply(*rev);
  if (!out.ok()) {
    Count("kaudit_agent_applies_total", "Applies by result", {{"result", "failed"}});
    SetPhase("Failed", out.status().message());
    return;
  }
  if (out->result == node::Result::kRolledBack) {
    Count("kaudit_agent_rollbacks_total", "Applies that were rolled back");
    SetPhase("RolledBack", out->message);
    return;
  }
  bool applied = out->result == node::Result::kApplied;
  Count("kaudit_agent_applies_total", "Applies by result",
        {{"result", applied ? "applied" : "unchanged"}});
  publisher->Update([&](NodeReport* r) {
    r->revision = target;
    r->last_known_good = target;
  });
  SetPhase("Healthy", "revision " + target + (applied ? " applied: " : ": ") + out->message);
}

void Agent::Impl::RevertNode() {
  SetPhase("Applying", "reverting: removing what kaudit added");
  auto base = health.CurrentHash();
  health.SetBaseline(base.ok() ? *base : "");
  node::NodeApplier applier(&fs, &health, NodeOpts(opts.health_timeout));
  auto out = applier.Revert();
  if (!out.ok()) {
    SetPhase("Failed", "revert: " + out.status().message());
    return;
  }
  if (out->result == node::Result::kRolledBack) {
    Count("kaudit_agent_rollbacks_total", "Applies that were rolled back");
    SetPhase("RolledBack", "revert: " + out->message);
    return;
  }
  Count("kaudit_agent_reverts_total", "Reverts that removed kaudit's changes");
  publisher->Update([&](NodeReport* r) {
    r->revision.clear();
    r->last_known_good.clear();
  });
  SetPhase("Healthy", "kaudit manages no auditing on this node: " + out->message);
}

}  // namespace kaudit::agent
