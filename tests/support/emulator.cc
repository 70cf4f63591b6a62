#include "support/emulator.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <thread>

#include "common/time.h"
#include "support/emulator_impl.h"

namespace kaudit::emulator {
namespace {

std::string RandomHex(std::size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += kHex[rng() % 16];
  return s;
}

std::string B64(const std::string& in) {
  static constexpr char kA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                 static_cast<unsigned char>(in[i + 2]);
    out += {kA[v >> 18 & 63], kA[v >> 12 & 63], kA[v >> 6 & 63], kA[v & 63]};
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += {kA[v >> 18 & 63], kA[v >> 12 & 63], i + 1 < in.size() ? kA[v >> 6 & 63] : '=', '='};
  }
  return out;
}

Json YamlToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      Json o = Json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      Json a = Json::array();
      for (const auto& e : n) a.push_back(YamlToJson(e));
      return a;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      if (s == "null" || s == "~" || s.empty()) return nullptr;
      static const std::regex kInt("[-+]?[0-9]+");
      static const std::regex kFloat("[-+]?([0-9]*\\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?");
      if (std::regex_match(s, kInt)) {
        try {
          return std::stoll(s);
        } catch (const std::exception&) {
          return s;
        }
      }
      if (std::regex_match(s, kFloat)) return std::stod(s);
      return s;
    }
    default: return nullptr;
  }
}

}  // namespace

Reply ErrorReply(int code, const std::string& reason, const std::string& message, Json details) {
  Json body = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()},
               {"status", "Failure"}, {"message", message}, {"reason", reason}, {"code", code}};
  if (!details.is_null()) body["details"] = details;
  return Reply{code, body, {}};
}

std::string NowRfc3339() { return FormatRfc3339(std::chrono::system_clock::now()); }

std::string RandomUid() {
  std::string h = RandomHex(32);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) +
         "-" + h.substr(20, 12);
}

void SendReply(ResponseWriter& w, const Reply& r) {
  w.Send(r.code, "application/json", r.body.dump() + "\n", r.headers);
}

Json ParseBody(const std::string& body, const std::string& content_type, bool* ok) {
  *ok = true;
  if (content_type.find("protobuf") != std::string::npos) {
    *ok = false;  // the emulator speaks JSON only (kubectl create <builtin> sends protobuf)
    return Json();
  }
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_discarded()) return j;
  if (content_type.find("yaml") != std::string::npos) {
    try {
      return YamlToJson(YAML::Load(body));
    } catch (const std::exception&) {
    }
  }
  *ok = false;
  return Json();
}

bool ValidName(const std::string& name, std::string* why) {
  static const std::regex kSubdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  if (name.size() > 253) {
    *why = "must be no more than 253 characters";
    return false;
  }
  if (!std::regex_match(name, kSubdomain)) {
    *why = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
           "'-' or '.', and must start and end with an alphanumeric character (e.g. "
           "'example.com', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    return false;
  }
  return true;
}

Emulator::Impl::Impl(EmulatorOptions o) : opts_(std::move(o)), store_(opts_.max_history) {
  if (opts_.admin_token.empty()) opts_.admin_token = "admin-" + RandomHex(24);
  tokens_[opts_.admin_token] = User{"admin", {"system:masters", "system:authenticated"}};
  RegisterBuiltins();
}

Status Emulator::Impl::Start() {
  if (!pki_) {
    auto pki = Pki::Create();
    if (!pki.ok()) return pki.status();
    pki_ = std::move(*pki);
    auto server = pki_->IssueServer();
    if (!server.ok()) return server.status();
    server_cert_ = *server;
  }
  if (!seeded_) {
    auto lock = store_.Lock();
    for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      Json obj = {{"apiVersion", "v1"}, {"kind", "Namespace"},
                  {"metadata", {{"name", ns}, {"uid", RandomUid()},
                                {"creationTimestamp", NowRfc3339()}}},
                  {"spec", {{"finalizers", {"kubernetes"}}}},
                  {"status", {{"phase", "Active"}}}};
      store_.PutLocked("/namespaces", ns, obj);
    }
    if (rbac_mode()) {
      for (auto& [resource, obj] : rbac::BootstrapPolicy()) {
        obj["metadata"]["uid"] = RandomUid();
        obj["metadata"]["creationTimestamp"] = NowRfc3339();
        std::string name = obj["metadata"]["name"];
        store_.PutLocked("rbac.authorization.k8s.io/" + resource, name, obj);
      }
    }
    seeded_ = true;
  }
  {
    auto lock = store_.Lock();
    store_.SetStoppingLocked(false);
  }
  TlsIdentity tls{server_cert_.cert_pem, server_cert_.key_pem, pki_->ca_pem()};
  int want = port_ ? port_.load() : opts_.port;
  auto port = http_.Start(want, tls, [this](const HttpRequest& r, ResponseWriter& w) { Handle(r, w); });
  if (!port.ok()) return port.status();
  port_ = *port;
  if (!opts_.data_dir.empty()) return WriteDataDir();
  return Status::Ok();
}

