// Issue 7: the shipped RBAC (manifests/rbac-controller.yaml, manifests/rbac-agent.yaml) grants
// exactly what the controller and the agents use. Every e2e cluster runs them under it; here a
// rollout with a webhook backend (revision Secrets, the referenced webhook Secret, events) must
// see no 403 at all, and a rule taken away must fail the rollout with kube-apiserver's
// Forbidden message in the process's log.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "e2e/e2e_util.h"

namespace kaudit::e2e {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

std::string Base64(const std::string& in) {
  static constexpr char kA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                 static_cast<unsigned char>(in[i + 1]) << 8 | static_cast<unsigned char>(in[i + 2]);
    out += {kA[v >> 18 & 63], kA[v >> 12 & 63], kA[v >> 6 & 63], kA[v & 63]};
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += {kA[v >> 18 & 63], kA[v >> 12 & 63], i + 1 < in.size() ? kA[v >> 6 & 63] : '=', '='};
  }
  return out;
}

// The Secret an AuditProfile's webhook refers to: a kubeconfig for the sink (never reached:
// the simulated apiserver only checks it).
Json WebhookSecret() {
  std::string kc =
      "apiVersion: v1\nkind: Config\nclusters:\n- name: sink\n  cluster:\n"
      "    server: https://127.0.0.1:9\ncontexts:\n- name: sink\n  context:\n    cluster: sink\n"
      "current-context: sink\n";
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "audit-sink"}, {"namespace", "kaudit-system"}}},
          {"data", {{"kubeconfig", Base64(kc)}}}};
}

TEST(E2eRbac, RolloutWithAWebhookUnderTheShippedRbacMeetsNoForbiddenRequest) {
  Cluster c({});
  ASSERT_TRUE(c.Start()) << c.error();
  ASSERT_TRUE(
      c.client()->Create(kube::resources::Secrets(), "kaudit-system", WebhookSecret()).ok());
  Json p = Profile("recommended", "Recommended");
  p["spec"]["backends"] = {{"webhook", {{"kubeconfigSecretRef", {{"name", "audit-sink"}}}}}};
  ASSERT_TRUE(c.ApplyProfile(p).ok());
  std::string rev, last;
  ASSERT_TRUE(c.WaitFor(
      [&] {
        rev = ReadyRevision(c, "recommended", 3);
        return !rev.empty() && AllHealthyOn(c, 3, rev);
      },
      std::chrono::seconds(120), [&] { return c.Describe() + Join(c.ForbiddenRequests()); }, &last))
      << last;
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(ReadFile(c.manifest(i)).find("--audit-webhook-config-file="), std::string::npos)
        << c.node(i);
  }
  // The controller's events (about the profile, in "default", and about kaudit-rollout) went in.
  std::string events_last;
  EXPECT_TRUE(c.WaitFor(
      [&] {
        auto d = c.client()->List(kube::resources::Events(), "default", {});
        auto k = c.client()->List(kube::resources::Events(), "kaudit-system", {});
        return d.ok() && k.ok() && !(*d)["items"].empty();
      },
      std::chrono::seconds(20), [&] { return Join(c.ForbiddenRequests()); }, &events_last))
      << events_last;
  // A leader handover: the Lease is taken over under the same rules.
  c.Kill("controller-1", SIGTERM);
  c.Kill("controller-2", SIGTERM);
  ASSERT_TRUE(c.StartProcess("controller-2"));
  ASSERT_TRUE(c.DeleteProfile("recommended").ok());
  ASSERT_TRUE(c.WaitFor(
      [&] {
        for (int i = 0; i < 3; ++i) {
          Json s = c.NodeState(i);
          if (Phase(s) != "Healthy" || !Rev(s).empty()) return false;
        }
        return true;
      },
      std::chrono::seconds(90), [&] { return c.Describe(); }, &last))
      << last;
  // `kaudit uninstall` (the Helm pre-delete hook) runs as the controller's ServiceAccount: its
  // reads and its request ConfigMap must be within the controller's rules too.
  const char* k = std::getenv("KAUDIT_BIN");
  std::string out = c.dir() + "/logs/uninstall.log";
  std::string cmd = std::string(k ? k : "build/kaudit") + " uninstall --kubeconfig " +
                    c.controller_kubeconfig() + " --namespace kaudit-system --timeout 2m >" + out +
                    " 2>&1";
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << ReadFile(out);
  EXPECT_NE(ReadFile(out).find("uninstall complete"), std::string::npos) << ReadFile(out);
  std::vector<std::string> forbidden = c.ForbiddenRequests();
  EXPECT_TRUE(forbidden.empty()) << "requests refused under the shipped RBAC:\n" << Join(forbidden);
}

