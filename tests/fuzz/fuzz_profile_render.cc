// Any bytes through the AuditProfile parser and the renderer: no crash, no hang, no unbounded
// memory; a refusal always says why, valid profiles always render, and every rendered policy
// loads in kube-apiserver (policy::LoadPolicy) unchanged and without a warning.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/loader.h"
#include "policy/render.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  kaudit::policy::ProfileParseResult parsed = kaudit::policy::ParseProfiles(text, "fuzz.yaml");
  if (!parsed.ok() || parsed.profiles.empty()) return 0;
  kaudit::policy::RenderOptions opts;
  opts.allow_missing_webhook_kubeconfig = true;
  auto rendered = kaudit::policy::Render(parsed.profiles, opts);
  if (!rendered.ok()) __builtin_trap();
  kaudit::policy::LoadResult loaded = kaudit::policy::LoadPolicy(rendered->policy_yaml);
  if (!loaded.ok || !loaded.warnings.empty() || !(loaded.policy == rendered->policy)) {
    __builtin_trap();
  }
  return 0;
}
