// The patch's rules one at a time, on small manifests written for each case.
#include "manifest/patch.h"

#include <gtest/gtest.h>

#include <map>

#include "manifest/check.h"
#include "manifest/flags.h"
#include "manifest/yaml_tree.h"

namespace kaudit::manifest {
namespace {

// A minimal kubeadm-layout Pod; `container` is spliced in as the kube-apiserver container's
// body (after "  - "), `extra` appended to spec.
std::string Pod(const std::string& container, const std::string& volumes = "",
                const std::string& extra = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n"
         "spec:\n  containers:\n  - " +
         container + extra + (volumes.empty() ? "" : "  volumes:\n" + volumes);
}

const char* kBasic =
    "command:\n    - kube-apiserver\n    - --allow-privileged=true\n"
    "    - --secure-port=6443\n    image: k8s/kube-apiserver:v1\n    name: kube-apiserver\n";

AuditSpec Spec(std::vector<std::pair<std::string, std::string>> extra = {},
               std::string rev = "4f1c2a9e7b",
               std::string log = "/var/log/kubernetes/audit/audit.log") {
  std::vector<std::pair<std::string, std::string>> flags = {
      {"audit-policy-file", "/etc/kubernetes/kaudit/policies/" + rev + ".yaml"},
      {"audit-log-path", log}};
  for (auto& e : extra) flags.push_back(e);
  auto s = KauditSpec(flags, rev);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

std::vector<std::string> Items(const std::string& text, const std::string& key) {
  auto doc = ParseDocument(text);
  std::vector<std::string> out;
  const Node* c = &doc->root.Find("spec")->Find("containers")->items[0];
  if (const Node* l = c->Find(key)) {
    for (const auto& i : l->items) out.push_back(i.text);
  }
  return out;
}

TEST(Patch, FlagsGoWhereKubeadmSortsThem) {
  auto r = Patch(Pod(kBasic), Spec({{"audit-log-maxage", "7"}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Items(r->text, "command"),
            (std::vector<std::string>{"kube-apiserver", "--allow-privileged=true",
                                      "--audit-log-maxage=7",
                                      "--audit-log-path=/var/log/kubernetes/audit/audit.log",
                                      "--audit-policy-file=/etc/kubernetes/kaudit/policies/"
                                      "4f1c2a9e7b.yaml",
                                      "--secure-port=6443"}));
  EXPECT_TRUE(r->surgical);
}

TEST(Patch, EveryOtherAuditFlagGoesInBothFormsAndBothLists) {
  std::string c =
      "args:\n    - --allow-privileged=true\n    - --audit-log-maxbackup\n    - \"3\"\n"
      "    - --audit_log_maxsize=50\n    - --audit-log-compress\n    - --secure-port=6443\n"
      "    command:\n    - kube-apiserver\n    - --audit-log-path\n    - \"-\"\n"
      "    image: k8s/kube-apiserver:v1\n    name: kube-apiserver\n";
  auto r = Patch(Pod(c), Spec());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // The stdout log path (a separate "-" value) is updated in place, in its own form.
  EXPECT_EQ(Items(r->text, "command"),
            (std::vector<std::string>{"kube-apiserver", "--audit-log-path",
                                      "/var/log/kubernetes/audit/audit.log"}));
  // maxbackup (with its value), the underscore spelling and the bare boolean are gone; the
  // policy flag joins the other flags in args, in the form they use (--name=value).
  EXPECT_EQ(Items(r->text, "args"),
            (std::vector<std::string>{
                "--allow-privileged=true",
                "--audit-policy-file=/etc/kubernetes/kaudit/policies/4f1c2a9e7b.yaml",
                "--secure-port=6443"}));
}

TEST(Patch, DuplicatesCollapseAndBooleansKeepTheirBareForm) {
  std::string c =
      "command:\n    - kube-apiserver\n    - --audit-log-compress\n"
      "    - --audit-log-maxage=1\n    - --audit-log-maxage=2\n"
      "    image: k8s/kube-apiserver:v1\n    name: kube-apiserver\n";
  auto r = Patch(Pod(c), Spec({{"audit-log-compress", "true"}, {"audit-log-maxage", "9"}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto items = Items(r->text, "command");
  EXPECT_EQ(std::count(items.begin(), items.end(), "--audit-log-maxage=9"), 1);
  EXPECT_EQ(std::count(items.begin(), items.end(), "--audit-log-compress"), 1);
  EXPECT_EQ(std::count(items.begin(), items.end(), "--audit-log-maxage=2"), 0);
}

TEST(Patch, ANumericRevisionIsQuotedSoItStaysAString) {
  auto r = Patch(Pod(kBasic), Spec({}, "1234567890"));
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->text.find("  annotations:\n    kaudit.io/revision: \"1234567890\"\n"),
            std::string::npos)
      << r->text;
  auto again = Patch(r->text, Spec({}, "1234567890"));
  EXPECT_FALSE(again->changed);
}

TEST(Patch, LogToStdoutNeedsNoVolume) {
  auto r = Patch(Pod(kBasic), Spec({}, "4f1c2a9e7b", "-"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text.find("audit-log\n"), std::string::npos);
  EXPECT_NE(r->text.find("- --audit-log-path=-\n"), std::string::npos);
  EXPECT_NE(r->text.find("name: kaudit-policies"), std::string::npos);
}

TEST(Patch, FlowStyleIsWrittenAgainCanonicallyAndStaysIdempotent) {
  std::string text =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\n"
      "spec:\n  containers:\n  - {name: kube-apiserver, image: 'k8s/kube-apiserver:v1', "
      "command: [kube-apiserver, --secure-port=6443]}\n";
  auto r = Patch(text, Spec());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->surgical);
  auto again = Patch(r->text, Spec());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
}

TEST(Patch, CommentsAndUnrelatedFormattingSurvive) {
  std::string c = std::string(kBasic) + "    # resources chosen by the capacity team\n"
                  "    resources:\n      requests:\n        cpu: '250m'   # quoted on purpose\n";
  auto r = Patch(Pod(c), Spec());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->surgical);
  EXPECT_NE(r->text.find("# resources chosen by the capacity team\n"), std::string::npos);
  EXPECT_NE(r->text.find("cpu: '250m'   # quoted on purpose\n"), std::string::npos);
}

TEST(Patch, AnAuditMountBackedByANonHostPathVolumeIsRefused) {
  std::string c = std::string(kBasic) +
                  "    volumeMounts:\n    - mountPath: /var/log/kubernetes/audit\n"
                  "      name: scratch\n";
  std::string v = "  - emptyDir: {}\n    name: scratch\n";
  auto r = Patch(Pod(c, v), Spec());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a hostPath volume"), std::string::npos);
}

TEST(Patch, AMountThatServesOtherFlagsIsNeverRetargeted) {
  // /var/log/kubernetes also holds another component's file: kaudit keeps that mount and adds
  // its own for the policy; the log directory is the same mount, used as it is.
  std::string c =
      "command:\n    - kube-apiserver\n    - --tracing-config-file=/var/log/kubernetes/t.yaml\n"
      "    image: k8s/kube-apiserver:v1\n    name: kube-apiserver\n"
      "    volumeMounts:\n    - mountPath: /var/log/kubernetes\n      name: logs\n";
  std::string v = "  - hostPath:\n      path: /var/log/kubernetes\n    name: logs\n";
  auto r = Patch(Pod(c, v), Spec({}, "4f1c2a9e7b", "/var/log/kubernetes/audit.log"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->text.find("    - mountPath: /var/log/kubernetes\n      name: logs\n"),
            std::string::npos);
  EXPECT_EQ(r->text.find("kaudit-audit-log"), std::string::npos) << "no second mount";
}

TEST(Patch, ASharedVolumeIsNotRepointedUnderTheOtherContainer) {
  // The docs' `audit` file volume is also mounted by a sidecar: kaudit gives the apiserver's
  // mount a volume of its own and leaves the sidecar's alone.
  std::string c =
      "command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit.yaml\n"
      "    image: k8s/kube-apiserver:v1\n    name: kube-apiserver\n"
      "    volumeMounts:\n    - mountPath: /etc/kubernetes/audit.yaml\n      name: audit\n"
      "      readOnly: true\n"
      "  - image: sidecar:1\n    name: sidecar\n    volumeMounts:\n"
      "    - mountPath: /policy.yaml\n      name: audit\n";
  std::string v = "  - hostPath:\n      path: /etc/kubernetes/audit.yaml\n      type: File\n"
                  "    name: audit\n";
  auto r = Patch(Pod(c, v), Spec());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->text.find("      path: /etc/kubernetes/audit.yaml\n      type: File\n    name: audit\n"),
            std::string::npos);
  EXPECT_NE(r->text.find("name: kaudit-policies"), std::string::npos);
  EXPECT_TRUE(CheckManifest(r->text, nullptr).empty());
}

TEST(Patch, RefusesWhatIsNotASinglePlainPod) {
  EXPECT_FALSE(Patch(Pod(kBasic) + "---\n" + Pod(kBasic), Spec()).ok());
  EXPECT_FALSE(Patch("a: &x 1\nb: *x\n", Spec()).ok());
  EXPECT_FALSE(Patch("", Spec()).ok());
  EXPECT_FALSE(Patch("{\"kind\": \"Pod\"", Spec()).ok());
  auto nonstring = Patch(Pod("command:\n    - kube-apiserver\n    - 6443\n    image: x\n"
                             "    name: kube-apiserver\n"),
                         Spec());
  ASSERT_FALSE(nonstring.ok());
  EXPECT_NE(nonstring.status().message().find("command[1]"), std::string::npos);
  auto nocmd = Patch(Pod("image: x\n    name: kube-apiserver\n"), Spec());
  ASSERT_FALSE(nocmd.ok());
  EXPECT_NE(nocmd.status().message().find("neither command nor args"), std::string::npos);
}

TEST(Patch, RevertWithTheExtractedOriginalRestoresTheBytes) {
  std::string text = Pod(kBasic);
  auto orig = ExtractAuditSpec(text);
  ASSERT_TRUE(orig.ok());
  EXPECT_TRUE(orig->flags.empty());
  auto applied = Patch(text, Spec({{"audit-log-maxage", "7"}}));
  auto back = Patch(applied->text, *orig);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->text, text);
}

TEST(KauditSpec, RefusesPathsKauditDoesNotOwn) {
  EXPECT_FALSE(KauditSpec({{"audit-policy-file", "/etc/passwd"}}, "4f1c2a9e7b").ok());
  EXPECT_FALSE(KauditSpec({{"audit-policy-file", "/etc/kubernetes/kaudit/policies/../x.yaml"}},
                          "4f1c2a9e7b")
                   .ok());
  EXPECT_FALSE(KauditSpec({{"audit-policy-file", "/etc/kubernetes/kaudit/policies/a.yaml"},
                           {"audit-log-path", "relative/audit.log"}},
                          "4f1c2a9e7b")
                   .ok());
  EXPECT_FALSE(KauditSpec({{"audit-policy-file", "/etc/kubernetes/kaudit/policies/a.yaml"},
                           {"tls-cert-file", "/x"}},
                          "4f1c2a9e7b")
                   .ok());
}

// A host with some files, for the check.
class FakeHost : public HostView {
 public:
  std::map<std::string, Kind> entries;
  Kind Stat(const std::string& p) const override {
    auto it = entries.find(p);
    return it == entries.end() ? Kind::kMissing : it->second;
  }
};

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

TEST(Check, AuditFilesMustExistOnTheHostInsideAMount) {
  auto r = Patch(Pod(kBasic), Spec());
  ASSERT_TRUE(r.ok());
  FakeHost host;
  auto problems = CheckManifest(r->text, &host);
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("--audit-policy-file=/etc/kubernetes/kaudit/policies/4f1c2a9e7b.yaml"),
            std::string::npos);
  EXPECT_NE(problems[0].find("failed to read file path"), std::string::npos);
  host.entries["/etc/kubernetes/kaudit/policies/4f1c2a9e7b.yaml"] = HostView::Kind::kFile;
  EXPECT_TRUE(CheckManifest(r->text, &host).empty());
  // A hostPath of type DirectoryOrCreate that is a file on the host would stop the pod.
  host.entries["/var/log/kubernetes/audit"] = HostView::Kind::kFile;
  EXPECT_NE(Joined(CheckManifest(r->text, &host)).find("kubelet would not start the pod"),
            std::string::npos);
}

TEST(Check, StructuralProblemsAreNamed) {
  std::string c =
      "command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/audit.yaml\n"
      "    - --audit-log-path=/var/log/audit/audit.log\n    - --audit-log-format=xml\n"
      "    - --audit-log-mode=fast\n    - --audit-log-maxage=-1\n    - --audit-bogus=1\n"
      "    image: k8s/kube-apiserver:v1\n    name: kube-apiserver\n"
      "    volumeMounts:\n    - mountPath: /var/log/audit/audit.log\n      name: log\n"
      "    - mountPath: /var/log/audit/audit.log\n      name: missing\n";
  std::string v = "  - hostPath:\n      path: /var/log/audit/audit.log\n    name: log\n"
                  "  - hostPath:\n      path: /x\n    name: log\n";
  std::string all = Joined(CheckManifest(Pod(c, v), nullptr));
  for (const char* want :
       {"duplicate volume name log", "no volume named \"missing\"", "mounted twice",
        "--audit-log-format=xml", "--audit-log-mode=fast", "can't be a negative number",
        "--audit-bogus: kube-apiserver has no such flag",
        "--audit-policy-file=/etc/audit.yaml: not inside any volume mount",
        "the log file itself is mounted"}) {
    EXPECT_NE(all.find(want), std::string::npos) << "missing: " << want << "\n" << all;
  }
}

TEST(Check, AReadOnlyLogMountIsRefused) {
  std::string c = std::string(kBasic) +
                  "    volumeMounts:\n    - mountPath: /var/log/kubernetes/audit\n"
                  "      name: log\n      readOnly: true\n";
  std::string v = "  - hostPath:\n      path: /var/log/kubernetes/audit\n    name: log\n";
  std::string text = Pod(c, v);
  text.replace(text.find("    - --secure-port=6443\n"), 0,
               "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n");
  EXPECT_NE(Joined(CheckManifest(text, nullptr)).find("is read-only"), std::string::npos);
}

TEST(Flags, ScanFollowsPflag) {
  auto uses = ScanFlags({"kube-apiserver", "--audit-log-path", "-", "--profiling", "--v", "2",
                         "--audit-log-compress", "--a=b", "--", "--audit-log-maxage=3"});
  ASSERT_EQ(uses.size(), 5u);
  EXPECT_EQ(uses[0].name, "audit-log-path");
  EXPECT_EQ(uses[0].value, "-");
  EXPECT_TRUE(uses[0].separate);
  EXPECT_FALSE(uses[1].has_value);  // --profiling followed by a flag
  EXPECT_EQ(uses[2].value, "2");
  EXPECT_FALSE(uses[3].has_value);  // a boolean audit flag never takes the next item
  EXPECT_EQ(uses[4].name, "a");
}

TEST(Resolve, GoYamlV2ScalarRules) {
  EXPECT_EQ(ResolvePlain("yes"), ScalarType::kBool);
  EXPECT_EQ(ResolvePlain("0x1F"), ScalarType::kInt);
  EXPECT_EQ(ResolvePlain("1_000"), ScalarType::kInt);
  EXPECT_EQ(ResolvePlain("1e3"), ScalarType::kFloat);
  EXPECT_EQ(ResolvePlain("~"), ScalarType::kNull);
  EXPECT_EQ(ResolvePlain("4f1c2a9e7b"), ScalarType::kString);
  EXPECT_EQ(ResolvePlain("--secure-port=6443"), ScalarType::kString);
  EXPECT_FALSE(PlainSafeString("1:30"));       // base-60 float in YAML 1.1
  EXPECT_FALSE(PlainSafeString("2024-01-01"));  // a timestamp
  EXPECT_TRUE(PlainSafeString("192.168.56.10:6443"));
}

}  // namespace
}  // namespace kaudit::manifest
