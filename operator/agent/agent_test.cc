// The agent's health judgement (design step 7) against a mock API and a real local /readyz, and
// the node-state ConfigMap it publishes (docs/operations.md contract).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agent/health.h"
#include "agent/state.h"
#include "hostfs/env.h"
#include "mocks/kube_mocks.h"
#include "node/testing_https_server.h"

namespace kaudit::agent {
namespace {
namespace fs = std::filesystem;
using ::testing::_;
using ::testing::Invoke;

constexpr const char* kLog = "/var/log/kubernetes/audit/audit.log";

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "agent-health-XXXXXX").string();
    root_ = mkdtemp(t.data());
    fs::create_directories(root_ + "/etc/kubernetes/manifests");
    fs::create_directories(root_ + "/var/log/kubernetes/audit");
    std::string url = server_.url();
    std::string port = url.substr(url.rfind(':') + 1, url.find('/', 8) - url.rfind(':') - 1);
    port = port.substr(0, port.find('/'));
    std::ofstream(root_ + "/etc/kubernetes/manifests/kube-apiserver.yaml")
        << "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    kaudit.io/revision: "
           "abcdef0123\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n"
           "  - command:\n    - kube-apiserver\n"
           "    - --audit-policy-file=/etc/kubernetes/kaudit/policies/abcdef0123.yaml\n"
           "    - --audit-log-path=" << kLog << "\n    image: k:1\n    name: kube-apiserver\n"
           "    readinessProbe:\n      httpGet:\n        host: 127.0.0.1\n        path: /readyz\n"
           "        port: " << port << "\n        scheme: HTTP\n";
    fs_ = std::make_unique<hostfs::HostFs>(hostfs::PosixEnv(), root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  kube::Json MirrorPod(const std::string& hash, const std::string& rev, bool ready) {
    return {{"metadata", {{"annotations", {{"kubernetes.io/config.hash", hash}, {"kaudit.io/revision", rev}}}}},
            {"status", {{"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
  }
  // Each API read also appends to the audit log, as a running apiserver would.
  void ServePod(const StatusOr<kube::Json>& pod) {
    EXPECT_CALL(client_, Get(_, "kube-system", "kube-apiserver-cp1"))
        .WillRepeatedly(Invoke([this, pod](const kube::ResourceType&, const std::string&, const std::string&) {
          std::ofstream(root_ + kLog, std::ios::app) << "{}\n";
          return pod;
        }));
  }
  Status Wait(const std::string& baseline, int ms = 1500) {
    MirrorPodHealthOptions o;
    o.node_name = "cp1";
    o.interval = std::chrono::milliseconds(50);
    MirrorPodHealthChecker h(&client_, fs_.get(), o, nullptr);
    h.SetBaseline(baseline);
    return h.WaitHealthy({"abcdef0123", ""}, std::chrono::steady_clock::now() + std::chrono::milliseconds(ms));
  }

  node::testing::TestHttpServer server_;
  std::string root_;
  std::unique_ptr<hostfs::HostFs> fs_;
  kube::MockClient client_;
};

TEST_F(HealthTest, NewHashRevisionReadyReadyzAndAGrowingLogIsHealthy) {
  ServePod(MirrorPod("new", "abcdef0123", true));
  EXPECT_TRUE(Wait("old").ok());
}

TEST_F(HealthTest, TheOldPodIsNeverJudged) {
  ServePod(MirrorPod("old", "abcdef0123", true));
  Status st = Wait("old", 400);
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(st.message(), ::testing::HasSubstr("old kubernetes.io/config.hash"));
}

TEST_F(HealthTest, AMirrorPodWithAnotherRevisionOrNotReadyIsNotHealthy) {
  ServePod(MirrorPod("new", "0000000000", true));
  EXPECT_THAT(Wait("old", 400).message(), ::testing::HasSubstr("want \"abcdef0123\""));
  ::testing::Mock::VerifyAndClearExpectations(&client_);
  ServePod(MirrorPod("new", "abcdef0123", false));
  EXPECT_THAT(Wait("old", 400).message(), ::testing::HasSubstr("not Ready"));
}

TEST_F(HealthTest, ReadyzMustAnswer200) {
  server_.set_status(500);
  ServePod(MirrorPod("new", "abcdef0123", true));
  EXPECT_THAT(Wait("old", 400).message(), ::testing::HasSubstr("HTTP 500"));
}

TEST_F(HealthTest, AStillLogIsNotHealthy) {
  EXPECT_CALL(client_, Get(_, _, _)).WillRepeatedly(::testing::Return(MirrorPod("new", "abcdef0123", true)));
  EXPECT_THAT(Wait("old", 400).message(), ::testing::HasSubstr("audit log to grow"));
}

TEST_F(HealthTest, WithTheApiGoneTheLocalChecksDecideAtTheDeadline) {
  ServePod(Status::Unavailable("connection refused"));
  EXPECT_TRUE(Wait("old", 400).ok());
  server_.set_status(503);
  EXPECT_FALSE(Wait("old", 400).ok());
}

TEST(NodeState, TheConfigMapCarriesTheContract) {
  NodeReport r;
  r.node = "cp1";
  r.revision = "abcdef0123";
  r.phase = "Healthy";
  r.audit_log_bytes = 42;
  kube::Json cm = NodeStateConfigMap(r, "kaudit-system", "2026-11-27T12:00:00Z", "1.2.3");
  EXPECT_EQ(cm["metadata"]["name"], "kaudit-node-cp1");
  EXPECT_EQ(cm["metadata"]["namespace"], "kaudit-system");
  EXPECT_EQ(cm["metadata"]["labels"]["kaudit.io/component"], "node-state");
  EXPECT_EQ(cm["metadata"]["labels"]["kaudit.io/node"], "cp1");
  EXPECT_EQ(cm["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kaudit");
  auto s = kube::Json::parse(cm["data"]["state.json"].get<std::string>());
  for (const char* k : {"node", "revision", "lastKnownGood", "target", "phase", "message",
                        "auditLogBytes", "auditLogLastWrite", "heartbeat", "agentVersion"}) {
    EXPECT_TRUE(s.contains(k)) << k;
  }
  EXPECT_EQ(s["auditLogBytes"], 42);
  EXPECT_EQ(s["heartbeat"], "2026-11-27T12:00:00Z");
}

}  // namespace
}  // namespace kaudit::agent
