#include "simulate/sizing.h"

namespace kaudit::simulate {

using policy::Level;

namespace {

uint64_t BodyBytes(uint64_t value_bytes, uint64_t overhead) {
  return value_bytes == 0 ? 0 : value_bytes + overhead;
}

uint64_t ManagedBytes(uint64_t value_bytes) {
  return value_bytes == 0 ? 0 : value_bytes + kManagedFieldsOverhead;
}

}  // namespace

SizedEvent SizeUnder(const RecordedEvent& e, const policy::Decision& d, policy::Stage stage) {
  SizedEvent out;
  const uint64_t request_body = BodyBytes(e.request_object_bytes, kRequestObjectOverhead);
  const uint64_t response_body = BodyBytes(e.response_object_bytes, kResponseObjectOverhead);
  const int64_t level_delta = static_cast<int64_t>(policy::LevelName(d.level).size()) -
                              static_cast<int64_t>(e.level_text.size());
  const int64_t metadata_delta = static_cast<int64_t>(policy::LevelName(Level::kMetadata).size()) -
                                 static_cast<int64_t>(e.level_text.size());
  out.metadata_bytes = static_cast<uint64_t>(
      static_cast<int64_t>(e.bytes - request_body - response_body) + metadata_delta);
  if (d.level == Level::kNone || d.Omits(stage)) return out;
  out.kept = true;
  int64_t bytes = static_cast<int64_t>(e.bytes) + level_delta;
  const bool keeps_request = d.level >= Level::kRequest;
  const bool keeps_response = d.level >= Level::kRequestResponse;
  if (!keeps_request && request_body > 0) {
    bytes -= static_cast<int64_t>(request_body);
    out.drops_body = true;
  }
  if (!keeps_response && response_body > 0) {
    bytes -= static_cast<int64_t>(response_body);
    out.drops_body = true;
  }
  if (d.omit_managed_fields) {
    if (keeps_request) bytes -= static_cast<int64_t>(ManagedBytes(e.request_managed_bytes));
    if (keeps_response) bytes -= static_cast<int64_t>(ManagedBytes(e.response_managed_bytes));
  }
  out.bytes = static_cast<uint64_t>(bytes);
  // Request and RequestResponse add nothing to non-resource requests (audit-semantics §1).
  if (e.is_resource_request) {
    out.needs_request_body = keeps_request && e.level < Level::kRequest && e.may_have_request_body;
    out.needs_response_body =
        keeps_response && e.level < Level::kRequestResponse && e.may_have_response_body;
  }
  return out;
}

void SetBodyExpectations(std::string_view verb, policy::Stage stage, RecordedEvent* e) {
  const bool final_stage =
      stage == policy::Stage::kResponseComplete || stage == policy::Stage::kPanic;
  const bool writes = verb == "create" || verb == "update" || verb == "patch" || verb == "delete" ||
                      verb == "deletecollection";
  e->may_have_request_body = final_stage && e->is_resource_request && writes;
  e->may_have_response_body =
      final_stage && e->is_resource_request && (writes || verb == "get" || verb == "list");
}

}  // namespace kaudit::simulate
