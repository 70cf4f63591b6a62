#include "auditlog/event.h"

#include <simdjson.h>

#include <string>
#include <vector>

#include "auditlog/json_span.h"
#include "auditlog/legacy.h"
#include "auditlog/uri.h"

// simdjson's DOM API, not On-Demand: in simdjson 3.0 On-Demand is compiled only for the CPU the
// compiler targets (the portable build gets the scalar "fallback" kernel), while the DOM parser
// picks the best kernel at run time (AVX2/AVX-512). Measured on the conformance events: 415 MB/s
// On-Demand (fallback) vs 1.7 GB/s DOM (icelake). The DOM keeps no source spans, so the body
// sizes come from a separate scan (json_span.h), only for events that carry bodies.
namespace kaudit::auditlog {

namespace dom = simdjson::dom;

static_assert(EventParser::kPadding >= simdjson::SIMDJSON_PADDING);

namespace {

std::string_view TypeName(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

Status TypeError(std::string_view prefix, std::string_view field, std::string_view want,
                 dom::element_type got) {
  return Status::InvalidArgument(std::string(prefix) + std::string(field) + ": expected " +
                                 std::string(want) + ", got " + std::string(TypeName(got)));
}

// Reads a string member; null leaves "" (Go's decoder leaves the zero value for null). The
// field's name is prefix + field, only built for an error message: this runs for every member.
Status ReadString(dom::element v, std::string_view field, std::string_view* out,
                  std::string_view prefix = {}) {
  dom::element_type t = v.type();
  if (t == dom::element_type::STRING) {
    *out = v.get_string().value_unsafe();
    return Status::Ok();
  }
  if (t == dom::element_type::NULL_VALUE) {
    *out = {};
    return Status::Ok();
  }
  return TypeError(prefix, field, "a string", t);
}

// Which members of an Event we read; everything else is skipped.
enum class Key {
  kOther,
  kKind,
  kApiVersion,
  kLevel,
  kAuditId,
  kStage,
  kRequestUri,
  kVerb,
  kUser,
  kUserAgent,
  kObjectRef,
  kRequestObject,
  kResponseObject,
  kRequestReceivedTimestamp,
  kStageTimestamp,
};

// Called for every member of every event: dispatch on the length first, so that most keys are
// told apart without comparing any bytes (a linear scan of names was a quarter of parse time).
Key KeyOf(std::string_view k) {
  switch (k.size()) {
    case 4:
      return k == "verb"   ? Key::kVerb
             : k == "user" ? Key::kUser
             : k == "kind" ? Key::kKind
                           : Key::kOther;
    case 5:
      return k == "stage" ? Key::kStage : k == "level" ? Key::kLevel : Key::kOther;
    case 7:
      return k == "auditID" ? Key::kAuditId : Key::kOther;
    case 9:
      return k == "userAgent" ? Key::kUserAgent : k == "objectRef" ? Key::kObjectRef : Key::kOther;
    case 10:
      return k == "requestURI"   ? Key::kRequestUri
             : k == "apiVersion" ? Key::kApiVersion
                                 : Key::kOther;
    case 13:
      return k == "requestObject" ? Key::kRequestObject : Key::kOther;
    case 14:
      return k == "stageTimestamp"   ? Key::kStageTimestamp
             : k == "responseObject" ? Key::kResponseObject
                                     : Key::kOther;
    case 24:
      return k == "requestReceivedTimestamp" ? Key::kRequestReceivedTimestamp : Key::kOther;
    default:
      return Key::kOther;
  }
}

// metadata.managedFields of one object's text (0 when there is none).
std::size_t MetadataManagedFields(std::string_view object) {
  std::string_view meta = internal::JsonFindMember(object, "metadata");
  return meta.empty() ? 0 : internal::JsonFindMember(meta, "managedFields").size();
}

// What omitManagedFields would remove from a logged body: the object's own managedFields, and
// for a list those of every item (best effort: separators are not counted).
std::size_t ManagedFieldsBytes(std::string_view body) {
  if (body.empty() || body.front() != '{') return 0;
  std::size_t total = 0;
  internal::JsonForEachMember(body, [&](std::string_view key, std::string_view value) {
    if (key == "metadata") {
      total += internal::JsonFindMember(value, "managedFields").size();
    } else if (key == "items") {
      internal::JsonForEachElement(
          value, [&](std::string_view item) { total += MetadataManagedFields(item); });
    }
  });
  return total;
}

}  // namespace

struct EventParser::Impl {
  explicit Impl(EventParserOptions o) : options(o) {}

