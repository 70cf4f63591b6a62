// Evaluate and EventParser::ParsePadded run on every line of multi-GB logs: after warm-up they
// must not allocate. This binary counts allocations by replacing the global operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "auditlog/event.h"
#include "policy/eval.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// noinline: once inlined, GCC pairs the malloc/free here with new/delete at call sites and
// warns (-Wmismatched-new-delete) about what is in fact a matched replacement.
__attribute__((noinline)) void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// Every other form too: a library that allocates with one form and frees with another (simdjson
// allocates its parser with the nothrow new) must meet the same malloc/free pair, or ASan
// reports an alloc-dealloc mismatch.
__attribute__((noinline)) void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
__attribute__((noinline)) void* operator new[](std::size_t n) { return operator new(n); }
__attribute__((noinline)) void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete[](void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace kaudit::auditlog {
namespace {

TEST(AllocationTest, ParseAndEvaluateDoNotAllocateInSteadyState) {
  policy::Policy pol;
  policy::PolicyRule r1;
  r1.level = "None";
  r1.users = {"system:kube-proxy"};
  r1.verbs = {"watch"};
  policy::PolicyRule r2;
  r2.level = "Metadata";
  r2.resources = {policy::GroupResources{"", {"secrets", "pods/*", "*/scale"}, {"a", ""}}};
  r2.namespaces = {"kube-system", ""};
  policy::PolicyRule r3;
  r3.level = "Request";
  r3.non_resource_urls = {"/healthz*", "/api"};
  r3.user_groups = {"system:authenticated"};
  policy::PolicyRule r4;
  r4.level = "RequestResponse";
  pol.rules = {r1, r2, r3, r4};
  auto compiled = policy::CompiledPolicy::Compile(pol);
  ASSERT_TRUE(compiled.ok());

  const std::string events[] = {
      R"({"verb":"get","user":{"username":"alice","groups":["dev","system:authenticated"]},)"
      R"("requestURI":"/healthz%2Fetcd?x=1"})",
      R"({"verb":"list","user":{"username":"u","groups":["a","b","c","d","e"]},)"
      R"("requestURI":"/api/v1/pods","objectRef":{"resource":"pods","namespace":"kube-system"},)"
      R"("requestObject":{"metadata":{"managedFields":[{"x":1}]}},)"
      R"("responseObject":{"items":[{"metadata":{"managedFields":[]}}]}})",
      R"({"verb":"watch","user":{},"requestURI":"/api/v1/secrets?watch=1"})",
  };
  // The reader's buffer gives each line its padding; emulate that here.
  std::string buffer;
  for (const std::string& e : events) buffer += e + std::string(EventParser::kPadding, ' ');

  EventParser parser;
  ParsedEvent ev;
  auto run_all = [&] {
    std::size_t pos = 0;
    int levels = 0;
    for (const std::string& e : events) {
      EXPECT_TRUE(parser.ParsePadded(std::string_view(buffer.data() + pos, e.size()), &ev).ok());
      levels += static_cast<int>(compiled->Evaluate(ev.attrs).level);
      pos += e.size() + EventParser::kPadding;
    }
    return levels;
  };
  int warm = run_all();  // grows the parsers' buffers once
  long before = g_allocations.load();
  int levels = 0;
  for (int i = 0; i < 100; ++i) levels += run_all();
  long after = g_allocations.load();
  EXPECT_EQ(after - before, 0) << "allocations in 300 parse+evaluate calls";
  EXPECT_EQ(levels, 100 * warm);
}

}  // namespace
}  // namespace kaudit::auditlog
