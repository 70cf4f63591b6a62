#include "kube/auth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kaudit::kube {
namespace {

TEST(FileTokenAuthTest, RereadsAfterMaxAgeAndAfterInvalidate) {
  char tmpl[] = "/tmp/kube-auth-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string path = dir + "/token";
  std::ofstream(path) << "one\n";
  auto now = std::chrono::steady_clock::time_point{};
  FileTokenAuth auth(path, {}, std::chrono::minutes(1), [&] { return now; });
  EXPECT_EQ(auth.Get()->token, "one");
  std::ofstream(path) << "two";
  now += std::chrono::seconds(59);
  EXPECT_EQ(auth.Get()->token, "one");  // cached for a minute
  now += std::chrono::seconds(1);
  EXPECT_EQ(auth.Get()->token, "two");
  std::ofstream(path) << "three";
  auth.Invalidate();  // e.g. after a 401
  EXPECT_EQ(auth.Get()->token, "three");
  std::filesystem::remove_all(dir);
  auth.Invalidate();
  EXPECT_EQ(auth.Get().status().code(), StatusCode::kUnauthenticated);
}

TEST(ExecCredentialTest, ParsesTokenCertAndExpiry) {
  std::optional<std::chrono::system_clock::time_point> expiry;
  auto c = ParseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"token":"tk","expirationTimestamp":"2030-01-02T03:04:05Z"}})",
      &expiry);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->token, "tk");
  ASSERT_TRUE(expiry.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(expiry->time_since_epoch()).count(),
            1893553445);
  EXPECT_FALSE(ParseExecCredential(R"({"apiVersion":"client.authentication.k8s.io/v1beta1",
      "kind":"ExecCredential","status":{"token":"x"}})", &expiry).ok());
  EXPECT_FALSE(ParseExecCredential(R"({"apiVersion":"client.authentication.k8s.io/v1",
      "kind":"ExecCredential","status":{"clientCertificateData":"c"}})", &expiry).ok());
  EXPECT_FALSE(ParseExecCredential("not json", &expiry).ok());
}

TEST(ExecAuthTest, RunsThePluginWithExecInfoAndCaches) {
  char tmpl[] = "/tmp/kube-exec-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string plugin = dir + "/plugin.sh";
  // Counts its runs and echoes the env it got into the token.
  std::ofstream(plugin) << "#!/bin/sh\necho run >> " << dir << "/runs\n"
                        << "interactive=$(echo \"$KUBERNETES_EXEC_INFO\" | grep -c "
                           "'\"interactive\":false')\n"
                        << "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                           "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s-%s-%s\"}}' "
                           "\"$1\" \"$MYVAR\" \"$interactive\"\n";
  std::filesystem::permissions(plugin, std::filesystem::perms::owner_all);
  ExecConfig e;
  e.api_version = "client.authentication.k8s.io/v1";
  e.command = plugin;
  e.args = {"arg1"};
  e.env = {{"MYVAR", "v"}};
  ExecAuth auth(e, "https://h", "CA");
  auto c = auth.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->token, "arg1-v-1");
  ASSERT_TRUE(auth.Get().ok());
  auto count_runs = [&] {
    std::ifstream in(dir + "/runs");
    int n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n;
  };
  EXPECT_EQ(count_runs(), 1);  // no expiry: cached
  auth.Invalidate();
  ASSERT_TRUE(auth.Get().ok());
  EXPECT_EQ(count_runs(), 2);
  e.command = dir + "/missing";
  EXPECT_EQ(ExecAuth(e, "", "").Get().status().code(), StatusCode::kUnauthenticated);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kaudit::kube
