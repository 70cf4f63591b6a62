// Plan() against hand-built worlds: every decision of the rollout, revisions and status.
#include "controller/plan.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace kaudit::controller {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = *ParseRfc3339("2026-11-27T12:00:00Z");

Json Profile(const std::string& name, Json spec, int64_t generation = 1) {
  return {{"apiVersion", "kaudit.io/v1alpha1"},
          {"kind", "AuditProfile"},
          {"metadata", {{"name", name}, {"generation", generation}}},
          {"spec", std::move(spec)}};
}

NodeState State(const std::string& node, const std::string& rev, const std::string& target,
                const std::string& phase, SystemTime hb = kNow - 10s) {
  NodeState s;
  s.node = node;
  s.revision = rev;
  s.last_known_good = rev;
  s.target = target;
  s.phase = phase;
  s.heartbeat = hb;
  return s;
}

const char* kWebhookKubeconfig = R"(apiVersion: v1
kind: Config
clusters:
- name: sink
  cluster:
    server: https://audit-sink.example:8443
contexts:
- name: sink
  context:
    cluster: sink
    user: sink
users:
- name: sink
  user:
    token: abc
current-context: sink
)";

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.now = kNow;
    for (const char* n : {"cp1", "cp2", "cp3"}) {
      world_.nodes.push_back({n, true});
      world_.node_states[n] = State(n, "", "", std::string(kPhaseIdle));
    }
    world_.profiles.push_back({Profile("base", {{"preset", "Metadata"}})});
  }

  // The desired revision of the world as it is.
  std::string Desired() { return Plan(world_, opts_).desired_revision; }

  // Feeds a plan's rollout and created revision back into the world, as the shell would.
  PlanResult Step() {
    PlanResult r = Plan(world_, opts_);
    if (r.rollout) {
      world_.rollout = *r.rollout;
      world_.rollout.exists = true;
    }
    if (r.create) {
      StoredRevision s{r.create->revision, world_.now, r.create->configmap.has_value(),
                       r.create->secret.has_value()};
      world_.revisions.push_back(s);
    }
    for (const StatusUpdate& u : r.statuses) {
      for (ProfileObject& p : world_.profiles) {
        if (p.name() == u.profile) p.object["status"] = u.status;
      }
    }
    return r;
  }

  void AgentDone(const std::string& node, const std::string& rev) {
    world_.node_states[node] = State(node, rev, rev, std::string(kPhaseHealthy));
  }

  static const Json* Cond(const Json& status, const std::string& type) {
    for (const Json& c : status["conditions"]) {
      if (c["type"] == type) return &c;
    }
    return nullptr;
  }

  const Json& StatusOf(const std::string& name) {
    for (ProfileObject& p : world_.profiles) {
      if (p.name() == name) return p.object["status"];
    }
    static Json none;
    return none;
  }

  static bool HasEvent(const PlanResult& r, const std::string& reason) {
    for (const EventSpec& e : r.events) {
      if (e.reason == reason) return true;
    }
    return false;
  }

  World world_;
  PlanOptions opts_;
};

