#include "support/pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kaudit::emulator {
namespace {

std::string KeyPem(EVP_PKEY* key) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(b);
  return out;
}

std::string CertPem(X509* cert) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(b);
  return out;
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
  if (ext) {
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
}

// A new certificate for key, signed by (issuer, issuer_key), or self-signed when issuer is null.
X509* MakeCert(EVP_PKEY* key, X509* issuer, EVP_PKEY* /*issuer_key*/, const std::string& cn,
               const std::vector<std::string>& orgs) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  for (const auto& o : orgs) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  return cert;
}

EVP_PKEY* NewKey() { return EVP_EC_gen("P-256"); }

}  // namespace

StatusOr<std::unique_ptr<Pki>> Pki::Create() {
  std::unique_ptr<Pki> pki(new Pki());
  EVP_PKEY* key = NewKey();
  if (!key) return Status::Internal("emulator: cannot make a CA key");
  X509* cert = MakeCert(key, nullptr, nullptr, "kaudit-emulator-ca", {});
  AddExt(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExt(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  AddExt(cert, cert, NID_subject_key_identifier, "hash");
  X509_sign(cert, key, EVP_sha256());
  pki->ca_key_ = key;
  pki->ca_cert_ = cert;
  pki->ca_ = {CertPem(cert), KeyPem(key)};
  return pki;
}

Pki::~Pki() {
  X509_free(static_cast<X509*>(ca_cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(ca_key_));
}

StatusOr<KeyPair> Pki::IssueServer() const {
  EVP_PKEY* key = NewKey();
  if (!key) return Status::Internal("emulator: cannot make a key");
  auto* issuer = static_cast<X509*>(ca_cert_);
  X509* cert = MakeCert(key, issuer, static_cast<EVP_PKEY*>(ca_key_), "kube-apiserver", {});
  AddExt(cert, issuer, NID_basic_constraints, "critical,CA:FALSE");
  AddExt(cert, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  AddExt(cert, issuer, NID_ext_key_usage, "serverAuth");
  AddExt(cert, issuer, NID_subject_alt_name,
         "IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc");
  AddExt(cert, issuer, NID_authority_key_identifier, "keyid:always");
  X509_sign(cert, static_cast<EVP_PKEY*>(ca_key_), EVP_sha256());
  KeyPair out{CertPem(cert), KeyPem(key)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

StatusOr<KeyPair> Pki::IssueClient(const std::string& user,
                                   const std::vector<std::string>& groups) const {
  EVP_PKEY* key = NewKey();
  if (!key) return Status::Internal("emulator: cannot make a key");
  auto* issuer = static_cast<X509*>(ca_cert_);
  X509* cert = MakeCert(key, issuer, static_cast<EVP_PKEY*>(ca_key_), user, groups);
  AddExt(cert, issuer, NID_basic_constraints, "critical,CA:FALSE");
  AddExt(cert, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  AddExt(cert, issuer, NID_ext_key_usage, "clientAuth");
  AddExt(cert, issuer, NID_authority_key_identifier, "keyid:always");
  X509_sign(cert, static_cast<EVP_PKEY*>(ca_key_), EVP_sha256());
  KeyPair out{CertPem(cert), KeyPem(key)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace kaudit::emulator
