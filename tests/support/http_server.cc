#include "support/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

namespace kaudit::emulator {
namespace {

constexpr std::size_t kMaxHeaderBytes = 1 << 20;
constexpr std::size_t kMaxBodyBytes = 16 << 20;

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      unsigned v = 0;
      if (sscanf(std::string(s.substr(i + 1, 2)).c_str(), "%2x", &v) == 1) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

const char* ReasonPhrase(int code) {
  switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

// Buffered reads from one TLS connection.
class Reader {
 public:
  explicit Reader(SSL* ssl) : ssl_(ssl) {}
  bool Fill() {
    char buf[16384];
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n <= 0) return false;
    data_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  // Reads through "\r\n\r\n"; false on EOF or oversize.
  bool ReadHead(std::string* head) {
    for (;;) {
      auto pos = data_.find("\r\n\r\n");
      if (pos != std::string::npos) {
        *head = data_.substr(0, pos + 2);
        data_.erase(0, pos + 4);
        return true;
      }
      if (data_.size() > kMaxHeaderBytes || !Fill()) return false;
    }
  }
  bool ReadN(std::size_t n, std::string* out) {
    while (data_.size() < n) {
      if (!Fill()) return false;
    }
    out->append(data_, 0, n);
    data_.erase(0, n);
    return true;
  }
  bool ReadLine(std::string* line) {
    for (;;) {
      auto pos = data_.find("\r\n");
      if (pos != std::string::npos) {
        *line = data_.substr(0, pos);
        data_.erase(0, pos + 2);
        return true;
      }
      if (data_.size() > kMaxHeaderBytes || !Fill()) return false;
    }
  }

 private:
  SSL* ssl_;
  std::string data_;
};

bool ReadChunked(Reader& r, std::string* body) {
  for (;;) {
    std::string line;
    if (!r.ReadLine(&line)) return false;
    std::size_t n = std::strtoul(line.c_str(), nullptr, 16);
    if (n == 0) {
      while (r.ReadLine(&line) && !line.empty()) {
      }
      return true;
    }
    if (body->size() + n > kMaxBodyBytes || !r.ReadN(n, body) || !r.ReadLine(&line)) return false;
  }
}

bool ParseHead(const std::string& head, HttpRequest* req) {
  std::size_t eol = head.find("\r\n");
  std::string first = head.substr(0, eol);
  auto sp1 = first.find(' ');
  auto sp2 = first.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return false;
  req->method = first.substr(0, sp1);
  req->target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t pos = eol + 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    std::string line = head.substr(pos, end - pos);
    pos = end + 2;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    while (!value.empty() && value.back() == ' ') value.pop_back();
    req->headers[Lower(line.substr(0, colon))] = value;
  }
  auto q = req->target.find('?');
  req->path = PercentDecode(req->target.substr(0, q), false);
  if (q != std::string::npos) {
    std::string qs = req->target.substr(q + 1);
    std::size_t start = 0;
    while (start <= qs.size()) {
      std::size_t amp = qs.find('&', start);
      std::string kv = qs.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      if (!kv.empty()) {
        auto eq = kv.find('=');
        req->query.emplace(PercentDecode(kv.substr(0, eq), true),
                           eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1), true));
      }
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  return true;
}

void PeerIdentity(SSL* ssl, HttpRequest* req) {
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (!peer || SSL_get_verify_result(ssl) != X509_V_OK) {
    if (peer) X509_free(peer);
    return;
  }
  X509_NAME* subject = X509_get_subject_name(peer);
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(subject, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (len < 0) continue;
    std::string value(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    if (nid == NID_commonName) req->cert_cn = value;
    if (nid == NID_organizationName) req->cert_orgs.push_back(value);
  }
  X509_free(peer);
}

class Writer : public ResponseWriter {
 public:
  Writer(SSL* ssl, bool head_only) : ssl_(ssl), head_only_(head_only) {}
  bool Send(int code, const std::string& content_type, const std::string& body,
            const std::vector<std::pair<std::string, std::string>>& extra) override {
    std::string out = StatusLine(code) + "Content-Type: " + content_type + "\r\n";
    for (const auto& [k, v] : extra) out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    if (!head_only_) out += body;
    sent_ = true;
    return Write(out);
  }
  bool BeginStream(int code, const std::string& content_type) override {
    sent_ = true;
    return Write(StatusLine(code) + "Content-Type: " + content_type +
                 "\r\nTransfer-Encoding: chunked\r\n\r\n");
  }
  bool WriteChunk(const std::string& data) override {
    if (data.empty()) return true;
    char size[32];
    snprintf(size, sizeof size, "%zx\r\n", data.size());
    return Write(size + data + "\r\n");
  }
  void EndStream() override { Write("0\r\n\r\n"); }
  void Abort() override {
    aborted_ = true;
    sent_ = true;
  }
  bool sent() const { return sent_; }
  bool aborted() const { return aborted_ || broken_; }

 private:
  static std::string StatusLine(int code) {
    return "HTTP/1.1 " + std::to_string(code) + " " + ReasonPhrase(code) +
           "\r\nCache-Control: no-cache, private\r\n";
  }
  bool Write(const std::string& data) {
    if (broken_) return false;
    std::size_t off = 0;
    while (off < data.size()) {
      int n = SSL_write(ssl_, data.data() + off, static_cast<int>(data.size() - off));
      if (n <= 0) {
        broken_ = true;
        return false;
      }
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  SSL* ssl_;
  bool head_only_;
  bool sent_ = false;
  bool aborted_ = false;
  bool broken_ = false;
};

}  // namespace

HttpServer::~HttpServer() { Stop(); }

StatusOr<int> HttpServer::Start(int port, const TlsIdentity& tls, Handler handler) {
  // A client that hangs up mid-response must not kill the process: writes then fail with EPIPE.
  signal(SIGPIPE, SIG_IGN);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  BIO* cbio = BIO_new_mem_buf(tls.cert_pem.data(), static_cast<int>(tls.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cbio, nullptr, nullptr, nullptr);
  BIO_free(cbio);
  BIO* kbio = BIO_new_mem_buf(tls.key_pem.data(), static_cast<int>(tls.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kbio, nullptr, nullptr, nullptr);
  BIO_free(kbio);
  bool ok = cert && key && SSL_CTX_use_certificate(ctx, cert) == 1 &&
            SSL_CTX_use_PrivateKey(ctx, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) {
    SSL_CTX_free(ctx);
    return Status::InvalidArgument("emulator: bad server certificate or key");
  }
  if (!tls.client_ca_pem.empty()) {
    BIO* abio = BIO_new_mem_buf(tls.client_ca_pem.data(), static_cast<int>(tls.client_ca_pem.size()));
    X509* ca = PEM_read_bio_X509(abio, nullptr, nullptr, nullptr);
    BIO_free(abio);
    if (ca) {
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
      SSL_CTX_add_client_CA(ctx, ca);
      X509_free(ca);
    }
    // Ask for a certificate but let token users in without one.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 128) != 0) {
    std::string err = strerror(errno);
    close(fd);
    SSL_CTX_free(ctx);
    return Status::Unavailable("emulator: cannot listen on 127.0.0.1:" + std::to_string(port) +
                               ": " + err);
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ctx_ = ctx;
  listen_fd_ = fd;
  handler_ = std::move(handler);
  stopping_ = false;
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return static_cast<int>(ntohs(addr.sin_port));
}

void HttpServer::AcceptLoop() {
  while (!stopping_) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) break;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Reap();
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t id = next_id_++;
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    Conn* raw = conn.get();
    conns_.emplace(id, std::move(conn));
    raw->thread = std::thread([this, id, fd] { Serve(id, fd); });
  }
}

void HttpServer::Reap() {
  std::vector<std::unique_ptr<Conn>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = conns_.begin(); it != conns_.end();) {
      if (it->second->done) {
        finished.push_back(std::move(it->second));
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : finished) c->thread.join();
}

void HttpServer::Serve(uint64_t id, int fd) {
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) == 1) {
    Reader reader(ssl);
    HttpRequest peer;
    PeerIdentity(ssl, &peer);
    for (;;) {
      std::string head;
      HttpRequest req;
      if (!reader.ReadHead(&head) || !ParseHead(head, &req)) break;
      req.cert_cn = peer.cert_cn;
      req.cert_orgs = peer.cert_orgs;
      bool body_ok = true;
      if (Lower(req.Header("transfer-encoding")) == "chunked") {
        body_ok = ReadChunked(reader, &req.body);
      } else if (!req.Header("content-length").empty()) {
        std::size_t n = std::strtoul(req.Header("content-length").c_str(), nullptr, 10);
        body_ok = n <= kMaxBodyBytes && reader.ReadN(n, &req.body);
      }
      if (!body_ok) break;
      Writer w(ssl, req.method == "HEAD");
      handler_(req, w);
      if (!w.sent()) w.Send(500, "text/plain", "no response\n", {});
      if (w.aborted() || Lower(req.Header("connection")) == "close") break;
    }
  }
  ERR_clear_error();
  SSL_free(ssl);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = conns_.find(id);
    if (it != conns_.end()) it->second->fd = -1;
    close(fd);
    if (it != conns_.end()) it->second->done = true;
  }
}

void HttpServer::DropAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, c] : conns_) {
    if (c->fd >= 0) shutdown(c->fd, SHUT_RDWR);
  }
}

void HttpServer::Stop() {
  if (listen_fd_ < 0) return;
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  accept_thread_.join();
  close(listen_fd_);
  listen_fd_ = -1;
  DropAll();
  std::map<uint64_t, std::unique_ptr<Conn>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.swap(conns_);
  }
  for (auto& [id, c] : all) c->thread.join();
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  ctx_ = nullptr;
}

}  // namespace kaudit::emulator
