// Credentials for requests: a bearer token and/or a client certificate, from a static value, a
// token file that is re-read (bound service-account tokens rotate), or an exec plugin
// (client.authentication.k8s.io/v1).
//
// Thread safety: every AuthProvider is safe for concurrent use.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/status.h"
#include "kube/config.h"

namespace kaudit::kube {

struct Credentials {
  std::string token;     // empty: no Authorization header
  std::string cert_pem;  // client certificate chain (PEM), or empty
  std::string key_pem;
};

class AuthProvider {
 public:
  virtual ~AuthProvider() = default;
  // The credentials to use now; may re-read a file or run a plugin.
  virtual StatusOr<Credentials> Get() = 0;
  // The server answered 401: drop anything cached so the next Get() fetches afresh.
  virtual void Invalidate() = 0;
};

using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

// A fixed token and/or certificate.
class StaticAuth : public AuthProvider {
 public:
  explicit StaticAuth(Credentials c) : creds_(std::move(c)) {}
  StatusOr<Credentials> Get() override { return creds_; }
  void Invalidate() override {}

 private:
  const Credentials creds_;
};

// A token read from a file, cached for at most max_age (client-go: one minute), re-read at once
// after Invalidate(). The certificate, if any, is static.
class FileTokenAuth : public AuthProvider {
 public:
  FileTokenAuth(std::string path, Credentials static_part,
                std::chrono::milliseconds max_age = std::chrono::minutes(1), SteadyNow now = {});
  StatusOr<Credentials> Get() override;
  void Invalidate() override;

 private:
  const std::string path_;
  const Credentials static_part_;
  const std::chrono::milliseconds max_age_;
  const SteadyNow now_;
  std::mutex mu_;
  std::optional<std::string> token_;              // guarded by mu_
  std::chrono::steady_clock::time_point read_at_;  // guarded by mu_
};

// Runs an exec credential plugin (client.authentication.k8s.io/v1), caching its answer until
// status.expirationTimestamp (forever when absent) or Invalidate(). The plugin gets
// KUBERNETES_EXEC_INFO with spec.interactive=false (kaudit never runs interactively) and,
// when provideClusterInfo is set, spec.cluster.
class ExecAuth : public AuthProvider {
 public:
  ExecAuth(ExecConfig exec, std::string server, std::string ca_pem,
           std::chrono::seconds timeout = std::chrono::seconds(30));
  StatusOr<Credentials> Get() override;
  void Invalidate() override;

 private:
  StatusOr<Credentials> Run();

  const ExecConfig exec_;
  const std::string server_;
  const std::string ca_pem_;
  const std::chrono::seconds timeout_;
  std::mutex mu_;
  std::optional<Credentials> cached_;                         // guarded by mu_
  std::optional<std::chrono::system_clock::time_point> expiry_;  // guarded by mu_
};

// The provider a RestConfig asks for: exec, else token file, else static token/cert.
std::shared_ptr<AuthProvider> NewAuthProvider(const RestConfig& config);

// Parses an ExecCredential document (exposed for tests).
StatusOr<Credentials> ParseExecCredential(const std::string& json_text,
                                          std::optional<std::chrono::system_clock::time_point>*
                                              expiry);

}  // namespace kaudit::kube
