// HttpsProbe and UrlHealthChecker against real servers on 127.0.0.1.
#include "node/https_probe.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "node/health.h"
#include "node/testing_https_server.h"

namespace kaudit::node {
namespace {

class ProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kaudit-probe-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    cert_ = testing::MakeCert(dir_, "server");
    other_ = testing::MakeCert(dir_, "other");
    ASSERT_FALSE(cert_.cert.empty()) << "openssl could not make a test certificate";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  testing::TestCert cert_, other_;
};

TEST_F(ProbeTest, HttpsWithTheRightCaAnswersTheStatus) {
  testing::TestHttpServer server(&cert_);
  HttpsProbe probe({server.url(), cert_.cert, false, std::chrono::milliseconds(3000)});
  auto code = probe.Get();
  ASSERT_TRUE(code.ok()) << code.status().ToString();
  EXPECT_EQ(*code, 200);
  server.set_status(503);
  EXPECT_EQ(*probe.Get(), 503);
}

TEST_F(ProbeTest, HttpsWithAnotherCaIsRefusedUnlessInsecure) {
  testing::TestHttpServer server(&cert_);
  HttpsProbe strict({server.url(), other_.cert, false, std::chrono::milliseconds(3000)});
  auto code = strict.Get();
  ASSERT_FALSE(code.ok());
  EXPECT_NE(code.status().message().find("TLS handshake"), std::string::npos)
      << code.status().message();
  HttpsProbe insecure({server.url(), "", true, std::chrono::milliseconds(3000)});
  ASSERT_TRUE(insecure.Get().ok());
}

TEST_F(ProbeTest, PlainHttpAndRefusedConnections) {
  int port;
  {
    testing::TestHttpServer server;
    HttpsProbe probe({server.url("/healthz"), "", false, std::chrono::milliseconds(3000)});
    EXPECT_EQ(*probe.Get(), 200);
    port = std::stoi(server.url().substr(17));
  }
  HttpsProbe gone({"http://127.0.0.1:" + std::to_string(port) + "/readyz", "", false,
                   std::chrono::milliseconds(1000)});
  auto code = gone.Get();
  ASSERT_FALSE(code.ok());
  EXPECT_NE(code.status().message().find("connect"), std::string::npos);
  EXPECT_FALSE(HttpsProbe({"ftp://x", "", false, std::chrono::milliseconds(10)}).Get().ok());
}

TEST_F(ProbeTest, UrlHealthCheckerWaitsForTwoHundredAndReportsTheLastFailure) {
  testing::TestHttpServer server(&cert_);
  server.set_status(500);
  UrlHealthChecker checker({server.url(), cert_.cert, false, std::chrono::milliseconds(2000)},
                           std::chrono::milliseconds(20));
  Status s = checker.WaitHealthy({}, std::chrono::steady_clock::now() + std::chrono::milliseconds(300));
  ASSERT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(s.message().find("last: HTTP 500"), std::string::npos) << s.message();
  EXPECT_GE(server.requests(), 2);
  server.set_status(200);
  EXPECT_TRUE(
      checker.WaitHealthy({}, std::chrono::steady_clock::now() + std::chrono::seconds(10)).ok());
}

TEST(Duration, ParsesFlagValues) {
  EXPECT_EQ(*ParseDurationFlag("5m"), std::chrono::minutes(5));
  EXPECT_EQ(*ParseDurationFlag("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(*ParseDurationFlag("250ms"), std::chrono::milliseconds(250));
  EXPECT_FALSE(ParseDurationFlag("5").ok());
  EXPECT_FALSE(ParseDurationFlag("5 minutes").ok());
  EXPECT_EQ(FormatDuration(std::chrono::minutes(5)), "5m");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(1500)), "1500ms");
}

}  // namespace
}  // namespace kaudit::node
