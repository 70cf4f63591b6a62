// The real kubectl against the emulator, with the kubeconfig the emulator writes: apply of a
// CRD and of its objects (client-side and server-side), get, get -o yaml, get -w, patch,
// delete, api-resources. Runs every kubectl found: .tools/bin/kubectl (1.34, installed by
// hack/setup.sh) and kubectl on PATH (1.32); skips when there is none.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/emulator.h"

extern char** environ;

namespace kaudit::emulator {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> FindKubectls() {
  std::vector<std::string> out;
  const char* src = std::getenv("KAUDIT_SOURCE_DIR");
  std::string tools = std::string(src ? src : ".") + "/.tools/bin/kubectl";
  if (access(tools.c_str(), X_OK) == 0) out.push_back(tools);
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  for (std::string dir; std::getline(ss, dir, ':');) {
    std::string k = dir + "/kubectl";
    if (access(k.c_str(), X_OK) == 0) {
      out.push_back(k);
      break;
    }
  }
  return out;
}

class KubectlTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubectl-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    EmulatorOptions o;
    o.data_dir = dir_ + "/emulator";
    emu_ = std::make_unique<Emulator>(o);
    Status st = emu_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  void TearDown() override {
    if (watch_pid_ > 0) {
      kill(watch_pid_, SIGKILL);
      waitpid(watch_pid_, nullptr, 0);
    }
    emu_->Stop();
    fs::remove_all(dir_);
  }

  pid_t Spawn(const std::vector<std::string>& args, const std::string& out_file) {
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) {
      if (std::string(*e).rfind("KUBECONFIG=", 0) != 0) env_store.emplace_back(*e);
    }
    env_store.push_back("KUBECONFIG=" + emu_->kubeconfig_path());
    env_store.push_back("HOME=" + dir_);  // kubectl's discovery cache goes here, not ~/.kube
    std::vector<char*> envp, argv;
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> full = {GetParam()};
    full.insert(full.end(), args.begin(), args.end());
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = 0;
    posix_spawn(&pid, full[0].c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    return pid;
  }

  // Runs kubectl to completion (at most 60 s); returns its exit code and output.
  int Kubectl(const std::vector<std::string>& args, std::string* out) {
    std::string file = dir_ + "/out.txt";
    pid_t pid = Spawn(args, file);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        *out = "timed out";
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    *out = Read(file);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }

  std::string dir_;
  std::unique_ptr<Emulator> emu_;
  pid_t watch_pid_ = -1;
};

constexpr char kCrd[] = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.kaudit.io
spec:
  group: example.kaudit.io
  scope: Cluster
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
)";

std::string Widget(int size) {
  return "apiVersion: example.kaudit.io/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: " +
         std::to_string(size) + "\n  color: red\n";
}

#define KUBECTL_OK(args, out)                                      \
  do {                                                             \
    int rc_ = Kubectl(args, &(out));                               \
    ASSERT_EQ(rc_, 0) << "kubectl failed: " << (out);              \
  } while (0)

TEST_P(KubectlTest, DrivesTheEmulator) {
  std::string out;
  KUBECTL_OK((std::vector<std::string>{"version"}), out);
  EXPECT_NE(out.find("Server Version: v1.32.0-kaudit-emulator"), std::string::npos) << out;
  KUBECTL_OK((std::vector<std::string>{"apply", "--validate=false", "-f",
                                       Write("crd.yaml", kCrd)}), out);
  EXPECT_NE(out.find("customresourcedefinition.apiextensions.k8s.io/widgets.example.kaudit.io "
                     "created"), std::string::npos) << out;
  KUBECTL_OK((std::vector<std::string>{"api-resources"}), out);
  EXPECT_NE(out.find("widgets"), std::string::npos) << out;
  EXPECT_NE(out.find("leases"), std::string::npos) << out;

  std::string watch_file = dir_ + "/watch.txt";
  watch_pid_ = Spawn({"get", "widgets", "-w"}, watch_file);

  std::string w = Write("w.yaml", Widget(3));
  KUBECTL_OK((std::vector<std::string>{"apply", "--validate=false", "-f", w}), out);
  EXPECT_NE(out.find("widget.example.kaudit.io/w1 created"), std::string::npos) << out;
  KUBECTL_OK((std::vector<std::string>{"apply", "--validate=false", "-f", w}), out);
  EXPECT_NE(out.find("widget.example.kaudit.io/w1 unchanged"), std::string::npos) << out;
  KUBECTL_OK((std::vector<std::string>{"apply", "--validate=false", "-f",
                                       Write("w.yaml", Widget(4))}), out);
  EXPECT_NE(out.find("widget.example.kaudit.io/w1 configured"), std::string::npos) << out;

  KUBECTL_OK((std::vector<std::string>{"get", "widgets"}), out);
  EXPECT_NE(out.find("NAME"), std::string::npos) << out;
  EXPECT_NE(out.find("SIZE"), std::string::npos) << out;
  EXPECT_NE(out.find("w1     4"), std::string::npos) << out;

  KUBECTL_OK((std::vector<std::string>{"get", "wd", "w1", "-o", "yaml"}), out);
  EXPECT_NE(out.find("  size: 4"), std::string::npos) << out;
  EXPECT_NE(out.find("  generation: 2"), std::string::npos) << out;
  EXPECT_NE(out.find("kubectl.kubernetes.io/last-applied-configuration"), std::string::npos);

  KUBECTL_OK((std::vector<std::string>{"patch", "widget", "w1", "--type=merge", "-p",
                                       R"({"spec":{"color":"blue"}})"}), out);
  EXPECT_NE(out.find("widget.example.kaudit.io/w1 patched"), std::string::npos) << out;
  KUBECTL_OK((std::vector<std::string>{"patch", "widget", "w1", "--subresource=status",
                                       "--type=merge", "-p",
                                       R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})"}),
             out);
  KUBECTL_OK((std::vector<std::string>{"get", "widget", "w1", "-o",
                                       "jsonpath={.spec.color}/{.metadata.generation}"}), out);
  EXPECT_EQ(out, "blue/3");
  KUBECTL_OK((std::vector<std::string>{"get", "widgets"}), out);
  EXPECT_NE(out.find("True"), std::string::npos) << out;

  KUBECTL_OK((std::vector<std::string>{"apply", "--server-side", "--validate=false", "-f",
                                       Write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\n"
                                                        "metadata: {name: c1, namespace: default}\n"
                                                        "data: {k: v}\n")}), out);
  EXPECT_NE(out.find("configmap/c1 serverside-applied"), std::string::npos) << out;
  KUBECTL_OK((std::vector<std::string>{"get", "configmap", "c1", "-o",
                                       "jsonpath={.metadata.managedFields[0].manager}"}), out);
  EXPECT_EQ(out, "kubectl");

  // The watch saw the object appear and change.
  bool seen = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    std::string text = Read(watch_file);
    seen = text.find("w1") != std::string::npos && text.find("True") != std::string::npos;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(seen) << "kubectl get -w printed:\n" << Read(watch_file);

  KUBECTL_OK((std::vector<std::string>{"delete", "widget", "w1"}), out);
  EXPECT_NE(out.find("widget.example.kaudit.io \"w1\" deleted"), std::string::npos) << out;
  EXPECT_EQ(Kubectl({"get", "widget", "w1"}, &out), 1);
  EXPECT_NE(out.find("NotFound"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Kubectls, KubectlTest, ::testing::ValuesIn(FindKubectls()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return p.param.find(".tools") != std::string::npos
                                      ? std::string("Tools") : std::string("Path");
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(KubectlTest);

}  // namespace
}  // namespace kaudit::emulator
