// Bad input and API faults: invalid profiles stored anyway, broken webhook Secrets, 409/429/500,
// dropped watches and 410 Gone.
#include <chrono>

#include "integration/controller/harness.h"

namespace kaudit::controller_it {
namespace {

using namespace std::chrono_literals;

const char* kSinkKubeconfig = R"(apiVersion: v1
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
    token: sink-token
current-context: sink
)";

class Faults : public ControllerCluster {};

TEST_F(Faults, InvalidProfileStoredAnywayIsReportedAndNeverRendered) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  StartController();
  CreateProfile("base", {{"preset", "Metadata"}});
  // What the CRD schema refuses (an unknown level, a log path outside the allowed root).
  CreateProfile("broken", {{"rules", {{{"level", "Everything"}, {"users", {"mallory"}}}}},
                           {"backends", {{"log", {{"path", "/etc/evil.log"}}}}}});
  AWAIT("broken InvalidSpec", [&] { return ConditionField("broken", "Ready", "reason") == "InvalidSpec"; });
  std::string msg = ConditionField("broken", "Ready", "message");
  EXPECT_NE(msg.find("spec.rules[0].level"), std::string::npos) << msg;
  EXPECT_NE(msg.find("spec.backends.log.path"), std::string::npos) << msg;
  EXPECT_EQ(ConditionField("broken", "Ready", "status"), "False");
  AWAIT("base rolls out", [&] { return !Rollout().empty(); });
  for (const std::string& rev : Revisions()) {
    std::string policy = RevisionConfigMap(rev)["data"].value("policy.yaml", "");
    EXPECT_EQ(policy.find("mallory"), std::string::npos);
    EXPECT_EQ(RevisionConfigMap(rev)["data"].value("flags.json", "").find("/etc/evil.log"),
              std::string::npos);
  }
  EXPECT_FALSE(Profile("broken")["status"].contains("revision"));
  AWAIT("an InvalidSpec event", [&] { return !Events("InvalidSpec").empty(); });
}

TEST_F(Faults, MissingOrMalformedWebhookSecretBlocksTheRolloutAndSaysWhich) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  StartController();
  CreateProfile("remote", {{"preset", "Metadata"},
                           {"backends",
                            {{"webhook", {{"kubeconfigSecretRef", {{"name", "sink"}, {"key", "cfg"}}}}}}}});
  AWAIT("Secret not found", [&] {
    return ConditionField("remote", "Ready", "message").find("Secret kaudit-system/sink") !=
           std::string::npos;
  });
  EXPECT_EQ(ConditionField("remote", "Ready", "reason"), "WebhookSecretInvalid");
  PutSecret("sink", {{"kubeconfig", kSinkKubeconfig}});
  AWAIT("key missing", [&] {
    return ConditionField("remote", "Ready", "message").find("has no key \"cfg\"") !=
           std::string::npos;
  });
  PutSecret("sink", {{"cfg", "not: [a kubeconfig"}});
  AWAIT("malformed", [&] {
    return ConditionField("remote", "Ready", "message").find("does not hold a usable kubeconfig") !=
           std::string::npos;
  });
  EXPECT_TRUE(Revisions().empty());
  EXPECT_TRUE(Rollout().empty());
  PutSecret("sink", {{"cfg", kSinkKubeconfig}});
  std::string rev = AwaitTarget("cp1");
  auto s = client_->Get(kube::resources::Secrets(), kNs, "kaudit-rev-" + rev + "-webhook");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)["immutable"], true);
  EXPECT_TRUE((*s)["data"].contains("webhook.kubeconfig"));
}

TEST_F(Faults, ApiErrorsDroppedWatchesAndGoneAreRetriedWithoutLosingUpdates) {
  for (const std::string& n : nodes_) AgentReport(n, "", "", "Idle");
  StartController();
  // Writes to ConfigMaps fail a few times each way before succeeding.
  emulator::FaultRule conflict;
  conflict.count = 2;
  conflict.code = 409;
  conflict.method = "PUT";
  conflict.path_contains = "/configmaps/kaudit-rollout";
  emu_->AddFault(conflict);
  emulator::FaultRule throttled;
  throttled.count = 2;
  throttled.code = 429;
  throttled.retry_after_seconds = 0;
  throttled.method = "POST";
  throttled.path_contains = "/configmaps";
  emu_->AddFault(throttled);
  emulator::FaultRule broken;
  broken.count = 3;
  broken.code = 500;
  broken.path_contains = "/auditprofiles/base/status";
  emu_->AddFault(broken);
  CreateProfile("base", {{"preset", "Metadata"}});
  std::string rev = AwaitTarget("cp1");
  AgentReport("cp1", rev, rev, "Healthy");
  AWAIT("cp2 targeted", [&] { return Rollout().count("cp2") == 1; });
  emu_->DropWatches();
  AgentReport("cp2", rev, rev, "Healthy");
  // The informers back off between failed watches as client-go's do (800 ms doubling, reset
  // after 2 minutes of health), so repeated faults take a few seconds each to recover from.
  AWAIT("cp3 targeted after dropped watches", [&] { return Rollout().count("cp3") == 1; }, 60s);
  emu_->ExpireHistory();
  emu_->DropWatches();
  AgentReport("cp3", rev, rev, "Healthy");
  AWAIT("Ready after 410 Gone", [&] { return ConditionField("base", "Ready", "status") == "True"; },
        60s);
  // A change made while watches are down is not lost either.
  emu_->DropWatches();
  UpdateProfileSpec("base", {{"preset", "Recommended"}});
  AWAIT("the new revision", [&] { return Revisions().size() == 2; }, 60s);
}

}  // namespace
}  // namespace kaudit::controller_it