void Emulator::Impl::Stop() {
  {
    auto lock = store_.Lock();
    store_.SetStoppingLocked(true);
  }
  http_.Stop();
}

bool Emulator::Impl::Authenticate(const HttpRequest& req, Call* call) {
  std::string auth = req.Header("authorization");
  std::lock_guard<std::mutex> lock(mu_);
  if (auth.rfind("Bearer ", 0) == 0) {
    auto it = tokens_.find(auth.substr(7));
    if (it == tokens_.end()) return false;
    call->user = it->second.name;
    call->groups = it->second.groups;
    return true;
  }
  if (!req.cert_cn.empty()) {
    call->user = req.cert_cn;
    call->groups = req.cert_orgs;
    call->groups.push_back("system:authenticated");
    return true;
  }
  return false;
}

bool Emulator::Impl::Allowed(const Call& c) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string res = c.sub.empty() ? c.info.resource : c.info.resource + "/" + c.sub;
  for (const auto& d : denies_) {
    if (d.user != c.user) continue;
    if ((d.verb == "*" || d.verb == c.verb) && (d.resource == "*" || d.resource == res)) {
      return false;
    }
  }
  return true;
}

rbac::Decision Emulator::Impl::AuthorizeLocked(const rbac::Attributes& a, const Call& c) {
  static const std::string kGroup = "rbac.authorization.k8s.io/";
  rbac::PolicySource p;
  p.cluster_role = [this](const std::string& name) {
    return store_.GetLocked(kGroup + "clusterroles", name);
  };
  p.role = [this](const std::string& ns, const std::string& name) {
    return store_.GetLocked(kGroup + "roles", KeyOf(ns, name));
  };
  p.cluster_role_bindings = [this] { return store_.ListLocked(kGroup + "clusterrolebindings", ""); };
  p.role_bindings = [this](const std::string& ns) {
    return store_.ListLocked(kGroup + "rolebindings", ns);
  };
  return rbac::Authorize(a, rbac::UserInfo{c.user, c.groups}, p);
}

bool Emulator::Impl::Authorized(const HttpRequest& req, const Call& c, Reply* out) {
  if (!rbac_mode()) return true;
  rbac::UserInfo user{c.user, c.groups};
  rbac::Attributes a = rbac::RequestAttributes(req.method, req.path, req.query);
  rbac::Decision d;
  if (req.path.rfind("/_emulator/", 0) == 0) {
    d.allowed = std::find(c.groups.begin(), c.groups.end(), "system:masters") != c.groups.end();
  } else {
    auto lock = store_.Lock();
    d = AuthorizeLocked(a, c);
  }
  if (d.allowed) return true;
  *out = Reply{403, rbac::ForbiddenStatus(a, user, d.reason), {}};
  return false;
}

bool Emulator::Impl::ApplyFaults(const HttpRequest& req, const std::string& user,
                                 ResponseWriter& w) {
  FaultRule hit;
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (!it->method.empty() && it->method != req.method) continue;
      if (!it->path_contains.empty() && req.target.find(it->path_contains) == std::string::npos) {
        continue;
      }
      if (!it->user.empty() && it->user != user) continue;
      hit = *it;
      found = true;
      if (it->count > 0 && --it->count == 0) faults_.erase(it);
      break;
    }
  }
  if (!found) return false;
  if (hit.delay.count() > 0) std::this_thread::sleep_for(hit.delay);
  if (hit.drop) {
    w.Abort();
    Record(req, user, 0, false);
    return true;
  }
  if (hit.code == 0) return false;
  static const std::map<int, std::string> kReasons = {
      {400, "BadRequest"}, {401, "Unauthorized"}, {403, "Forbidden"}, {404, "NotFound"},
      {409, "Conflict"}, {410, "Expired"}, {429, "TooManyRequests"}, {500, "InternalError"},
      {503, "ServiceUnavailable"}, {504, "Timeout"}};
  auto r = kReasons.find(hit.code);
  Reply reply = ErrorReply(hit.code, r == kReasons.end() ? "Unknown" : r->second,
                           "injected fault (HTTP " + std::to_string(hit.code) + ")");
  if (hit.retry_after_seconds >= 0) {
    reply.headers.emplace_back("Retry-After", std::to_string(hit.retry_after_seconds));
    reply.body["details"]["retryAfterSeconds"] = hit.retry_after_seconds;
  }
  Record(req, user, hit.code, false);
  SendReply(w, reply);
  return true;
}