TEST_F(PlanTest, FirstRolloutMovesOneNodeAtATime) {
  PlanResult r = Step();
  std::string rev = r.desired_revision;
  ASSERT_EQ(rev.size(), 10u);
  ASSERT_TRUE(r.create.has_value());
  ASSERT_TRUE(r.create->configmap.has_value());
  EXPECT_FALSE(r.create->secret.has_value());
  const Json& cm = *r.create->configmap;
  EXPECT_EQ(cm["metadata"]["name"], "kaudit-rev-" + rev);
  EXPECT_EQ(cm["immutable"], true);
  EXPECT_EQ(cm["metadata"]["labels"]["kaudit.io/component"], "revision");
  EXPECT_EQ(cm["metadata"]["labels"]["kaudit.io/revision"], rev);
  EXPECT_EQ(cm["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kaudit");
  EXPECT_EQ(cm["data"]["revision"], rev + "\n");
  EXPECT_NE(cm["data"]["policy.yaml"].get<std::string>().find("kind: Policy"), std::string::npos);
  EXPECT_NE(cm["data"]["flags.json"].get<std::string>().find("audit-policy-file"),
            std::string::npos);
  // Every node is Idle (equally unhealthy): the first by name goes first.
  ASSERT_TRUE(r.rollout.has_value());
  EXPECT_EQ(r.rollout->targets, (std::map<std::string, std::string>{{"cp1", rev}}));
  EXPECT_TRUE(HasEvent(r, "RolloutStarted"));
  EXPECT_EQ(StatusOf("base")["revision"], rev);
  EXPECT_EQ(StatusOf("base")["nodesSummary"], "0/3");
  EXPECT_EQ((*Cond(StatusOf("base"), "Progressing"))["status"], "True");
  EXPECT_EQ((*Cond(StatusOf("base"), "Ready"))["reason"], "RollingOut");
  // kstatus reads only Reconciling and Stalled.
  EXPECT_EQ((*Cond(StatusOf("base"), "Reconciling"))["status"], "True");
  EXPECT_EQ((*Cond(StatusOf("base"), "Reconciling"))["reason"], "RollingOut");
  EXPECT_EQ((*Cond(StatusOf("base"), "Stalled"))["status"], "False");

  // Nothing changes until cp1's agent reports Healthy on the revision.
  world_.node_states["cp1"] = State("cp1", "", rev, std::string(kPhaseApplying));
  r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  EXPECT_FALSE(r.create.has_value());
  AgentDone("cp1", rev);
  r = Step();
  ASSERT_TRUE(r.rollout.has_value());
  EXPECT_EQ(r.rollout->targets.at("cp2"), rev);
  EXPECT_EQ(r.rollout->targets.count("cp3"), 0u);
  EXPECT_TRUE(HasEvent(r, "NodeUpdated"));
  EXPECT_FALSE(HasEvent(r, "RolloutStarted"));
  AgentDone("cp2", rev);
  r = Step();
  EXPECT_EQ(r.rollout->targets.at("cp3"), rev);
  AgentDone("cp3", rev);
  r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  EXPECT_TRUE(HasEvent(r, "RolloutComplete"));
  const Json& st = StatusOf("base");
  EXPECT_EQ((*Cond(st, "Ready"))["status"], "True");
  EXPECT_EQ((*Cond(st, "Ready"))["reason"], "RolloutComplete");
  EXPECT_EQ((*Cond(st, "Progressing"))["status"], "False");
  EXPECT_EQ((*Cond(st, "Degraded"))["status"], "False");
  EXPECT_EQ((*Cond(st, "Reconciling"))["status"], "False");
  EXPECT_EQ((*Cond(st, "Stalled"))["status"], "False");
  EXPECT_EQ(st["nodesSummary"], "3/3");
  EXPECT_EQ(st["observedGeneration"], 1);
  // Converged: a further plan writes nothing and records no event.
  r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  EXPECT_TRUE(r.statuses.empty());
  EXPECT_TRUE(r.events.empty());
}

TEST_F(PlanTest, UnhealthyNodesGoFirst) {
  std::string old = "0123456789";
  world_.revisions.push_back({old, kNow - 1h, true, false});
  world_.rollout = {true, {{"cp1", old}, {"cp2", old}, {"cp3", old}}, std::nullopt, ""};
  AgentDone("cp1", old);
  AgentDone("cp3", old);
  AgentDone("cp2", old);
  world_.nodes[2].apiserver_ready = false;  // cp3's apiserver pod is not Ready
  PlanResult r = Step();
  EXPECT_EQ(r.rollout->targets.at("cp3"), r.desired_revision);
  EXPECT_EQ(r.rollout->targets.at("cp1"), old);
}

TEST_F(PlanTest, WaitsForAnyNodeMidApplyEvenOnAnOldTarget) {
  std::string rev = Desired();
  std::string old = "0123456789";
  world_.rollout = {true, {{"cp1", old}}, std::nullopt, ""};
  world_.node_states["cp1"] = State("cp1", "", old, std::string(kPhaseWaitingHealthy));
  PlanResult r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  // An agent that has not yet picked up its new target counts as busy too.
  world_.node_states["cp1"] = State("cp1", old, "", std::string(kPhaseHealthy));
  r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  for (const char* n : {"cp1", "cp2", "cp3"}) AgentDone(n, old);
  world_.rollout.targets = {{"cp1", old}, {"cp2", old}, {"cp3", old}};
  r = Step();
  ASSERT_TRUE(r.rollout.has_value());
  EXPECT_EQ(r.rollout->targets.at("cp1"), rev);
}

TEST_F(PlanTest, SpecChangeMidRolloutFinishesTheNodeThenMovesEveryNode) {
  PlanResult r = Step();
  std::string rev1 = r.desired_revision;
  AgentDone("cp1", rev1);
  Step();  // cp2 -> rev1
  world_.node_states["cp2"] = State("cp2", "", rev1, std::string(kPhaseApplying));
  world_.profiles[0].object["spec"]["preset"] = "Recommended";
  world_.profiles[0].object["metadata"]["generation"] = 2;
  r = Step();
  std::string rev2 = r.desired_revision;
  ASSERT_NE(rev1, rev2);
  ASSERT_TRUE(r.create.has_value());
  EXPECT_FALSE(r.rollout.has_value());  // cp2 is still applying rev1
  EXPECT_EQ(StatusOf("base")["observedGeneration"], 2);
  AgentDone("cp2", rev1);
  r = Step();
  // cp3 (Idle, never audited) is the unhealthy one: it goes first.
  EXPECT_EQ(r.rollout->targets.at("cp3"), rev2);
  EXPECT_EQ(r.rollout->targets.at("cp1"), rev1);
  EXPECT_EQ(r.rollout->targets.at("cp2"), rev1);
  for (int i = 0; i < 6; ++i) {
    for (const auto& [n, t] : world_.rollout.targets) AgentDone(n, t);
    Step();
  }
  EXPECT_EQ(world_.rollout.targets, (std::map<std::string, std::string>{
                                        {"cp1", rev2}, {"cp2", rev2}, {"cp3", rev2}}));
  // rev1 is still kept: it is a node's last known good until the agents move on.
  EXPECT_TRUE(Plan(world_, opts_).prune_configmaps.empty());
}

TEST_F(PlanTest, RollbackHaltsUntilRetryAnnotationChanges) {
  std::string rev = Step().desired_revision;
  AgentDone("cp1", rev);
  Step();  // cp2 -> rev
  NodeState rb = State("cp2", "", rev, std::string(kPhaseRolledBack));
  rb.message = "kube-apiserver not Ready within 5m0s";
  world_.node_states["cp2"] = rb;
  PlanResult r = Step();
  ASSERT_TRUE(r.rollout.has_value());
  ASSERT_TRUE(r.rollout->halt.has_value());
  EXPECT_EQ(r.rollout->halt->node, "cp2");
  EXPECT_EQ(r.rollout->halt->revision, rev);
  EXPECT_EQ(r.rollout->targets.at("cp2"), "none");  // it had nothing before
  EXPECT_EQ(r.rollout->targets.count("cp3"), 0u);
  EXPECT_TRUE(HasEvent(r, "RolledBack"));
  const Json& st = StatusOf("base");
  EXPECT_EQ((*Cond(st, "Degraded"))["status"], "True");
  EXPECT_EQ((*Cond(st, "Degraded"))["reason"], "RolledBack");
  std::string msg = (*Cond(st, "Degraded"))["message"];
  EXPECT_NE(msg.find("cp2"), std::string::npos);
  EXPECT_NE(msg.find("not Ready within 5m0s"), std::string::npos);
  EXPECT_NE(msg.find("kaudit.io/retry"), std::string::npos);
  EXPECT_EQ((*Cond(st, "Ready"))["status"], "False");
  EXPECT_EQ((*Cond(st, "Stalled"))["status"], "True");
  EXPECT_EQ((*Cond(st, "Stalled"))["reason"], "RolledBack");
  EXPECT_EQ((*Cond(st, "Stalled"))["message"], msg);
  EXPECT_EQ((*Cond(st, "Reconciling"))["status"], "False");

  // The agent reports its fallback; still halted (the memory is the annotation, not the node).
  world_.node_states["cp2"] = State("cp2", "", "none", std::string(kPhaseIdle));
  r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  EXPECT_EQ(world_.rollout.targets.count("cp3"), 0u);

  world_.profiles[0].object["metadata"]["annotations"] = {{"kaudit.io/retry", "1"}};
  r = Step();
  ASSERT_TRUE(r.rollout.has_value());
  EXPECT_FALSE(r.rollout->halt.has_value());
  EXPECT_TRUE(HasEvent(r, "RolloutRetried"));
  // cp2 is Idle (not Healthy), so it goes before the healthy cp3.
  EXPECT_EQ(r.rollout->targets.at("cp2"), rev);
  EXPECT_EQ((*Cond(StatusOf("base"), "Degraded"))["status"], "False");
}

TEST_F(PlanTest, RetryWaitsUntilTheAgentReportedItsFallback) {
  std::string rev = Step().desired_revision;
  world_.node_states["cp1"] = State("cp1", "", rev, std::string(kPhaseRolledBack));
  Step();
  ASSERT_TRUE(world_.rollout.halt.has_value());
  world_.profiles[0].object["metadata"]["annotations"] = {{"kaudit.io/retry", "now"}};
  PlanResult r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  std::string msg = (*Cond(StatusOf("base"), "Ready"))["message"];
  EXPECT_NE(msg.find("waiting for node cp1's agent"), std::string::npos) << msg;
  world_.node_states["cp1"] = State("cp1", "", "none", std::string(kPhaseIdle));
  r = Step();
  ASSERT_TRUE(r.rollout.has_value());
  EXPECT_EQ(r.rollout->targets.at("cp1"), rev);
}

TEST_F(PlanTest, SpecChangeClearsAHalt) {
  std::string rev = Step().desired_revision;
  world_.node_states["cp1"] = State("cp1", "", rev, std::string(kPhaseFailed));
  Step();
  ASSERT_TRUE(world_.rollout.halt.has_value());
  world_.node_states["cp1"] = State("cp1", "", "none", std::string(kPhaseIdle));
  world_.profiles[0].object["spec"]["preset"] = "Recommended";
  PlanResult r = Step();
  ASSERT_TRUE(r.rollout.has_value());
  EXPECT_FALSE(r.rollout->halt.has_value());
  EXPECT_EQ(r.rollout->targets.at("cp1"), r.desired_revision);
}

TEST_F(PlanTest, PausedFreezesTheRollout) {
  world_.profiles.push_back({Profile("brake", {{"rollout", {{"paused", true}}}})});
  PlanResult r = Step();
  EXPECT_TRUE(r.create.has_value());  // revisions are still stored
  EXPECT_FALSE(r.rollout.has_value());
  const Json* p = Cond(StatusOf("base"), "Progressing");
  EXPECT_EQ((*p)["reason"], "Paused");
  EXPECT_NE((*p)["message"].get<std::string>().find("brake"), std::string::npos);
}

TEST_F(PlanTest, DeletingEveryProfileRevertsNodeByNode) {
  std::string rev = "0123456789";
  world_.profiles.clear();
  world_.rollout = {true, {{"cp1", rev}, {"cp2", rev}}, std::nullopt, ""};
  AgentDone("cp1", rev);
  AgentDone("cp2", rev);
  // cp3 never had kaudit: nothing to revert there.
  PlanResult r = Step();
  EXPECT_EQ(r.desired_revision, "none");
  EXPECT_FALSE(r.create.has_value());
  EXPECT_EQ(r.rollout->targets.at("cp1"), "none");
  EXPECT_EQ(r.rollout->targets.at("cp2"), rev);
  world_.node_states["cp1"] = State("cp1", "", "none", std::string(kPhaseIdle));
  r = Step();
  EXPECT_EQ(r.rollout->targets.at("cp2"), "none");
  world_.node_states["cp2"] = State("cp2", "", "none", std::string(kPhaseIdle));
  r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  EXPECT_EQ(r.rollout, std::nullopt);
}

TEST_F(PlanTest, InvalidProfileIsReportedAndLeftOut) {
  std::string rev_alone = Desired();
  world_.profiles.push_back({Profile("broken", {{"rules", {{{"level", "Everything"}}}}}, 3)});
  PlanResult r = Step();
  EXPECT_EQ(r.desired_revision, rev_alone);  // the others are unaffected
  EXPECT_EQ(r.invalid_profiles, std::vector<std::string>{"broken"});
  const Json& st = StatusOf("broken");
  EXPECT_EQ((*Cond(st, "Ready"))["status"], "False");
  EXPECT_EQ((*Cond(st, "Ready"))["reason"], "InvalidSpec");
  EXPECT_NE((*Cond(st, "Ready"))["message"].get<std::string>().find("spec.rules[0].level"),
            std::string::npos);
  EXPECT_EQ(st["observedGeneration"], 3);
  EXPECT_FALSE(st.contains("revision"));
  EXPECT_TRUE(HasEvent(r, "InvalidSpec"));
  // Reported once per generation.
  EXPECT_FALSE(HasEvent(Step(), "InvalidSpec"));
}

TEST_F(PlanTest, OnlyInvalidProfilesChangeNothingOnNodes) {
  std::string rev = "0123456789";
  world_.rollout = {true, {{"cp1", rev}}, std::nullopt, ""};
  world_.profiles = {{Profile("broken", {{"preset", "Loud"}})}};
  PlanResult r = Step();
  EXPECT_EQ(r.desired_revision, "");
  EXPECT_FALSE(r.rollout.has_value());
  EXPECT_FALSE(r.create.has_value());
}

TEST_F(PlanTest, WebhookSecretProblemsNameSecretAndKeyAndBlockTheRollout) {
  Json webhook = {{"preset", "Metadata"},
                  {"backends", {{"webhook", {{"kubeconfigSecretRef", {{"name", "sink"}}}}}}}};
  world_.profiles.push_back({Profile("remote", webhook)});
  PlanResult r = Step();
  EXPECT_EQ(r.desired_revision, "");
  EXPECT_FALSE(r.rollout.has_value());
  EXPECT_FALSE(r.create.has_value());
  std::string msg = (*Cond(StatusOf("remote"), "Ready"))["message"];
  EXPECT_EQ((*Cond(StatusOf("remote"), "Ready"))["reason"], "WebhookSecretInvalid");
  EXPECT_NE(msg.find("Secret kaudit-system/sink"), std::string::npos) << msg;
  EXPECT_EQ((*Cond(StatusOf("base"), "Ready"))["reason"], "Blocked");

  world_.secrets["sink"] = {{"other", "x"}};
  Step();
  msg = (*Cond(StatusOf("remote"), "Ready"))["message"];
  EXPECT_NE(msg.find("has no key \"kubeconfig\""), std::string::npos) << msg;

  world_.secrets["sink"] = {{"kubeconfig", "clusters: []\n"}};
  r = Step();
  EXPECT_EQ(r.desired_revision, "");
  msg = (*Cond(StatusOf("remote"), "Ready"))["message"];
  EXPECT_NE(msg.find("key \"kubeconfig\" does not hold a usable kubeconfig"), std::string::npos)
      << msg;

  world_.secrets["sink"] = {{"kubeconfig", kWebhookKubeconfig}};
  r = Step();
  ASSERT_EQ(r.desired_revision.size(), 10u);
  ASSERT_TRUE(r.create && r.create->secret);
  const Json& s = *r.create->secret;
  EXPECT_EQ(s["metadata"]["name"], "kaudit-rev-" + r.desired_revision + "-webhook");
  EXPECT_EQ(s["immutable"], true);
  EXPECT_TRUE(s["data"].contains("webhook.kubeconfig"));
  EXPECT_NE(r.create->configmap->at("data").at("flags.json").get<std::string>().find(
                "audit-webhook-config-file"),
            std::string::npos);
}

TEST_F(PlanTest, PrioritiesComposeAndALosingBackendIsConflicted) {
  world_.profiles = {
      {Profile("high", {{"priority", 10},
                        {"preset", "Metadata"},
                        {"backends", {{"log", {{"maxAgeDays", 40}}}}}})},
      {Profile("low", {{"priority", 1},
                       {"rules", {{{"level", "None"}, {"users", {"system:kube-proxy"}}}}},
                       {"backends", {{"log", {{"maxAgeDays", 7}}}}}})}};
  PlanResult r = Step();
  ASSERT_TRUE(r.create.has_value());
  std::string flags = r.create->configmap->at("data").at("flags.json");
  EXPECT_NE(flags.find("\"40\""), std::string::npos) << flags;
  std::string policy = r.create->configmap->at("data").at("policy.yaml");
  EXPECT_NE(policy.find("system:kube-proxy"), std::string::npos);
  const Json* c = Cond(StatusOf("low"), "Conflicted");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ((*c)["status"], "True");
  EXPECT_NE((*c)["message"].get<std::string>().find("high"), std::string::npos);
  EXPECT_EQ(Cond(StatusOf("high"), "Conflicted"), nullptr);
}

TEST_F(PlanTest, ExpiringRuleRequeuesAndThenLeavesThePolicy) {
  Json rule = {{"level", "RequestResponse"},
               {"users", {"alice"}},
               {"expiresAt", "2026-11-27T12:30:00Z"}};
  world_.profiles.push_back({Profile("debug", {{"rules", {rule}}})});
  opts_.node_stale_after = 1h;
  opts_.resync = 1h;
  PlanResult r = Plan(world_, opts_);
  ASSERT_TRUE(r.requeue_after.has_value());
  EXPECT_EQ(*r.requeue_after, Duration(30min));
  EXPECT_NE(r.create->configmap->at("data").at("policy.yaml").get<std::string>().find("alice"),
            std::string::npos);
  world_.now = kNow + 30min;
  for (auto& [n, s] : world_.node_states) s.heartbeat = world_.now;
  PlanResult later = Plan(world_, opts_);
  EXPECT_NE(later.desired_revision, r.desired_revision);
  EXPECT_EQ(later.create->configmap->at("data").at("policy.yaml").get<std::string>().find("alice"),
            std::string::npos);
}

TEST_F(PlanTest, StaleAgentsAreLeftOutAndWakeTheController) {
  world_.node_states["cp3"].heartbeat = kNow - 3min;
  world_.node_states["cp2"].heartbeat = kNow - 90s;
  world_.node_states.erase("cp1");
  PlanResult r = Step();
  ASSERT_EQ(r.nodes.size(), 1u);
  EXPECT_EQ(r.nodes[0].name, "cp2");
  EXPECT_EQ(*r.requeue_after, Duration(30s));  // when cp2's heartbeat goes stale
  std::string msg = (*Cond(StatusOf("base"), "Ready"))["message"];
  EXPECT_NE(msg.find("2 control-plane node(s) left out"), std::string::npos) << msg;
  world_.node_states["cp2"].heartbeat = kNow - 5min;
  Step();
  EXPECT_EQ((*Cond(StatusOf("base"), "Ready"))["reason"], "NoNodes");
}

TEST_F(PlanTest, PruneKeepsTenNewestPlusAnyNodeReference) {
  std::string rev = Desired();
  for (int i = 0; i < 15; ++i) {
    char id[11];
    std::snprintf(id, sizeof id, "aaaaaaaa%02d", i);
    world_.revisions.push_back({id, kNow - std::chrono::hours(100 - i), true, i == 0});
  }
  // aaaaaaaa00 is the oldest but a node falls back to it; aaaaaaaa01 is a node's target.
  world_.node_states["cp1"].last_known_good = "aaaaaaaa00";
  world_.rollout = {true, {{"cp2", "aaaaaaaa01"}}, std::nullopt, ""};
  PlanResult r = Plan(world_, opts_);
  // 15 stored: keep the 10 newest (05..14) and 00, 01: prune 02, 03, 04.
  EXPECT_EQ(r.prune_configmaps, (std::vector<std::string>{"kaudit-rev-aaaaaaaa02",
                                                          "kaudit-rev-aaaaaaaa03",
                                                          "kaudit-rev-aaaaaaaa04"}));
  EXPECT_TRUE(r.prune_secrets.empty());
  (void)rev;
}

TEST_F(PlanTest, EventsGoToAtMostTheFirstProfilesInCompositionOrder) {
  opts_.max_event_profiles = 2;
  world_.profiles.push_back({Profile("zz-high", {{"priority", 9}})});
  world_.profiles.push_back({Profile("aa-low", {})});
  PlanResult r = Step();
  std::set<std::string> regarding;
  for (const EventSpec& e : r.events) {
    if (e.reason == "RolloutStarted") regarding.insert(e.regarding_name);
  }
  EXPECT_EQ(regarding, (std::set<std::string>{"zz-high", "aa-low"}));
}

TEST_F(PlanTest, UnchangedStatusIsNotRewrittenAndTransitionTimesStay) {
  Step();
  Json before = StatusOf("base");
  world_.now = kNow + 1min;
  for (auto& [n, s] : world_.node_states) s.heartbeat = world_.now;
  PlanResult r = Plan(world_, opts_);
  EXPECT_TRUE(r.statuses.empty());
  EXPECT_EQ(StatusOf("base"), before);
}

}  // namespace
}  // namespace kaudit::controller
