// Any bytes as a kube-apiserver manifest through the audit patch: no crash, no hang; whatever
// the patch accepts comes out passing the manifest check, patching it again changes nothing,
// and reverting it to "no audit" and applying again gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "manifest/audit_spec.h"
#include "manifest/check.h"
#include "manifest/patch.h"

namespace {

kaudit::manifest::AuditSpec SpecFor(uint8_t selector) {
  using kaudit::manifest::KauditSpec;
  std::string log = selector % 3 == 0 ? "-" : "/var/log/kubernetes/audit/audit.log";
  std::vector<std::pair<std::string, std::string>> flags = {
      {"audit-policy-file", "/etc/kubernetes/kaudit/policies/4f1c2a9e7b.yaml"},
      {"audit-log-path", log}};
  if (selector % 2) flags.emplace_back("audit-log-maxage", "7");
  if (selector % 5 == 0) {
    flags.emplace_back("audit-webhook-config-file",
                       "/etc/kubernetes/kaudit/webhook/4f1c2a9e7b.kubeconfig");
  }
  auto spec = KauditSpec(flags, selector % 7 == 0 ? "1234567890" : "4f1c2a9e7b");
  if (!spec.ok()) __builtin_trap();
  return *spec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  kaudit::manifest::AuditSpec spec = SpecFor(data[0]);
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto r = kaudit::manifest::Patch(text, spec);
  if (!r.ok()) {
    if (r.status().message().empty()) __builtin_trap();  // a refusal must say why
    return 0;
  }
  if (!kaudit::manifest::CheckManifest(r->text, nullptr).empty()) __builtin_trap();
  auto again = kaudit::manifest::Patch(r->text, spec);
  if (!again.ok() || again->changed || again->text != r->text) __builtin_trap();
  auto none = kaudit::manifest::Patch(r->text, kaudit::manifest::AuditSpec{});
  if (!none.ok()) __builtin_trap();
  auto back = kaudit::manifest::Patch(none->text, spec);
  if (!back.ok() || back->text != r->text) {
    // Removing and re-adding may only differ from the first patch when that first patch had
    // to take over a hand-made mount; it must still be stable from then on.
    if (!back.ok()) __builtin_trap();
    auto stable = kaudit::manifest::Patch(back->text, spec);
    if (!stable.ok() || stable->changed) __builtin_trap();
  }
  return 0;
}
