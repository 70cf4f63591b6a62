// The controller's rollout scenarios, end to end through the API: revisions, kaudit-rollout,
// profile status and events.
#include <signal.h>

#include <chrono>

#include "common/time.h"
#include "integration/controller/harness.h"

namespace kaudit::controller_it {
namespace {

using namespace std::chrono_literals;

const Json kMetadata = {{"preset", "Metadata"}};

class RolloutIT : public ControllerCluster {};


TEST_F(RolloutIT, FirstRolloutOnThreeNodesOneAtATime) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  ControllerProcess& ctl = StartController();
  CreateProfile("base", kMetadata);
  std::string rev;
  AWAIT("a revision ConfigMap", [&] {
    auto revs = Revisions();
    if (revs.size() != 1) return false;
    rev = revs[0];
    return true;
  });
  Json cm = RevisionConfigMap(rev);
  EXPECT_EQ(cm["immutable"], true);
  EXPECT_EQ(cm["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kaudit");
  EXPECT_EQ(cm["data"]["revision"], rev + "\n");
  EXPECT_NE(cm["data"]["policy.yaml"].get<std::string>().find("level: \"Metadata\""), std::string::npos);
  EXPECT_NE(cm["data"]["flags.json"].get<std::string>().find("/etc/kubernetes/kaudit/policies/" + rev),
            std::string::npos);

  AWAIT("cp1 targeted", [&] { return Rollout() == std::map<std::string, std::string>{{"cp1", rev}}; });
  AWAIT("status RollingOut", [&] {
    return ConditionField("base", "Progressing", "status") == "True" &&
           StatusString("base", "nodesSummary") == "0/3";
  });
  // Applying on cp1: nobody else moves.
  AgentReport("cp1", "", rev, "Applying");
  AgentReport("cp1", rev, rev, "Healthy");
  AWAIT("cp2 targeted", [&] { return Rollout().count("cp2") == 1; });
  EXPECT_EQ(Rollout().count("cp3"), 0u);
  AgentReport("cp2", rev, rev, "Healthy");
  AWAIT("cp3 targeted", [&] { return Rollout().count("cp3") == 1; });
  AgentReport("cp3", rev, rev, "Healthy");
  AWAIT("Ready=True", [&] { return ConditionField("base", "Ready", "status") == "True"; });
  Json p = Profile("base");
  EXPECT_EQ(p["status"]["revision"], rev);
  EXPECT_EQ(p["status"]["nodesSummary"], "3/3");
  EXPECT_EQ(p["status"]["observedGeneration"], p["metadata"]["generation"]);
  EXPECT_EQ(p["status"]["nodes"].size(), 3u);
  EXPECT_EQ(ConditionField("base", "Ready", "reason"), "RolloutComplete");
  AWAIT("events RolloutStarted, NodeUpdated x3, RolloutComplete", [&] {
    return Events("RolloutStarted").size() == 1 && Events("NodeUpdated").size() == 3 &&
           Events("RolloutComplete").size() == 1;
  });
  Json ev = Events("RolloutStarted")[0];
  EXPECT_EQ(ev["regarding"]["kind"], "AuditProfile");
  EXPECT_EQ(ev["regarding"]["name"], "base");
  EXPECT_EQ(ev["reportingController"], "kaudit.io/controller");

  int code = 0;
  std::string metrics = HttpGet(ctl.metrics_port, "/metrics", &code);
  EXPECT_EQ(code, 200);
  EXPECT_NE(metrics.find("controller_runtime_reconcile_total{controller=\"auditprofile\""),
            std::string::npos);
  EXPECT_NE(metrics.find("kaudit_rollout_nodes{phase=\"Healthy\"} 3"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("leader_election_master_status{name=\"kaudit-controller\"} 1"),
            std::string::npos);
  HttpGet(ctl.health_port, "/readyz", &code);
  EXPECT_EQ(code, 200);

  // Graceful SIGTERM: exits 0 and gives the Lease up.
  Kill(ctl, SIGTERM);
  EXPECT_EQ(WaitExit(ctl, 10s), 0) << Log(ctl);
}

TEST_F(RolloutIT, SpecChangeMidRolloutMovesEveryNodeToTheNewRevision) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  StartController();
  CreateProfile("base", kMetadata);
  std::string rev1 = AwaitTarget("cp1");
  AgentReport("cp1", rev1, rev1, "Healthy");
  AWAIT("cp2 targeted", [&] { return Rollout().count("cp2") == 1; });
  AgentReport("cp2", "", rev1, "Applying");
  UpdateProfileSpec("base", {{"preset", "Recommended"}});
  std::string rev2;
  AWAIT("a second revision", [&] {
    auto revs = Revisions();
    for (const std::string& r : revs) {
      if (r != rev1) rev2 = r;
    }
    return revs.size() == 2;
  });
  AWAIT("status observes generation 2 and the new revision", [&] {
    Json p = Profile("base");
    return p.contains("status") &&
           p["status"].value("observedGeneration", 0) == p["metadata"].value("generation", 0) &&
           p["status"].value("revision", "") == rev2;
  });
  // cp2 finishes its apply of rev1 before anything else moves.
  EXPECT_EQ(Rollout().at("cp2"), rev1);
  EXPECT_EQ(Rollout().count("cp3"), 0u);
  AgentReport("cp2", rev1, rev1, "Healthy");
  AWAIT("every node on rev2", [&] {
    AgentsFollow();
    auto r = Rollout();
    return r.size() == 3 && r["cp1"] == rev2 && r["cp2"] == rev2 && r["cp3"] == rev2 &&
           ConditionField("base", "Ready", "status") == "True";
  }, 30s);
  EXPECT_EQ(Revisions().size(), 2u);
}

TEST_F(RolloutIT, RollbackOnNode2HaltsUntilRetryAnnotation) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Healthy");
  StartController();
  CreateProfile("base", kMetadata);
  std::string rev = AwaitTarget("cp1");
  AgentReport("cp1", rev, rev, "Healthy");
  AWAIT("cp2 targeted", [&] { return Rollout().count("cp2") == 1; });
  AgentReport("cp2", "", rev, "RolledBack", "kube-apiserver not Ready within 5m0s: restored the backup");
  AWAIT("Degraded=True naming cp2", [&] {
    return ConditionField("base", "Degraded", "status") == "True" &&
           ConditionField("base", "Degraded", "message").find("cp2") != std::string::npos;
  });
  EXPECT_EQ(ConditionField("base", "Degraded", "reason"), "RolledBack");
  EXPECT_NE(ConditionField("base", "Ready", "message").find("kaudit.io/retry"), std::string::npos);
  auto r = Rollout();
  EXPECT_EQ(r["cp2"], "none");  // sent back to what it had
  EXPECT_EQ(r.count("cp3"), 0u);
  EXPECT_NE(RolloutObject()["metadata"]["annotations"].value("kaudit.io/halted", ""), "");
  AWAIT("a RolledBack event", [&] { return !Events("RolledBack").empty(); });
  EXPECT_EQ(Events("RolledBack")[0]["type"], "Warning");

