// Behaviour under injected faults, token rotation and client-certificate authentication.
#include <filesystem>
#include <fstream>

#include "kube/auth.h"
#include "kube/errors.h"
#include "kube_fixture.h"

namespace kaudit::kube::testing {
namespace {

class KubeFaultsTest : public KubeFixture {};

TEST_F(KubeFaultsTest, TooManyRequestsIsRetriedAfterRetryAfter) {
  emulator::FaultRule f;
  f.code = 429;
  f.retry_after_seconds = 1;
  f.count = 1;
  f.path_contains = "/configmaps/";
  emu_->AddFault(f);
  auto start = std::chrono::steady_clock::now();
  auto got = admin_->Get(resources::ConfigMaps(), "default", "x");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);  // reached the server in the end
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(950));
  EXPECT_EQ(CountRequests("GET", "/configmaps/x"), 2);
}

TEST_F(KubeFaultsTest, ServerErrorsWithRetryAfterAreRetriedWithoutAreNot) {
  emulator::FaultRule f;
  f.code = 500;
  f.retry_after_seconds = 0;
  emu_->AddFault(f);
  EXPECT_TRUE(admin_->Create(resources::ConfigMaps(), "default",
                             ConfigMap("default", "after-500")).ok());
  f.retry_after_seconds = -1;
  emu_->AddFault(f);
  auto failed = admin_->Create(resources::ConfigMaps(), "default", ConfigMap("default", "y"));
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(failed.status()), "InternalError");
}

TEST_F(KubeFaultsTest, SlowResponses) {
  emulator::FaultRule slow;
  slow.delay = std::chrono::milliseconds(300);
  emu_->AddFault(slow);
  EXPECT_TRUE(admin_->Get(resources::Namespaces(), "", "default").ok());  // slow but in time
  // Beyond the (inactivity) timeout of a fresh client: the GET times out and, being
  // idempotent, is retried; the retry is fast.
  auto impatient = ClientForKubeconfig(emu_->KubeconfigForToken(emu_->admin_token()),
                                       std::chrono::seconds(1));
  slow.delay = std::chrono::milliseconds(2500);
  emu_->AddFault(slow);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(impatient->Get(resources::Namespaces(), "", "default").ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2400));
  EXPECT_TRUE(WaitUntil([&] { return CountRequests("GET", "/namespaces/default") == 3; }))
      << "expected the first GET, the timed-out GET and its retry";
}

TEST_F(KubeFaultsTest, NonIdempotentRequestsAreNotRetriedAfterATransportFailure) {
  emulator::FaultRule drop;
  drop.drop = true;
  drop.method = "POST";
  emu_->AddFault(drop);
  auto failed = admin_->Create(resources::ConfigMaps(), "default", ConfigMap("default", "once"));
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable) << failed.status().ToString();
  EXPECT_EQ(CountRequests("POST", "/configmaps"), 1);
}

TEST_F(KubeFaultsTest, DroppedConnectionsOnIdempotentRequestsAreRetried) {
  emulator::FaultRule drop;
  drop.drop = true;
  drop.count = 1;
  emu_->AddFault(drop);
  EXPECT_TRUE(admin_->Get(resources::Namespaces(), "", "default").ok());
}

TEST_F(KubeFaultsTest, RotatedTokenFileIsReadAgainAfter401) {
  char tmpl[] = "/tmp/kube-token-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string token_file = dir + "/token";
  std::ofstream(token_file) << "token-one\n";
  emu_->AddToken("token-one", "sa");
  RestConfig cfg = ConfigFrom(emu_->KubeconfigForToken("unused"));
  cfg.token.clear();
  cfg.token_file = token_file;
  auto client = NewClientFromConfig(cfg);
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE((*client)->Get(resources::Namespaces(), "", "default").ok());
  // The kubelet rotates the projected token; the old one stops working at once.
  std::ofstream(token_file) << "token-two\n";
  emu_->RemoveToken("token-one");
  emu_->AddToken("token-two", "sa");
  EXPECT_TRUE((*client)->Get(resources::Namespaces(), "", "default").ok());
  int unauthorized = 0;
  for (const auto& r : emu_->Requests()) unauthorized += r.code == 401;
  EXPECT_EQ(unauthorized, 1);  // one 401, then the re-read token worked
  std::filesystem::remove_all(dir);
}

TEST_F(KubeFaultsTest, ClientCertificateAuthenticatesUserAndGroups) {
  auto cert = emu_->IssueClientCert("alice", {"auditors"});
  ASSERT_TRUE(cert.ok());
  auto alice = ClientForKubeconfig(emu_->KubeconfigForCert(*cert));
  EXPECT_TRUE(alice->Get(resources::Namespaces(), "", "default").ok());
  emu_->Deny("alice", "get", "namespaces");
  auto denied = alice->Get(resources::Namespaces(), "", "default");
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("User \"alice\""), std::string::npos);
}

TEST_F(KubeFaultsTest, WrongCaIsRefused) {
  emulator::Emulator other;
  ASSERT_TRUE(other.Start().ok());
  RestConfig cfg = ConfigFrom(emu_->KubeconfigForToken(emu_->admin_token()));
  cfg.ca_pem = other.ca_pem();  // trusts a different CA only
  auto client = NewClientFromConfig(cfg);
  ASSERT_TRUE(client.ok());
  auto got = (*client)->Get(resources::Namespaces(), "", "default");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().ToString();
}

TEST_F(KubeFaultsTest, ExecPluginCredentialsWork) {
  char tmpl[] = "/tmp/kube-exec-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string plugin = dir + "/plugin";
  std::ofstream(plugin) << "#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/"
                           "v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"exec-tk\"}}'\n";
  std::filesystem::permissions(plugin, std::filesystem::perms::owner_all);
  emu_->AddToken("exec-tk", "plugin-user");
  std::string kc = emu_->KubeconfigForToken("x");
  kc.replace(kc.find("    token: x\n"), 13,
             "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: " +
                 plugin + "\n");
  auto client = ClientForKubeconfig(kc);
  EXPECT_TRUE(client->Get(resources::Namespaces(), "", "default").ok());
  auto log = emu_->Requests();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().user, "plugin-user");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kaudit::kube::testing
