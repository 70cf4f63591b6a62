// HttpsProbe: one HTTP(S) GET to a health URL, answering the status code. Plain sockets and
// OpenSSL (the kube library is the only one allowed to use cpprestsdk). TLS verifies the server
// against a CA file and the URL's host (IP SAN or DNS name), unless insecure is set.
//
// Thread safety: Get() may be called from several threads; each call uses its own connection.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace kaudit::node {

struct ProbeOptions {
  std::string url;      // http://host:port/path or https://host:port/path
  std::string ca_file;  // PEM bundle for https; empty: the system's default store
  bool insecure = false;
  std::chrono::milliseconds timeout{5000};  // connect + TLS + request, each
};

class HttpsProbe {
 public:
  explicit HttpsProbe(ProbeOptions opts);
  // The HTTP status code, or an error (connection refused, TLS failure, timeout...).
  StatusOr<int> Get() const;
  const ProbeOptions& options() const { return opts_; }

 private:
  ProbeOptions opts_;
};

}  // namespace kaudit::node
