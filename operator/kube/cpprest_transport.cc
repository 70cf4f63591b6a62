// The only file in kaudit that talks to cpprestsdk's client. Every pplx task created here is
// waited for with .get() inside a try block on the caller's own thread, so no exception is
// left unobserved and no pool thread ever blocks.
#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <cpprest/streams.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <pplx/threadpool.h>

#include <algorithm>
#include <boost/asio/ssl.hpp>
#include <cctype>
#include <mutex>

#include "kube/transport.h"

namespace kaudit::kube {
namespace {

// cpprestsdk's thread pool outlives main(). With OpenSSL's atexit cleanup, OpenSSL is torn down
// while those threads still hold per-thread state (error queues, DRBGs) that nothing frees
// afterwards (LeakSanitizer reports it at every exit); without it, each thread frees its own
// state when it ends. Only the first initialisation decides, hence a static initialiser: it
// runs before main() in every program that links this file.
[[maybe_unused]] const bool kOpenSslWithoutAtexit = [] {
  return OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;
}();

namespace http = web::http;
namespace client = web::http::client;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct TlsMaterial {
  std::string ca_pem, cert_pem, key_pem;
};

// Runs for every new connection; must not throw (errors surface as handshake failures).
void ConfigureTls(const TlsMaterial& m, boost::asio::ssl::context& ctx) {
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!m.ca_pem.empty()) {
    // Trust only the cluster CA, as client-go does when one is configured.
    SSL_CTX_set_cert_store(native, X509_STORE_new());
    ctx.add_certificate_authority(boost::asio::buffer(m.ca_pem), ec);
  }
  if (!m.cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(m.cert_pem), ec);
    ctx.use_private_key(boost::asio::buffer(m.key_pem), boost::asio::ssl::context::pem, ec);
  }
}

class CpprestTransport : public HttpTransport {
 public:
  CpprestTransport(RestConfig config, std::shared_ptr<AuthProvider> auth, TransportOptions opts)
      : config_(std::move(config)), auth_(std::move(auth)), opts_(opts) {}

  StatusOr<HttpResponse> Do(const HttpRequest& req) override {
    return WithAuthRetry(req, [&](const Credentials& c) { return DoOnce(req, c); });
  }

  StatusOr<HttpResponse> Stream(const HttpRequest& req,
                                const std::function<bool(std::string_view)>& on_line,
                                Canceller* cancel) override {
    return WithAuthRetry(req,
                         [&](const Credentials& c) { return StreamOnce(req, c, on_line, cancel); });
  }

 private:
  template <typename F>
  StatusOr<HttpResponse> WithAuthRetry(const HttpRequest& req, F&& once) {
    (void)req;
    for (int attempt = 0;; ++attempt) {
      auto creds = auth_->Get();
      if (!creds.ok()) return creds.status();
      auto resp = once(*creds);
      if (resp.ok() && resp->status == 401 && attempt == 0) {
        auth_->Invalidate();  // a rotated token or an expired plugin credential: fetch anew
        continue;
      }
      return resp;
    }
  }

