// The uninstall request: Plan() under kaudit-uninstall, the controller's trust in the marker, and
// the command's reading of the cluster.
#include "controller/uninstall.h"

#include <gtest/gtest.h>

#include "controller/plan.h"

namespace kaudit::controller {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = *ParseRfc3339("2026-11-27T12:00:00Z");
const std::string kRev = "0123456789";

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

Json Profile(const std::string& name, Json spec) {
  return {{"apiVersion", "kaudit.io/v1alpha1"},
          {"kind", "AuditProfile"},
          {"metadata", {{"name", name}, {"generation", 1}}},
          {"spec", std::move(spec)}};
}

// Three nodes Healthy on kRev, a valid and an invalid profile, and a live uninstall request.
class PlanUninstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.now = kNow;
    for (const char* n : {"cp1", "cp2", "cp3"}) {
      world_.nodes.push_back({n, true});
      world_.node_states[n] = State(n, kRev, kRev, std::string(kPhaseHealthy));
      world_.rollout.targets[n] = kRev;
    }
    world_.rollout.exists = true;
    world_.revisions.push_back({kRev, kNow - 1h, true, false});
    world_.profiles.push_back({Profile("base", {{"preset", "Metadata"}})});
    world_.profiles.push_back({Profile("broken", {{"preset", "Loud"}})});
    UninstallRequest u;
    u.uid = "uid-1";
    u.renewed = "2026-11-27T11:59:55Z";
    u.requested_by = "job-pod";
    u.live = true;
    world_.uninstall = u;
  }

  PlanResult Step() {
    PlanResult r = Plan(world_, opts_);
    if (r.rollout) world_.rollout = *r.rollout;
    for (const StatusUpdate& u : r.statuses) {
      for (ProfileObject& p : world_.profiles) {
        if (p.name() == u.profile) p.object["status"] = u.status;
      }
    }
    return r;
  }

  std::string Cond(const std::string& profile, const std::string& type, const char* field) {
    for (ProfileObject& p : world_.profiles) {
      if (p.name() != profile) continue;
      for (const Json& c : p.object["status"]["conditions"]) {
        if (c["type"] == type) return c[field];
      }
    }
    return "";
  }

  World world_;
  PlanOptions opts_;
};