// Drops the rule of a Role or ClusterRole named name (in ns) for which pred is true.
std::function<void(Json*)> DropRule(const std::string& kind, const std::string& ns,
                                    const std::string& name,
                                    std::function<bool(const Json&)> pred) {
  return [=](Json* obj) {
    if (obj->value("kind", "") != kind || (*obj)["metadata"].value("name", "") != name ||
        (*obj)["metadata"].value("namespace", "") != ns) {
      return;
    }
    Json kept = Json::array();
    for (const auto& r : (*obj)["rules"]) {
      if (!pred(r)) kept.push_back(r);
    }
    ASSERT_LT(kept.size(), (*obj)["rules"].size()) << "no rule dropped from " << name;
    (*obj)["rules"] = kept;
  };
}

bool Has(const Json& arr, const std::string& v) {
  for (const auto& e : arr) {
    if (e == v) return true;
  }
  return false;
}

TEST(E2eRbac, AnAgentWithoutGetOnConfigMapsCannotFetchTheRevisionAndSaysForbidden) {
  ClusterOptions o;
  o.nodes = 1;
  o.controllers = 1;
  // The agent's Role without its plain `get configmaps` (revision ConfigMaps).
  o.edit_rbac = DropRule("Role", "kaudit-system", "kaudit-agent", [](const Json& r) {
    return Has(r.value("resources", Json::array()), "configmaps") &&
           r.value("verbs", Json::array()) == Json({"get"}) && !r.contains("resourceNames");
  });
  Cluster c(o);
  ASSERT_TRUE(c.Start()) << c.error();
  ASSERT_TRUE(c.ApplyProfile(Profile("audit", "Metadata")).ok());
  std::string want = "is forbidden: User \"" + std::string(kAgentUser) +
                     "\" cannot get resource \"configmaps\" in API group \"\" in the namespace "
                     "\"kaudit-system\"";
  std::string last;
  // The agent reports it (phase Failed, the message in its node state and its log); the
  // controller then halts the rollout and sends the node back to where it was.
  ASSERT_TRUE(c.WaitFor(
      [&] { return ReadFile(c.dir() + "/logs/agent-cp1.log").find(want) != std::string::npos; },
      std::chrono::seconds(60), [&] { return c.Describe(); }, &last))
      << last;
  std::string reason;
  ASSERT_TRUE(c.WaitFor(
      [&] {
        auto p = c.GetProfile("audit");
        return p.ok() && Condition(*p, "Degraded", &reason) == "True";
      },
      std::chrono::seconds(30), [&] { return c.Describe(); }, &last))
      << last;
  auto p = c.GetProfile("audit");
  ASSERT_TRUE(p.ok());
  EXPECT_NE(Condition(*p, "Ready"), "True") << p->dump();
  EXPECT_EQ(ReadFile(c.manifest(0)).find("kaudit.io/revision"), std::string::npos);
  bool seen = false;
  for (const auto& f : c.ForbiddenRequests()) {
    seen |= f.rfind(std::string(kAgentUser) +
                        " GET /api/v1/namespaces/kaudit-system/configmaps/kaudit-rev-",
                    0) == 0;
  }
  EXPECT_TRUE(seen) << Join(c.ForbiddenRequests());
}

TEST(E2eRbac, AControllerWithoutTheStatusRuleCannotReportAndSaysForbidden) {
  ClusterOptions o;
  o.nodes = 1;
  o.controllers = 1;
  o.edit_rbac = DropRule("ClusterRole", "", "kaudit-controller", [](const Json& r) {
    return Has(r.value("resources", Json::array()), "auditprofiles/status");
  });
  Cluster c(o);
  ASSERT_TRUE(c.Start()) << c.error();
  ASSERT_TRUE(c.ApplyProfile(Profile("audit", "Metadata")).ok());
  std::string want =
      "auditprofiles.kaudit.io \"audit\" is forbidden: User \"" + std::string(kControllerUser) +
      "\" cannot update resource \"auditprofiles/status\" in API group \"kaudit.io\" "
      "at the cluster scope";
  std::string last;
  ASSERT_TRUE(c.WaitFor(
      [&] { return ReadFile(c.dir() + "/logs/controller-1.log").find(want) != std::string::npos; },
      std::chrono::seconds(60), [&] { return c.Describe(); }, &last))
      << last;
  auto p = c.GetProfile("audit");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->contains("status") && (*p)["status"].contains("revision")) << p->dump();
}

}  // namespace
}  // namespace kaudit::e2e
