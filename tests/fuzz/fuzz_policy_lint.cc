// Any bytes through the loader and then lint, whether or not kube-apiserver would accept the
// policy (Lint promises to work on any Policy): no crash, no hang, and well-formed findings in
// the documented order.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/lint.h"
#include "policy/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  kaudit::policy::LoadResult r = kaudit::policy::LoadPolicy(text);
  std::vector<kaudit::policy::Finding> findings = kaudit::policy::Lint(r.policy);
  int rules = static_cast<int>(r.policy.rules.size());
  int last = -1;
  for (const kaudit::policy::Finding& f : findings) {
    if (f.code.empty() || f.message.empty() || f.fix.empty()) __builtin_trap();
    if (f.rule_index < -1 || f.rule_index >= rules) __builtin_trap();
    if (f.rule_index < last) __builtin_trap();  // sorted by rule
    last = f.rule_index;
  }
  return 0;
}
