// Any bytes as an audit log through LineReader, EventParser and a compiled policy: no crash, no
// read past a line's padding (ASan), and Parse (copying) agrees with ParsePadded (in place).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "auditlog/event.h"
#include "auditlog/line_reader.h"
#include "policy/eval.h"

namespace {

class MemorySource : public kaudit::auditlog::ByteSource {
 public:
  MemorySource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  kaudit::StatusOr<size_t> Read(char* buf, size_t n) override {
    // Odd read sizes, so that lines straddle refills.
    size_t k = n < 7 ? n : 7 + (pos_ % 61);
    if (k > size_ - pos_) k = size_ - pos_;
    if (k > n) k = n;
    std::memcpy(buf, data_ + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

const kaudit::policy::CompiledPolicy& Policy() {
  static const kaudit::policy::CompiledPolicy* policy = [] {
    kaudit::policy::Policy p;
    kaudit::policy::PolicyRule a;
    a.level = "None";
    a.users = {"system:kube-proxy"};
    a.verbs = {"watch"};
    kaudit::policy::PolicyRule b;
    b.level = "Request";
    b.resources = {kaudit::policy::GroupResources{"", {"pods/*", "*/scale", "*"}, {"", "x"}}};
    b.namespaces = {"", "default"};
    kaudit::policy::PolicyRule c;
    c.level = "Metadata";
    c.non_resource_urls = {"/healthz*", "/api", "*"};
    c.user_groups = {"system:authenticated"};
    p.rules = {a, b, c};
    auto compiled = kaudit::policy::CompiledPolicy::Compile(p);
    if (!compiled.ok()) __builtin_trap();
    return new kaudit::policy::CompiledPolicy(std::move(compiled).value());
  }();
  return *policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemorySource source(data, size);
  kaudit::auditlog::LineReader reader(&source, 64, 4096);
  kaudit::auditlog::EventParser padded_parser, copying_parser;
  kaudit::auditlog::ParsedEvent a, b;
  kaudit::auditlog::Line line;
  while (reader.Next(&line)) {
    if (line.too_long) continue;
    kaudit::Status sa = padded_parser.ParsePadded(line.text, &a);
    kaudit::Status sb = copying_parser.Parse(line.text, &b);
    if (sa.ok() != sb.ok() || sa.message() != sb.message()) __builtin_trap();
    if (!sa.ok()) continue;
    if (a.attrs.user != b.attrs.user || a.attrs.path != b.attrs.path ||
        a.attrs.is_resource_request != b.attrs.is_resource_request ||
        a.request_object_bytes != b.request_object_bytes ||
        a.managed_fields_bytes != b.managed_fields_bytes) {
      __builtin_trap();
    }
    if (a.request_object_bytes + a.response_object_bytes > a.line_bytes) __builtin_trap();
    if (a.is_legacy_format) continue;
    kaudit::policy::Decision d = Policy().Evaluate(a.attrs);
    if (d.rule_index >= 3) __builtin_trap();
  }
  return 0;
}
