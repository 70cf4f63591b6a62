// The request path kube-apiserver's audit policy matches nonResourceURLs against, recovered from
// an event's requestURI. The apiserver matches req.URL.Path, which Go's net/url decoded from the
// request line; the event records req.URL.RequestURI(), the re-escaped path plus the query.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace kaudit::auditlog {

// Writes into *out the part of request_uri before the first '?', percent-decoded as Go's
// url.PathUnescape does: every %XX (hex digits of either case) becomes that byte, '+' stays '+',
// nothing else changes. A '%' not followed by two hex digits is kInvalidArgument worded like Go:
// `invalid URL escape "%zz"`. *out's capacity is reused, so steady-state calls do not allocate.
Status DecodeRequestPath(std::string_view request_uri, std::string* out);

}  // namespace kaudit::auditlog
