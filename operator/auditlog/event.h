// One audit.k8s.io/v1 Event line (as kube-apiserver's log backend writes it, see
// ../shared/reference/audit-semantics.md §5) parsed into the attributes the policy evaluator
// matches on, plus what reports need (ids, stages, timestamps, body sizes).
//
// What is taken from where (the same as upstream's evaluator sees at request time):
//   user      `user.username`, `user.groups` (never `impersonatedUser`: auditing runs before
//             impersonation). has_user is false when `user` carries neither a username nor a
//             group, as for requests that failed authentication (`"user":{}`).
//   verb      `verb`.
//   resource  when `objectRef` is present (and not null): apiGroup, namespace, resource,
//             subresource, name; a missing field is "".
//   path      otherwise: `requestURI` up to the first '?', percent-decoded the way Go's
//             url.PathUnescape does (%XX only; '+' stays '+'; a malformed escape is an error,
//             since net/http answers such a request 400 before it could be audited).
// `user`, `verb` and `requestURI` are required (kube-apiserver always writes them); `kind` and
// `apiVersion` are optional but, when present, must be Event and audit.k8s.io/v1 (or v1beta1,
// whose request fields are the same).
//
// Thread safety: an EventParser is used by one thread at a time (one parser per thread); its
// ParsedEvent views stay valid until that parser's next Parse.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "policy/eval.h"

namespace kaudit::auditlog {

struct ParsedEvent {
  policy::RequestAttributes attrs;  // views valid until the next Parse
  std::string_view audit_id, stage, level, verb, request_uri, user_agent;
  std::string_view request_received_timestamp, stage_timestamp;
  std::string_view username;                         // same as attrs.user
  std::string_view resource, namespace_, api_group;  // for reports
  std::size_t line_bytes = 0;                        // the whole line, without its '\n'
  std::size_t request_object_bytes = 0;   // bytes of the "requestObject" JSON value, 0 if absent
  std::size_t response_object_bytes = 0;  // bytes of "responseObject", 0 if absent
  // Bytes of the metadata.managedFields values inside both objects, also inside the items of a
  // list (best effort: what omitManagedFields would remove, give or take the separators).
  std::size_t managed_fields_bytes = 0;
  // Not JSON: a `--audit-log-format=legacy` line. Only the fields that format carries are set
  // (audit_id, stage, verb, username, user_agent, namespace_, request_uri,
  // request_received_timestamp; in attrs only has_user, user, groups and verb). The format has
  // no objectRef, so such a line must not be evaluated against a policy.
  bool is_legacy_format = false;
};

struct EventParserOptions {
  // Fill request_object_bytes, response_object_bytes and managed_fields_bytes. Costs a second,
  // scalar pass over events that carry bodies; `kaudit eval` turns it off.
  bool measure_bodies = true;
};

class EventParser {
 public:
  // Readable bytes ParsePadded needs after the end of the line (simdjson's SIMDJSON_PADDING).
  static constexpr std::size_t kPadding = 64;

  explicit EventParser(EventParserOptions options = {});
  ~EventParser();
  EventParser(const EventParser&) = delete;
  EventParser& operator=(const EventParser&) = delete;

  // Parses one line (without its '\n'; surrounding whitespace, '\r' included, is allowed).
  // Errors are kInvalidArgument naming the field and the reason, e.g.
  //   `user.groups: expected an array of strings, got a string`. On error *out is unspecified.
  // Copies the line into an internal padded buffer; see ParsePadded to avoid that.
  Status Parse(std::string_view line, ParsedEvent* out);

  // The same, for a line the caller guarantees is followed by at least kPadding readable bytes
  // (LineReader's lines are). The views in *out may point into the line.
  Status ParsePadded(std::string_view line, ParsedEvent* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when line holds nothing but JSON whitespace (space, tab, '\r', '\n').
bool IsBlankLine(std::string_view line);

}  // namespace kaudit::auditlog
