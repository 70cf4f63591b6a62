// Test helper (header-only, used by node tests only): a real HTTP/HTTPS server on 127.0.0.1
// that answers every request with a settable status code, and a throwaway self-signed
// certificate for 127.0.0.1 made with the openssl command.
//
// Thread safety: status() may be set from any thread while the server runs.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

namespace kaudit::node::testing {

struct TestCert {
  std::string cert;  // PEM, also the CA to trust
  std::string key;
};

// Writes cert.pem/key.pem into dir (a fresh EC key, SAN IP:127.0.0.1). Empty on failure.
inline TestCert MakeCert(const std::string& dir, const std::string& name) {
  TestCert c{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                    "-keyout '" + c.key + "' -out '" + c.cert + "' -days 1 -subj /CN=kaudit-test "
                    "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return {};
  return c;
}

class TestHttpServer {
 public:
  // With a cert: HTTPS; without: plain HTTP.
  explicit TestHttpServer(const TestCert* cert = nullptr) {
    if (cert) {
      ctx_ = SSL_CTX_new(TLS_server_method());
      SSL_CTX_use_certificate_file(ctx_, cert->cert.c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, cert->key.c_str(), SSL_FILETYPE_PEM);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TestHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    if (ctx_) SSL_CTX_free(ctx_);
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  void set_status(int code) { status_ = code; }
  int requests() const { return requests_; }
  std::string url(const std::string& path = "/readyz") const {
    return std::string(ctx_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{2, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Serve(c);
      ::close(c);
    }
  }
  void Serve(int c) {
    SSL* ssl = nullptr;
    if (ctx_) {
      ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        return;
      }
    }
    std::string req;
    char buf[2048];
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
      int n = ssl ? SSL_read(ssl, buf, sizeof buf) : static_cast<int>(::recv(c, buf, sizeof buf, 0));
      if (n <= 0) break;
      req.append(buf, static_cast<std::size_t>(n));
    }
    ++requests_;
    std::string resp = "HTTP/1.1 " + std::to_string(status_.load()) +
                       " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    if (ssl) {
      SSL_write(ssl, resp.data(), static_cast<int>(resp.size()));
      SSL_shutdown(ssl);
      SSL_free(ssl);
    } else {
      (void)!::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
    }
  }

  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> status_{200};
  std::atomic<int> requests_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kaudit::node::testing
