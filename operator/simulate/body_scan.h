// Measuring the bodies of one audit event line in a single vectorised pass: the spans of the
// top-level "requestObject" and "responseObject" values, and inside each the bytes of
// metadata.managedFields (also in every items[i].metadata of a list), which is what sizing needs
// to know what a lower level or omitManagedFields removes.
//
// Why not the parser's own measurement (auditlog::EventParserOptions::measure_bodies): that is a
// scalar pass that walks every string of a body; on logs with bodies it took more time than the
// JSON parse itself. Here 64 bytes at a time are classified with SSE2 (quotes, backslashes,
// brackets, colons), strings are masked out with a prefix-XOR of the unescaped quotes, and only
// brackets and the colons of the few objects that matter (the event, the bodies, their metadata,
// list items) are visited one by one. The string contents are never walked.
//
// The line must be followed by at least 64 readable bytes (chunk buffers are padded). On valid
// JSON the spans are exact; on anything else `balanced` may be false or the spans wrong, so
// callers only trust them for lines the JSON parser accepts. Keys are matched as written;
// kube-apiserver writes compact JSON in a fixed member order, and whitespace around keys and colons
// is tolerated.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>

namespace kaudit::simulate {

struct BodySpans {
  std::size_t request_bytes = 0;           // the requestObject value; 0 when absent or null
  std::size_t response_bytes = 0;          // the responseObject value; 0 when absent or null
  std::size_t request_managed_bytes = 0;   // managedFields values inside requestObject
  std::size_t response_managed_bytes = 0;  // ... inside responseObject
  std::size_t request_start = 0, response_start = 0;  // offsets of the values in the line
  // The event object closed exactly at the end of the line (only blanks after it). False for a
  // cut-off or otherwise unbalanced line: the spans are then meaningless.
  bool balanced = false;
};

inline constexpr std::size_t kBodyScanPadding = 64;

BodySpans ScanBodies(std::string_view line);

// Replaces each body in place by `{}` and closes the gap, so that a parser that does not need
// the bodies' contents does not spend time on them. Returns the new length of the line (the
// bytes after it up to the old length are left as they were, so padding stays readable).
// spans must come from ScanBodies on this line and be balanced.
std::size_t CutBodies(char* line, std::size_t size, const BodySpans& spans);

// The "level" value of a line in kube-apiserver's member order (it comes third, within the
// first bytes), or "" when it is not found there. A hint for skipping work, never trusted for
// results.
std::string_view PeekLevel(std::string_view line);

}  // namespace kaudit::simulate
