#include "policy/presets.h"

#include <utility>

namespace kaudit::policy {
namespace {

using Strings = std::vector<std::string>;

const Strings kWriteVerbs = {"create", "update", "patch", "delete", "deletecollection"};
const Strings kReadVerbs = {"get", "list", "watch"};
// Requests whose user is known, authenticated or anonymous. Requests that failed
// authentication carry no user and so never match: probes with a bad token stay in the log.
const Strings kAnyKnownUser = {"system:authenticated", "system:unauthenticated"};

// Builds a PolicyRule field by field (aggregate initialisation would have to name every field).
class Rule {
 public:
  explicit Rule(std::string level) { r_.level = std::move(level); }
  Rule& Users(Strings v) { return Set(&r_.users, std::move(v)); }
  Rule& Groups(Strings v) { return Set(&r_.user_groups, std::move(v)); }
  Rule& Verbs(Strings v) { return Set(&r_.verbs, std::move(v)); }
  Rule& Urls(Strings v) { return Set(&r_.non_resource_urls, std::move(v)); }
  Rule& In(std::string group, Strings resources = {}, Strings names = {}) {
    GroupResources gr;
    gr.group = std::move(group);
    gr.resources = std::move(resources);
    gr.resource_names = std::move(names);
    r_.resources.push_back(std::move(gr));
    return *this;
  }
  Rule& SkipRequestReceived() { return Set(&r_.omit_stages, {"RequestReceived"}); }
  operator PolicyRule() const { return r_; }  // NOLINT(google-explicit-constructor)

