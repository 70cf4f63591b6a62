// The fixture corpus (tests/fixtures/manifests): for every realistic manifest, apply a
// revision, apply it again, change to another revision, and revert. The outputs of apply and
// change are golden files that were read and checked by hand once (see the README there);
// re-apply must give the same bytes, and revert must give back the input byte for byte.
//
// KAUDIT_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing (then read the diff).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "manifest/check.h"
#include "manifest/patch.h"

namespace kaudit::manifest {
namespace {

const char* kDir = "tests/fixtures/manifests/";

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Golden(const std::string& path, const std::string& got) {
  if (std::getenv("KAUDIT_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << got;
    return;
  }
  EXPECT_EQ(got, Read(path)) << "differs from " << path;
}

AuditSpec RevisionA() {
  auto spec = KauditSpec({{"audit-policy-file", "/etc/kubernetes/kaudit/policies/4f1c2a9e7b.yaml"},
                          {"audit-log-path", "/var/log/kubernetes/audit/audit.log"},
                          {"audit-log-maxage", "7"},
                          {"audit-log-maxbackup", "10"},
                          {"audit-log-maxsize", "100"},
                          {"audit-log-format", "json"}},
                         "4f1c2a9e7b");
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return *spec;
}

// Revision B: new policy, maxage changed, maxbackup dropped, a webhook added.
AuditSpec RevisionB() {
  auto spec = KauditSpec(
      {{"audit-policy-file", "/etc/kubernetes/kaudit/policies/9d8e7f6a5b.yaml"},
       {"audit-log-path", "/var/log/kubernetes/audit/audit.log"},
       {"audit-log-maxage", "30"},
       {"audit-log-maxsize", "100"},
       {"audit-log-format", "json"},
       {"audit-webhook-config-file", "/etc/kubernetes/kaudit/webhook/9d8e7f6a5b.kubeconfig"},
       {"audit-webhook-mode", "batch"}},
      "9d8e7f6a5b");
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return *spec;
}

std::string MustPatch(const std::string& in, const AuditSpec& spec) {
  auto r = Patch(in, spec);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return "";
  return r->text;
}

class CorpusTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CorpusTest, ApplyReapplyChangeRevert) {
  std::string name = GetParam();
  std::string ext = name.substr(name.rfind('.'));
  std::string stem = name.substr(0, name.rfind('.'));
  std::string input = Read(kDir + name);
  ASSERT_FALSE(input.empty());
  auto original = ExtractAuditSpec(input);
  ASSERT_TRUE(original.ok()) << original.status().ToString();

  std::string applied = MustPatch(input, RevisionA());
  Golden(kDir + std::string("golden/") + stem + ".applied" + ext, applied);
  EXPECT_TRUE(CheckManifest(applied, nullptr).empty());

  auto again = Patch(applied, RevisionA());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed) << "re-apply changed the file";
  EXPECT_EQ(again->text, applied);

  std::string changed = MustPatch(applied, RevisionB());
  Golden(kDir + std::string("golden/") + stem + ".changed" + ext, changed);
  EXPECT_TRUE(CheckManifest(changed, nullptr).empty());
  EXPECT_EQ(MustPatch(changed, RevisionB()), changed);
  // Going straight from the input to B gives the same file as going through A.
  EXPECT_EQ(MustPatch(input, RevisionB()), changed);

  if (ext == ".json") {
    // JSON is written again whole: reverting gives the same object, not the same bytes.
    auto back = Patch(changed, *original);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(MustPatch(back->text, RevisionA()), applied);
    return;
  }
  EXPECT_EQ(MustPatch(changed, *original), input) << "revert did not restore the input";
  EXPECT_EQ(MustPatch(applied, *original), input) << "revert did not restore the input";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CorpusTest,
                         ::testing::Values("kubeadm-1.28.yaml", "kubeadm-1.30.yaml",
                                           "kubeadm-1.31.yaml", "minikube.yaml",
                                           "handmade-docs.yaml", "args.yaml", "flag-value.yaml",
                                           "kubeadm-1.30.json", "comments.yaml", "sidecar.yaml"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string n = p.param;
                           for (char& c : n) {
                             if (c == '.' || c == '-') c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace kaudit::manifest