  EventParserOptions options;
  dom::parser parser;
  std::string padded;  // Parse's padded copy of the line
  std::vector<std::string_view> groups;
  std::string path;
  std::string legacy_buf;

  // Per-line state.
  bool seen_user = false, seen_verb = false, seen_uri = false, has_object_ref = false;
  bool has_bodies = false;

  Status ParseLine(std::string_view line, ParsedEvent* out);
  Status ParseMember(Key key, dom::element v, ParsedEvent* out);
  Status ParseUser(dom::element v, ParsedEvent* out);
  Status ParseGroups(dom::element v);
  Status ParseObjectRef(dom::element v, ParsedEvent* out);
  Status Finish(ParsedEvent* out);
  void MeasureBodies(std::string_view line, ParsedEvent* out);
};

Status EventParser::Impl::ParseUser(dom::element v, ParsedEvent* out) {
  seen_user = true;
  if (v.is_null()) return Status::Ok();
  dom::object o;
  if (v.get_object().get(o)) return TypeError("", "user", "an object", v.type());
  for (dom::key_value_pair member : o) {
    if (member.key == "username") {
      KAUDIT_RETURN_IF_ERROR(ReadString(member.value, "user.username", &out->username));
    } else if (member.key == "groups") {
      KAUDIT_RETURN_IF_ERROR(ParseGroups(member.value));
    }
  }
  return Status::Ok();
}

Status EventParser::Impl::ParseGroups(dom::element v) {
  static constexpr std::string_view kField = "user.groups";
  groups.clear();
  if (v.is_null()) return Status::Ok();
  dom::array a;
  if (v.get_array().get(a)) return TypeError("", kField, "an array of strings", v.type());
  for (dom::element g : a) {
    std::string_view s;
    if (g.get_string().get(s)) return TypeError("", kField, "an array of strings", g.type());
    groups.push_back(s);
  }
  return Status::Ok();
}

Status EventParser::Impl::ParseObjectRef(dom::element v, ParsedEvent* out) {
  policy::RequestAttributes& a = out->attrs;
  a.api_group = a.namespace_ = a.resource = a.subresource = a.name = {};
  // `"objectRef": null` is a nil pointer in Go: not a resource request.
  has_object_ref = !v.is_null();
  if (!has_object_ref) return Status::Ok();
  dom::object o;
  if (v.get_object().get(o)) return TypeError("", "objectRef", "an object", v.type());
  for (dom::key_value_pair member : o) {
    std::string_view k = member.key;
    std::string_view* dst = k == "apiGroup"      ? &a.api_group
                            : k == "namespace"   ? &a.namespace_
                            : k == "resource"    ? &a.resource
                            : k == "subresource" ? &a.subresource
                            : k == "name"        ? &a.name
                                                 : nullptr;
    if (dst != nullptr) KAUDIT_RETURN_IF_ERROR(ReadString(member.value, k, dst, "objectRef."));
  }
  return Status::Ok();
}

Status EventParser::Impl::ParseMember(Key key, dom::element v, ParsedEvent* out) {
  std::string_view s;
  switch (key) {
    case Key::kOther:
      return Status::Ok();
    case Key::kKind:
      KAUDIT_RETURN_IF_ERROR(ReadString(v, "kind", &s));
      if (s == "Event") return Status::Ok();
      return Status::InvalidArgument("kind: \"" + std::string(s) + "\" is not an audit Event");
    case Key::kApiVersion:
      KAUDIT_RETURN_IF_ERROR(ReadString(v, "apiVersion", &s));
      if (s == "audit.k8s.io/v1" || s == "audit.k8s.io/v1beta1") return Status::Ok();
      return Status::InvalidArgument("apiVersion: \"" + std::string(s) +
                                     "\" is not supported: expected audit.k8s.io/v1");
    case Key::kLevel:
      return ReadString(v, "level", &out->level);
    case Key::kAuditId:
      return ReadString(v, "auditID", &out->audit_id);
    case Key::kStage:
      return ReadString(v, "stage", &out->stage);
    case Key::kRequestUri:
      seen_uri = true;
      return ReadString(v, "requestURI", &out->request_uri);
    case Key::kVerb:
      seen_verb = true;
      return ReadString(v, "verb", &out->verb);
    case Key::kUser:
      return ParseUser(v, out);
    case Key::kUserAgent:
      return ReadString(v, "userAgent", &out->user_agent);
    case Key::kObjectRef:
      return ParseObjectRef(v, out);
    case Key::kRequestObject:
    case Key::kResponseObject:
      has_bodies = has_bodies || !v.is_null();
      return Status::Ok();
    case Key::kRequestReceivedTimestamp:
      return ReadString(v, "requestReceivedTimestamp", &out->request_received_timestamp);
    case Key::kStageTimestamp:
      return ReadString(v, "stageTimestamp", &out->stage_timestamp);
  }
  return Status::Ok();
}

void EventParser::Impl::MeasureBodies(std::string_view line, ParsedEvent* out) {
  internal::JsonForEachMember(line, [&](std::string_view key, std::string_view value) {
    bool request = key == "requestObject";
    if (!request && key != "responseObject") return;
    // With duplicate keys the last one counts, as for every other member.
    std::size_t bytes = value == "null" ? 0 : value.size();
    (request ? out->request_object_bytes : out->response_object_bytes) = bytes;
  });
  std::size_t mf = 0;
  for (std::string_view key : {"requestObject", "responseObject"}) {
    mf += ManagedFieldsBytes(internal::JsonFindMember(line, key));
  }
  out->managed_fields_bytes = mf;
}

Status EventParser::Impl::ParseLine(std::string_view line, ParsedEvent* out) {
  *out = ParsedEvent{};
  out->line_bytes = line.size();
  groups.clear();
  seen_user = seen_verb = seen_uri = has_object_ref = has_bodies = false;
  dom::element root;
  if (auto err = parser.parse(line.data(), line.size(), false).get(root)) {
    return Status::InvalidArgument(std::string("not valid JSON: ") + simdjson::error_message(err));
  }
  dom::object top;
  if (root.get_object().get(top)) {
    return Status::InvalidArgument("not an audit event: expected a JSON object");
  }
  for (dom::key_value_pair member : top) {
    KAUDIT_RETURN_IF_ERROR(ParseMember(KeyOf(member.key), member.value, out));
  }
  KAUDIT_RETURN_IF_ERROR(Finish(out));
  if (has_bodies && options.measure_bodies) MeasureBodies(line, out);
  return Status::Ok();
}

Status EventParser::Impl::Finish(ParsedEvent* out) {
  if (!seen_user) return Status::InvalidArgument("user: required field is missing");
  if (!seen_verb) return Status::InvalidArgument("verb: required field is missing");
  if (!seen_uri) return Status::InvalidArgument("requestURI: required field is missing");
  policy::RequestAttributes& a = out->attrs;
  a.user = out->username;
  a.groups = groups;
  a.has_user = !out->username.empty() || !groups.empty();
  a.verb = out->verb;
  a.is_resource_request = has_object_ref;
  if (has_object_ref) {
    out->resource = a.resource;
    out->namespace_ = a.namespace_;
    out->api_group = a.api_group;
    return Status::Ok();
  }
  Status s = DecodeRequestPath(out->request_uri, &path);
  if (!s.ok()) return s.WithContext("requestURI");
  a.path = path;
  return Status::Ok();
}

EventParser::EventParser(EventParserOptions options) : impl_(std::make_unique<Impl>(options)) {}
EventParser::~EventParser() = default;

Status EventParser::Parse(std::string_view line, ParsedEvent* out) {
  std::string& buf = impl_->padded;
  // assign() keeps the capacity, so after the longest line no further allocation happens.
  buf.assign(line);
  buf.append(kPadding, ' ');
  return ParsePadded(std::string_view(buf.data(), line.size()), out);
}

Status EventParser::ParsePadded(std::string_view line, ParsedEvent* out) {
  std::size_t first = line.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && line[first] != '{') {
    *out = ParsedEvent{};
    if (!internal::LooksLegacy(line.substr(first))) {
      return Status::InvalidArgument("not an audit event: expected a JSON object");
    }
    if (internal::ParseLegacyLine(line.substr(first), &impl_->legacy_buf, &impl_->groups, out)) {
      out->line_bytes = line.size();
      return Status::Ok();
    }
    return Status::InvalidArgument("not an audit event: malformed legacy-format line");
  }
  return impl_->ParseLine(line, out);
}

bool IsBlankLine(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace kaudit::auditlog
