#include "kube/auth.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "common/time.h"
#include "kube/util.h"

extern char** environ;

namespace kaudit::kube {
namespace {

using json = nlohmann::json;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string ExecInfo(const ExecConfig& exec, const std::string& server, const std::string& ca) {
  json info = {{"apiVersion", exec.api_version},
               {"kind", "ExecCredential"},
               {"spec", {{"interactive", false}}}};
  if (exec.provide_cluster_info) {
    info["spec"]["cluster"] = {{"server", server},
                               {"certificate-authority-data", Base64Encode(ca)}};
  }
  return info.dump();
}

// Reads the child's stdout until EOF or the deadline; false on timeout.
bool ReadAll(int fd, std::chrono::steady_clock::time_point deadline, std::string* out) {
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    if (out->size() > (1u << 20)) return true;  // a credential is never this large
    out->append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

FileTokenAuth::FileTokenAuth(std::string path, Credentials static_part,
                             std::chrono::milliseconds max_age, SteadyNow now)
    : path_(std::move(path)),
      static_part_(std::move(static_part)),
      max_age_(max_age),
      now_(now ? std::move(now) : SteadyNow([] { return std::chrono::steady_clock::now(); })) {}

StatusOr<Credentials> FileTokenAuth::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = now_();
  if (!token_ || now - read_at_ >= max_age_) {
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      // Keep serving the last good token if the file is briefly missing during rotation.
      if (token_) return Credentials{*token_, static_part_.cert_pem, static_part_.key_pem};
      return Status::Unauthenticated("cannot read token file " + path_);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    token_ = Trim(ss.str());
    read_at_ = now;
  }
  return Credentials{*token_, static_part_.cert_pem, static_part_.key_pem};
}

void FileTokenAuth::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  token_.reset();
}

ExecAuth::ExecAuth(ExecConfig exec, std::string server, std::string ca_pem,
                   std::chrono::seconds timeout)
    : exec_(std::move(exec)), server_(std::move(server)), ca_pem_(std::move(ca_pem)),
      timeout_(timeout) {}

StatusOr<Credentials> ExecAuth::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cached_ && (!expiry_ || std::chrono::system_clock::now() < *expiry_)) return *cached_;
  auto fresh = Run();
  if (!fresh.ok()) return fresh.status();
  cached_ = *fresh;
  return fresh;
}

void ExecAuth::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cached_.reset();
}

StatusOr<Credentials> ExecAuth::Run() {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Status::Internal("exec plugin: pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  for (const auto& [k, v] : exec_.env) env_store.push_back(k + "=" + v);
  env_store.push_back("KUBERNETES_EXEC_INFO=" + ExecInfo(exec_, server_, ca_pem_));
  std::vector<char*> envp, argv;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string cmd = exec_.command;
  std::vector<std::string> args = exec_.args;
  argv.push_back(cmd.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cmd.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    return Status::Unauthenticated("exec plugin " + cmd + ": cannot start: " + strerror(rc));
  }
  std::string output;
  bool finished = ReadAll(out_pipe[0], std::chrono::steady_clock::now() + timeout_, &output);
  close(out_pipe[0]);
  if (!finished) kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!finished) return Status::Unauthenticated("exec plugin " + cmd + ": timed out");
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::Unauthenticated("exec plugin " + cmd + ": exited with failure");
  }
  std::optional<std::chrono::system_clock::time_point> expiry;
  auto creds = ParseExecCredential(output, &expiry);
  if (!creds.ok()) return creds.status().WithContext("exec plugin " + cmd);
  expiry_ = expiry;
  return creds;
}

StatusOr<Credentials> ParseExecCredential(
    const std::string& json_text, std::optional<std::chrono::system_clock::time_point>* expiry) {
  json doc = json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Unauthenticated("output is not an ExecCredential JSON object");
  }
  if (doc.value("apiVersion", "") != "client.authentication.k8s.io/v1" ||
      doc.value("kind", "") != "ExecCredential") {
    return Status::Unauthenticated("output is not a client.authentication.k8s.io/v1 ExecCredential");
  }
  const json& st = doc.contains("status") ? doc["status"] : json::object();
  Credentials c;
  if (!st.is_object()) return Status::Unauthenticated("ExecCredential.status: not an object");
  c.token = st.value("token", "");
  c.cert_pem = st.value("clientCertificateData", "");
  c.key_pem = st.value("clientKeyData", "");
  if (c.cert_pem.empty() != c.key_pem.empty()) {
    return Status::Unauthenticated(
        "ExecCredential.status: clientCertificateData and clientKeyData must be given together");
  }
  if (c.token.empty() && c.cert_pem.empty()) {
    return Status::Unauthenticated("ExecCredential.status: neither token nor client certificate");
  }
  expiry->reset();
  std::string exp = st.value("expirationTimestamp", "");
  if (!exp.empty()) {
    auto t = ParseRfc3339(exp);
    if (!t) return Status::Unauthenticated("ExecCredential.status.expirationTimestamp: not RFC 3339");
    *expiry = *t;
  }
  return c;
}

std::shared_ptr<AuthProvider> NewAuthProvider(const RestConfig& config) {
  Credentials base{config.token, config.client_cert_pem, config.client_key_pem};
  if (config.exec) return std::make_shared<ExecAuth>(*config.exec, config.server, config.ca_pem);
  if (!config.token_file.empty()) {
    return std::make_shared<FileTokenAuth>(config.token_file, base);
  }
  return std::make_shared<StaticAuth>(base);
}

}  // namespace kaudit::kube
