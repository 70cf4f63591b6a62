// A small HTTPS/1.1 server for the kube-apiserver emulator: OpenSSL on a loopback socket, one
// thread per connection, keep-alive, Content-Length and chunked responses (long-lived watch
// streams). Client certificates are requested and, when sent, verified against a CA.
//
// Thread safety: Start/Stop from one controlling thread; the handler runs concurrently on
// connection threads and must be thread-safe. DropAll() may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

namespace kaudit::emulator {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query as sent
  std::string path;    // percent-decoded path
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;     // names lowercased
  std::string body;
  // From a verified client certificate: subject CN and O values.
  std::string cert_cn;
  std::vector<std::string> cert_orgs;

  std::string Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? "" : it->second;
  }
  std::string Header(const std::string& lower) const {
    auto it = headers.find(lower);
    return it == headers.end() ? "" : it->second;
  }
};

// Writes one response. Either Send() once, or BeginStream(), WriteChunk()..., EndStream();
// Abort() drops the connection without finishing (a "broken" response).
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual bool Send(int code, const std::string& content_type, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& extra = {}) = 0;
  virtual bool BeginStream(int code, const std::string& content_type) = 0;
  virtual bool WriteChunk(const std::string& data) = 0;
  virtual void EndStream() = 0;
  virtual void Abort() = 0;
};

using Handler = std::function<void(const HttpRequest&, ResponseWriter&)>;

struct TlsIdentity {
  std::string cert_pem;  // server certificate (chain)
  std::string key_pem;
  std::string client_ca_pem;  // verifies client certificates
};

class HttpServer {
 public:
  HttpServer() = default;
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on 127.0.0.1:port (0 = any free port); returns the bound port.
  StatusOr<int> Start(int port, const TlsIdentity& tls, Handler handler);
  // Closes the listener and every connection, and joins all threads.
  void Stop();
  // Closes every open connection (clients see a reset); the listener stays.
  void DropAll();

 private:
  struct Conn {
    int fd = -1;
    std::thread thread;
    bool done = false;
  };
  void AcceptLoop();
  void Serve(uint64_t id, int fd);
  void Reap();

  void* ctx_ = nullptr;  // SSL_CTX*
  int listen_fd_ = -1;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  uint64_t next_id_ = 1;                            // guarded by mu_
  std::map<uint64_t, std::unique_ptr<Conn>> conns_;  // guarded by mu_
};

}  // namespace kaudit::emulator
