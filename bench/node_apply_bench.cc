// kaudit node apply in-process (no process start): one apply of a revision to the kubeadm 1.30
// fixture on a fresh host root in a temporary folder, without the health wait, and the patch
// alone. For hack/bench/node.sh; prints figures, asserts nothing.
//   node_apply_bench SOURCE_DIR [RUNS]
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hostfs/host.h"
#include "manifest/audit_spec.h"
#include "manifest/patch.h"
#include "node/node.h"

namespace {

std::string Slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: node_apply_bench SOURCE_DIR [RUNS]\n");
    return 2;
  }
  std::string src = argv[1];
  int runs = argc > 2 ? std::atoi(argv[2]) : 50;
  std::string manifest = Slurp(src + "/tests/fixtures/manifests/kubeadm-1.30.yaml");
  kaudit::node::Revision rev;
  rev.id = "4f1c2a9e7b";
  rev.policy_yaml = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n";
  rev.flags = {{"audit-policy-file", "/etc/kubernetes/kaudit/policies/4f1c2a9e7b.yaml"},
               {"audit-log-path", "/var/log/kubernetes/audit/audit.log"},
               {"audit-log-maxage", "30"},
               {"audit-log-maxbackup", "10"},
               {"audit-log-maxsize", "100"}};
  std::vector<double> apply_ms, patch_us;
  for (int i = 0; i < runs; ++i) {
    char tmpl[] = "/tmp/kaudit-bench-XXXXXX";
    std::string root = ::mkdtemp(tmpl);
    std::filesystem::create_directories(root + "/etc/kubernetes/manifests");
    std::ofstream(root + "/etc/kubernetes/manifests/kube-apiserver.yaml") << manifest;
    kaudit::hostfs::HostFs fs(kaudit::hostfs::PosixEnv(), root);
    kaudit::node::NodeOptions opts;
    opts.health_check = false;
    kaudit::node::NodeApplier applier(&fs, nullptr, opts);
    auto t0 = std::chrono::steady_clock::now();
    auto out = applier.Apply(rev);
    auto t1 = std::chrono::steady_clock::now();
    if (!out.ok()) {
      std::fprintf(stderr, "apply failed: %s\n", out.status().ToString().c_str());
      return 1;
    }
    apply_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    std::filesystem::remove_all(root);
    auto spec = kaudit::manifest::KauditSpec(rev.flags, rev.id);
    auto p0 = std::chrono::steady_clock::now();
    auto patched = kaudit::manifest::Patch(manifest, *spec);
    auto p1 = std::chrono::steady_clock::now();
    if (!patched.ok()) return 1;
    patch_us.push_back(std::chrono::duration<double, std::micro>(p1 - p0).count());
  }
  std::printf("in-process apply (write files, check, backup, atomic replace, fsyncs): "
              "median %.2f ms over %d runs\n", Median(apply_ms), runs);
  std::printf("patch + render + verify + check of the manifest alone:                 "
              "median %.0f us\n", Median(patch_us));
  return 0;
}