TEST_F(PlanUninstallTest, LiveRequestRevertsEveryNodeOneAtATimeWhateverTheProfiles) {
  world_.nodes[2].apiserver_ready = false;  // unhealthy nodes still go first
  PlanResult r = Step();
  EXPECT_EQ(r.desired_revision, "none");
  EXPECT_FALSE(r.create.has_value());  // nothing is rendered or stored
  ASSERT_TRUE(r.rollout.has_value());
  EXPECT_EQ(r.rollout->uninstall, "uid-1");  // acknowledged
  EXPECT_EQ(r.rollout->targets,
            (std::map<std::string, std::string>{{"cp1", kRev}, {"cp2", kRev}, {"cp3", "none"}}));
  for (const char* p : {"base", "broken"}) {
    EXPECT_EQ(Cond(p, "Ready", "reason"), "Uninstalling") << p;
    EXPECT_EQ(Cond(p, "Ready", "status"), "False") << p;
    EXPECT_EQ(Cond(p, "Progressing", "status"), "True") << p;
    EXPECT_EQ(Cond(p, "Degraded", "status"), "False") << p;
  }
  std::string msg = Cond("base", "Ready", "message");
  EXPECT_NE(msg.find("kaudit is being uninstalled (ConfigMap kaudit-system/kaudit-uninstall, "
                     "requested by job-pod)"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("updating node cp3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("To cancel, delete ConfigMap"), std::string::npos) << msg;
  for (const EventSpec& e : r.events) EXPECT_NE(e.reason, "InvalidSpec");

  // Nobody else moves until cp3 is reverted; then by name.
  world_.node_states["cp3"] = State("cp3", kRev, "none", std::string(kPhaseApplying));
  EXPECT_FALSE(Step().rollout.has_value());
  world_.node_states["cp3"] = State("cp3", "", "none", std::string(kPhaseHealthy));
  r = Step();
  EXPECT_EQ(r.rollout->targets.at("cp1"), "none");
  EXPECT_EQ(r.rollout->targets.at("cp2"), kRev);
  world_.node_states["cp1"] = State("cp1", "", "none", std::string(kPhaseHealthy));
  EXPECT_EQ(Step().rollout->targets.at("cp2"), "none");
  world_.node_states["cp2"] = State("cp2", "", "none", std::string(kPhaseHealthy));
  r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  EXPECT_EQ(Cond("base", "Progressing", "status"), "False");
  msg = Cond("base", "Ready", "message");
  EXPECT_NE(msg.find("no kaudit auditing is left on all 3"), std::string::npos) << msg;
  EXPECT_TRUE(Plan(world_, opts_).statuses.empty());  // converged
}

TEST_F(PlanUninstallTest, OverridesPausedButARollbackHalts) {
  world_.profiles[0].object["spec"]["rollout"] = {{"paused", true}};
  PlanResult r = Step();
  ASSERT_TRUE(r.rollout.has_value());
  EXPECT_EQ(r.rollout->targets.at("cp1"), "none");
  NodeState rb = State("cp1", kRev, "none", std::string(kPhaseRolledBack));
  rb.message = "revert: kube-apiserver not Ready within 5m0s";
  world_.node_states["cp1"] = rb;
  r = Step();
  ASSERT_TRUE(r.rollout && r.rollout->halt);
  EXPECT_EQ(r.rollout->halt->revision, "none");
  EXPECT_EQ(r.rollout->halt->node, "cp1");
  EXPECT_EQ(r.rollout->targets.at("cp1"), kRev);  // sent back to what it runs
  EXPECT_EQ(r.rollout->targets.at("cp2"), kRev);
  EXPECT_EQ(Cond("base", "Degraded", "status"), "True");
  EXPECT_EQ(Cond("base", "Degraded", "reason"), "RolledBack");
  std::string msg = Cond("base", "Degraded", "message");
  EXPECT_NE(msg.find("kaudit is being uninstalled"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not Ready within 5m0s"), std::string::npos) << msg;
}

TEST_F(PlanUninstallTest, RequestNotYetTrustedFreezesTheRollout) {
  world_.uninstall->live = false;
  world_.rollout.targets.erase("cp3");  // a move that would otherwise happen now
  PlanResult r = Step();
  EXPECT_FALSE(r.rollout.has_value());
  EXPECT_EQ(Cond("base", "Ready", "reason"), "Uninstalling");
  std::string msg = Cond("base", "Progressing", "message");
  EXPECT_NE(msg.find("rollout is frozen"), std::string::npos) << msg;
  EXPECT_NE(msg.find("deleted after 1m0s"), std::string::npos) << msg;
}

TEST_F(PlanUninstallTest, RemovedRequestRollsTheProfilesOutAgain) {
  ASSERT_EQ(Step().rollout->targets.at("cp1"), "none");
  world_.node_states["cp1"] = State("cp1", "", "none", std::string(kPhaseHealthy));
  world_.uninstall.reset();
  PlanResult r = Step();
  ASSERT_TRUE(r.rollout.has_value());
  EXPECT_EQ(r.rollout->uninstall, "");
  EXPECT_TRUE(r.create.has_value());
  EXPECT_EQ(r.rollout->targets.at("cp1"), r.desired_revision);  // all healthy: by name
  EXPECT_EQ(Cond("base", "Ready", "reason"), "RollingOut");
  EXPECT_EQ(Cond("broken", "Ready", "reason"), "InvalidSpec");
}

TEST(UninstallTracker, MarkerFoundAtStartWaitsForARenewalThenStaysHonoured) {
  UninstallTracker t;
  SteadyTime t0{};
  UninstallRequest m{"uid-1", "r1", "", "", false};
  UninstallTracker::Result r = t.Observe(m, t0, 60s);
  EXPECT_EQ(r.verdict, UninstallTracker::Verdict::kPending);
  EXPECT_EQ(*r.recheck_in, policy::Duration(60s));
  EXPECT_EQ(t.Observe(m, t0 + 20s, 60s).verdict, UninstallTracker::Verdict::kPending);
  m.renewed = "r2";
  EXPECT_EQ(t.Observe(m, t0 + 25s, 60s).verdict, UninstallTracker::Verdict::kLive);
  // The command has exited: no more renewals, still honoured (Helm deletes us next).
  EXPECT_EQ(t.Observe(m, t0 + 1h, 60s).verdict, UninstallTracker::Verdict::kLive);
}

TEST(UninstallTracker, LeftoverMarkerIsStaleAfterTheGracePeriod) {
  UninstallTracker t;
  SteadyTime t0{};
  UninstallRequest m{"uid-1", "r1", "", "", false};
  t.Observe(m, t0, 60s);
  EXPECT_EQ(t.Observe(m, t0 + 60s, 60s).verdict, UninstallTracker::Verdict::kStale);
  EXPECT_EQ(t.Observe(std::nullopt, t0 + 61s, 60s).verdict, UninstallTracker::Verdict::kAbsent);
}

TEST(UninstallTracker, MarkerCreatedWhileWatchingIsLiveAtOnce) {
  UninstallTracker t;
  SteadyTime t0{};
  EXPECT_EQ(t.Observe(std::nullopt, t0, 60s).verdict, UninstallTracker::Verdict::kAbsent);
  UninstallRequest m{"uid-1", "r1", "", "", false};
  EXPECT_EQ(t.Observe(m, t0 + 1s, 60s).verdict, UninstallTracker::Verdict::kLive);
  // A different marker replacing one seen before was created while watching too.
  UninstallTracker u;
  u.Observe(m, t0, 60s);
  m.uid = "uid-2";
  EXPECT_EQ(u.Observe(m, t0 + 1s, 60s).verdict, UninstallTracker::Verdict::kLive);
}

UninstallSnapshot Snapshot() {
  UninstallSnapshot s;
  s.now = kNow;
  s.control_plane_nodes = {"cp1", "cp2"};
  s.marker_uid = "uid-1";
  s.rollout.uninstall = "uid-1";
  s.rollout.targets = {{"cp1", "none"}, {"cp2", "none"}};
  s.node_states["cp1"] = State("cp1", "", "none", std::string(kPhaseHealthy));
  s.node_states["cp2"] = State("cp2", "", "none", std::string(kPhaseHealthy));
  return s;
}

TEST(AssessUninstall, DoneOnlyOnceAcknowledgedAndEveryAgentReportsNothingOnDisk) {
  UninstallSnapshot s = Snapshot();
  UninstallAssessment a = AssessUninstall(s);
  EXPECT_EQ(a.outcome, UninstallAssessment::Outcome::kDone);
  EXPECT_EQ(a.summary, "2/2 control-plane node(s) without kaudit auditing");
  s.rollout.uninstall = "uid-0";  // the controller has not seen this request yet
  a = AssessUninstall(s);
  EXPECT_EQ(a.outcome, UninstallAssessment::Outcome::kWaiting);
  EXPECT_NE(a.summary.find("not yet taken up"), std::string::npos);
  s = Snapshot();
  s.node_states["cp2"] = State("cp2", kRev, "none", std::string(kPhaseApplying));
  s.node_states["cp2"].message = "reverting: removing what kaudit added";
  a = AssessUninstall(s);
  EXPECT_EQ(a.outcome, UninstallAssessment::Outcome::kWaiting);
  ASSERT_EQ(a.pending.size(), 1u);
  EXPECT_EQ(a.pending[0], "node cp2: phase Applying, revision on disk " + kRev +
                              ": reverting: removing what kaudit added");
  // Nothing on disk, but a revision target the agent may still act on: not done.
  s = Snapshot();
  s.rollout.targets["cp2"] = kRev;
  s.node_states["cp2"] = State("cp2", "", "", std::string(kPhaseIdle));
  a = AssessUninstall(s);
  EXPECT_EQ(a.outcome, UninstallAssessment::Outcome::kWaiting);
  EXPECT_NE(a.pending[0].find("kaudit-rollout still gives it revision"), std::string::npos);
}

TEST(AssessUninstall, NothingToDoHaltedAndSilentAgents) {
  UninstallSnapshot s = Snapshot();
  s.control_plane_nodes.clear();
  EXPECT_EQ(AssessUninstall(s).outcome, UninstallAssessment::Outcome::kNothingToDo);
  s = Snapshot();
  s.node_states.clear();
  s.rollout = {};
  UninstallAssessment a = AssessUninstall(s);
  EXPECT_EQ(a.outcome, UninstallAssessment::Outcome::kNothingToDo);
  EXPECT_EQ(a.skipped, (std::vector<std::string>{"cp1", "cp2"}));
  s = Snapshot();
  s.rollout.halt = HaltRecord{"none", "cp2", "RolledBack", "revert: not Ready", kRev, {}};
  s.node_states["cp2"] = State("cp2", kRev, kRev, std::string(kPhaseHealthy));
  a = AssessUninstall(s);
  EXPECT_EQ(a.outcome, UninstallAssessment::Outcome::kHalted);
  EXPECT_NE(a.summary.find("node cp2 RolledBack the revert: revert: not Ready"), std::string::npos)
      << a.summary;
  s = Snapshot();
  s.node_states["cp1"] = State("cp1", kRev, kRev, std::string(kPhaseHealthy), kNow - 10min);
  a = AssessUninstall(s);
  ASSERT_EQ(a.pending.size(), 1u);
  EXPECT_NE(a.pending[0].find("its agent has not reported since 2026-11-27T11:50:00Z, 10m0s ago"),
            std::string::npos)
      << a.pending[0];
}

TEST(ViewLease, RunningWhileRenewTimeMoves) {
  Json lease = {{"spec",
                 {{"holderIdentity", "ctl-1"},
                  {"leaseDurationSeconds", 15},
                  {"renewTime", "2026-11-27T11:59:58.000000Z"}}}};
  EXPECT_TRUE(ViewLease(lease, "ns/l", kNow, false, 0s).running);
  EXPECT_TRUE(ViewLease(lease, "ns/l", kNow, true, 20s).running);
  EXPECT_FALSE(ViewLease(lease, "ns/l", kNow, true, 31s).running);
  // Never seen moving in two lease durations: nobody renews it, whatever the remote clock says.
  EXPECT_FALSE(ViewLease(lease, "ns/l", kNow, false, 30s).running);
  lease["spec"]["renewTime"] = "2026-11-27T11:50:00.000000Z";
  LeaseView v = ViewLease(lease, "ns/l", kNow, false, 0s);
  EXPECT_FALSE(v.running);
  EXPECT_NE(
      v.description.find("held by ctl-1, last renewed 2026-11-27T11:50:00.000000Z (10m0s ago)"),
      std::string::npos)
      << v.description;
  lease["spec"]["holderIdentity"] = "";
  EXPECT_FALSE(ViewLease(lease, "ns/l", kNow, true, 0s).running);
  EXPECT_FALSE(ViewLease(Json(), "ns/l", kNow, false, 0s).running);
}

}  // namespace
}  // namespace kaudit::controller
