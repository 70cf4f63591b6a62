#include "agent/health.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "manifest/patch.h"
#include "node/https_probe.h"

namespace kaudit::agent {
namespace {

constexpr std::size_t kMaxManifest = 10 << 20;
constexpr const char* kHashAnnotation = "kubernetes.io/config.hash";
constexpr const char* kRevisionAnnotation = "kaudit.io/revision";

std::string Annotation(const kube::Json& obj, const char* key) {
  const auto& md = obj.value("metadata", kube::Json::object());
  const auto& ann = md.value("annotations", kube::Json::object());
  auto it = ann.find(key);
  return it != ann.end() && it->is_string() ? it->get<std::string>() : "";
}

bool PodReady(const kube::Json& pod) {
  const auto& status = pod.value("status", kube::Json::object());
  for (const auto& c : status.value("conditions", kube::Json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

}  // namespace

MirrorPodHealthChecker::MirrorPodHealthChecker(kube::Client* client, const hostfs::HostFs* fs,
                                               MirrorPodHealthOptions opts,
                                               HealthProgress progress)
    : client_(client), fs_(fs), opts_(std::move(opts)), progress_(std::move(progress)) {}

StatusOr<std::string> MirrorPodHealthChecker::CurrentHash() {
  auto pod = client_->Get(kube::resources::Pods(), "kube-system", "kube-apiserver-" + opts_.node_name);
  if (!pod.ok()) {
    if (pod.status().IsNotFound()) return std::string();
    return pod.status();
  }
  return Annotation(*pod, kHashAnnotation);
}

StatusOr<std::string> MirrorPodHealthChecker::WantRevision() const {
  auto text = fs_->Read(opts_.manifest, kMaxManifest);
  if (!text.ok()) return text.status();
  auto info = manifest::Inspect(*text);
  if (!info.ok()) return info.status();
  return info->revision.value_or("");
}

bool MirrorPodHealthChecker::LogStamp(std::pair<std::int64_t, std::int64_t>* stamp) const {
  auto text = fs_->Read(opts_.manifest, kMaxManifest);
  if (!text.ok()) return false;
  auto info = manifest::Inspect(*text);
  if (!info.ok()) return false;
  std::string path, policy;
  for (const auto& [n, v] : info->audit_flags) {
    if (n == "audit-log-path") path = v;
    if (n == "audit-policy-file") policy = v;
  }
  if (path.empty() || path == "-" || policy.empty()) return false;
  auto st = fs_->Stat(path);
  *stamp = st.ok() ? std::make_pair(static_cast<std::int64_t>(st->size),
                                    static_cast<std::int64_t>(st->mtime_unix))
                   : std::make_pair(std::int64_t{-1}, std::int64_t{-1});
  return true;
}

bool MirrorPodHealthChecker::CheckReadyz(std::string* detail) {
  auto text = fs_->Read(opts_.manifest, kMaxManifest);
  if (!text.ok()) {
    *detail = "cannot read the manifest: " + text.status().message();
    return false;
  }
  auto info = manifest::Inspect(*text);
  if (!info.ok()) {
    *detail = "cannot read the manifest's probe: " + info.status().message();
    return false;
  }
  node::ProbeOptions p;
  std::string host = info->probe_host.find(':') != std::string::npos ? "[" + info->probe_host + "]"
                                                                      : info->probe_host;
  p.url = info->probe_scheme + "://" + host + ":" + std::to_string(info->probe_port) + "/readyz";
  p.timeout = std::chrono::milliseconds(2000);
  p.ca_file = opts_.ca_file;
  if (p.ca_file.empty() && p.url.rfind("https://", 0) == 0) {
    auto real = fs_->Resolve(info->client_ca_file.empty() ? "/etc/kubernetes/pki/ca.crt"
                                                          : info->client_ca_file);
    if (real.ok()) p.ca_file = *real;
  }
  auto code = node::HttpsProbe(p).Get();
  if (code.ok() && *code == 200) return true;
  *detail = p.url + " answered " + (code.ok() ? "HTTP " + std::to_string(*code) : code.status().message());
  return false;
}

MirrorPodHealthChecker::Seen MirrorPodHealthChecker::CheckOnce(const std::string& want_revision,
                                                               bool want_new_hash) {
  Seen s;
  auto pod = client_->Get(kube::resources::Pods(), "kube-system", "kube-apiserver-" + opts_.node_name);
  std::string pod_detail;
  if (!pod.ok() && !pod.status().IsNotFound()) {
    pod_detail = "the API is unreachable (" + pod.status().message() + ")";
  } else if (!pod.ok()) {
    s.api_ok = true;
    pod_detail = "mirror pod kube-system/kube-apiserver-" + opts_.node_name + " does not exist";
  } else {
    s.api_ok = true;
    std::string hash = Annotation(*pod, kHashAnnotation);
    std::string rev = Annotation(*pod, kRevisionAnnotation);
    if (want_new_hash && hash == baseline_) {
      pod_detail = "the mirror pod still shows the old kubernetes.io/config.hash " + hash;
    } else if (rev != want_revision) {
      pod_detail = "the mirror pod shows kaudit.io/revision \"" + rev + "\", want \"" +
                   want_revision + "\"";
    } else if (!PodReady(*pod)) {
      pod_detail = "the mirror pod is not Ready";
    } else {
      s.pod_ok = true;
    }
  }
  std::string readyz_detail;
  s.readyz_ok = CheckReadyz(&readyz_detail);
  s.detail = !pod_detail.empty() ? pod_detail : readyz_detail;
  return s;
}

Status MirrorPodHealthChecker::WaitHealthy(const node::HealthTarget& target,
                                           std::chrono::steady_clock::time_point deadline) {
  (void)target;
  const bool want_new_hash = !after_failure_;
  std::optional<std::pair<std::int64_t, std::int64_t>> stamp0;
  std::string last = "nothing checked yet";
  std::string reported;
  for (;;) {
    auto want = WantRevision();
    Seen s;
    if (!want.ok()) {
      s.detail = "cannot read the manifest: " + want.status().message();
    } else {
      s = CheckOnce(*want, want_new_hash);
    }
    bool logs = true;
    std::pair<std::int64_t, std::int64_t> stamp;
    bool logging = opts_.require_log_growth && LogStamp(&stamp);
    if (s.readyz_ok && logging) {
      if (!stamp0) stamp0 = stamp;
      logs = stamp != *stamp0;
      if (!logs && (s.pod_ok || !s.api_ok)) s.detail = "waiting for the audit log to grow";
    }
    bool now_ok = s.pod_ok && s.readyz_ok && logs;
    last = s.detail;
    if (now_ok) {
      after_failure_ = false;
      auto h = CurrentHash();
      if (h.ok()) baseline_ = *h;
      return Status::Ok();
    }
    if (progress_ && last != reported) {
      progress_(last);
      reported = last;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      if (!s.api_ok && s.readyz_ok && logs && stamp0) {
        spdlog::warn("the API is still unreachable; judging the apiserver by the local checks "
                     "(/readyz answers, the audit log grows)");
        after_failure_ = false;
        return Status::Ok();
      }
      after_failure_ = true;
      return Status::DeadlineExceeded("kube-apiserver not healthy in time: " + last);
    }
    // Shutdown does not cut this wait short: a cancelled wait would roll back a good change.
    // The agent process exits instead, and the next start resumes from pending.json.
    std::this_thread::sleep_for(opts_.interval);
  }
}

}  // namespace kaudit::agent