void Emulator::Impl::Record(const HttpRequest& req, const std::string& user, int code,
                            bool watch) {
  if (opts_.verbose) {
    std::cerr << "emulator: " << user << " " << req.method << " " << req.target << " -> " << code
              << "\n";
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (requests_.size() > 100000) requests_.erase(requests_.begin(), requests_.begin() + 50000);
  requests_.push_back(RequestRecord{req.method, req.target, user, code, watch});
}

std::string Emulator::Impl::KubeconfigYaml(const std::string& user_block) const {
  std::string server = "https://127.0.0.1:" + std::to_string(port_.load());
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: kaudit-emulator\n  cluster:\n"
         "    server: " + server + "\n    certificate-authority-data: " + B64(pki_->ca_pem()) +
         "\nusers:\n- name: kaudit-emulator-user\n  user:\n" + user_block +
         "contexts:\n- name: kaudit-emulator\n  context:\n    cluster: kaudit-emulator\n"
         "    user: kaudit-emulator-user\n    namespace: default\n"
         "current-context: kaudit-emulator\n";
}

Status Emulator::Impl::WriteDataDir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(opts_.data_dir, ec);
  if (ec) return Status::Internal("emulator: cannot create " + opts_.data_dir + ": " + ec.message());
  auto write = [&](const std::string& name, const std::string& text) {
    std::string tmp = opts_.data_dir + "/." + name + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
    }
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, ec);
    fs::rename(tmp, opts_.data_dir + "/" + name, ec);
  };
  write("kubeconfig", KubeconfigYaml("    token: " + opts_.admin_token + "\n"));
  write("ca.crt", pki_->ca_pem());
  Json info = {{"server", "https://127.0.0.1:" + std::to_string(port_.load())},
               {"port", port_.load()}, {"kubeconfig", opts_.data_dir + "/kubeconfig"},
               {"pid", static_cast<int>(getpid())}};
  write("emulator.json", info.dump(2) + "\n");
  return ec ? Status::Internal("emulator: cannot write " + opts_.data_dir) : Status::Ok();
}

// ---- the public face ----

Emulator::Emulator(EmulatorOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}
Emulator::~Emulator() { impl_->Stop(); }
Status Emulator::Start() { return impl_->Start(); }
void Emulator::Stop() { impl_->Stop(); }
Status Emulator::Restart() {
  impl_->Stop();
  return impl_->Start();
}
int Emulator::port() const { return impl_->port_; }
std::string Emulator::server() const { return "https://127.0.0.1:" + std::to_string(port()); }
const std::string& Emulator::ca_pem() const { return impl_->pki_->ca_pem(); }
const std::string& Emulator::admin_token() const { return impl_->opts_.admin_token; }
std::string Emulator::kubeconfig_path() const {
  return impl_->opts_.data_dir.empty() ? "" : impl_->opts_.data_dir + "/kubeconfig";
}
std::string Emulator::KubeconfigForToken(const std::string& token) const {
  return impl_->KubeconfigYaml("    token: " + token + "\n");
}
std::string Emulator::KubeconfigForCert(const KeyPair& cert) const {
  return impl_->KubeconfigYaml("    client-certificate-data: " + B64(cert.cert_pem) +
                               "\n    client-key-data: " + B64(cert.key_pem) + "\n");
}
void Emulator::AddToken(const std::string& token, const std::string& user,
                        const std::vector<std::string>& groups) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  auto g = groups;
  for (auto& sa : rbac::ServiceAccountGroups(user)) g.push_back(sa);
  g.push_back("system:authenticated");
  impl_->tokens_[token] = Impl::User{user, g};
}
void Emulator::RemoveToken(const std::string& token) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  impl_->tokens_.erase(token);
}
StatusOr<KeyPair> Emulator::IssueClientCert(const std::string& user,
                                            const std::vector<std::string>& groups) {
  return impl_->pki_->IssueClient(user, groups);
}
void Emulator::Deny(const std::string& user, const std::string& verb,
                    const std::string& resource) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  impl_->denies_.push_back({user, verb, resource});
}
void Emulator::ClearDenies() {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  impl_->denies_.clear();
}
void Emulator::DropWatches() {
  auto lock = impl_->store_.Lock();
  impl_->store_.DropWatchesLocked();
}
void Emulator::ExpireHistory() {
  auto lock = impl_->store_.Lock();
  impl_->store_.ExpireHistoryLocked();
}
void Emulator::AddFault(const FaultRule& rule) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  impl_->faults_.push_back(rule);
}
void Emulator::ClearFaults() {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  impl_->faults_.clear();
}
std::vector<RequestRecord> Emulator::Requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->requests_;
}
void Emulator::ClearRequests() {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  impl_->requests_.clear();
}
int Emulator::ActiveWatches() const { return impl_->active_watches_; }

}  // namespace kaudit::emulator