  // The agent reports its fallback; the rollout stays halted.
  AgentReport("cp2", "", "none", "Idle");
  AgentReport("cp3", "", "", "Healthy");  // a change the controller sees
  AWAIT("the controller to see cp2's fallback", [&] {
    Json p = Profile("base");
    if (!p.contains("status")) return false;
    for (const Json& n : p["status"].value("nodes", Json::array())) {
      if (n["name"] == "cp2" && n["phase"] == "Idle") return true;
    }
    return false;
  });
  EXPECT_EQ(Rollout().count("cp3"), 0u);
  EXPECT_EQ(Rollout()["cp2"], "none");

  Annotate("base", "kaudit.io/retry", "1");
  AWAIT("cp2 retried", [&] { return Rollout()["cp2"] == rev; });
  AWAIT("Degraded=False", [&] { return ConditionField("base", "Degraded", "status") == "False"; });
  EXPECT_EQ(RolloutObject()["metadata"]["annotations"].value("kaudit.io/halted", ""), "");
  AgentReport("cp2", rev, rev, "Healthy");
  AWAIT("cp3 targeted", [&] { return Rollout()["cp3"] == rev; });
}

TEST_F(RolloutIT, TwoProfilesComposeByPriorityAndTheLoserIsConflicted) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  StartController();
  CreateProfile("security", {{"priority", 100},
                             {"preset", "Metadata"},
                             {"backends", {{"log", {{"maxAgeDays", 90}}}}}});
  CreateProfile("team", {{"priority", 5},
                         {"rules", {{{"level", "RequestResponse"}, {"users", {"alice"}}}}},
                         {"backends", {{"log", {{"maxAgeDays", 3}}}}}});
  AWAIT("team Conflicted", [&] { return ConditionField("team", "Conflicted", "status") == "True"; });
  EXPECT_NE(ConditionField("team", "Conflicted", "message").find("security"), std::string::npos);
  EXPECT_EQ(ConditionField("security", "Conflicted", "status"), "");
  std::string rev;
  AWAIT("both profiles report one revision", [&] {
    rev = StatusString("security", "revision");
    return !rev.empty() && StatusString("team", "revision") == rev;
  });
  Json cm = RevisionConfigMap(rev);
  std::string policy = cm["data"]["policy.yaml"];
  std::string flags = cm["data"]["flags.json"];
  EXPECT_NE(policy.find("alice"), std::string::npos);
  EXPECT_NE(flags.find("\"audit-log-maxage\""), std::string::npos);
  EXPECT_NE(flags.find("\"90\""), std::string::npos) << flags;
  EXPECT_EQ(flags.find("\"3\""), std::string::npos) << flags;
}

