#include "node/https_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace kaudit::node {
namespace {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;
};

StatusOr<Url> ParseUrl(const std::string& s) {
  Url u;
  std::string rest;
  if (s.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = s.substr(8);
  } else if (s.rfind("http://", 0) == 0) {
    rest = s.substr(7);
  } else {
    return Status::InvalidArgument("health URL " + s + ": want http:// or https://");
  }
  std::size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!hostport.empty() && hostport[0] == '[') {
    std::size_t close = hostport.find(']');
    if (close == std::string::npos) return Status::InvalidArgument("health URL " + s + ": bad host");
    u.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') u.port = hostport.substr(close + 2);
  } else {
    std::size_t colon = hostport.rfind(':');
    u.host = hostport.substr(0, colon);
    if (colon != std::string::npos) u.port = hostport.substr(colon + 1);
  }
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  if (u.host.empty()) return Status::InvalidArgument("health URL " + s + ": no host");
  return u;
}

class Socket {
 public:
  Socket() = default;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool WaitFd(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

Status Connect(const Url& u, std::chrono::milliseconds timeout, Socket* sock) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(u.host.c_str(), u.port.c_str(), &hints, &res);
  if (rc != 0) return Status::Unavailable("resolve " + u.host + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, ::freeaddrinfo);
  std::string last = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    sock->reset(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                         a->ai_protocol));
    if (sock->fd() < 0) continue;
    if (::connect(sock->fd(), a->ai_addr, a->ai_addrlen) == 0) return Status::Ok();
    if (errno != EINPROGRESS) {
      last = std::strerror(errno);
      continue;
    }
    if (!WaitFd(sock->fd(), POLLOUT, timeout)) {
      last = "connect timed out";
      continue;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(sock->fd(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == 0) return Status::Ok();
    last = std::strerror(err);
  }
  return Status::Unavailable("connect " + u.host + ":" + u.port + ": " + last);
}

std::string SslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Reads until "\r\n" after the status line, or EOF; TLS or plain.
StatusOr<int> Exchange(int fd, SSL* ssl, const std::string& request,
                       std::chrono::milliseconds timeout) {
  std::size_t off = 0;
  while (off < request.size()) {
    int n = ssl ? SSL_write(ssl, request.data() + off, static_cast<int>(request.size() - off))
                : static_cast<int>(::send(fd, request.data() + off, request.size() - off,
                                          MSG_NOSIGNAL));
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    bool want_read = ssl && SSL_get_error(ssl, n) == SSL_ERROR_WANT_READ;
    bool want_write = (ssl && SSL_get_error(ssl, n) == SSL_ERROR_WANT_WRITE) ||
                      (!ssl && (errno == EAGAIN || errno == EWOULDBLOCK));
    if (!(want_read || want_write) || !WaitFd(fd, want_read ? POLLIN : POLLOUT, timeout)) {
      return Status::Unavailable("sending the request failed");
    }
  }
  std::string resp;
  char buf[1024];
  while (resp.find("\r\n") == std::string::npos && resp.size() < 8192) {
    int n = ssl ? SSL_read(ssl, buf, sizeof buf) : static_cast<int>(::recv(fd, buf, sizeof buf, 0));
    if (n > 0) {
      resp.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0 && !ssl) break;
    bool want = ssl ? (SSL_get_error(ssl, n) == SSL_ERROR_WANT_READ ||
                       SSL_get_error(ssl, n) == SSL_ERROR_WANT_WRITE)
                    : (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    if (!want) break;
    if (!WaitFd(fd, POLLIN, timeout)) return Status::DeadlineExceeded("no answer in time");
  }
  // "HTTP/1.1 200 OK"
  if (resp.rfind("HTTP/1.", 0) != 0 || resp.size() < 12) {
    return Status::Unavailable("not an HTTP answer");
  }
  return std::atoi(resp.c_str() + 9);
}

}  // namespace

HttpsProbe::HttpsProbe(ProbeOptions opts) : opts_(std::move(opts)) {}

StatusOr<int> HttpsProbe::Get() const {
  auto url = ParseUrl(opts_.url);
  if (!url.ok()) return url.status();
  Socket sock;
  KAUDIT_RETURN_IF_ERROR(Connect(*url, opts_.timeout, &sock));
  std::string host_header = url->host.find(':') != std::string::npos ? "[" + url->host + "]"
                                                                       : url->host;
  std::string req = "GET " + url->path + " HTTP/1.1\r\nHost: " + host_header + ":" + url->port +
                    "\r\nUser-Agent: kaudit-node\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  if (!url->tls) return Exchange(sock.fd(), nullptr, req, opts_.timeout);

  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return Status::Internal("TLS: " + SslError());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (!opts_.insecure) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    int ok = opts_.ca_file.empty()
                 ? SSL_CTX_set_default_verify_paths(ctx.get())
                 : SSL_CTX_load_verify_locations(ctx.get(), opts_.ca_file.c_str(), nullptr);
    if (ok != 1) return Status::InvalidArgument("TLS CA file " + opts_.ca_file + ": " + SslError());
  }
  std::unique_ptr<SSL, void (*)(SSL*)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), sock.fd());
  in6_addr ip6{};
  in_addr ip4{};
  bool is_ip = ::inet_pton(AF_INET, url->host.c_str(), &ip4) == 1 ||
               ::inet_pton(AF_INET6, url->host.c_str(), &ip6) == 1;
  if (!is_ip) {
    // SSL_set_tlsext_host_name is a macro with a C-style cast; call what it expands to.
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(url->host.c_str()));
  }
  if (!opts_.insecure) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url->host.c_str())
                    : X509_VERIFY_PARAM_set1_host(param, url->host.c_str(), 0);
    if (set != 1) return Status::Internal("TLS: cannot set the expected host");
  }
  for (;;) {
    int r = SSL_connect(ssl.get());
    if (r == 1) break;
    int e = SSL_get_error(ssl.get(), r);
    if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
        WaitFd(sock.fd(), e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, opts_.timeout)) {
      continue;
    }
    long v = SSL_get_verify_result(ssl.get());
    std::string why = v != X509_V_OK ? X509_verify_cert_error_string(v) : SslError();
    return Status::Unavailable("TLS handshake with " + url->host + ": " + why);
  }
  return Exchange(sock.fd(), ssl.get(), req, opts_.timeout);
}

}  // namespace kaudit::node
