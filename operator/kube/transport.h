// HttpTransport: one HTTP exchange with the API server, behind an interface so the REST layer
// can be tested with a mock and cpprestsdk stays inside one .cc file.
//
// Implementations add authentication (and refresh it once after a 401) but do not retry or
// rate-limit: RestClient does that. Calls block the calling thread, which must be one of the
// caller's own threads (never a cpprestsdk pool thread).
//
// Thread safety: implementations are safe for concurrent use.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kube/auth.h"
#include "kube/cancel.h"
#include "kube/config.h"

namespace kaudit::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // path and query, e.g. "/api/v1/namespaces/a/configmaps?limit=5"
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // One request; the whole body is read. A transport failure (connect, TLS, reset, inactivity
  // timeout) is kUnavailable; any HTTP answer, 4xx/5xx included, is a response.
  virtual StatusOr<HttpResponse> Do(const HttpRequest& req) = 0;

  // A streaming request (watch). On a 2xx answer, calls on_line for every line of the body
  // until the server ends it (then returns the response with an empty body), on_line returns
  // false, or cancel fires (kCancelled). On a non-2xx answer returns it whole without calling
  // on_line. A broken stream is kUnavailable.
  virtual StatusOr<HttpResponse> Stream(const HttpRequest& req,
                                        const std::function<bool(std::string_view)>& on_line,
                                        Canceller* cancel) = 0;
};

struct TransportOptions {
  // cpprestsdk's timeout is an inactivity timer, reset by every read and write.
  std::chrono::seconds request_timeout{30};
  // For watches: longer than the longest server-side timeoutSeconds plus a margin.
  std::chrono::seconds watch_timeout{11 * 60};
};

// The cpprestsdk implementation: TLS 1.2+, the cluster CA and client certificate from memory,
// bearer tokens from the AuthProvider (re-fetched once after a 401).
StatusOr<std::unique_ptr<HttpTransport>> NewCpprestTransport(const RestConfig& config,
                                                             std::shared_ptr<AuthProvider> auth,
                                                             const TransportOptions& opts = {});

}  // namespace kaudit::kube

namespace kaudit::kube {

// Sizes cpprestsdk's shared thread pool (default 40). Only effective before the first request;
// call it early in main. Returns false when the pool already existed.
bool ConfigureHttpThreadPool(std::size_t threads);

}  // namespace kaudit::kube