TEST_F(RolloutIT, ExpiredDebugRuleLeavesThePolicyWithoutAnyEvent) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  StartController();
  auto expires = std::chrono::system_clock::now() + 4s;
  CreateProfile("base", kMetadata);
  CreateProfile("debug", {{"rules",
                           {{{"level", "RequestResponse"},
                             {"users", {"debug-user"}},
                             {"expiresAt", FormatRfc3339(expires + 1s)}}}}});
  std::string first;
  AWAIT("a revision with the debug rule", [&] {
    first = StatusString("debug", "revision");
    return !first.empty() &&
           RevisionConfigMap(first)["data"].value("policy.yaml", "").find("debug-user") !=
               std::string::npos;
  });
  // Nothing changes in the API at expiry: the controller must wake up by itself.
  std::string second;
  AWAIT("a new revision without it", [&] {
    second = StatusString("base", "revision");
    return !second.empty() && second != first &&
           RevisionConfigMap(second)["data"].value("policy.yaml", "").find("debug-user") ==
               std::string::npos;
  }, 20s);
}

TEST_F(RolloutIT, DeletingAllProfilesRevertsEveryNode) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  StartController();
  CreateProfile("base", kMetadata);
  AWAIT("all nodes on a revision", [&] {
    AgentsFollow();
    return ConditionField("base", "Ready", "status") == "True";
  }, 30s);
  DeleteProfile("base");
  AWAIT("every node targeted none", [&] {
    AgentsFollow();
    auto r = Rollout();
    return r.size() == 3 && r["cp1"] == "none" && r["cp2"] == "none" && r["cp3"] == "none";
  }, 30s);
}

TEST_F(RolloutIT, ControllerKilledMidRolloutResumes) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  ControllerProcess& first = StartController();
  CreateProfile("base", kMetadata);
  std::string rev = AwaitTarget("cp1");
  Kill(first, SIGKILL);
  EXPECT_EQ(WaitExit(first, 5s), 128 + SIGKILL);
  AgentReport("cp1", rev, rev, "Healthy");
  StartController();  // waits out the dead one's Lease
  AWAIT("cp2 targeted by the new controller", [&] { return Rollout().count("cp2") == 1; }, 20s);
  auto r = Rollout();
  EXPECT_EQ(r["cp1"], rev);
  EXPECT_EQ(r["cp2"], rev);
  EXPECT_EQ(r.count("cp3"), 0u);
  EXPECT_EQ(Revisions().size(), 1u);
  AWAIT("completes", [&] {
    AgentsFollow();
    return ConditionField("base", "Ready", "status") == "True";
  }, 30s);
}