 private:
  Rule& Set(Strings* field, Strings v) {
    *field = std::move(v);
    return *this;
  }
  PolicyRule r_;
};

CuratedRule HealthProbes() {
  return {"drop liveness, readiness and version probes (kubelet probes the apiserver every second)",
          Rule("None")
              .Groups(kAnyKnownUser)
              .Urls({"/healthz*", "/livez*", "/readyz*", "/version", "/version/"})};
}

CuratedRule Discovery() {
  return {"drop API discovery and OpenAPI downloads (every client repeats them; no object is read)",
          Rule("None")
              .Groups(kAnyKnownUser)
              .Urls({"/api", "/api/*", "/apis", "/apis/*", "/openapi/*"})};
}

CuratedRule Events() {
  return {"drop Events (written by every controller; they describe, they do not change state)",
          Rule("None").In("", {"events"}).In("events.k8s.io", {"events"})};
}

CuratedRule SensitiveAtMetadata(const char* purpose, Strings core) {
  return {purpose, Rule("Metadata")
                       .In("", std::move(core))
                       .In("authentication.k8s.io", {"tokenreviews"})
                       .SkipRequestReceived()};
}

CuratedRule CatchAll(const char* level) {
  return {std::string("catch-all: everything else at ") + level, Rule(level).SkipRequestReceived()};
}

Rule BuiltinGroups(Rule rule) {
  for (const std::string& g : BuiltinApiGroups()) rule.In(g);
  return rule;
}

std::vector<CuratedRule> BuildNone() {
  return {{"catch-all: log nothing but the rules placed before this one", Rule("None")}};
}

std::vector<CuratedRule> BuildMetadata() {
  return {HealthProbes(), Discovery(), Events(), CatchAll("Metadata")};
}

constexpr const char* kPresetSensitive =
    "Secrets and tokens at Metadata only (repeats the locked preamble so the preset is safe alone)";

std::vector<CuratedRule> BuildWriteRequestBodies() {
  return {HealthProbes(),
          Discovery(),
          Events(),
          SensitiveAtMetadata(kPresetSensitive, {"secrets", "serviceaccounts/token"}),
          {"every write with its request and response bodies",
           Rule("RequestResponse").Verbs(kWriteVerbs).SkipRequestReceived()},
          CatchAll("Metadata")};
}

std::vector<CuratedRule> BuildAllRequestBodies() {
  return {HealthProbes(), Discovery(), Events(),
          SensitiveAtMetadata(kPresetSensitive, {"secrets", "serviceaccounts/token"}),
          CatchAll("RequestResponse")};
}

// Heartbeats and watches that make up most of an idle cluster's audit volume.
void AppendRecommendedNoise(std::vector<CuratedRule>* out) {
  out->push_back({"drop kube-proxy's watches of Services, Endpoints and Nodes",
                  Rule("None")
                      .Users({"system:kube-proxy", "system:serviceaccount:kube-system:kube-proxy"})
                      .Verbs({"watch"})
                      .In("", {"endpoints", "services", "services/status", "nodes"})
                      .In("discovery.k8s.io", {"endpointslices"})});
  out->push_back(
      {"drop kubelets reading Node objects",
       Rule("None").Groups({"system:nodes"}).Verbs({"get"}).In("", {"nodes", "nodes/status"})});
  out->push_back(
      {"drop node status heartbeats (kubelets report their Node status periodically)",
       Rule("None").Groups({"system:nodes"}).Verbs({"update", "patch"}).In("", {"nodes/status"})});
  out->push_back(
      {"drop Lease heartbeats of nodes and service accounts (node leases, leader election)",
       Rule("None")
           .Groups({"system:nodes", "system:serviceaccounts"})
           .Verbs({"get", "update"})
           .In("coordination.k8s.io", {"leases"})});
  out->push_back(
      {"drop Lease heartbeats of the control plane (leader election, apiserver identity)",
       Rule("None")
           .Users({"system:kube-controller-manager", "system:kube-scheduler", "system:apiserver"})
           .Verbs({"get", "update"})
           .In("coordination.k8s.io", {"leases"})});
  out->push_back(
      {"drop the apiserver reading Namespaces (admission does it for every namespaced write)",
       Rule("None")
           .Users({"system:apiserver"})
           .Verbs({"get"})
           .In("", {"namespaces", "namespaces/status", "namespaces/finalize"})});
  out->push_back({"drop the autoscaler's metrics reads",
                  Rule("None")
                      .Users({"system:kube-controller-manager",
                              "system:serviceaccount:kube-system:horizontal-pod-autoscaler"})
                      .Verbs({"get", "list"})
                      .In("metrics.k8s.io")});
}

std::vector<CuratedRule> BuildRecommended() {
  std::vector<CuratedRule> out = {HealthProbes(), Discovery(), Events()};
  AppendRecommendedNoise(&out);
  out.push_back({"Pod status written by kubelets: the change without the full object",
                 Rule("Request")
                     .Groups({"system:nodes"})
                     .Verbs({"update", "patch"})
                     .In("", {"pods/status"})
                     .SkipRequestReceived()});
  out.push_back(
      {"namespace deletion sweeps: the request only (responses hold every deleted object)",
       Rule("Request")
           .Users({"system:serviceaccount:kube-system:namespace-controller"})
           .Verbs({"deletecollection"})
           .SkipRequestReceived()});
  out.push_back(SensitiveAtMetadata(kPresetSensitive, {"secrets", "serviceaccounts/token"}));
  out.push_back({"ConfigMaps at Metadata only (their data often holds credentials)",
                 Rule("Metadata").In("", {"configmaps"}).SkipRequestReceived()});
  out.push_back({"reads of built-in APIs: who read what (reads carry no request body)",
                 BuiltinGroups(Rule("Request").Verbs(kReadVerbs)).SkipRequestReceived()});
  out.push_back({"writes to built-in APIs with request and response bodies",
                 BuiltinGroups(Rule("RequestResponse")).SkipRequestReceived()});
  out.push_back(CatchAll("Metadata"));
  return out;
}

std::vector<CuratedRule> BuildPreamble() {
  return {
      {"locked: every change to an AuditProfile, with request and response",
       Rule("RequestResponse")
           .Verbs(kWriteVerbs)
           .In("kaudit.io", {"auditprofiles"})
           .SkipRequestReceived()},
      {"locked: every change to the AuditProfile CRD (deleting it deletes every AuditProfile)",
       Rule("RequestResponse")
           .Verbs({"update", "patch", "delete"})
           .In("apiextensions.k8s.io", {"customresourcedefinitions"}, {"auditprofiles.kaudit.io"})
           .SkipRequestReceived()},
      // A create or a deletecollection names no object, so resourceNames would never match them:
      // these two verbs are logged for every CRD.
      {"locked: creation and bulk deletion of CRDs (requests that name no object)",
       Rule("RequestResponse")
           .Verbs({"create", "deletecollection"})
           .In("apiextensions.k8s.io", {"customresourcedefinitions"})
           .SkipRequestReceived()},
      SensitiveAtMetadata("locked: Secrets and tokens exactly at Metadata (never their values)",
                          {"secrets", "serviceaccounts/token"}),
  };
}

}  // namespace

std::optional<Preset> ParsePreset(std::string_view name) {
  for (std::size_t i = 0; i < kPresetNames.size(); ++i) {
    if (kPresetNames[i] == name) return static_cast<Preset>(i);
  }
  return std::nullopt;
}

const std::vector<CuratedRule>& PresetRules(Preset preset) {
  static const auto* const kLists = new std::array<std::vector<CuratedRule>, 5>{
      BuildNone(), BuildMetadata(), BuildWriteRequestBodies(), BuildAllRequestBodies(),
      BuildRecommended()};
  return (*kLists)[static_cast<std::size_t>(preset)];
}

const std::vector<CuratedRule>& LockedPreamble() {
  static const auto* const kPreamble = new std::vector<CuratedRule>(BuildPreamble());
  return *kPreamble;
}

const std::vector<std::string>& BuiltinApiGroups() {
  static const auto* const kGroups = new std::vector<std::string>{
      "",
      "admissionregistration.k8s.io",
      "apiextensions.k8s.io",
      "apiregistration.k8s.io",
      "apps",
      "authentication.k8s.io",
      "authorization.k8s.io",
      "autoscaling",
      "batch",
      "certificates.k8s.io",
      "coordination.k8s.io",
      "discovery.k8s.io",
      "events.k8s.io",
      "flowcontrol.apiserver.k8s.io",
      "internal.apiserver.k8s.io",
      "networking.k8s.io",
      "node.k8s.io",
      "policy",
      "rbac.authorization.k8s.io",
      "resource.k8s.io",
      "scheduling.k8s.io",
      "storage.k8s.io",
      "storagemigration.k8s.io",
  };
  return *kGroups;
}

}  // namespace kaudit::policy
