// Any bytes through the policy loader: no crash, no hang, no unbounded memory; and whatever
// loads must survive validation and compilation for evaluation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/eval.h"
#include "policy/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  kaudit::policy::LoadResult r = kaudit::policy::LoadPolicy(text);
  if (r.ok) {
    if (!kaudit::policy::ValidatePolicy(r.policy).empty()) __builtin_trap();
    auto compiled = kaudit::policy::CompiledPolicy::Compile(r.policy);
    if (!compiled.ok()) __builtin_trap();
  } else if (r.errors.empty()) {
    __builtin_trap();  // a refusal must say why
  }
  return 0;
}