TEST_F(RolloutIT, LeaderFailoverWithTwoReplicas) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  ControllerProcess& a = StartController();
  AWAIT("a leads", [&] {
    auto l = client_->Get(kube::resources::Leases(), kNs, "kaudit-controller");
    return l.ok() && (*l)["spec"].value("holderIdentity", "") == a.identity;
  });
  ControllerProcess& b = StartController();
  AWAIT("b's caches synced", [&] {
    int code = 0;
    HttpGet(b.health_port, "/readyz", &code);
    return code == 200;
  });
  int code = 0;
  std::string m = HttpGet(b.metrics_port, "/metrics", &code);
  EXPECT_NE(m.find("leader_election_master_status{name=\"kaudit-controller\"} 0"), std::string::npos)
      << m;
  EXPECT_EQ(m.find("controller_runtime_reconcile_total"), std::string::npos);
  CreateProfile("base", kMetadata);
  std::string rev = AwaitTarget("cp1");
  Kill(a, SIGKILL);
  AgentReport("cp1", rev, rev, "Healthy");
  AWAIT("b takes over and moves cp2", [&] { return Rollout().count("cp2") == 1; }, 20s);
  auto l = client_->Get(kube::resources::Leases(), kNs, "kaudit-controller");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ((*l)["spec"].value("holderIdentity", ""), b.identity);
  EXPECT_EQ(Rollout().count("cp3"), 0u);
}

}  // namespace
}  // namespace kaudit::controller_it

namespace kaudit::controller_it {
namespace {

class ProcessIT : public ControllerCluster {};

TEST_F(ProcessIT, JsonLogsProbesAndGracefulStop) {
  ControllerProcess& ctl = StartController({"--log-format", "json", "--leader-elect=false"});
  AWAIT("/readyz 200", [&] {
    int code = 0;
    HttpGet(ctl.health_port, "/readyz", &code);
    return code == 200;
  });
  int code = 0;
  EXPECT_EQ(HttpGet(ctl.health_port, "/healthz", &code), "ok\n");
  EXPECT_EQ(code, 200);
  CreateProfile("base", {{"preset", "Metadata"}});
  AWAIT("a revision", [&] { return !Revisions().empty(); });
  Kill(ctl, SIGTERM);
  EXPECT_EQ(WaitExit(ctl, std::chrono::seconds(10)), 0);
  std::string log = Log(ctl);
  std::size_t lines = 0, start = 0;
  while (start < log.size()) {
    std::size_t nl = log.find('\n', start);
    std::string line = log.substr(start, nl - start);
    start = nl == std::string::npos ? log.size() : nl + 1;
    if (line.empty()) continue;
    Json j = Json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not a JSON object: " << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg")) << line;
    ++lines;
  }
  EXPECT_GT(lines, 3u);
  EXPECT_NE(log.find("stored revision"), std::string::npos);
}

TEST_F(ProcessIT, BadFlagsAreUsageErrors) {
  ControllerProcess& a = StartController({"--lease-duration", "soon"});
  EXPECT_EQ(WaitExit(a, std::chrono::seconds(10)), 2);
  EXPECT_NE(Log(a).find("--lease-duration"), std::string::npos) << Log(a);
  ControllerProcess& b = StartController({"--renew-deadline", "20s"});  // > lease duration
  EXPECT_EQ(WaitExit(b, std::chrono::seconds(10)), 1);
  EXPECT_NE(Log(b).find("renew"), std::string::npos) << Log(b);
}

}  // namespace
}  // namespace kaudit::controller_it
