// The revision objects part of Plan(): what to store, what to prune.
#include <algorithm>
#include <chrono>
#include <set>

#include "controller/plan_internal.h"
#include "kube/util.h"

namespace kaudit::controller::internal {
namespace {

Json Labels(const std::string& rev) {
  return {{std::string(kLabelManagedBy), "kaudit"},
          {std::string(kLabelComponent), "revision"},
          {std::string(kLabelRevision), rev}};
}

}  // namespace

RevisionObjects MakeRevisionObjects(const policy::RenderedConfig& r, const std::string& ns) {
  RevisionObjects out;
  out.revision = r.revision;
  int64_t health =
      std::chrono::duration_cast<std::chrono::seconds>(r.health_timeout).count();
  // Exactly the files `kaudit render --out-dir` writes (revision ends with a newline there too).
  out.configmap = Json{
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"name", RevisionConfigMapName(r.revision)},
        {"namespace", ns},
        {"labels", Labels(r.revision)},
        {"annotations", {{std::string(kAnnotationHealthTimeout), std::to_string(health)}}}}},
      {"immutable", true},
      {"data",
       {{"policy.yaml", r.policy_yaml}, {"flags.json", r.flags_json}, {"revision", r.revision + "\n"}}}};
  if (r.webhook_kubeconfig) {
    out.secret = Json{{"apiVersion", "v1"},
                      {"kind", "Secret"},
                      {"metadata",
                       {{"name", RevisionSecretName(r.revision)},
                        {"namespace", ns},
                        {"labels", Labels(r.revision)}}},
                      {"immutable", true},
                      {"type", "Opaque"},
                      {"data", {{"webhook.kubeconfig", kube::Base64Encode(*r.webhook_kubeconfig)}}}};
  }
  return out;
}

void PlanPrune(const World& world, const std::string& desired, const RolloutState& next,
               const PlanOptions& opts, PlanResult* result) {
  std::set<std::string> keep;
  if (!desired.empty()) keep.insert(desired);
  for (const auto& [node, target] : next.targets) keep.insert(target);
  for (const auto& [node, target] : world.rollout.targets) keep.insert(target);
  for (const auto& [node, s] : world.node_states) {
    keep.insert(s.revision);
    keep.insert(s.last_known_good);
    keep.insert(s.target);
  }
  if (next.halt) keep.insert(next.halt->fallback);
  // The newest ones, by creation time (then id, so equal timestamps order the same each time).
  std::vector<const StoredRevision*> by_age;
  for (const StoredRevision& r : world.revisions) {
    if (r.has_configmap) by_age.push_back(&r);
  }
  std::sort(by_age.begin(), by_age.end(), [](const StoredRevision* a, const StoredRevision* b) {
    return a->created != b->created ? a->created > b->created : a->id > b->id;
  });
  for (std::size_t i = 0; i < by_age.size() && i < opts.keep_revisions; ++i) {
    keep.insert(by_age[i]->id);
  }
  for (const StoredRevision& r : world.revisions) {
    if (keep.count(r.id)) continue;
    if (r.has_configmap) result->prune_configmaps.push_back(RevisionConfigMapName(r.id));
    if (r.has_secret) result->prune_secrets.push_back(RevisionSecretName(r.id));
  }
  std::sort(result->prune_configmaps.begin(), result->prune_configmaps.end());
  std::sort(result->prune_secrets.begin(), result->prune_secrets.end());
}

}  // namespace kaudit::controller::internal
