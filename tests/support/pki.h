// The emulator's certificate authority: made fresh at start (OpenSSL, EC P-256), it signs the
// server certificate (SANs 127.0.0.1, ::1 and localhost) and client certificates whose subject
// CN is the user name and O values are the groups, as kube-apiserver reads them.
//
// Thread safety: a Pki is immutable after Create(); Issue* may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace kaudit::emulator {

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

class Pki {
 public:
  static StatusOr<std::unique_ptr<Pki>> Create();
  ~Pki();

  const std::string& ca_pem() const { return ca_.cert_pem; }
  const std::string& ca_key_pem() const { return ca_.key_pem; }
  StatusOr<KeyPair> IssueServer() const;
  StatusOr<KeyPair> IssueClient(const std::string& user,
                                const std::vector<std::string>& groups) const;

 private:
  Pki() = default;
  KeyPair ca_;
  void* ca_key_ = nullptr;   // EVP_PKEY*
  void* ca_cert_ = nullptr;  // X509*
};

}  // namespace kaudit::emulator
