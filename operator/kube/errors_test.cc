#include "kube/errors.h"

#include <gtest/gtest.h>

namespace kaudit::kube {
namespace {

std::string StatusBody(int code, const std::string& reason, const std::string& extra = "") {
  return R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"msg","reason":")" +
         reason + R"(","code":)" + std::to_string(code) + extra + "}";
}

TEST(ErrorsTest, EveryReasonMapsToCodeAndRetryClass) {
  struct Case {
    int http;
    const char* reason;
    StatusCode code;
    RetryClass retry;
  };
  const Case cases[] = {
      {404, "NotFound", StatusCode::kNotFound, RetryClass::kNever},
      {409, "AlreadyExists", StatusCode::kAlreadyExists, RetryClass::kNever},
      {409, "Conflict", StatusCode::kAborted, RetryClass::kReread},
      {410, "Gone", StatusCode::kFailedPrecondition, RetryClass::kRelist},
      {410, "Expired", StatusCode::kFailedPrecondition, RetryClass::kRelist},
      {422, "Invalid", StatusCode::kInvalidArgument, RetryClass::kNever},
      {400, "BadRequest", StatusCode::kInvalidArgument, RetryClass::kNever},
      {403, "Forbidden", StatusCode::kPermissionDenied, RetryClass::kNever},
      {401, "Unauthorized", StatusCode::kUnauthenticated, RetryClass::kReauth},
      {429, "TooManyRequests", StatusCode::kUnavailable, RetryClass::kBackoff},
      {503, "ServiceUnavailable", StatusCode::kUnavailable, RetryClass::kBackoff},
      {504, "Timeout", StatusCode::kUnavailable, RetryClass::kBackoff},
      {500, "InternalError", StatusCode::kUnavailable, RetryClass::kBackoff},
      {413, "RequestEntityTooLarge", StatusCode::kResourceExhausted, RetryClass::kNever},
      {405, "MethodNotAllowed", StatusCode::kInternal, RetryClass::kNever},
  };
  for (const auto& c : cases) {
    Status s = ToStatus(ParseApiError(c.http, StatusBody(c.http, c.reason), ""));
    EXPECT_EQ(s.code(), c.code) << c.reason;
    EXPECT_EQ(RetryClassOf(s), c.retry) << c.reason;
    EXPECT_EQ(ReasonOf(s), c.reason);
    EXPECT_EQ(s.message(), std::string(c.reason) + ": msg");
  }
}

TEST(ErrorsTest, NonStatusBodiesUseTheHttpCode) {
  ApiError e = ParseApiError(503, "<html>bad gateway</html>", "7");
  EXPECT_EQ(e.reason, "ServiceUnavailable");
  EXPECT_EQ(e.message, "<html>bad gateway</html>");
  ASSERT_TRUE(e.retry_after.has_value());
  EXPECT_EQ(e.retry_after->count(), 7);
  EXPECT_EQ(ParseApiError(418, "", "").message, "the server answered HTTP 418");
  EXPECT_EQ(ToStatus(ParseApiError(502, "", "")).code(), StatusCode::kUnavailable);
}

TEST(ErrorsTest, RetryAfterFromDetails) {
  ApiError e = ParseApiError(429, StatusBody(429, "TooManyRequests",
                                             R"(,"details":{"retryAfterSeconds":3})"), "");
  ASSERT_TRUE(e.retry_after.has_value());
  EXPECT_EQ(e.retry_after->count(), 3);
}

TEST(ErrorsTest, ExpiredOnlyForGoneAndExpired) {
  EXPECT_TRUE(IsExpired(ToStatus(ParseApiError(410, StatusBody(410, "Expired"), ""))));
  EXPECT_FALSE(IsExpired(Status::FailedPrecondition("something else")));
  EXPECT_FALSE(IsExpired(Status::Ok()));
  EXPECT_EQ(ReasonOf(Status::Internal("no reason here")), "");
}

}  // namespace
}  // namespace kaudit::kube
