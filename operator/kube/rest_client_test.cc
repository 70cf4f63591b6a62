#include <gtest/gtest.h>

#include "kube/client.h"
#include "kube/errors.h"
#include "mocks/kube_mocks.h"

namespace kaudit::kube {
namespace {

using ::testing::_;
using ::testing::Field;
using ::testing::Return;

HttpResponse Resp(int code, const std::string& body, const std::string& retry_after = "") {
  HttpResponse r;
  r.status = code;
  r.body = body;
  if (!retry_after.empty()) r.headers["retry-after"] = retry_after;
  return r;
}

RestClientOptions Fast() {
  RestClientOptions o;
  o.qps = 0;
  o.transport_backoff = std::chrono::milliseconds(1);
  return o;
}

TEST(RestClientTest, GetBuildsPathAndParses) {
  auto t = std::make_shared<MockHttpTransport>();
  EXPECT_CALL(*t, Do(AllOf(Field(&HttpRequest::method, "GET"),
                           Field(&HttpRequest::path, "/api/v1/namespaces/ns/configmaps/x"))))
      .WillOnce(Return(Resp(200, R"({"metadata":{"name":"x"}})")));
  auto c = NewRestClient(t, Fast());
  auto got = c->Get(resources::ConfigMaps(), "ns", "x");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["metadata"]["name"], "x");
}

TEST(RestClientTest, RetriesOn429WithRetryAfterForAnyMethod) {
  auto t = std::make_shared<MockHttpTransport>();
  EXPECT_CALL(*t, Do(_))
      .WillOnce(Return(Resp(429, R"({"kind":"Status","reason":"TooManyRequests","code":429})", "0")))
      .WillOnce(Return(Resp(201, "{}")));
  auto c = NewRestClient(t, Fast());
  EXPECT_TRUE(c->Create(resources::ConfigMaps(), "ns", Json::object()).ok());
}

TEST(RestClientTest, ServerErrorWithoutRetryAfterIsReturned) {
  auto t = std::make_shared<MockHttpTransport>();
  EXPECT_CALL(*t, Do(_)).WillOnce(Return(Resp(500, "oops")));
  auto c = NewRestClient(t, Fast());
  auto got = c->Get(resources::ConfigMaps(), "ns", "x");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(got.status()), "InternalError");
}

TEST(RestClientTest, TransportErrorsRetriedOnlyForIdempotentMethods) {
  auto t = std::make_shared<MockHttpTransport>();
  EXPECT_CALL(*t, Do(Field(&HttpRequest::method, "GET")))
      .WillOnce(Return(Status::Unavailable("reset")))
      .WillOnce(Return(Resp(200, "{}")));
  EXPECT_CALL(*t, Do(Field(&HttpRequest::method, "POST")))
      .WillOnce(Return(Status::Unavailable("reset")));
  auto c = NewRestClient(t, Fast());
  EXPECT_TRUE(c->Get(resources::ConfigMaps(), "ns", "x").ok());
  EXPECT_EQ(c->Create(resources::ConfigMaps(), "ns", Json::object()).status().code(),
            StatusCode::kUnavailable);
}

TEST(RestClientTest, ListFollowsContinueTokens) {
  auto t = std::make_shared<MockHttpTransport>();
  EXPECT_CALL(*t, Do(Field(&HttpRequest::path, "/api/v1/configmaps?labelSelector=a%3Db&limit=1")))
      .WillOnce(Return(Resp(200, R"({"metadata":{"resourceVersion":"5","continue":"t1"},
                                     "items":[{"metadata":{"name":"a"}}]})")));
  EXPECT_CALL(*t, Do(Field(&HttpRequest::path,
                           "/api/v1/configmaps?labelSelector=a%3Db&limit=1&continue=t1")))
      .WillOnce(Return(Resp(200, R"({"metadata":{"resourceVersion":"5"},
                                     "items":[{"metadata":{"name":"b"}}]})")));
  auto c = NewRestClient(t, Fast());
  ListOptions o;
  o.label_selector = "a=b";
  o.limit = 1;
  auto list = c->List(resources::ConfigMaps(), "", o);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ((*list)["items"].size(), 2u);
  EXPECT_EQ((*list)["items"][1]["metadata"]["name"], "b");
  EXPECT_EQ((*list)["metadata"]["resourceVersion"], "5");
  EXPECT_FALSE((*list)["metadata"].contains("continue"));
}

TEST(RestClientTest, ApplyNeedsAFieldManagerAndSendsApplyContentType) {
  auto t = std::make_shared<MockHttpTransport>();
  EXPECT_CALL(*t, Do(AllOf(Field(&HttpRequest::content_type, "application/apply-patch+yaml"),
                           Field(&HttpRequest::path,
                                 "/apis/coordination.k8s.io/v1/namespaces/n/leases/l"
                                 "?fieldManager=me&force=true"))))
      .WillOnce(Return(Resp(200, "{}")));
  auto c = NewRestClient(t, Fast());
  Json obj = {{"metadata", {{"name", "l"}, {"namespace", "n"}}}};
  EXPECT_EQ(c->Apply(resources::Leases(), obj, {}).status().code(),
            StatusCode::kInvalidArgument);
  PatchOptions po;
  po.field_manager = "me";
  po.force = true;
  EXPECT_TRUE(c->Apply(resources::Leases(), obj, po).ok());
}

TEST(RestClientTest, RetryOnConflictStopsOnOtherResults) {
  int calls = 0;
  Status s = RetryOnConflict([&] {
    ++calls;
    return calls < 3 ? Status::Aborted("Conflict: x") : Status::Ok();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 3);
  calls = 0;
  s = RetryOnConflict([&] {
    ++calls;
    return Status::Aborted("Conflict: x");
  });
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(s.code(), StatusCode::kAborted);
}

}  // namespace
}  // namespace kaudit::kube