  std::shared_ptr<client::http_client> ClientFor(const Credentials& c, bool watch) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = watch ? watch_client_ : crud_client_;
    auto& slot_cert = watch ? watch_cert_ : crud_cert_;
    if (slot && slot_cert == c.cert_pem) return slot;
    client::http_client_config cfg;
    cfg.set_timeout(watch ? opts_.watch_timeout : opts_.request_timeout);
    cfg.set_max_redirects(0);
    cfg.set_validate_certificates(!config_.insecure_skip_tls_verify);
    TlsMaterial m{config_.ca_pem, c.cert_pem, c.key_pem};
    cfg.set_ssl_context_callback([m](boost::asio::ssl::context& ctx) { ConfigureTls(m, ctx); });
    slot = std::make_shared<client::http_client>(web::uri(config_.server), cfg);
    slot_cert = c.cert_pem;
    return slot;
  }

  http::http_request Build(const HttpRequest& req, const Credentials& c) {
    http::http_request r(req.method);
    r.set_request_uri(web::uri(req.path));
    if (!req.body.empty() || !req.content_type.empty()) {
      r.set_body(req.body, req.content_type.empty() ? "application/json" : req.content_type);
      r.headers().set_content_type(req.content_type.empty() ? "application/json"
                                                            : req.content_type);
    }
    r.headers().add("User-Agent", config_.user_agent);
    if (!config_.tls_server_name.empty()) r.headers().add("Host", config_.tls_server_name);
    if (!c.token.empty()) r.headers().add("Authorization", "Bearer " + c.token);
    for (const auto& [k, v] : req.headers) r.headers().add(k, v);
    return r;
  }

  static void CopyHeaders(const http::http_response& resp, HttpResponse* out) {
    out->status = resp.status_code();
    for (const auto& [k, v] : resp.headers()) out->headers[Lower(k)] = v;
  }

  StatusOr<HttpResponse> DoOnce(const HttpRequest& req, const Credentials& c) {
    auto cl = ClientFor(c, false);
    try {
      http::http_response resp = cl->request(Build(req, c)).get();
      HttpResponse out;
      CopyHeaders(resp, &out);
      std::vector<unsigned char> body = resp.extract_vector().get();
      out.body.assign(body.begin(), body.end());
      return out;
    } catch (const std::exception& e) {
      return Status::Unavailable(req.method + " " + req.path + ": " + e.what());
    }
  }

  StatusOr<HttpResponse> StreamOnce(const HttpRequest& req, const Credentials& c,
                                    const std::function<bool(std::string_view)>& on_line,
                                    Canceller* cancel) {
    auto cl = ClientFor(c, true);
    pplx::cancellation_token_source cts;
    CancelRegistration reg(cancel, [cts]() mutable { cts.cancel(); });
    try {
      http::http_response resp = cl->request(Build(req, c), cts.get_token()).get();
      HttpResponse out;
      CopyHeaders(resp, &out);
      if (out.status < 200 || out.status > 299) {
        std::vector<unsigned char> body = resp.extract_vector().get();
        out.body.assign(body.begin(), body.end());
        return out;
      }
      auto body = resp.body();
      for (;;) {
        concurrency::streams::container_buffer<std::string> buf;
        body.read_line(buf).get();
        const std::string& line = buf.collection();
        if (!line.empty()) {
          if (!on_line(line)) break;
        } else if (body.is_eof()) {
          break;
        }
      }
      cts.cancel();  // closes the connection if we stopped early
      return out;
    } catch (const std::exception& e) {
      if (cancel && cancel->cancelled()) return Status::Cancelled("watch cancelled");
      return Status::Unavailable(req.method + " " + req.path + ": " + e.what());
    }
  }

  const RestConfig config_;
  const std::shared_ptr<AuthProvider> auth_;
  const TransportOptions opts_;
  std::mutex mu_;
  std::shared_ptr<client::http_client> crud_client_, watch_client_;  // guarded by mu_
  std::string crud_cert_, watch_cert_;                               // guarded by mu_
};

}  // namespace

StatusOr<std::unique_ptr<HttpTransport>> NewCpprestTransport(const RestConfig& config,
                                                             std::shared_ptr<AuthProvider> auth,
                                                             const TransportOptions& opts) {
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
    return Status::InvalidArgument("server \"" + config.server + "\": must be an https:// URL");
  }
  try {
    web::uri check(config.server);
    (void)check;
  } catch (const std::exception& e) {
    return Status::InvalidArgument("server \"" + config.server + "\": " + e.what());
  }
  if (!auth) auth = NewAuthProvider(config);
  return std::unique_ptr<HttpTransport>(new CpprestTransport(config, std::move(auth), opts));
}

bool ConfigureHttpThreadPool(std::size_t threads) {
  try {
    crossplat::threadpool::initialize_with_threads(threads);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace kaudit::kube
