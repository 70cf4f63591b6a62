// kaudit-nodesim init: a simulated kubeadm host.
#include <sys/stat.h>

#include <fstream>

#include "nodesim/manifest_template.h"
#include "nodesim/sim.h"
#include "support/pki.h"

namespace kaudit::nodesim {
namespace {

void MkdirAll(const std::string& p, mode_t mode) {
  for (std::size_t i = 1; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') mkdir(p.substr(0, i).c_str(), mode);
  }
}

Status Write(const std::string& path, const std::string& data, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return Status::Internal("cannot write " + path);
  chmod(path.c_str(), mode);
  return Status::Ok();
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

}  // namespace

Status InitHost(const std::string& root, int port, const std::string& image) {
  for (const char* d : {"/etc/kubernetes/manifests", "/etc/kubernetes/pki", "/etc/ssl/certs",
                        "/var/log/kubernetes", "/var/lib/kubelet"}) {
    MkdirAll(root + d, 0755);
  }
  chmod((root + "/etc/kubernetes/manifests").c_str(), 0700);
  auto pki = emulator::Pki::Create();
  if (!pki.ok()) return pki.status();
  auto serving = (*pki)->IssueServer();
  if (!serving.ok()) return serving.status();
  std::string p = root + "/etc/kubernetes/pki/";
  KAUDIT_RETURN_IF_ERROR(Write(p + "ca.crt", (*pki)->ca_pem(), 0644));
  KAUDIT_RETURN_IF_ERROR(Write(p + "ca.key", (*pki)->ca_key_pem(), 0600));
  KAUDIT_RETURN_IF_ERROR(Write(p + "apiserver.crt", serving->cert_pem, 0644));
  KAUDIT_RETURN_IF_ERROR(Write(p + "apiserver.key", serving->key_pem, 0600));
  std::string m = ReplaceAll(kManifestTemplate, "@PORT@", std::to_string(port));
  m = ReplaceAll(m, "@IMAGE@", image);
  return Write(root + "/etc/kubernetes/manifests/kube-apiserver.yaml", m, 0600);
}

}  // namespace kaudit::nodesim
