// Helper for hack/bench/controller.sh: fills an emulator with AuditProfiles, control-plane Nodes
// and agent node-states (populate), plays the agents until the rollout settles (settle), and
// measures the time from a profile change to the new revision's ConfigMap (measure).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "kube/client.h"
#include "kube/config.h"

namespace {

using kaudit::kube::Json;
namespace res = kaudit::kube::resources;
const char* kNs = "kaudit-system";

kaudit::kube::ResourceType Profiles() {
  return {"kaudit.io", "v1alpha1", "auditprofiles", "AuditProfile", false};
}

std::string NowText() { return kaudit::FormatRfc3339(std::chrono::system_clock::now()); }

void Report(kaudit::kube::Client& c, const std::string& node, const std::string& rev) {
  Json state = {{"node", node}, {"revision", rev}, {"lastKnownGood", rev}, {"target", rev},
                {"phase", rev.empty() ? "Idle" : "Healthy"}, {"message", ""},
                {"heartbeat", NowText()}, {"agentVersion", "bench"}};
  std::string name = "kaudit-node-" + node;
  auto cur = c.Get(res::ConfigMaps(), kNs, name);
  if (cur.ok()) {
    Json upd = *cur;
    upd["data"] = {{"state.json", state.dump()}};
    (void)c.Update(res::ConfigMaps(), upd);
  } else {
    Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
               {"metadata", {{"name", name}, {"namespace", kNs},
                             {"labels", {{"kaudit.io/component", "node-state"}}}}},
               {"data", {{"state.json", state.dump()}}}};
    (void)c.Create(res::ConfigMaps(), kNs, cm);
  }
}

Json ProfileSpec(int i, const std::string& user) {
  Json spec = {{"priority", i % 7},
               {"rules", {{{"level", "RequestResponse"}, {"users", {user}},
                           {"resources", {{{"group", "apps"}, {"resources", {"deployments"}}}}}}}}};
  if (i == 0) spec["preset"] = "Recommended";
  return spec;
}

int Populate(kaudit::kube::Client& c, int profiles, int nodes) {
  (void)c.Create(res::Namespaces(), "", {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                         {"metadata", {{"name", kNs}}}});
  Json schema = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"}, {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "auditprofiles.kaudit.io"}}},
              {"spec", {{"group", "kaudit.io"}, {"scope", "Cluster"},
                        {"names", {{"plural", "auditprofiles"}, {"singular", "auditprofile"},
                                   {"kind", "AuditProfile"}, {"listKind", "AuditProfileList"}}},
                        {"versions", {{{"name", "v1alpha1"}, {"served", true}, {"storage", true},
                                       {"schema", {{"openAPIV3Schema", schema}}},
                                       {"subresources", {{"status", Json::object()}}}}}}}}};
  (void)c.Create(res::CustomResourceDefinitions(), "", crd);
  for (int i = 0; i < 100 && !c.List(Profiles(), "", {}).ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int n = 0; n < nodes; ++n) {
    std::string name = "cp" + std::to_string(n + 1);
    (void)c.Create(res::Nodes(), "", {{"apiVersion", "v1"}, {"kind", "Node"},
                                      {"metadata", {{"name", name},
                                                    {"labels", {{"node-role.kubernetes.io/control-plane", ""}}}}}});
    Report(c, name, "");
  }
  for (int i = 0; i < profiles; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "profile-%03d", i);
    auto r = c.Create(Profiles(), "", {{"apiVersion", "kaudit.io/v1alpha1"}, {"kind", "AuditProfile"},
                                       {"metadata", {{"name", name}}},
                                       {"spec", ProfileSpec(i, std::string("user-") + name)}});
    if (!r.ok()) {
      std::fprintf(stderr, "create %s: %s\n", name, r.status().ToString().c_str());
      return 1;
    }
  }
  return 0;
}

// Plays the agents until every node is Healthy on the same revision and profile-000 is Ready.
int Settle(kaudit::kube::Client& c, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto ro = c.Get(res::ConfigMaps(), kNs, "kaudit-rollout");
    if (ro.ok()) {
      for (const auto& [node, rev] : (*ro)["data"].items()) Report(c, node, rev.get<std::string>());
    }
    auto p = c.Get(Profiles(), "", "profile-000");
    if (p.ok() && p->contains("status")) {
      for (const Json& cond : (*p)["status"].value("conditions", Json::array())) {
        if (cond.value("type", "") == "Ready" && cond.value("status", "") == "True") return 0;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::fprintf(stderr, "rollout did not settle in %d s\n", seconds);
  return 1;
}

int Measure(kaudit::kube::Client& c, int changes) {
  std::vector<double> ms;
  for (int i = 0; i < changes; ++i) {
    kaudit::kube::ListOptions lo;
    lo.label_selector = "kaudit.io/component=revision";
    auto before = c.List(res::ConfigMaps(), kNs, lo);
    if (!before.ok()) return 1;
    std::size_t n0 = (*before)["items"].size();
    std::string user = "changed-" + std::to_string(i) + "-" + std::to_string(std::rand());
    auto t0 = std::chrono::steady_clock::now();
    auto r = c.Patch(Profiles(), "", "profile-050", kaudit::kube::PatchType::kMerge,
                     {{"spec", ProfileSpec(50, user)}});
    if (!r.ok()) return 1;
    bool seen = false;
    kaudit::kube::WatchOptions wo;
    wo.label_selector = lo.label_selector;
    wo.resource_version = (*before)["metadata"].value("resourceVersion", "");
    wo.timeout = std::chrono::seconds(30);
    (void)n0;
    (void)c.Watch(res::ConfigMaps(), kNs, wo, [&](const kaudit::kube::WatchEvent& e) {
      if (e.type == "ADDED") seen = true;
      return !seen;
    }, nullptr);
    if (!seen) {
      std::fprintf(stderr, "no new revision ConfigMap after change %d\n", i);
      return 1;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("profile change -> new revision ConfigMap over %zu changes: median %.1f ms, p90 %.1f ms, max %.1f ms\n",
              ms.size(), ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[2], "--kubeconfig") != 0) {
    std::fprintf(stderr, "usage: controller_bench populate|settle|measure --kubeconfig FILE [N [M]]\n");
    return 2;
  }
  std::string mode = argv[1];
  kaudit::kube::KubeconfigOptions ko;
  ko.explicit_path = argv[3];
  auto cfg = kaudit::kube::LoadKubeconfig(ko);
  if (!cfg.ok()) return 1;
  cfg->qps = 0;
  auto client = kaudit::kube::NewClientFromConfig(*cfg);
  if (!client.ok()) return 1;
  int a = argc > 4 ? std::atoi(argv[4]) : 0;
  int b = argc > 5 ? std::atoi(argv[5]) : 0;
  if (mode == "populate") return Populate(**client, a ? a : 100, b ? b : 5);
  if (mode == "settle") return Settle(**client, a ? a : 120);
  if (mode == "measure") return Measure(**client, a ? a : 20);
  return 2;
}
