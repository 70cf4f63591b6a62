// Test helpers for simulate's unit tests (header-only, used by *_test.cc only): temporary
// folders with real files, gzip writing, and audit event lines built field by field so that a
// test can work out expected sizes from the text it wrote.
// Thread safety: none needed (test code).
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "policy/eval.h"
#include "policy/loader.h"

namespace kaudit::simulate::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kaudit-sim-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr) << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  EXPECT_TRUE(out.good()) << "writing " << path;
  return path;
}

// One gzip member per element of members, concatenated (as `cat a.gz b.gz` gives).
inline std::string WriteGzip(const std::string& path, const std::vector<std::string>& members) {
  std::string all;
  for (const std::string& m : members) {
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&zs, m.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(m.data()));
    zs.avail_in = static_cast<uInt>(m.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    all += out;
  }
  return WriteFile(path, all);
}

struct EventSpec {
  std::string level = "Metadata";
  std::string audit_id = "00000000-0000-0000-0000-000000000001";
  std::string stage = "ResponseComplete";
  std::string verb = "get";
  std::string user = "alice";
  std::string groups = R"(["system:authenticated"])";
  bool resource = true;
  std::string resource_name = "pods";
  std::string api_group;
  std::string subresource;
  std::string ns = "default";
  std::string name = "web-1";
  std::string uri;              // default: built from the resource fields
  std::string request_object;   // raw JSON, "" = absent
  std::string response_object;  // raw JSON, "" = absent
  std::string received = "2024-05-01T10:00:00.000000Z";
  std::string stage_time = "2024-05-01T10:00:00.100000Z";
};

// The line as kube-apiserver's json log backend writes it (member order of audit/v1 Event).
inline std::string EventLine(const EventSpec& e) {
  std::string uri = e.uri;
  if (uri.empty()) {
    uri = e.resource ? "/api/v1/namespaces/" + e.ns + "/" + e.resource_name + "/" + e.name
                     : "/healthz";
  }
  std::string s = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":")" + e.level +
                  R"(","auditID":")" + e.audit_id + R"(","stage":")" + e.stage +
                  R"(","requestURI":")" + uri + R"(","verb":")" + e.verb +
                  R"(","user":{"username":")" + e.user + R"(","groups":)" + e.groups +
                  R"(},"sourceIPs":["10.0.0.1"],"userAgent":"test")";
  if (e.resource) {
    s += R"(,"objectRef":{"resource":")" + e.resource_name + "\"";
    if (!e.ns.empty()) s += R"(,"namespace":")" + e.ns + "\"";
    if (!e.name.empty()) s += R"(,"name":")" + e.name + "\"";
    if (!e.api_group.empty()) s += R"(,"apiGroup":")" + e.api_group + "\"";
    s += R"(,"apiVersion":"v1")";
    if (!e.subresource.empty()) s += R"(,"subresource":")" + e.subresource + "\"";
    s += "}";
  }
  if (e.stage != "RequestReceived") s += R"(,"responseStatus":{"metadata":{},"code":200})";
  if (!e.request_object.empty()) s += R"(,"requestObject":)" + e.request_object;
  if (!e.response_object.empty()) s += R"(,"responseObject":)" + e.response_object;
  s += R"(,"requestReceivedTimestamp":")" + e.received + R"(","stageTimestamp":")" + e.stage_time +
       "\"}";
  return s;
}

inline policy::CompiledPolicy CompileOrDie(const std::string& yaml, policy::Policy* out = nullptr) {
  policy::LoadResult loaded = policy::LoadPolicy(yaml);
  EXPECT_TRUE(loaded.ok) << (loaded.errors.empty() ? "" : loaded.errors.front());
  if (out != nullptr) *out = loaded.policy;
  StatusOr<policy::CompiledPolicy> c = policy::CompiledPolicy::Compile(loaded.policy);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c.value());
}

}  // namespace kaudit::simulate::testing
