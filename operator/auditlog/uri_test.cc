#include "auditlog/uri.h"

#include <gtest/gtest.h>

namespace kaudit::auditlog {
namespace {

std::string Decode(std::string_view uri) {
  std::string out = "stale";
  Status s = DecodeRequestPath(uri, &out);
  EXPECT_TRUE(s.ok()) << uri << ": " << s.ToString();
  return out;
}

TEST(DecodeRequestPathTest, StripsTheQuery) {
  EXPECT_EQ(Decode("/healthz?timeout=32s"), "/healthz");
  EXPECT_EQ(Decode("/livez?exclude=etcd?x"), "/livez");
  EXPECT_EQ(Decode("/readyz?"), "/readyz");
  EXPECT_EQ(Decode("?only=query"), "");
  EXPECT_EQ(Decode(""), "");
}

TEST(DecodeRequestPathTest, DecodesPercentEscapesOnly) {
  EXPECT_EQ(Decode("/api%2Fv1"), "/api/v1");
  EXPECT_EQ(Decode("/logs/kube%2dapiserver.log"), "/logs/kube-apiserver.log");
  EXPECT_EQ(Decode("/a+b"), "/a+b");  // path unescaping leaves '+' alone
  EXPECT_EQ(Decode("/a%2Bb"), "/a+b");
  EXPECT_EQ(Decode("/%25zz"), "/%zz");  // decoded once, not twice
  EXPECT_EQ(Decode("/caf%C3%A9"), "/caf\xc3\xa9");
  EXPECT_EQ(Decode("/nul%00x"), std::string("/nul\0x", 6));
  EXPECT_EQ(Decode("/metrics?name%5B%5D=x"), "/metrics");
}

TEST(DecodeRequestPathTest, MalformedEscapesAreErrorsWordedLikeGo) {
  std::string out;
  Status s = DecodeRequestPath("/a%zzb", &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), R"(invalid URL escape "%zz")");
  EXPECT_EQ(DecodeRequestPath("/a%", &out).message(), R"(invalid URL escape "%")");
  EXPECT_EQ(DecodeRequestPath("/a%4", &out).message(), R"(invalid URL escape "%4")");
  EXPECT_EQ(DecodeRequestPath("/a%4g", &out).message(), R"(invalid URL escape "%4g")");
  EXPECT_EQ(DecodeRequestPath("/a%\x01q", &out).message(), R"(invalid URL escape "%\x01q")");
  EXPECT_TRUE(DecodeRequestPath("/ok?bad=%", &out).ok());  // the query is never decoded
}

}  // namespace
}  // namespace kaudit::auditlog
