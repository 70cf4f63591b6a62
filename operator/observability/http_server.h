// HttpServer: a deliberately small HTTP/1.1 server for /metrics, /healthz and /readyz (plain
// POSIX sockets, one thread, one request per connection, GET/HEAD only). It serves probes and
// scrapes, never user traffic, so it needs no TLS, keep-alive or concurrency.
//
// Thread safety: Handle() before Start(); Start()/Stop() from one controlling thread; handlers
// run on the server's thread, one at a time, and must be quick and thread-safe with respect to
// the rest of the program.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "common/status.h"

namespace kaudit::observability {

struct HttpResponse {
  int code = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  // bind_address: "host:port", ":port" (all interfaces) or "0" (disabled: Start does nothing).
  // Port 0 picks a free one (see port()).
  explicit HttpServer(std::string bind_address);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void Handle(const std::string& path, std::function<HttpResponse()> handler);
  Status Start();
  void Stop();
  int port() const { return port_; }

 private:
  void Loop();
  void Serve(int fd);

  const std::string bind_address_;
  std::map<std::string, std::function<HttpResponse()>> handlers_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The content type of the Prometheus text format 0.0.4.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace kaudit::observability
