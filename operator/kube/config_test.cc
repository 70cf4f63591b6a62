#include "kube/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kube/util.h"

namespace kaudit::kube {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kube-config-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    fs::create_directories(fs::path(path_ + "/" + name).parent_path());
    std::ofstream(path_ + "/" + name) << text;
    return path_ + "/" + name;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(KubeconfigTest, ResolvesCurrentContextWithDataFields) {
  std::string yaml =
      "apiVersion: v1\nkind: Config\ncurrent-context: c1\n"
      "clusters:\n- name: k1\n  cluster:\n    server: https://10.0.0.1:6443/\n"
      "    certificate-authority-data: " + Base64Encode("CA-PEM") + "\n"
      "    tls-server-name: api.internal\n"
      "users:\n- name: u1\n  user:\n    token: t0k3n\n"
      "    client-certificate-data: " + Base64Encode("CERT") + "\n"
      "    client-key-data: " + Base64Encode("KEY") + "\n"
      "contexts:\n- name: c1\n  context: {cluster: k1, user: u1, namespace: ops}\n";
  auto cfg = ParseKubeconfig(yaml, "/nowhere", "");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://10.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(cfg->ca_pem, "CA-PEM");
  EXPECT_EQ(cfg->tls_server_name, "api.internal");
  EXPECT_EQ(cfg->token, "t0k3n");
  EXPECT_EQ(cfg->client_cert_pem, "CERT");
  EXPECT_EQ(cfg->client_key_pem, "KEY");
  EXPECT_EQ(cfg->namespace_name, "ops");
}

TEST(KubeconfigTest, RelativePathsResolveAgainstTheDefiningFile) {
  TempDir dir;
  dir.Write("sub/ca.crt", "FILE-CA");
  dir.Write("sub/token", "abc\n");
  std::string path = dir.Write(
      "sub/config",
      "current-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://h:1\n"
      "    certificate-authority: ca.crt\nusers:\n- name: u\n  user:\n    tokenFile: token\n"
      "contexts:\n- name: c\n  context: {cluster: k, user: u}\n");
  KubeconfigOptions o;
  o.explicit_path = path;
  auto cfg = LoadKubeconfig(o);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->ca_pem, "FILE-CA");
  EXPECT_EQ(cfg->token_file, dir.path() + "/sub/token");
  EXPECT_EQ(cfg->namespace_name, "default");
}

TEST(KubeconfigTest, MergeFirstFileWinsAndMissingFilesAreSkipped) {
  TempDir dir;
  std::string a = dir.Write("a", "current-context: ca\nclusters:\n- name: k\n  cluster:\n"
                                 "    server: https://first:1\n"
                                 "contexts:\n- name: ca\n  context: {cluster: k}\n");
  std::string b = dir.Write("b", "current-context: cb\nclusters:\n- name: k\n  cluster:\n"
                                 "    server: https://second:2\n- name: k2\n  cluster:\n"
                                 "    server: https://other:3\n"
                                 "contexts:\n- name: cb\n  context: {cluster: k2}\n");
  KubeconfigOptions o;
  o.kubeconfig_env = dir.path() + "/missing:" + a + ":" + b;
  auto cfg = LoadKubeconfig(o);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://first:1");  // a's current-context and a's cluster k
  o.context = "cb";
  cfg = LoadKubeconfig(o);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://other:3");  // context from b, cluster k2 only in b
}

TEST(KubeconfigTest, ErrorsNameTheProblem) {
  auto bad_ctx = ParseKubeconfig("current-context: nope\ncontexts: []\n", "", "");
  EXPECT_EQ(bad_ctx.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_ctx.status().message().find("context \"nope\" not found"), std::string::npos);
  auto bad_b64 = ParseKubeconfig(
      "current-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://h\n"
      "    certificate-authority-data: '!!!'\ncontexts:\n- name: c\n  context: {cluster: k}\n",
      "", "");
  EXPECT_NE(bad_b64.status().message().find("certificate-authority-data: not valid base64"),
            std::string::npos);
  auto bad_exec = ParseKubeconfig(
      "current-context: c\nclusters:\n- name: k\n  cluster: {server: 'https://h'}\n"
      "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/"
      "v1beta1\n      command: x\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n",
      "", "");
  EXPECT_NE(bad_exec.status().message().find("v1beta1\" is not supported"), std::string::npos);
  KubeconfigOptions o;
  o.explicit_path = "/does/not/exist";
  EXPECT_EQ(LoadKubeconfig(o).status().code(), StatusCode::kNotFound);
}

TEST(KubeconfigTest, ExecSectionIsParsed) {
  auto cfg = ParseKubeconfig(
      "current-context: c\nclusters:\n- name: k\n  cluster: {server: 'https://h'}\n"
      "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
      "      command: ./plugin.sh\n      args: [a, b]\n      env: [{name: X, value: y}]\n"
      "      provideClusterInfo: true\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n",
      "/etc/kube", "");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_TRUE(cfg->exec.has_value());
  EXPECT_EQ(cfg->exec->command, "/etc/kube/./plugin.sh");
  EXPECT_EQ(cfg->exec->args, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(cfg->exec->env.size(), 1u);
  EXPECT_EQ(cfg->exec->env[0].second, "y");
  EXPECT_TRUE(cfg->exec->provide_cluster_info);
}

TEST(InClusterTest, ReadsServiceAccountFiles) {
  TempDir dir;
  dir.Write("ca.crt", "SA-CA");
  dir.Write("token", "sa-token");
  dir.Write("namespace", "kaudit-system\n");
  InClusterOptions o{"10.96.0.1", "443", dir.path()};
  auto cfg = LoadInClusterConfig(o);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->ca_pem, "SA-CA");
  EXPECT_EQ(cfg->token_file, dir.path() + "/token");
  EXPECT_TRUE(cfg->token.empty());  // read by FileTokenAuth, so rotation is seen
  EXPECT_EQ(cfg->namespace_name, "kaudit-system");
  EXPECT_EQ(LoadInClusterConfig(InClusterOptions{"", "", dir.path()}).status().code(),
            StatusCode::kFailedPrecondition);
  InClusterOptions v6{"fd00::1", "443", dir.path()};
  EXPECT_EQ(LoadInClusterConfig(v6)->server, "https://[fd00::1]:443");
}

TEST(UtilTest, Base64RoundTripsAndRejectsJunk) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd",
                                                      std::string("\0\xff\x10", 3)}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(Base64Decode("a$b").has_value());
  EXPECT_EQ(QueryEscape("a=b,c in (x)"), "a%3Db%2Cc%20in%20%28x%29");
}

}  // namespace
}  // namespace kaudit::kube
