// The size an event would have at the candidate policy's level, computed from the event as
// recorded: the JSON encoder writes members in a fixed order, so removing a body removes exactly
// `,"requestObject":<value>` (or responseObject) and changing the level changes only the level
// string. What cannot be measured is flagged instead: a body the log never held (the event was
// recorded below the level that would include it).
//
// Not modelled (a few dozen bytes per event at most, documented in docs/simulate.md): objectRef's
// uid and resourceVersion, which kube-apiserver fills in only at Request level and above.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "policy/eval.h"
#include "policy/policy.h"

namespace kaudit::simulate {

// `"requestObject":` plus the separating comma, and the same for the other members.
inline constexpr uint64_t kRequestObjectOverhead = 17;
inline constexpr uint64_t kResponseObjectOverhead = 18;
inline constexpr uint64_t kManagedFieldsOverhead = 17;

struct RecordedEvent {
  uint64_t bytes = 0;           // the line with its newline
  std::string_view level_text;  // "level" as written
  policy::Level level = policy::Level::kMetadata;
  bool is_resource_request = false;
  // Whether a request/response body can be there at all at a level that logs it: bodies are
  // only recorded by the handlers of verbs that carry them, and only ever appear on the
  // ResponseComplete (or Panic) line. Where they cannot, a higher level adds nothing for sure.
  bool may_have_request_body = false;
  bool may_have_response_body = false;
  uint64_t request_object_bytes = 0;  // value only; 0 = absent
  uint64_t response_object_bytes = 0;
  uint64_t request_managed_bytes = 0;  // managedFields values inside the request body
  uint64_t response_managed_bytes = 0;
};

struct SizedEvent {
  bool kept = false;        // the candidate emits this stage of this request
  uint64_t bytes = 0;       // measured size under the candidate (0 when not kept)
  bool drops_body = false;  // a recorded body is removed by the candidate's lower level
  // The candidate's level would include a body the log does not hold (estimate needed).
  bool needs_request_body = false;
  bool needs_response_body = false;
  // A Metadata-level rendering of this line: what an added RequestReceived line would weigh.
  uint64_t metadata_bytes = 0;
};

SizedEvent SizeUnder(const RecordedEvent& e, const policy::Decision& d, policy::Stage stage);

// Fills may_have_request_body / may_have_response_body from the verb and stage:
// request bodies for create, update, patch, delete and deletecollection (DeleteOptions);
// response bodies also for get and list; never for watch; only on ResponseComplete and Panic.
void SetBodyExpectations(std::string_view verb, policy::Stage stage, RecordedEvent* e);

}  // namespace kaudit::simulate
