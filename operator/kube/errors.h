// API errors: a non-2xx answer's metav1.Status body turned into a kaudit::Status.
//
// The Status message is "<Reason>: <server message>" (e.g. "NotFound: configmaps \"x\" not
// found"), so ReasonOf() can recover the Kubernetes reason, and the code says how to react:
//
//   reason (HTTP)                        code                 retry class
//   NotFound (404)                       kNotFound            kNever (the world says no)
//   AlreadyExists (409)                  kAlreadyExists       kNever
//   Conflict (409)                       kAborted             kReread: GET again, re-apply
//   Gone / Expired (410)                 kFailedPrecondition  kRelist: start from a fresh list
//   Invalid (422), BadRequest (400)      kInvalidArgument     kNever: fix the request
//   Forbidden (403)                      kPermissionDenied    kNever (fix RBAC)
//   Unauthorized (401)                   kUnauthenticated     kReauth: refresh credentials
//   TooManyRequests (429), Service-
//   Unavailable (503), ServerTimeout,
//   Timeout (504), InternalError (500)   kUnavailable         kBackoff (honour Retry-After)
//   RequestEntityTooLarge (413)          kResourceExhausted   kNever
//   anything else                        kInternal            kNever
//   a transport failure                  kUnavailable         kBackoff
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kaudit::kube {

enum class RetryClass { kNever, kReread, kRelist, kReauth, kBackoff };

struct ApiError {
  int code = 0;
  std::string reason;   // metav1.StatusReason, e.g. "NotFound"
  std::string message;  // the server's message
  std::optional<std::chrono::seconds> retry_after;  // details.retryAfterSeconds or Retry-After
};

// Builds an ApiError from an HTTP status, a body (a Status object when the server sent one,
// otherwise anything) and a Retry-After header value (may be empty).
ApiError ParseApiError(int http_code, const std::string& body, const std::string& retry_after);

Status ToStatus(const ApiError& e);

// The Kubernetes reason recorded in a Status made by ToStatus ("" for other Statuses).
std::string ReasonOf(const Status& s);

RetryClass RetryClassOf(const Status& s);

inline bool IsNotFound(const Status& s) { return s.code() == StatusCode::kNotFound; }
inline bool IsConflict(const Status& s) { return s.code() == StatusCode::kAborted; }
inline bool IsAlreadyExists(const Status& s) { return s.code() == StatusCode::kAlreadyExists; }
// 410 Gone, or reason Expired (also from a watch ERROR event).
bool IsExpired(const Status& s);

}  // namespace kaudit::kube
