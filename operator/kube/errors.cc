#include "kube/errors.h"

#include <nlohmann/json.hpp>

namespace kaudit::kube {
namespace {

std::string DefaultReason(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "Unknown";
  }
}

StatusCode CodeFor(const std::string& reason, int http) {
  if (reason == "NotFound") return StatusCode::kNotFound;
  if (reason == "AlreadyExists") return StatusCode::kAlreadyExists;
  if (reason == "Conflict") return StatusCode::kAborted;
  if (reason == "Gone" || reason == "Expired") return StatusCode::kFailedPrecondition;
  if (reason == "Invalid" || reason == "BadRequest") return StatusCode::kInvalidArgument;
  if (reason == "Forbidden") return StatusCode::kPermissionDenied;
  if (reason == "Unauthorized") return StatusCode::kUnauthenticated;
  if (reason == "TooManyRequests" || reason == "ServiceUnavailable" ||
      reason == "ServerTimeout" || reason == "Timeout" || reason == "InternalError") {
    return StatusCode::kUnavailable;
  }
  if (reason == "RequestEntityTooLarge") return StatusCode::kResourceExhausted;
  if (http >= 500) return StatusCode::kUnavailable;
  return StatusCode::kInternal;
}

}  // namespace

ApiError ParseApiError(int http_code, const std::string& body, const std::string& retry_after) {
  ApiError e;
  e.code = http_code;
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_discarded() && doc.is_object() && doc.value("kind", "") == "Status") {
    e.reason = doc.value("reason", "");
    e.message = doc.value("message", "");
    if (doc.contains("code") && doc["code"].is_number_integer()) e.code = doc["code"].get<int>();
    const auto& details = doc.contains("details") ? doc["details"] : nlohmann::json();
    if (details.is_object() && details.contains("retryAfterSeconds") &&
        details["retryAfterSeconds"].is_number_integer()) {
      e.retry_after = std::chrono::seconds(details["retryAfterSeconds"].get<int>());
    }
  } else {
    e.message = body.substr(0, 512);
  }
  if (e.reason.empty()) e.reason = DefaultReason(e.code);
  if (e.message.empty()) e.message = "the server answered HTTP " + std::to_string(http_code);
  if (!retry_after.empty()) {
    try {
      e.retry_after = std::chrono::seconds(std::stoi(retry_after));
    } catch (const std::exception&) {
      // An HTTP-date Retry-After: the apiserver never sends one; keep the body's value.
    }
  }
  return e;
}

Status ToStatus(const ApiError& e) {
  return Status(CodeFor(e.reason, e.code), e.reason + ": " + e.message);
}

std::string ReasonOf(const Status& s) {
  if (s.ok()) return "";
  const std::string& m = s.message();
  auto colon = m.find(": ");
  if (colon == std::string::npos || colon == 0) return "";
  for (std::size_t i = 0; i < colon; ++i) {
    if (!std::isalpha(static_cast<unsigned char>(m[i]))) return "";
  }
  return m.substr(0, colon);
}

bool IsExpired(const Status& s) {
  std::string r = ReasonOf(s);
  return s.code() == StatusCode::kFailedPrecondition && (r == "Gone" || r == "Expired");
}

RetryClass RetryClassOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kAborted: return RetryClass::kReread;
    case StatusCode::kFailedPrecondition: return IsExpired(s) ? RetryClass::kRelist
                                                              : RetryClass::kNever;
    case StatusCode::kUnauthenticated: return RetryClass::kReauth;
    case StatusCode::kUnavailable: return RetryClass::kBackoff;
    default: return RetryClass::kNever;
  }
}

}  // namespace kaudit::kube
